/**
 * Test-only: a throwaway PostgreSQL container on a free 127.0.0.1 port, labelled systemprompt.test=1,
 * removed (with its anonymous volume) by `stop()`. Uses the Debian docker client, like a user would.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import pg from 'pg'

const run = promisify(execFile)
export const DOCKER = '/usr/bin/docker'
export const TEST_IMAGE = process.env.SYSTEMPROMPT_POSTGRES_IMAGE ?? 'systemprompt-testbed/postgres:15'

export interface TestPostgres {
  name: string
  port: number
  adminUser: string
  adminPassword: string
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('no port'))
      })
    })
  })
}

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex')
}

export async function startTestPostgres(label = 'registry'): Promise<TestPostgres> {
  const name = `sp-test-${label}-${uniqueSuffix()}`
  const port = await freePort()
  const adminUser = 'systemprompt_admin'
  const adminPassword = randomBytes(16).toString('hex')
  await run(DOCKER, [
    'run',
    '-d',
    '--name',
    name,
    '--label',
    'systemprompt.test=1',
    '-p',
    `127.0.0.1:${port}:5432`,
    '-e',
    `POSTGRES_USER=${adminUser}`,
    '-e',
    `POSTGRES_PASSWORD=${adminPassword}`,
    '-e',
    'POSTGRES_DB=postgres',
    TEST_IMAGE,
  ])
  const stop = async (): Promise<void> => {
    await run(DOCKER, ['rm', '-f', '-v', name]).catch(() => {})
  }
  try {
    await waitForLogin({ port, user: adminUser, password: adminPassword })
  } catch (error) {
    await stop()
    throw error
  }
  return { name, port, adminUser, adminPassword, stop }
}

async function waitForLogin(opts: { port: number; user: string; password: string }): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const client = new pg.Client({
      host: '127.0.0.1',
      database: 'postgres',
      connectionTimeoutMillis: 2000,
      ...opts,
    })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('SELECT 1')
      await client.end()
      return
    } catch (error) {
      await client.end().catch(() => {})
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
