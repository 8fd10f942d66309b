import type Dockerode from 'dockerode'
import { ContainersApi } from './containers.js'
import { discoverEndpoints, type EngineEndpoint } from './endpoint.js'
import { toEngineError, unreachableError } from './errors.js'
import { EngineHttpClient } from './http.js'
import { ImagesApi } from './images.js'
import { VolumesApi } from './volumes.js'

/** Default for the ping: long enough for a busy engine, short enough that "not running" answers at once. */
export const DEFAULT_PING_TIMEOUT_MS = 2500

export interface ConnectEngineOptions {
  env?: NodeJS.ProcessEnv
  /** Ping timeout per endpoint. */
  timeoutMs?: number
}

/** A connected engine: narrow interfaces over the Engine API, dockerode loaded only when a stream is needed. */
export class Engine {
  readonly containers: ContainersApi
  readonly volumes: VolumesApi
  readonly images: ImagesApi
  private dockerodePromise: Promise<Dockerode> | undefined

  constructor(
    readonly endpoint: EngineEndpoint,
    readonly http: EngineHttpClient,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.containers = new ContainersApi(this)
    this.volumes = new VolumesApi(this)
    this.images = new ImagesApi(this)
  }

  /** `GET /_ping`; throws ENGINE_UNREACHABLE (one line naming the socket or DOCKER_HOST) on failure. */
  async ping(timeoutMs = DEFAULT_PING_TIMEOUT_MS): Promise<void> {
    let res: Awaited<ReturnType<EngineHttpClient['request']>>
    try {
      res = await this.http.request({ method: 'GET', path: '/_ping', timeoutMs })
    } catch (cause) {
      throw unreachableError(this.endpoint, cause)
    }
    if (res.statusCode !== 200) {
      throw unreachableError(
        this.endpoint,
        Object.assign(new Error(res.text), { code: `HTTP ${res.statusCode}` }),
      )
    }
  }

  async version(): Promise<{ Version: string; ApiVersion: string; Os: string; Arch: string }> {
    return this.call('read the engine version', () => this.http.json({ method: 'GET', path: '/version' }))
  }

  /** dockerode for streaming calls (logs, exec, archives, pulls). Loaded once, on first use. */
  dockerode(): Promise<Dockerode> {
    this.dockerodePromise ??= loadDockerode(this.endpoint, this.env)
    return this.dockerodePromise
  }

  /** Runs an engine call and maps any failure to a SystempromptError. */
  async call<T>(action: string, fn: () => Promise<T>, notFoundCode?: string, fix?: string): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw toEngineError(error, {
        action,
        endpoint: this.endpoint,
        ...(notFoundCode ? { notFoundCode } : {}),
        ...(fix ? { fix } : {}),
      })
    }
  }
}

/**
 * Finds the engine (DOCKER_HOST, else the default sockets) and pings it with a short timeout, so a missing
 * engine answers in a few seconds with one line instead of hanging.
 */
export async function connectEngine(options: ConnectEngineOptions = {}): Promise<Engine> {
  const env = options.env ?? process.env
  const endpoints = discoverEndpoints(env)
  let firstError: unknown
  for (const endpoint of endpoints) {
    const engine = new Engine(endpoint, new EngineHttpClient(endpoint, env), env)
    try {
      await engine.ping(options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS)
      return engine
    } catch (error) {
      firstError ??= error
    }
  }
  throw firstError
}

async function loadDockerode(endpoint: EngineEndpoint, env: NodeJS.ProcessEnv): Promise<Dockerode> {
  const { default: Docker } = await import('dockerode')
  if (endpoint.kind === 'unix') return new Docker({ socketPath: endpoint.socketPath })
  const { readFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const certDir = env.DOCKER_CERT_PATH
  return new Docker({
    host: endpoint.host,
    port: endpoint.port,
    protocol: endpoint.tls ? 'https' : 'http',
    ...(endpoint.tls && certDir
      ? {
          ca: readFileSync(join(certDir, 'ca.pem')),
          cert: readFileSync(join(certDir, 'cert.pem')),
          key: readFileSync(join(certDir, 'key.pem')),
        }
      : {}),
  })
}
