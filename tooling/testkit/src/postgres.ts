// A PostgreSQL server from the test image for one test file: labelled with the run, published on 127.0.0.1,
// waited for until a login and a query work. The `pg` driver directly, not @systemprompt/pg: that package's
// own tests use this one (a workspace cycle).
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { docker } from './docker.js'
import { testImage } from './env.js'
import { testLabels } from './labels.js'
import { freePort } from './ports.js'

/** How to log in to a test server (the shape of @systemprompt/pg's PgTarget). */
export interface PostgresLogin {
  host: string
  port: number
  user: string
  password: string
  database: string
}

export interface TestPostgres extends PostgresLogin {
  /** The container's name (as given): for docker stop / start / pause. */
  container: string
  host: '127.0.0.1'
  /** postgres://user:password@127.0.0.1:port/database, for `database` (default: the server's database). */
  url(database?: string): string
}

export interface TestPostgresOptions {
  /** The container's name; carry the run id in it. */
  name: string
  /** The superuser (POSTGRES_USER); default `systemprompt_admin`. */
  user?: string
  /** The database made at startup (POSTGRES_DB); default `postgres`. */
  database?: string
  /** How long to wait for the first login; default 60 s. */
  timeoutMs?: number
  /** A Docker network to join as well (the name `name` resolves there); the port is published either way. */
  network?: string
}

const ATTEMPT_MS = 2000

/**
 * Runs the test image as `name` with the run's labels, on a port freePort() chose, published on 127.0.0.1
 * (fixed: it stays the same across docker stop / start), with a random password; resolves once a login and
 * SELECT 1 work. removeRun(run) removes it.
 */
export async function startTestPostgres(run: string, options: TestPostgresOptions): Promise<TestPostgres> {
  const user = options.user ?? 'systemprompt_admin'
  const database = options.database ?? 'postgres'
  const password = randomBytes(12).toString('hex')
  const labels = Object.entries(testLabels(run)).flatMap(([key, value]) => ['--label', `${key}=${value}`])
  const network = options.network ? ['--network', options.network] : []
  const port = await freePort()
  docker([
    'run',
    '-d',
    '--name',
    options.name,
    ...labels,
    ...network,
    '-p',
    `127.0.0.1:${port}:5432`,
    '-e',
    `POSTGRES_USER=${user}`,
    '-e',
    `POSTGRES_PASSWORD=${password}`,
    '-e',
    `POSTGRES_DB=${database}`,
    testImage(),
  ])
  const server: TestPostgres = {
    container: options.name,
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    url: (db = database) =>
      `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(db)}`,
  }
  await waitForPostgres(server, options.timeoutMs ?? 60_000)
  return server
}

/** One login + SELECT 1, each step bounded: undefined, or what went wrong. */
async function tryOnce(target: PostgresLogin, timeoutMs: number): Promise<Error | undefined> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  })
  // A server going away mid-startup emits 'error' on the client; unheard, Node would crash.
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Resolves once a login and SELECT 1 work on `target`, retrying every error (the server may be starting,
 * restarting or unpausing) until `timeoutMs`; then throws, naming the server and the last error.
 */
export async function waitForPostgres(target: PostgresLogin, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = deadline - Date.now()
    const failure = await tryOnce(target, Math.max(100, Math.min(ATTEMPT_MS, left)))
    if (failure === undefined) return
    if (Date.now() >= deadline) {
      throw new Error(
        `PostgreSQL at ${target.host}:${target.port} (database ${target.database}, user ${target.user}) ` +
          `did not take a login within ${timeoutMs} ms: ${failure.message}`,
        { cause: failure },
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
