// startTestPostgres / waitForPostgres against the real engine and the test image: labelled, published on
// 127.0.0.1 only, the URL logs in, the same port after docker stop / start, a bounded wait that names the server.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  docker,
  freePort,
  newRunId,
  RUN_LABEL,
  removeRun,
  startTestPostgres,
  TEST_LABEL,
  type TestPostgres,
  waitForPostgres,
} from './index.js'

const run = newRunId()
let server: TestPostgres

beforeAll(async () => {
  server = await startTestPostgres(run, { name: `sp-testkit-pg-${run}`, user: 'app', database: 'app' })
})

afterAll(() => removeRun(run))

async function selectOne(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query('SELECT current_user AS who, current_database() AS db')).rows[0]
  } finally {
    await client.end()
  }
}

describe('startTestPostgres', () => {
  it('runs the container with the run labels, published on 127.0.0.1 only, and the url logs in', async () => {
    expect(server).toMatchObject({ container: `sp-testkit-pg-${run}`, host: '127.0.0.1', user: 'app' })
    expect(server.password).toMatch(/^[0-9a-f]{24}$/)
    const labels = JSON.parse(docker(['inspect', '-f', '{{json .Config.Labels}}', server.container]))
    expect(labels).toMatchObject({ [TEST_LABEL]: '1', [RUN_LABEL]: run })
    expect(docker(['port', server.container, '5432/tcp'])).toBe(`127.0.0.1:${server.port}`)
    expect(await selectOne(server.url())).toEqual({ who: 'app', db: 'app' })
    expect(server.url('postgres')).toBe(`postgres://app:${server.password}@127.0.0.1:${server.port}/postgres`)
  })

  it('keeps the port across docker stop / start, and waitForPostgres waits for the restart', async () => {
    docker(['stop', '-t', '5', server.container])
    docker(['start', server.container])
    await waitForPostgres(server, 30_000)
    expect(docker(['port', server.container, '5432/tcp'])).toBe(`127.0.0.1:${server.port}`)
    expect(await selectOne(server.url())).toEqual({ who: 'app', db: 'app' })
  })
})

describe('waitForPostgres', () => {
  it('gives up at the deadline, naming the server and the last error', async () => {
    const port = await freePort()
    const started = Date.now()
    const error = await waitForPostgres({ ...server, port }, 1000).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(String((error as Error).message)).toContain(
      `PostgreSQL at 127.0.0.1:${port} (database app, user app)`,
    )
    expect(String((error as Error).message)).toContain('ECONNREFUSED')
  })
})
