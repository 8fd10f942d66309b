import { type ErrorCodeName, isSystempromptError, SystempromptError } from '@systemprompt/config/core'
import type { EngineEndpoint } from './endpoint.js'
import { REQUEST_TIMEOUT, type Transport } from './transport.js'

/** Error codes this package throws (all categories are set on the error itself). */
export const EngineErrorCode = {
  unreachable: 'ENGINE_UNREACHABLE',
  timeout: 'ENGINE_TIMEOUT',
  error: 'ENGINE_ERROR',
  notFound: 'ENGINE_NOT_FOUND',
  conflict: 'ENGINE_CONFLICT',
  badRequest: 'ENGINE_BAD_REQUEST',
  stream: 'ENGINE_STREAM_ERROR',
  pullFailed: 'IMAGE_PULL_FAILED',
  invalidReference: 'IMAGE_REFERENCE_INVALID',
} as const satisfies Record<string, ErrorCodeName>

/** Socket-level failures: the engine is not there (or not ours to talk to). */
const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTSOCK',
])

function errnoCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code
  return undefined
}

export function httpStatusOf(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'statusCode' in error && typeof error.statusCode === 'number') {
    return error.statusCode
  }
  return undefined
}

/** The engine's own words for a failed request (dockerode puts them in `json.message`). */
function engineMessage(error: unknown): string {
  if (error && typeof error === 'object') {
    const json = (error as { json?: unknown }).json
    if (json && typeof json === 'object' && 'message' in json)
      return String((json as { message: unknown }).message)
    if (typeof json === 'string' && json.trim()) return json.trim()
    if ('reason' in error && typeof error.reason === 'string' && error.reason) return error.reason
    if (error instanceof Error) return error.message
  }
  return String(error)
}

/** ONE line that names what we tried and how to get an engine there. */
export function unreachableError(endpoint: EngineEndpoint, cause?: unknown): SystempromptError {
  const errno = errnoCode(cause)
  const why =
    errno === 'ENOENT'
      ? 'no such socket'
      : errno === 'EACCES' || errno === 'EPERM'
        ? 'permission denied'
        : errno === 'ECONNREFUSED'
          ? 'connection refused'
          : errno === 'ETIMEDOUT' || errno === REQUEST_TIMEOUT
            ? 'no answer'
            : (errno ?? 'ping failed')
  const fix =
    errno === 'EACCES' || errno === 'EPERM'
      ? `Add your user to the "docker" group (or run as root), then retry`
      : endpoint.source === 'DOCKER_HOST'
        ? 'Start the Docker engine that DOCKER_HOST points to, or unset DOCKER_HOST to use /var/run/docker.sock'
        : 'Start the Docker engine (Docker Desktop, `sudo systemctl start docker`, or `sudo dockerd &`), or set DOCKER_HOST'
  return new SystempromptError({
    code: EngineErrorCode.unreachable,
    category: 'engine',
    message: `Docker engine not reachable at ${endpoint.label} (${why})`,
    fix,
    details: { endpoint: endpoint.label, errno },
    cause,
  })
}

export interface EngineErrorContext {
  /** What we were doing, for the message: "start container systemprompt-postgres-shared". */
  action: string
  endpoint?: EngineEndpoint
  /** Code for a 404 (e.g. IMAGE_MISSING); defaults to ENGINE_NOT_FOUND. */
  notFoundCode?: ErrorCodeName
  fix?: string
}

/**
 * The edge between the engine and our error type: HTTP statuses and socket errors become stable codes.
 * 404 -> not found (user), 409 -> conflict, 400 -> bad request (our bug), 5xx -> ENGINE_ERROR.
 */
export function toEngineError(error: unknown, context: EngineErrorContext): SystempromptError {
  if (isSystempromptError(error)) return error
  const status = httpStatusOf(error)
  const detail = engineMessage(error)
  if (status === undefined) {
    const errno = errnoCode(error)
    if (errno === REQUEST_TIMEOUT) {
      return new SystempromptError({
        code: EngineErrorCode.timeout,
        category: 'engine',
        message: `Could not ${context.action}: ${detail}`,
        fix: 'The engine is overloaded or stuck: check `docker info` and its log, then retry',
        cause: error,
      })
    }
    if (context.endpoint && errno && UNREACHABLE_CODES.has(errno))
      return unreachableError(context.endpoint, error)
    return new SystempromptError({
      code: EngineErrorCode.error,
      category: 'engine',
      message: `Could not ${context.action}: ${detail}`,
      fix: context.fix ?? 'Check that the Docker engine is healthy (`docker info`) and retry',
      cause: error,
    })
  }
  const [code, category] =
    status === 404
      ? [context.notFoundCode ?? EngineErrorCode.notFound, 'user' as const]
      : status === 409
        ? [EngineErrorCode.conflict, 'conflict' as const]
        : status >= 500
          ? [EngineErrorCode.error, 'engine' as const]
          : [EngineErrorCode.badRequest, 'internal' as const]
  return new SystempromptError({
    code,
    category,
    message: `Could not ${context.action}: ${detail} (HTTP ${status})`,
    fix: context.fix ?? defaultFix(status),
    details: { httpStatus: status },
    cause: error,
  })
}

function defaultFix(status: number): string {
  if (status === 404)
    return 'Check the name; `docker ps -a` / `docker volume ls` / `docker images` list what exists'
  if (status === 409)
    return 'Another object holds this name or is in the way; inspect it with `docker inspect NAME`'
  if (status >= 500) return 'Look at the Docker engine log; retry once the engine is healthy'
  return 'This is a bug in systemprompt: please report it with the command you ran'
}

/**
 * A failed pull, with the engine's own reason in the message ("manifest unknown", "pull access denied",
 * "no such host": whatever the registry told the engine), whether it came as an HTTP error or as an error
 * event in the progress stream. The status picks the code and the fix, never the engine's words: 400 is a
 * reference the engine refuses, anything else a pull that failed. Socket failures and timeouts keep their
 * codes (ENGINE_UNREACHABLE, ENGINE_TIMEOUT): then it is the engine, not the image, that is the problem.
 */
export function pullError(error: unknown, ref: string, endpoint: EngineEndpoint): SystempromptError {
  const fromStream = isSystempromptError(error) && error.code === EngineErrorCode.stream
  const status = httpStatusOf(error)
  if (!fromStream && status === undefined)
    return toEngineError(error, { action: `pull image ${ref}`, endpoint })
  const reason = fromStream ? String(error.details?.engineMessage ?? error.message) : engineMessage(error)
  const details = {
    image: ref,
    engineMessage: reason,
    ...(status === undefined ? {} : { httpStatus: status }),
  }
  if (status === 400) {
    return new SystempromptError({
      code: EngineErrorCode.invalidReference,
      category: 'user',
      message: `The engine refused the image reference ${ref}: ${reason}`,
      fix: 'Correct the image reference: [registry[:port]/]name[:tag][@sha256:<64 hex>], lowercase, e.g. postgres:17-alpine',
      details,
      cause: error,
    })
  }
  return new SystempromptError({
    code: EngineErrorCode.pullFailed,
    category: 'user',
    message: `Could not pull image ${ref}: ${reason}`,
    fix:
      status === 404
        ? `The registry has no ${ref}: check the name and tag (and the registry host), or build or load the image locally (docker build / docker load)`
        : `Check that the engine can reach the registry of ${ref} (host, port, DNS, proxy) and that you may pull it (\`docker login\`), or build or load the image locally (docker build / docker load)`,
    details,
    cause: error,
  })
}

/** Runs one engine call of a client and maps any failure to a SystempromptError naming the action. */
export async function engineCall<T>(
  transport: Transport,
  action: string,
  fn: () => Promise<T>,
  options: { notFoundCode?: ErrorCodeName; fix?: string } = {},
): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw toEngineError(error, { action, endpoint: transport.endpoint, ...options })
  }
}
