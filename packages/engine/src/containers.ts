import { type Duplex, PassThrough, Readable } from 'node:stream'
import type Dockerode from 'dockerode'
import { engineCall, httpStatusOf } from './errors.js'
import { type LabelFilter, labelFilterArgs } from './labels.js'
import { demuxBuffer, demuxToSingle, demuxToText, FrameDecoder } from './streams.js'
import { firstFileFromTar, tarOf } from './tar.js'
import { requestJson, requestOptional, type Transport, toHttpError } from './transport.js'

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

/** A terminal size in character cells. */
interface TerminalSize {
  rows: number
  columns: number
}

interface ExecSessionOptions {
  /** `KEY=value` entries: how a secret reaches the command (never its argv, which `ps` and inspect show). */
  env?: string[]
  user?: string
  /** A pseudo-terminal for the command (`docker exec -t`): output comes as one raw stream, stderr included. */
  tty?: boolean
  /** Size of that terminal from the start. */
  size?: TerminalSize
}

/**
 * A command running in a container with its stdin, stdout and stderr attached (`docker exec -i [-t]`):
 * write to `stdin` (end it for EOF), read `stdout` and `stderr` (both end when the command's output ends).
 */
export interface ExecSession {
  readonly stdin: NodeJS.WritableStream
  readonly stdout: Readable
  readonly stderr: Readable
  /** Resizes the session's terminal (TTY sessions). */
  resize(size: TerminalSize): Promise<void>
  /** Ends the session early (the connection is closed; the command gets a hangup). */
  close(): void
  /** The command's exit code, once its output has ended. */
  readonly exitCode: Promise<number>
}

/** Longest silence of a command run with {@link ContainersApi.exec} unless the caller names one. */
const EXEC_TIMEOUT_MS = 60_000

/** Containers: the calls the runner needs, nothing else. Names or ids are accepted wherever the API does. */
export class ContainersApi {
  constructor(private readonly transport: Transport) {}

  /** Inspect by name or id; `undefined` when no such container exists (404). */
  async inspect(nameOrId: string): Promise<ContainerInfo | undefined> {
    return engineCall(this.transport, `inspect container ${nameOrId}`, () =>
      requestOptional<ContainerInfo>(this.transport, {
        method: 'GET',
        path: `/containers/${enc(nameOrId)}/json`,
      }),
    )
  }

  /** Creates a container and returns its id. */
  async create(options: ContainerCreateOptions): Promise<string> {
    const { name, ...body } = options
    return engineCall(this.transport, `create container ${name}`, async () => {
      const created = await requestJson<{ Id: string }>(this.transport, {
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
    await engineCall(this.transport, `start container ${nameOrId}`, () =>
      requestJson(this.transport, {
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/start`,
        timeoutMs: 60_000,
      }),
    )
  }

  /** Renames a container (running or not). */
  async rename(nameOrId: string, name: string): Promise<void> {
    await engineCall(this.transport, `rename container ${nameOrId} to ${name}`, async () => {
      const res = await this.transport.request({
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/rename`,
        query: { name },
      })
      if (res.statusCode >= 400) throw toHttpError(res)
    })
  }

  /** Changes the restart policy of an existing container (running or not). */
  async setRestartPolicy(
    nameOrId: string,
    policy: 'no' | 'unless-stopped' | 'always' | 'on-failure',
  ): Promise<void> {
    await engineCall(this.transport, `update container ${nameOrId}`, async () => {
      await requestJson(this.transport, {
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/update`,
        body: { RestartPolicy: { Name: policy } },
      })
    })
  }

  /** Stops with SIGTERM, then SIGKILL after `timeoutSeconds`; stopping a stopped container is not an error. */
  async stop(nameOrId: string, timeoutSeconds = 10): Promise<void> {
    await engineCall(this.transport, `stop container ${nameOrId}`, () =>
      requestJson(this.transport, {
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/stop`,
        query: { t: timeoutSeconds },
        timeoutMs: (timeoutSeconds + 30) * 1000,
      }),
    )
  }

  /** Removes a container (`force` kills a running one). A missing container is not an error. */
  async remove(nameOrId: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await engineCall(this.transport, `remove container ${nameOrId}`, async () => {
      const res = await this.transport.request({
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
    return engineCall(this.transport, 'list containers', () =>
      requestJson<ContainerSummary[]>(this.transport, {
        method: 'GET',
        path: '/containers/json',
        query: { all: options.all ?? true, filters: JSON.stringify(filters) },
      }),
    )
  }

  /** The last lines of the log as text (stdout and stderr interleaved by frame). */
  async logsText(nameOrId: string, tail = 20): Promise<string> {
    return engineCall(this.transport, `read the logs of ${nameOrId}`, async () => {
      const { stdout, stderr } = demuxBuffer(await this.logsBuffer(nameOrId, { tail }))
      // Frames of both streams were split above; for a short tail an approximate order is enough.
      return Buffer.concat([stdout, stderr]).toString('utf8')
    })
  }

  /** A readable of the log (stdout and stderr interleaved); with `follow`, destroy it to stop following. */
  async logs(nameOrId: string, options: LogsOptions = {}): Promise<Readable> {
    return engineCall(this.transport, `read the logs of ${nameOrId}`, async () => {
      if (!options.follow) {
        // Without follow the engine answers what is there now, then the end.
        const { stdout, stderr } = demuxBuffer(await this.logsBuffer(nameOrId, options))
        return Readable.from([Buffer.concat([stdout, stderr])])
      }
      const info = await requestJson<ContainerInfo>(this.transport, {
        method: 'GET',
        path: `/containers/${enc(nameOrId)}/json`,
      })
      const stream = await this.transport.stream({
        method: 'GET',
        path: `/containers/${enc(nameOrId)}/logs`,
        query: logsQuery(options, true),
        idleTimeoutMs: 0,
      })
      return info.Config.Tty ? stream : demuxToSingle(stream)
    })
  }

  /**
   * Runs a command in a running container and collects its output and exit code. `timeoutMs` bounds the
   * command's silence (no output for that long fails the call).
   */
  async exec(
    nameOrId: string,
    cmd: string[],
    options: { user?: string; env?: string[]; timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    return engineCall(this.transport, `run ${cmd[0] ?? 'a command'} in ${nameOrId}`, async () => {
      const exec = await requestJson<{ Id: string }>(this.transport, {
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/exec`,
        body: {
          Cmd: cmd,
          AttachStdout: true,
          AttachStderr: true,
          ...(options.user ? { User: options.user } : {}),
          ...(options.env ? { Env: options.env } : {}),
        },
      })
      // Without an Upgrade header the engine answers 200 and sends the framed output until the command ends.
      const stream = await this.transport.stream({
        method: 'POST',
        path: `/exec/${enc(exec.Id)}/start`,
        body: { Detach: false, Tty: false },
        timeoutMs: options.timeoutMs ?? EXEC_TIMEOUT_MS,
      })
      const { stdout, stderr } = await demuxToText(stream)
      const info = await requestJson<{ ExitCode: number | null }>(this.transport, {
        method: 'GET',
        path: `/exec/${enc(exec.Id)}/json`,
      })
      return { exitCode: info.ExitCode ?? -1, stdout, stderr }
    })
  }

  /**
   * Starts a command in a running container with stdin attached, for a human or a pipe on the other end
   * (`db psql`). The connection is upgraded to a raw stream; without a TTY the output is demultiplexed into
   * stdout and stderr. Nothing here times out once the session runs: it lasts as long as the command.
   */
  async execSession(nameOrId: string, cmd: string[], options: ExecSessionOptions = {}): Promise<ExecSession> {
    const tty = options.tty === true
    return engineCall(this.transport, `run ${cmd[0] ?? 'a command'} in ${nameOrId}`, async () => {
      const exec = await requestJson<{ Id: string }>(this.transport, {
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/exec`,
        body: {
          Cmd: cmd,
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          Tty: tty,
          ...(options.size ? { ConsoleSize: [options.size.rows, options.size.columns] } : {}),
          ...(options.user ? { User: options.user } : {}),
          ...(options.env ? { Env: options.env } : {}),
        },
      })
      if (!this.transport.upgrade) throw new Error('this engine transport cannot attach to a command')
      const socket = await this.transport.upgrade({
        method: 'POST',
        path: `/exec/${enc(exec.Id)}/start`,
        body: { Detach: false, Tty: tty },
      })
      return this.session(exec.Id, socket, options)
    })
  }

  private session(id: string, socket: Duplex, options: ExecSessionOptions): ExecSession {
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    const decoder = options.tty
      ? undefined
      : new FrameDecoder((stream, payload) => (stream === 'stderr' ? stderr : stdout).write(payload))
    socket.on('data', (chunk: Buffer) => {
      if (decoder) decoder.push(chunk)
      else stdout.write(chunk)
    })
    const ended = new Promise<void>((resolve) => {
      let done = false
      const finish = () => {
        if (done) return
        done = true
        stdout.end()
        stderr.end()
        resolve()
      }
      socket.on('end', finish)
      socket.on('close', finish)
      // A broken connection ends the session too; the exit code then tells what happened.
      socket.on('error', finish)
    })
    const resize = async (size: TerminalSize) => {
      await engineCall(this.transport, 'resize the exec terminal', () =>
        requestJson(this.transport, {
          method: 'POST',
          path: `/exec/${enc(id)}/resize`,
          query: { h: size.rows, w: size.columns },
        }),
      )
    }
    // The size given at create is not applied by every engine version; set it once more now that it runs.
    if (options.tty && options.size) resize(options.size).catch(() => {})
    return {
      stdin: socket,
      stdout,
      stderr,
      resize,
      close: () => socket.destroy(),
      exitCode: ended.then(() => this.execExitCode(id)),
    }
  }

  /** The exit code of a finished exec; the engine may need a moment after the stream ended to record it. */
  private async execExitCode(id: string): Promise<number> {
    return engineCall(this.transport, 'read the exit code of the command', async () => {
      for (let attempt = 0; ; attempt++) {
        const info = await requestJson<{ Running: boolean; ExitCode: number | null }>(this.transport, {
          method: 'GET',
          path: `/exec/${enc(id)}/json`,
        })
        if ((!info.Running && info.ExitCode !== null) || attempt >= 40) return info.ExitCode ?? -1
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })
  }

  /**
   * Reads one file out of a container (running or stopped) through the archive endpoint, so no shell or
   * `cat` has to exist in the image. `undefined` when the path does not exist.
   */
  async readFile(nameOrId: string, path: string): Promise<Buffer | undefined> {
    return engineCall(this.transport, `read ${path} from ${nameOrId}`, async () => {
      let archive: Readable
      try {
        archive = await this.transport.stream({
          method: 'GET',
          path: `/containers/${enc(nameOrId)}/archive`,
          query: { path },
        })
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined
        throw error
      }
      return firstFileFromTar(archive)
    })
  }

  /**
   * Writes files into a container (created or running) under the directory `dir`, which must exist in the
   * image: a tar sent to the archive endpoint, so the content never shows in the container's config
   * (`docker inspect`) the way environment variables do. Each file gets `mode`, owned by `uid:gid`.
   */
  async putFiles(
    nameOrId: string,
    dir: string,
    files: { name: string; content: string | Buffer; mode?: number; uid?: number; gid?: number }[],
  ): Promise<void> {
    await engineCall(this.transport, `write files into ${nameOrId}`, async () => {
      const res = await this.transport.request({
        method: 'PUT',
        path: `/containers/${enc(nameOrId)}/archive`,
        query: { path: dir, noOverwriteDirNonDir: true },
        raw: { data: await tarOf(files), contentType: 'application/x-tar' },
      })
      if (res.statusCode >= 400) throw toHttpError(res)
    })
  }

  /** Waits until the container stops; resolves with its exit code. */
  async wait(nameOrId: string, timeoutMs = 60_000): Promise<number> {
    return engineCall(this.transport, `wait for ${nameOrId}`, async () => {
      const res = await requestJson<{ StatusCode: number }>(this.transport, {
        method: 'POST',
        path: `/containers/${enc(nameOrId)}/wait`,
        timeoutMs,
      })
      return res.StatusCode
    })
  }

  private async logsBuffer(nameOrId: string, options: LogsOptions): Promise<Buffer> {
    const stream = await this.transport.stream({
      method: 'GET',
      path: `/containers/${enc(nameOrId)}/logs`,
      query: logsQuery(options, false),
    })
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }
}

function logsQuery(
  options: LogsOptions,
  follow: boolean,
): Record<string, string | number | boolean | undefined> {
  return { follow, stdout: true, stderr: true, timestamps: options.timestamps ?? false, tail: options.tail }
}

function enc(nameOrId: string): string {
  return encodeURIComponent(nameOrId)
}
