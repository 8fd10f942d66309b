/** What a masked secret looks like in every output. */
export const MASK = '********'

/**
 * Keys whose values are secrets wherever they appear (results, error details, config dumps).
 * Compared case-insensitively, with '-' treated as '_'.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'api_key',
  'apikey',
  'jwt_secret',
  'admin_password',
  'anthropic_api_key',
  'openai_api_key',
  'gemini_api_key',
  'private_key',
  'access_token',
  'refresh_token',
  'client_secret',
  'postgres_password',
  // secrets.json keys of the original tool (provider API keys under their provider's name)
  'gemini',
  'anthropic',
  'openai',
  'github',
])

/**
 * Keys whose whole object is secret: every value of `secrets.json` is a secret, custom keys included,
 * so a `secrets` section is masked value by value whatever the keys are called.
 */
const SECRET_SECTIONS: ReadonlySet<string> = new Set(['secrets'])

/** Keys seen before: masking 500 rows asks about the same few keys thousands of times. */
const secretKeyCache = new Map<string, boolean>()

export function isSecretKey(key: string): boolean {
  let secret = secretKeyCache.get(key)
  if (secret === undefined) {
    secret = classifyKey(key)
    if (secretKeyCache.size < 10_000) secretKeyCache.set(key, secret)
  }
  return secret
}

function classifyKey(key: string): boolean {
  // adminPassword, admin-password and admin_password are the same key.
  const k = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replaceAll('-', '_')
  if (SECRET_KEYS.has(k)) return true
  // Catch the obvious variants (db_password, github_token, shared_secret) without a list of every name.
  return /(^|_)(password|passwd|secret|token|api_?key)$/.test(k)
}

// scheme://user:password@host: greedy up to the last '@' of the authority, so a raw '@' in a password is masked too.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)([^\s/]+)@/gi
// KEY=value (env style) and "key": "value" (JSON text) forms of secret keys inside free text.
const ENV_ASSIGNMENT = /\b([A-Za-z0-9_]*(?:PASSWORD|SECRET|TOKEN|API_KEY))=([^\s"',;]+)/gi
const JSON_ASSIGNMENT = /("[A-Za-z0-9_-]*(?:password|secret|token|api_key)"\s*:\s*")((?:[^"\\]|\\.)+)(")/gi

/** Masks passwords inside URLs and assignments of secret keys in free text. */
export function maskString(text: string): string {
  return text
    .replace(URL_PASSWORD, (_all, head: string) => `${head}${MASK}@`)
    .replace(ENV_ASSIGNMENT, (_all, key: string) => `${key}=${MASK}`)
    .replace(JSON_ASSIGNMENT, (_all, head: string, _value: string, tail: string) => `${head}${MASK}${tail}`)
}

/**
 * Deep copy of `value` with secrets masked: values under secret keys become MASK (null stays null,
 * so "not set" remains visible), and every string has URL passwords masked. Never mutates the input.
 */
export function maskSecrets<T>(value: T): T {
  return walk(value, new WeakMap()) as T
}

function walk(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return maskString(value)
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return seen.get(value)
  if (Array.isArray(value)) {
    const out: unknown[] = []
    seen.set(value, out)
    for (const item of value) out.push(walk(item, seen))
    return out
  }
  if (value instanceof Date) return value
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: maskString(value.message) }
    seen.set(value, out)
    return out
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON
  const source = typeof toJSON === 'function' ? (toJSON.call(value) as unknown) : value
  if (source !== value) return walk(source, seen)
  const out: Record<string, unknown> = {}
  seen.set(value, out)
  for (const [key, child] of Object.entries(value)) {
    if (SECRET_SECTIONS.has(key) && isPlainObject(child)) out[key] = maskSection(child)
    else if (isSecretKey(key) && child !== null && child !== undefined && child !== '') out[key] = MASK
    else out[key] = walk(child, seen)
  }
  return out
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Every set value masked: URLs keep their host and database (their password goes), anything else is MASK. */
function maskSection(section: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(section)) {
    if (child === null || child === undefined || child === '') out[key] = child
    else if (typeof child === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/]+@/i.test(child))
      out[key] = maskString(child)
    else out[key] = MASK
  }
  return out
}
