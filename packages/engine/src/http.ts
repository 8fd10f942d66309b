import { readFileSync } from 'node:fs'
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import type { EngineEndpoint } from './endpoint.js'

/**
 * A tiny JSON client for the Engine API over node:http. The hot paths of the CLI (ping, inspect, create,
 * start) go through it so that a `db up` on a running server never pays for loading dockerode.
 * Streams (logs, exec, archives, pulls) use dockerode, loaded on first use.
 */
export interface EngineResponse {
  statusCode: number
  body: unknown
  /** The raw text when the body is not JSON (the engine answers some errors as text/plain). */
  text: string
}

export interface EngineRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD' | 'PUT'
  path: string
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  timeoutMs?: number
}

/** An HTTP failure of the engine, in the shape dockerode uses (`statusCode`, `json`), so one mapper serves both. */
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

/** errno-style code of a request that got no answer in time. */
export const REQUEST_TIMEOUT = 'ENGINE_REQUEST_TIMEOUT'

export class EngineHttpClient {
  constructor(
    readonly endpoint: EngineEndpoint,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async request({ method, path, query, body, timeoutMs = 30_000 }: EngineRequest): Promise<EngineResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const options: RequestOptions = {
      method,
      path: path + toQueryString(query),
      headers: {
        Host: 'docker',
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
      },
      ...this.target(),
    }
    const send = this.endpoint.kind === 'tcp' && this.endpoint.tls ? httpsRequest : httpRequest
    return new Promise<EngineResponse>((resolve, reject) => {
      const req = send(options, (res: IncomingMessage) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ statusCode: res.statusCode ?? 0, body: parseJson(text), text })
        })
      })
      req.setTimeout(timeoutMs, () => {
        // Own code: a slow answer mid-operation is not the same as "no engine there".
        const error = Object.assign(
          new Error(`the engine did not answer within ${Math.round(timeoutMs / 1000)} s`),
          {
            code: REQUEST_TIMEOUT,
          },
        )
        req.destroy(error)
      })
      req.on('error', reject)
      if (payload) req.write(payload)
      req.end()
    })
  }

  /** Like {@link request}, but an HTTP status >= 400 rejects with {@link EngineHttpError}. */
  async json<T>(req: EngineRequest): Promise<T> {
    const res = await this.request(req)
    if (res.statusCode >= 400) throw toHttpError(res)
    return res.body as T
  }

  private target(): RequestOptions {
    const ep = this.endpoint
    if (ep.kind === 'unix') return { socketPath: ep.socketPath }
    const base: RequestOptions = { host: ep.host, port: ep.port }
    if (!ep.tls) return base
    const certDir = this.env.DOCKER_CERT_PATH
    if (!certDir) return base
    return {
      ...base,
      ca: readFileSync(join(certDir, 'ca.pem')),
      cert: readFileSync(join(certDir, 'cert.pem')),
      key: readFileSync(join(certDir, 'key.pem')),
    } as RequestOptions
  }
}

export function toHttpError(res: EngineResponse): EngineHttpError {
  const message =
    res.body && typeof res.body === 'object' && 'message' in res.body
      ? String((res.body as { message: unknown }).message)
      : res.text.trim() || `HTTP ${res.statusCode}`
  return new EngineHttpError(res.statusCode, res.body, message)
}

function toQueryString(query: EngineRequest['query']): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

function parseJson(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
