import type { Duplex, Readable } from 'node:stream'
import type { EngineEndpoint } from './endpoint.js'

/**
 * The one seam between the clients (containers, volumes, images, ...) and the wire. A client gets a
 * {@link Transport} in its constructor and never knows how bytes reach the engine; tests and a future
 * transport (ssh, a recorded replay) plug in here.
 */
export interface Transport {
  /** Where this transport talks to, for error messages that name the socket or DOCKER_HOST. */
  readonly endpoint: EngineEndpoint
  /** A whole request and its whole (JSON or text) answer, any status. */
  request(req: EngineRequest): Promise<EngineResponse>
  /**
   * A request whose answer is a stream (logs, exec output, archives, progress). A status >= 400 rejects with
   * {@link EngineHttpError} (the error body is read first); otherwise the body is handed over unread.
   */
  stream(req: EngineStreamRequest): Promise<Readable>
  /**
   * A request the engine answers by turning the connection into a raw byte stream both ways (`101 UPGRADED`:
   * an exec with stdin, an attach). Resolves with that stream once the engine switched; `timeoutMs` bounds
   * the wait for the switch only (an interactive session may be quiet for hours). A status >= 400 rejects
   * with {@link EngineHttpError}. Optional: a transport that cannot hand over a connection (a recorded
   * replay, a test double) leaves it out, and interactive sessions fail on it.
   */
  upgrade?(req: EngineRequest): Promise<Duplex>
}

export interface EngineRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD' | 'PUT'
  path: string
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  /**
   * A body sent as it is instead of `body` as JSON (a build context tar): bytes or a stream, piped with
   * chunked transfer encoding.
   */
  raw?: { data: Buffer | import('node:stream').Readable; contentType: string }
  /** Extra request headers (X-Registry-Auth, X-Registry-Config). */
  headers?: Record<string, string>
  /** Longest silence of the engine before the call fails with {@link REQUEST_TIMEOUT}; every call has one. */
  timeoutMs?: number
}

export interface EngineStreamRequest extends EngineRequest {
  /** Longest silence once the stream has started; `0` for none (a log follow can be quiet for hours). */
  idleTimeoutMs?: number
}

export interface EngineResponse {
  statusCode: number
  body: unknown
  /** The raw text when the body is not JSON (the engine answers some errors as text/plain). */
  text: string
}

/** Timeout of a call that names none: long enough for a busy engine, short enough to notice a stuck one. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/** errno-style code of a request that got no answer in time. */
export const REQUEST_TIMEOUT = 'ENGINE_REQUEST_TIMEOUT'

/** An HTTP failure of the engine (`statusCode` and the parsed body as `json`), mapped by `toEngineError`. */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: unknown,
    message: string,
  ) {
    super(message)
    this.name = 'EngineHttpError'
  }
}

export function toHttpError(res: EngineResponse): EngineHttpError {
  const message =
    res.body && typeof res.body === 'object' && 'message' in res.body
      ? String((res.body as { message: unknown }).message)
      : res.text.trim() || `HTTP ${res.statusCode}`
  return new EngineHttpError(res.statusCode, res.body, message)
}

/** {@link Transport.request}, but a status >= 400 rejects with {@link EngineHttpError}. */
export async function requestJson<T>(transport: Transport, req: EngineRequest): Promise<T> {
  const res = await transport.request(req)
  if (res.statusCode >= 400) throw toHttpError(res)
  return res.body as T
}

/** {@link Transport.request} for an inspect: `undefined` on 404, {@link EngineHttpError} on other failures. */
export async function requestOptional<T>(transport: Transport, req: EngineRequest): Promise<T | undefined> {
  const res = await transport.request(req)
  if (res.statusCode === 404) return undefined
  if (res.statusCode >= 400) throw toHttpError(res)
  return res.body as T
}
