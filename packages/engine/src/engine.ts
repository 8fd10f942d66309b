import { ContainersApi } from './containers.js'
import { discoverEndpoints, type EngineEndpoint, type EngineEnv } from './endpoint.js'
import { engineCall, unreachableError } from './errors.js'
import { HttpTransport } from './http.js'
import { ImagesApi } from './images.js'
import { NetworksApi } from './networks.js'
import { SwarmApi } from './swarm.js'
import { requestJson, type Transport } from './transport.js'
import { VolumesApi } from './volumes.js'

/** Default for the ping: long enough for a busy engine, short enough that "not running" answers at once. */
const DEFAULT_PING_TIMEOUT_MS = 2500

export interface ConnectEngineOptions {
  /** The environment to find the engine in (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, HOME, ...). */
  env: EngineEnv
  /** Ping timeout per endpoint. */
  timeoutMs?: number
}

/** A connected engine: narrow clients over one {@link Transport}, each given it in its constructor. */
export class Engine {
  readonly containers: ContainersApi
  readonly volumes: VolumesApi
  readonly images: ImagesApi
  readonly networks: NetworksApi
  readonly swarm: SwarmApi

  constructor(readonly transport: Transport) {
    this.containers = new ContainersApi(transport)
    this.volumes = new VolumesApi(transport)
    this.images = new ImagesApi(transport)
    this.networks = new NetworksApi(transport)
    this.swarm = new SwarmApi(transport)
  }

  /** `GET /_ping`; throws ENGINE_UNREACHABLE (one line naming the socket or DOCKER_HOST) on failure. */
  async ping(timeoutMs = DEFAULT_PING_TIMEOUT_MS): Promise<void> {
    let res: Awaited<ReturnType<Transport['request']>>
    try {
      res = await this.transport.request({ method: 'GET', path: '/_ping', timeoutMs })
    } catch (cause) {
      throw unreachableError(this.transport.endpoint, cause)
    }
    if (res.statusCode !== 200) {
      throw unreachableError(
        this.transport.endpoint,
        Object.assign(new Error(res.text), { code: `HTTP ${res.statusCode}` }),
      )
    }
  }

  async version(): Promise<{ Version: string; ApiVersion: string; Os: string; Arch: string }> {
    return engineCall(this.transport, 'read the engine version', () =>
      requestJson(this.transport, { method: 'GET', path: '/version' }),
    )
  }
}

/**
 * Finds the engine (DOCKER_HOST, else the default sockets) and pings it with a short timeout, so a missing
 * engine answers in a few seconds with one line instead of hanging.
 */
export async function connectEngine(options: ConnectEngineOptions): Promise<Engine> {
  let firstError: unknown
  for (const endpoint of discoverEndpoints(options.env)) {
    try {
      const engine = new Engine(transportFor(endpoint))
      await engine.ping(options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS)
      return engine
    } catch (error) {
      firstError ??= error
    }
  }
  throw firstError
}

/** The transport for an endpoint; unreadable TLS files fail like an engine that is not there. */
function transportFor(endpoint: EngineEndpoint): Transport {
  try {
    return new HttpTransport(endpoint)
  } catch (cause) {
    throw unreachableError(endpoint, cause)
  }
}
