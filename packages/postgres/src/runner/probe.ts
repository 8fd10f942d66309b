import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto'
import { connect } from 'node:net'

/** PostgreSQL protocol 3.0. */
const PROTOCOL_3_0 = 196_608

/**
 * Does PostgreSQL on 127.0.0.1:port accept a login right now? Sends a protocol startup message and reads
 * the first reply byte: 'R' (an authentication request) means the server takes logins; 'E' means it
 * refused (57P03 "starting up", shutting down, too many clients). The connection is closed at the password
 * prompt, which PostgreSQL does not log (clients such as psql do that to ask for a password).
 *
 * For a server that is already running: proof that it is up without the pg driver (whose import alone
 * costs more than the whole `db up` fast path) and without the password. A bare TCP connect would not
 * do: docker-proxy accepts on the published port even while PostgreSQL is not listening yet.
 */
export function acceptsLogins(
  port: number,
  user: string,
  database: string,
  timeoutMs = 1000,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    let settled = false
    const done = (ok: boolean) => {
      if (settled) return
      settled = true
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
    socket.once('connect', () => socket.write(startupMessage(user, database)))
    socket.once('data', (chunk: Buffer) => done(chunk[0] === 0x52 /* 'R' */))
  })
}

/**
 * What one real login attempt gave: `ok` (the server checked this password: a SCRAM-SHA-256 exchange whose
 * server signature verified, or an md5 answer it accepted), `unproven` (it let us in without checking any
 * password — trust — or asked for it in cleartext, which is not sent: nothing about the password is known,
 * so callers must not write or cache it), `rejected` (the server refused this user/password: SQLSTATE 28P01
 * or 28000), or `unavailable` (not listening, starting up, another error, an authentication method we do
 * not speak, or no answer in time).
 */
export type LoginOutcome =
  | { kind: 'ok' }
  | { kind: 'unproven'; reason: string }
  | { kind: 'rejected'; sqlstate: string }
  | {
      kind: 'unavailable'
      sqlstate?: string
      reason: string
      /** Nothing spoke the protocol: refused, closed, or silent (not listening yet, docker-proxy alone). */
      noServer?: boolean
    }

export interface VerifyLoginOptions {
  /** After the login, run `SELECT 1` on the session (a server being started: SPEC's readiness). */
  selectOne?: boolean
  /** Called when the server first answers with an authentication request (it takes logins). */
  onAuthRequest?: () => void
}

/**
 * A real login as `user` with `password` on 127.0.0.1:port, over the protocol itself: SCRAM-SHA-256 (the
 * default of PostgreSQL 14+ and of our servers) or md5, then a Terminate. A server that lets us in without
 * such an exchange (trust) or asks for the password in cleartext proves nothing: `unproven`. Proves what
 * `acceptsLogins` cannot — that this password opens the server — for the price of a few round trips and
 * one PBKDF2, without loading the pg driver (the `db up` fast path cannot afford its import). The server's
 * SCRAM signature is checked too, so a stand-in that accepts anything does not pass.
 */
export function verifyLogin(
  port: number,
  login: { user: string; database: string; password: string },
  timeoutMs = 1000,
  options: VerifyLoginOptions = {},
): Promise<LoginOutcome> {
  // SCRAM wants the password SASLprep'd; printable ASCII (every password we generate) is its own SASLprep.
  if (!/^[\x20-\x7e]*$/.test(login.password))
    return Promise.resolve({ kind: 'unavailable', reason: 'the password needs SASLprep (not done here)' })
  return new Promise((resolve) => {
    let settled = false
    const socket = connect({ host: '127.0.0.1', port })
    const done = (outcome: LoginOutcome) => {
      if (settled) return
      settled = true
      socket.setTimeout(0)
      // A clean goodbye after a login (the server logs an unexpected EOF otherwise); anything else: drop it.
      if (outcome.kind === 'ok') socket.end(TERMINATE).unref()
      else socket.destroy()
      resolve(outcome)
    }
    const conversation = new LoginConversation(login, (message) => socket.write(message), options)
    let pending = Buffer.alloc(0)
    let spoke = false
    const silent = (reason: string): LoginOutcome => ({ kind: 'unavailable', reason, noServer: !spoke })
    socket.setTimeout(timeoutMs, () => done(silent('no answer in time')))
    socket.on('error', (error) => done(silent(error.message)))
    socket.once('close', () => done(silent('connection closed')))
    socket.once('connect', () => socket.write(startupMessage(login.user, login.database)))
    socket.on('data', (chunk: Buffer) => {
      spoke = true
      pending = Buffer.concat([pending, chunk])
      // One backend message: a type byte, then an Int32 length that counts itself but not the type byte.
      while (pending.length >= 5) {
        const length = pending.readInt32BE(1)
        if (length < 4) return done({ kind: 'unavailable', reason: 'malformed reply' })
        if (pending.length < 1 + length) return
        const type = pending[0] as number
        const body = pending.subarray(5, 1 + length)
        pending = pending.subarray(1 + length)
        const outcome = conversation.receive(type, body)
        if (outcome) return done(outcome)
      }
    })
  })
}

const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]) // 'X'

/** The client side of the authentication exchange, one backend message at a time. */
class LoginConversation {
  private scram: { clientFirstBare: string; nonce: string; authMessage?: string; saltedPassword?: Buffer } = {
    clientFirstBare: '',
    nonce: '',
  }
  /** The server checked the password: its SCRAM signature verified, or it asked for (and got) an md5 answer. */
  private proven = false
  private asked = false
  private queried = false

  constructor(
    private readonly login: { user: string; password: string },
    private readonly send: (message: Buffer) => void,
    private readonly options: VerifyLoginOptions = {},
  ) {}

  /** Handles one message; returns the outcome once there is one. */
  receive(type: number, body: Buffer): LoginOutcome | undefined {
    if (type === 0x45 /* 'E' */) return errorOutcome(body)
    if (type === 0x5a /* 'Z' ReadyForQuery */) {
      if (!this.proven) return unproven('no password exchange')
      if (!this.options.selectOne || this.queried) return { kind: 'ok' }
      // The session takes a query: CommandComplete, then ReadyForQuery again (an error comes as 'E').
      this.queried = true
      this.send(message(0x51 /* 'Q' */, cstring('SELECT 1')))
      return undefined
    }
    if (type !== 0x52 /* 'R' */) return undefined // ParameterStatus, BackendKeyData, RowDescription, DataRow, notices
    if (!this.asked) {
      this.asked = true
      this.options.onAuthRequest?.()
    }
    const code = body.readInt32BE(0)
    const data = body.subarray(4)
    switch (code) {
      case 0: // AuthenticationOk: ReadyForQuery follows, when a password exchange came first
        return this.proven ? undefined : unproven('the server let us in without checking a password (trust)')
      case 3: // cleartext: proves nothing the server could not fake, and would hand the password out
        return unproven('the server asked for the password in cleartext (not sent)')
      case 5: {
        const inner = md5Hex(`${this.login.password}${this.login.user}`)
        const outer = md5Hex(Buffer.concat([Buffer.from(inner), data.subarray(0, 4)]))
        this.send(message(0x70, cstring(`md5${outer}`)))
        // Only the password's md5 opens an md5 challenge: AuthenticationOk after it means the server checked it.
        this.proven = true
        return undefined
      }
      case 10:
        return this.scramStart(data)
      case 11:
        return this.scramContinue(data.toString('utf8'))
      case 12:
        return this.scramFinal(data.toString('utf8'))
      default:
        return { kind: 'unavailable', reason: `authentication method ${code} is not supported here` }
    }
  }

  private scramStart(data: Buffer): LoginOutcome | undefined {
    const mechanisms = data.toString('utf8').split('\0').filter(Boolean)
    if (!mechanisms.includes('SCRAM-SHA-256'))
      return { kind: 'unavailable', reason: `SASL mechanisms ${mechanisms.join(', ')} not supported here` }
    const nonce = randomBytes(18).toString('base64')
    // PostgreSQL takes the user from the startup message; the SCRAM user name stays empty (as libpq sends it).
    const clientFirstBare = `n=,r=${nonce}`
    this.scram = { clientFirstBare, nonce }
    const first = Buffer.from(`n,,${clientFirstBare}`, 'utf8')
    const length = Buffer.alloc(4)
    length.writeInt32BE(first.length, 0)
    this.send(message(0x70, Buffer.concat([cstring('SCRAM-SHA-256'), length, first])))
    return undefined
  }

  private scramContinue(serverFirst: string): LoginOutcome | undefined {
    const fields = scramFields(serverFirst)
    const serverNonce = fields.get('r')
    const salt = fields.get('s')
    const iterations = Number(fields.get('i'))
    if (
      !serverNonce?.startsWith(this.scram.nonce) ||
      !salt ||
      !Number.isInteger(iterations) ||
      iterations < 1
    )
      return { kind: 'unavailable', reason: 'malformed SCRAM challenge' }
    const saltedPassword = pbkdf2Sync(
      this.login.password,
      Buffer.from(salt, 'base64'),
      iterations,
      32,
      'sha256',
    )
    const clientKey = hmac(saltedPassword, 'Client Key')
    const storedKey = createHash('sha256').update(clientKey).digest()
    const withoutProof = `c=biws,r=${serverNonce}`
    const authMessage = `${this.scram.clientFirstBare},${serverFirst},${withoutProof}`
    const signature = hmac(storedKey, authMessage)
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] as number)))
    this.scram = { ...this.scram, authMessage, saltedPassword }
    this.send(message(0x70, Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8')))
    return undefined
  }

  private scramFinal(serverFinal: string): LoginOutcome | undefined {
    const { authMessage, saltedPassword } = this.scram
    const verifier = scramFields(serverFinal).get('v')
    if (!authMessage || !saltedPassword || !verifier)
      return { kind: 'unavailable', reason: 'malformed SCRAM final message' }
    const expected = hmac(hmac(saltedPassword, 'Server Key'), authMessage)
    const got = Buffer.from(verifier, 'base64')
    if (got.length !== expected.length || !timingSafeEqual(got, expected))
      return { kind: 'unavailable', reason: 'the server did not prove it knows the password (SCRAM)' }
    this.proven = true
    return undefined
  }
}

function unproven(reason: string): LoginOutcome {
  return { kind: 'unproven', reason }
}

function errorOutcome(body: Buffer): LoginOutcome {
  const fields = new Map<string, string>()
  let at = 0
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1)
    if (end === -1) break
    fields.set(String.fromCharCode(body[at] as number), body.toString('utf8', at + 1, end))
    at = end + 1
  }
  const sqlstate = fields.get('C') ?? ''
  if (sqlstate === '28P01' || sqlstate === '28000') return { kind: 'rejected', sqlstate }
  return { kind: 'unavailable', sqlstate, reason: fields.get('M') ?? `SQLSTATE ${sqlstate}` }
}

function scramFields(text: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const part of text.split(',')) {
    const at = part.indexOf('=')
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1))
  }
  return fields
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest()
}

function md5Hex(input: string | Buffer): string {
  return createHash('md5').update(input).digest('hex')
}

function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf8')
}

/** A frontend message: type byte, Int32 length (itself included), body. */
function message(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head[0] = type
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(
    `user\0${user}\0database\0${database}\0application_name\0systemprompt\0\0`,
    'utf8',
  )
  const message = Buffer.alloc(8 + params.length)
  message.writeInt32BE(message.length, 0)
  message.writeInt32BE(PROTOCOL_3_0, 4)
  params.copy(message, 8)
  return message
}
