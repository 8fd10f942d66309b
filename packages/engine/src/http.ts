import { readFileSync } from 'node:fs'
import {
  type ClientRequest,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http'
import { join } from 'node:path'
import type { Duplex, Readable } from 'node:stream'
import type { EngineEndpoint } from './endpoint.js'
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  type EngineRequest,
  type EngineResponse,
  type EngineStreamRequest,
  REQUEST_TIMEOUT,
  type Transport,
  toHttpError,
} from './transport.js'

/**
 * The transport: node:http over the unix socket (or node:https for a TLS DOCKER_HOST). Own code rather than
 * dockerode: loading dockerode costs about 3.5x a bare `node` start, this module about 1.1x, and round trips
 * are no slower (bench/engine-transport.mjs); the Engine API is plain HTTP + JSON. TLS files are read once.
 */
export class HttpTransport implements Transport {
  private readonly target: RequestOptions
  private send: typeof httpRequest | undefined

  constructor(readonly endpoint: EngineEndpoint) {
    this.target = targetOf(endpoint)
    // node:https (tls, crypto) costs a third of our load time: loaded only for a TLS endpoint.
    if (endpoint.kind === 'unix' || !endpoint.tls) this.send = httpRequest
  }

  async request(req: EngineRequest): Promise<EngineResponse> {
    const res = await this.open(req, req.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
    return readResponse(res)
  }

  async stream(req: EngineStreamRequest): Promise<Readable> {
    const timeoutMs = req.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const res = await this.open(req, timeoutMs, req.idleTimeoutMs ?? timeoutMs)
    if ((res.statusCode ?? 0) >= 400) throw toHttpError(await readResponse(res))
    return res
  }

  async upgrade(req: EngineRequest): Promise<Duplex> {
    this.send ??= (await import('node:https')).request
    const send = this.send
    const timeoutMs = req.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body))
    const options: RequestOptions = {
      ...this.target,
      method: req.method,
      path: req.path + toQueryString(req.query),
      headers: {
        Host: 'docker',
        Connection: 'Upgrade',
        Upgrade: 'tcp',
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
      },
    }
    return new Promise<Duplex>((resolve, reject) => {
      const request: ClientRequest = send(options)
      request.setTimeout(timeoutMs, () => {
        request.destroy(
          Object.assign(new Error(`the engine did not answer within ${Math.round(timeoutMs / 1000)} s`), {
            code: REQUEST_TIMEOUT,
          }),
        )
      })
      request.on('upgrade', (_res, socket, head) => {
        // From here on the socket is the session's: no timeout, bytes both ways.
        socket.setTimeout(0)
        if (head.length > 0) socket.unshift(head)
        resolve(socket)
      })
      request.on('response', (res) => {
        // No switch: an error (read its body), or an engine that answered without upgrading.
        readResponse(res).then((answer) => {
          reject(
            answer.statusCode >= 400
              ? toHttpError(answer)
              : new Error(`the engine answered ${answer.statusCode} instead of switching protocols`),
          )
        }, reject)
      })
      request.on('error', reject)
      if (payload) request.write(payload)
      request.end()
    })
  }

  /** Sends the request; resolves once the answer's headers are in. Silence longer than the timeout fails. */
  private async open(
    req: EngineRequest,
    timeoutMs: number,
    idleTimeoutMs = timeoutMs,
  ): Promise<IncomingMessage> {
    this.send ??= (await import('node:https')).request
    const send = this.send
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body))
    const options: RequestOptions = {
      ...this.target,
      method: req.method,
      path: req.path + toQueryString(req.query),
      headers: {
        Host: 'docker',
        ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}),
        ...(req.raw ? { 'Content-Type': req.raw.contentType } : {}),
        ...req.headers,
      },
    }
    return new Promise<IncomingMessage>((resolve, reject) => {
      let response: IncomingMessage | undefined
      const request: ClientRequest = send(options, (res) => {
        response = res
        // Headers are in: from here on only the body's silence counts (none at all for a follow).
        request.setTimeout(idleTimeoutMs)
        resolve(res)
      })
      request.setTimeout(timeoutMs, () => {
        // Own code: a slow answer mid-operation is not the same as "no engine there".
        const ms = response ? idleTimeoutMs : timeoutMs
        const error = Object.assign(
          new Error(`the engine did not answer within ${Math.round(ms / 1000)} s`),
          {
            code: REQUEST_TIMEOUT,
          },
        )
        if (response) response.destroy(error)
        request.destroy(error)
      })
      request.on('error', (error) => {
        if (response) response.destroy(error)
        else reject(error)
      })
      const raw = req.raw?.data
      if (raw === undefined) {
        if (payload) request.write(payload)
        request.end()
      } else if (Buffer.isBuffer(raw)) {
        request.end(raw)
      } else {
        // A failing source (a file that vanished mid-tar) fails the request with its own error; a request
        // that ends first (the engine answered early, the socket broke) stops the source.
        raw.on('error', (error) => request.destroy(error))
        request.on('close', () => {
          if (!raw.readableEnded) raw.destroy()
        })
        raw.pipe(request)
      }
    })
  }
}

function readResponse(res: IncomingMessage): Promise<EngineResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    res.on('error', reject)
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      resolve({ statusCode: res.statusCode ?? 0, body: parseJson(text), text })
    })
  })
}

function targetOf(endpoint: EngineEndpoint): RequestOptions {
  // No TLS over a unix socket, so no server name: without one given, node's http agent derives it from the Host
  // header ("docker") and checks that it is no IP literal, and its IPv6 regex costs 6-9 ms on first use (every
  // command's first engine call; --cpu-prof of `db up`).
  if (endpoint.kind === 'unix') return { socketPath: endpoint.socketPath, servername: '' } as RequestOptions
  const base: RequestOptions = { host: endpoint.host, port: endpoint.port }
  if (!endpoint.tls || !endpoint.certDir) return base
  return {
    ...base,
    ca: readFileSync(join(endpoint.certDir, 'ca.pem')),
    cert: readFileSync(join(endpoint.certDir, 'cert.pem')),
    key: readFileSync(join(endpoint.certDir, 'key.pem')),
  } as RequestOptions
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
