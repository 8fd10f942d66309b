import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'

/**
 * A SCRAM-SHA-256 verifier (the form PostgreSQL stores in pg_authid.rolpassword), computed here so the
 * clear-text password never travels in SQL text and never shows up in the server's statement log
 * (psql's \password does the same). Format: SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>.
 */
export function scramSha256Verifier(
  password: string,
  options: { salt?: Buffer; iterations?: number } = {},
): string {
  const salt = options.salt ?? randomBytes(16)
  const iterations = options.iterations ?? 4096
  // PostgreSQL applies SASLprep to the password; our generated passwords are ASCII, where SASLprep is the identity.
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

/** A password for a tenant role: 32 random bytes as hex (URL-safe, no quoting needed anywhere). */
export function generatePassword(bytes = 32): string {
  return randomBytes(bytes).toString('hex')
}
