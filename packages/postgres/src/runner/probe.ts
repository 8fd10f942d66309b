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
