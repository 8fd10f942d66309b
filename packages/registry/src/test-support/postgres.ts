/**
 * Test-only: a throwaway PostgreSQL container on a free 127.0.0.1 port, labelled as a test run of its own,
 * removed (with its anonymous volume) by `stop()`. Uses the Debian docker client, like a user would.
 */
import { randomBytes } from 'node:crypto'
import { docker, freePort, newRunId, removeRun, testImage, testLabels } from '@systemprompt/testkit'
import pg from 'pg'

export interface TestPostgres {
  name: string
  port: number
  adminUser: string
  adminPassword: string
  stop(): Promise<void>
}

export async function startTestPostgres(label = 'registry'): Promise<TestPostgres> {
  const run = newRunId()
  const name = `sp-test-${label}-${run}`
  const port = await freePort()
  const adminUser = 'systemprompt_admin'
  const adminPassword = randomBytes(16).toString('hex')
  docker([
    'run',
    '-d',
    '--name',
    name,
    ...Object.entries(testLabels(run)).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
    '-p',
    `127.0.0.1:${port}:5432`,
    '-e',
    `POSTGRES_USER=${adminUser}`,
    '-e',
    `POSTGRES_PASSWORD=${adminPassword}`,
    '-e',
    'POSTGRES_DB=postgres',
    testImage(),
  ])
  const stop = async (): Promise<void> => removeRun(run)
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
