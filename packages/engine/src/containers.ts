import { PassThrough, Readable } from 'node:stream'
import type Dockerode from 'dockerode'
import type { Engine } from './engine.js'
import { httpStatusOf } from './errors.js'
import { toHttpError } from './http.js'
import { type LabelFilter, labelFilterArgs } from './labels.js'
import { demuxBuffer, demuxToSingle } from './streams.js'
import { firstFileFromTar } from './tar.js'

export type ContainerInfo = Dockerode.ContainerInspectInfo
export type ContainerSummary = Dockerode.ContainerInfo
export type ContainerCreateOptions = Dockerode.ContainerCreateOptions & { name: string }

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface LogsOptions {
  follow?: boolean
  /** Number of lines from the end; all when undefined. */
  tail?: number
  timestamps?: boolean
}

/** Containers: the calls the runner needs, nothing else. Names or ids are accepted wherever the API does. */
export class ContainersApi {
  constructor(private readonly engine: Engine) {}

  /** Inspect by name or id; `undefined` when no such container exists (404). */
  async inspect(nameOrId: string): Promise<ContainerInfo | undefined> {
    return this.engine.call(`inspect container ${nameOrId}`, async () => {
      const res = await this.engine.http.request({ method: 'GET', path: `/containers/${enc(nameOrId)}/json` })
      if (res.statusCode === 404) return undefined
      if (res.statusCode >= 400) throw toHttpError(res)
      return res.body as ContainerInfo
    })
  }

  /** Creates a container and returns its id. */
  async create(options: ContainerCreateOptions): Promise<string> {
    const { name, ...body } = options
    return this.engine.call(`create container ${name}`, async () => {
      const created = await this.engine.http.json<{ Id: string }>({
        method: 'POST',
        path: '/containers/create',
        query: { name },
        body,
      })
      return created.Id
    })
  }

  /** Starts a container; starting a running one is not an error (the engine answers 304). */
  async start(nameOrId: string): Promise<void> {
    await this.engine.call(`start container ${nameOrId}`, () =>
      this.engine.http.json({
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/start`,
        timeoutMs: 60_000,
      }),
    )
  }

  /** Changes the restart policy of an existing container (running or not). */
  async setRestartPolicy(
    nameOrId: string,
    policy: 'no' | 'unless-stopped' | 'always' | 'on-failure',
  ): Promise<void> {
    await this.engine.call(`update container ${nameOrId}`, async () => {
      await this.engine.http.json({
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/update`,
        body: { RestartPolicy: { Name: policy } },
      })
    })
  }

  /** Stops with SIGTERM, then SIGKILL after `timeoutSeconds`; stopping a stopped container is not an error. */
  async stop(nameOrId: string, timeoutSeconds = 10): Promise<void> {
    await this.engine.call(`stop container ${nameOrId}`, () =>
      this.engine.http.json({
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/stop`,
        query: { t: timeoutSeconds },
        timeoutMs: (timeoutSeconds + 30) * 1000,
      }),
    )
  }

  /** Removes a container (`force` kills a running one). A missing container is not an error. */
  async remove(nameOrId: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.engine.call(`remove container ${nameOrId}`, async () => {
      const res = await this.engine.http.request({
        method: 'DELETE',
        path: `/containers/${enc(nameOrId)}`,
        // v: anonymous volumes go with the container (an image's VOLUME that nothing mounted by name);
        // named volumes, where our data lives, are never removed by this.
        query: { force: options.force ?? false, v: options.volumes ?? true },
        timeoutMs: 60_000,
      })
      if (res.statusCode === 404) return
      if (res.statusCode >= 400) throw toHttpError(res)
    })
  }

  /** Containers (running and stopped unless `all: false`) that carry every label of the filter. */
  async list(
    options: { labels?: LabelFilter; all?: boolean; name?: string } = {},
  ): Promise<ContainerSummary[]> {
    const filters: Record<string, string[]> = {}
    if (options.labels) filters.label = labelFilterArgs(options.labels)
    if (options.name) filters.name = [options.name]
    return this.engine.call('list containers', () =>
      this.engine.http.json<ContainerSummary[]>({
        method: 'GET',
        path: '/containers/json',
        query: { all: options.all ?? true, filters: JSON.stringify(filters) },
      }),
    )
  }

  /** The last lines of the log as text (stdout and stderr interleaved by frame). */
  async logsText(nameOrId: string, tail = 20): Promise<string> {
    return this.engine.call(`read the logs of ${nameOrId}`, async () => {
      const docker = await this.engine.dockerode()
      const raw = (await docker.getContainer(nameOrId).logs({
        follow: false,
        stdout: true,
        stderr: true,
        tail,
      })) as unknown as Buffer
      const { stdout, stderr } = demuxBuffer(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)))
      // Frames of both streams were split above; for a short tail an approximate order is enough.
      return Buffer.concat([stdout, stderr]).toString('utf8')
    })
  }

  /** A readable of the log (stdout and stderr interleaved); with `follow`, destroy it to stop following. */
  async logs(nameOrId: string, options: LogsOptions = {}): Promise<Readable> {
    return this.engine.call(`read the logs of ${nameOrId}`, async () => {
      const docker = await this.engine.dockerode()
      const container = docker.getContainer(nameOrId)
      const common = {
        stdout: true,
        stderr: true,
        timestamps: options.timestamps ?? false,
        ...(options.tail !== undefined ? { tail: options.tail } : {}),
      }
      if (!options.follow) {
        // Without follow the engine answers one buffer: what is there now, then the end.
        const raw = (await container.logs({ ...common, follow: false })) as unknown as Buffer
        const { stdout, stderr } = demuxBuffer(Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw)))
        return Readable.from([Buffer.concat([stdout, stderr])])
      }
      const info = await container.inspect()
      const stream = (await container.logs({
        ...common,
        follow: true,
      })) as unknown as NodeJS.ReadableStream & {
        destroy: () => void
      }
      if (info.Config.Tty) return stream as unknown as Readable
      return demuxToSingle(docker, stream)
    })
  }

  /** Runs a command in a running container and collects its output and exit code. */
  async exec(
    nameOrId: string,
    cmd: string[],
    options: { user?: string; env?: string[] } = {},
  ): Promise<ExecResult> {
    return this.engine.call(`run ${cmd[0] ?? 'a command'} in ${nameOrId}`, async () => {
      const docker = await this.engine.dockerode()
      const exec = await docker.getContainer(nameOrId).exec({
        Cmd: cmd,
        AttachStdout: true,
        AttachStderr: true,
        ...(options.user ? { User: options.user } : {}),
        ...(options.env ? { Env: options.env } : {}),
      })
      const stream = await exec.start({ hijack: true, stdin: false })
      const out = new PassThrough()
      const err = new PassThrough()
      const outChunks: Buffer[] = []
      const errChunks: Buffer[] = []
      out.on('data', (c: Buffer) => outChunks.push(c))
      err.on('data', (c: Buffer) => errChunks.push(c))
      docker.modem.demuxStream(stream, out, err)
      await new Promise<void>((resolve, reject) => {
        stream.on('end', () => resolve())
        stream.on('close', () => resolve())
        stream.on('error', reject)
      })
      const info = await exec.inspect()
      return {
        exitCode: info.ExitCode ?? -1,
        stdout: Buffer.concat(outChunks).toString('utf8'),
        stderr: Buffer.concat(errChunks).toString('utf8'),
      }
    })
  }

  /**
   * Reads one file out of a container (running or stopped) through the archive endpoint, so no shell or
   * `cat` has to exist in the image. `undefined` when the path does not exist.
   */
  async readFile(nameOrId: string, path: string): Promise<Buffer | undefined> {
    return this.engine.call(`read ${path} from ${nameOrId}`, async () => {
      const docker = await this.engine.dockerode()
      let stream: NodeJS.ReadableStream
      try {
        stream = await docker.getContainer(nameOrId).getArchive({ path })
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined
        throw error
      }
      const chunks: Buffer[] = []
      for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk))
      return firstFileFromTar(Buffer.concat(chunks))
    })
  }

  /** Waits until the container stops; resolves with its exit code. */
  async wait(nameOrId: string, timeoutMs = 60_000): Promise<number> {
    return this.engine.call(`wait for ${nameOrId}`, async () => {
      const res = await this.engine.http.json<{ StatusCode: number }>({
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/wait`,
        timeoutMs,
      })
      return res.StatusCode
    })
  }
}

function enc(nameOrId: string): string {
  return encodeURIComponent(nameOrId)
}
