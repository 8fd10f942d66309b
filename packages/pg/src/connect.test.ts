import { describe, expect, it } from 'vitest'
import { formatDatabaseUrl, maskDatabaseUrl, parseDatabaseUrl, repointLocalUrl } from './connect.js'

describe('database URLs', () => {
  it('round-trips with encoding', () => {
    const target = {
      host: '127.0.0.1',
      port: 5433,
      user: 'sp_a_b',
      password: 'p@ss:/word',
      database: 'sp_a_b',
    }
    const url = formatDatabaseUrl(target)
    expect(url).toBe('postgresql://sp_a_b:p%40ss%3A%2Fword@127.0.0.1:5433/sp_a_b')
    expect(parseDatabaseUrl(url)).toEqual(target)
  })
  it('defaults the port', () => {
    expect(parseDatabaseUrl('postgres://u:p@db.example/app')).toMatchObject({ port: 5432, database: 'app' })
  })
  it.each([
    ['mysql://u:p@h/d', 'it must start with postgres:// or postgresql://'],
    ['postgres://', 'it names no host'],
    ['postgres://h/d', 'it names no user'],
    ['postgres://:pw@h/d', 'it names no user'],
    ['postgres://u:p@db.example', 'it names no database'],
    ['postgres://u:p@db.example/', 'it names no database'],
    ['postgres://u:p%zz@h/d', 'it has a malformed %-escape'],
    [`postgres://u:${'x'.repeat(5000)}@h/d`, 'it has 5017 characters (at most 4096)'],
  ])('rejects URL %# with the rule it breaks, never echoing the URL', (url, rule) => {
    const error = (() => {
      try {
        parseDatabaseUrl(url)
      } catch (e) {
        return e as { code: string; message: string; fix: string }
      }
      throw new Error('accepted')
    })()
    expect(error.code).toBe('DATABASE_URL_INVALID')
    expect(error.message).toContain(rule)
    expect(error.message).not.toContain('p%zz')
    expect(error.message).not.toContain('xxxx')
    expect(error.fix).toContain('postgres://user:password@host:port/database')
  })
  it('masks the password', () => {
    expect(maskDatabaseUrl('postgresql://u:secret@127.0.0.1:5432/d')).toBe(
      'postgresql://u:***@127.0.0.1:5432/d',
    )
    expect(maskDatabaseUrl('postgresql://u@h/d')).toBe('postgresql://u@h/d')
  })
})

describe('repointLocalUrl', () => {
  it('changes only the port of a loopback URL, every other byte kept', () => {
    expect(repointLocalUrl('postgresql://u:p%40ss@127.0.0.1:5432/db?sslmode=disable', 5460)).toBe(
      'postgresql://u:p%40ss@127.0.0.1:5460/db?sslmode=disable',
    )
    expect(repointLocalUrl('postgres://u:pw@localhost/db', 5460)).toBe('postgres://u:pw@localhost:5460/db')
    expect(repointLocalUrl('postgres://u:pw@[::1]:5433/db', 5440, 5433)).toBe('postgres://u:pw@[::1]:5440/db')
    // Given `from`, another port is left alone; so is any other host.
    expect(repointLocalUrl('postgres://u:pw@127.0.0.1:6000/db', 5460, 5432)).toBeUndefined()
    expect(repointLocalUrl('postgres://u:pw@db.example.com:5432/db', 5460)).toBeUndefined()
    expect(repointLocalUrl('postgres://u:pw@127.0.0.10:5432/db', 5460)).toBeUndefined()
    expect(repointLocalUrl('postgres://u:pw@127.0.0.1:5460/db', 5460)).toBe(
      'postgres://u:pw@127.0.0.1:5460/db',
    )
  })
})

// A peer that speaks just enough of the protocol to let a client in (AuthenticationOk, ReadyForQuery) and then
// never closes its side: what a real server's backend does for the ~10 ms it takes to exit, held open here so
// the test can tell endClient (closes ours after Terminate) from client.end() (waits for the server's close).
// The real server's view of endClient (no abandoned session) is in pg.integration.test.ts.
describe('endClient', () => {
  it('sends Terminate and returns without waiting for the server to close its side', async () => {
    const { createServer } = await import('node:net')
    const received: Buffer[] = []
    const sockets: import('node:net').Socket[] = []
    // allowHalfOpen: our FIN does not make it close its side (Node's default would)
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      sockets.push(socket)
      let startup = true
      socket.on('data', (data) => {
        received.push(data)
        if (!startup) return
        startup = false
        const ok = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]) // 'R' AuthenticationOk
        const ready = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]) // 'Z' ReadyForQuery (idle)
        socket.write(Buffer.concat([ok, ready]))
      })
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as import('node:net').AddressInfo).port
    try {
      const { connect, endClient } = await import('./connect.js')
      const client = await connect({ host: '127.0.0.1', port, user: 'u', password: 'p', database: 'd' })
      const ended = await Promise.race([
        endClient(client).then(() => 'ended'),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3000)),
      ])
      expect(ended).toBe('ended')
      await new Promise((resolve) => setTimeout(resolve, 50))
      // the last thing the client sent is Terminate: 'X', length 4
      expect(Buffer.concat(received).subarray(-5)).toEqual(Buffer.from([0x58, 0, 0, 0, 4]))
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
