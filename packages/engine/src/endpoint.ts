import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { SystempromptError } from '@systemprompt/config/core'

/** Where the Docker engine listens, as found by {@link discoverEndpoints}. */
export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string; source: EndpointSource; label: string }
  | {
      kind: 'tcp'
      host: string
      port: number
      tls: boolean
      /** DOCKER_CERT_PATH: where ca.pem, cert.pem and key.pem are for a TLS endpoint. */
      certDir?: string
      source: EndpointSource
      label: string
    }

/** The environment variables endpoint discovery reads (DOCKER_HOST, DOCKER_TLS_VERIFY, ...), given by the caller. */
export type EngineEnv = Readonly<Record<string, string | undefined>>

type EndpointSource = 'DOCKER_HOST' | 'default-socket' | 'rootless-socket' | 'desktop-socket'

export const DEFAULT_SOCKET = '/var/run/docker.sock'

/**
 * Ordered strategies, like the Docker CLI: an explicit DOCKER_HOST wins and is the only candidate (falling
 * back silently would talk to a different engine than the user asked for); otherwise the system socket,
 * then the rootless socket, then Docker Desktop's per-user socket — the first that exists.
 */
export function discoverEndpoints(env: EngineEnv): EngineEndpoint[] {
  const dockerHost = env.DOCKER_HOST?.trim()
  if (dockerHost) return [parseDockerHost(dockerHost, env)]

  const candidates: EngineEndpoint[] = [unix(DEFAULT_SOCKET, 'default-socket')]
  if (env.XDG_RUNTIME_DIR) candidates.push(unix(join(env.XDG_RUNTIME_DIR, 'docker.sock'), 'rootless-socket'))
  const home = env.HOME ?? safeHomedir()
  if (home) candidates.push(unix(join(home, '.docker', 'run', 'docker.sock'), 'desktop-socket'))
  const existing = candidates.filter((c) => c.kind === 'unix' && existsSync(c.socketPath))
  // Nothing exists: report the system socket, the one a user is told to start.
  return existing.length > 0 ? existing : [candidates[0] as EngineEndpoint]
}

export function parseDockerHost(value: string, env: EngineEnv): EngineEndpoint {
  let url: URL
  try {
    url = new URL(value)
  } catch (cause) {
    throw invalidDockerHost(value, cause)
  }
  if (url.protocol === 'unix:') {
    const socketPath = decodeURIComponent(url.pathname)
    if (!socketPath) throw invalidDockerHost(value)
    return { kind: 'unix', socketPath, source: 'DOCKER_HOST', label: `DOCKER_HOST=${value}` }
  }
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    const tls = url.protocol === 'https:' || Boolean(env.DOCKER_TLS_VERIFY) || url.port === '2376'
    const port = url.port ? Number(url.port) : tls ? 2376 : 2375
    const certDir = tls ? env.DOCKER_CERT_PATH || undefined : undefined
    return {
      kind: 'tcp',
      host: url.hostname,
      port,
      tls,
      ...(certDir ? { certDir } : {}),
      source: 'DOCKER_HOST',
      label: `DOCKER_HOST=${value}`,
    }
  }
  throw invalidDockerHost(value)
}

function unix(socketPath: string, source: EndpointSource): EngineEndpoint {
  return { kind: 'unix', socketPath, source, label: socketPath }
}

function invalidDockerHost(value: string, cause?: unknown): SystempromptError {
  return new SystempromptError({
    code: 'ENV_INVALID',
    category: 'usage',
    message: `DOCKER_HOST=${JSON.stringify(value)} is not a unix:// or tcp:// address`,
    fix: 'Set DOCKER_HOST to unix:///var/run/docker.sock or tcp://HOST:2375, or unset it',
    keyPath: ['DOCKER_HOST'],
    cause,
  })
}

function safeHomedir(): string | undefined {
  try {
    return homedir()
  } catch {
    return undefined
  }
}
