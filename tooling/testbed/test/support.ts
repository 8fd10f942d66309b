// Helpers shared by the test bed's own tests: one engine client, per-run labels, cleanup by label,
// and a login that retries while PostgreSQL is still starting.
import { randomBytes } from 'node:crypto'
import Docker from 'dockerode'
import pg from 'pg'

export const docker = new Docker({ socketPath: '/var/run/docker.sock' })
const POSTGRES_IMAGE = process.env.SYSTEMPROMPT_POSTGRES_IMAGE ?? 'systemprompt-testbed/postgres:15'

/** A fresh hex id; names and labels of one test carry it so parallel runs never collide. */
export const hex = (bytes = 4): string => randomBytes(bytes).toString('hex')
export const password = (): string => randomBytes(18).toString('base64url')

/** Labels for every object a test makes: the project-wide test label plus one for this run only. */
export function testLabels(run: string): Record<string, string> {
  return { 'systemprompt.test': '1', 'systemprompt.testbed.test-run': run }
}

/** Remove the containers and volumes of one run (containers first: they hold the volumes). */
export async function removeRun(run: string): Promise<void> {
  const filters = { label: [`systemprompt.testbed.test-run=${run}`] }
  const containers = await docker.listContainers({ all: true, filters })
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })))
  const { Volumes } = await docker.listVolumes({ filters })
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true })))
}

export interface PostgresContainerOptions {
  run: string
  env: Record<string, string>
  volume?: string
  binds?: string[]
}

/** Create and start a PostgreSQL container published on 127.0.0.1 at a port the engine picks. */
export async function startPostgres(opts: PostgresContainerOptions): Promise<Docker.Container> {
  const binds = [...(opts.binds ?? []), ...(opts.volume ? [`${opts.volume}:/var/lib/postgresql/data`] : [])]
  const container = await docker.createContainer({
    name: `sp-testbed-pg-${opts.run}-${hex(2)}`,
    Image: POSTGRES_IMAGE,
    Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`),
    Labels: testLabels(opts.run),
    ExposedPorts: { '5432/tcp': {} },
    HostConfig: {
      Binds: binds,
      // Empty HostPort: the engine picks a free port, so parallel test runs never race for one.
      PortBindings: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
    },
  })
  await container.start()
  return container
}

export async function hostPort(container: Docker.Container): Promise<number> {
  const info = await container.inspect()
  const binding = info.NetworkSettings.Ports['5432/tcp']?.[0]
  if (!binding) throw new Error(`container ${info.Name} publishes no port for 5432/tcp`)
  return Number(binding.HostPort)
}

export interface Login {
  port: number
  user: string
  password: string
  database: string
}

/** Errors that mean "the server is not up yet" (TESTBED.md): retry on these, fail on anything else. */
function isStartingUp(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  return (
    e.code === '57P03' ||
    e.code === 'ECONNRESET' ||
    e.code === 'ECONNREFUSED' ||
    /Connection terminated (unexpectedly|due to connection timeout)|the database system is (starting up|shutting down)/.test(
      e.message ?? '',
    )
  )
}

export async function connect(login: Login): Promise<pg.Client> {
  // A bounded connect: a half-open connection during start-up must end in a retry, not a hang.
  const client = new pg.Client({ host: '127.0.0.1', connectionTimeoutMillis: 5000, ...login })
  try {
    await client.connect()
    return client
  } catch (err) {
    await client.end().catch(() => {})
    throw err
  }
}

/**
 * Connect over TCP, retrying while the server starts. Stops early when the container has exited,
 * so a broken entrypoint fails the test with its logs instead of a timeout.
 */
export async function connectWhenReady(container: Docker.Container, login: Login): Promise<pg.Client> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connect(login)
    } catch (err) {
      if (!isStartingUp(err) || attempt > 600) throw err
      const state = (await container.inspect()).State
      if (!state.Running) {
        throw new Error(
          `container exited (${state.ExitCode}) before accepting logins:\n${await logs(container)}`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/** stdout + stderr of a non-TTY container, demultiplexed. */
export async function logs(container: Docker.Container): Promise<string> {
  const raw = await container.logs({ stdout: true, stderr: true, follow: false })
  return demux(raw)
}

/** Run a command in the container and return its stdout, demultiplexed. */
export async function execText(container: Docker.Container, cmd: string[]): Promise<string> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const chunks: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c))
    stream.on('end', resolve)
    stream.on('error', reject)
  })
  return demux(Buffer.concat(chunks))
}

/** The engine's multiplexed log format: 8-byte header (stream, 0, 0, 0, size BE) per frame. */
function demux(raw: Buffer): string {
  let out = ''
  let offset = 0
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4)
    out += raw.subarray(offset + 8, offset + 8 + size).toString('utf8')
    offset += 8 + size
  }
  return out
}

/** Wait for a container to exit and return its exit code. */
export async function exitCode(container: Docker.Container): Promise<number> {
  const result = (await container.wait()) as { StatusCode: number }
  return result.StatusCode
}
