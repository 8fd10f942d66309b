// The client side of the health check (`infra services health`, the image's HEALTHCHECK): node:http only,
// so the probe neither needs curl in the image nor loads fastify.
import { get } from 'node:http'
import { ErrorCode, SystempromptError } from '@systemprompt/config/core'
import type { HealthBody } from './health.js'

export interface HealthProbe {
  url: string
  /** The HTTP status (200 healthy or degraded, 503 unhealthy). */
  http_status: number
  /** The body as the server sent it. */
  body: HealthBody
  elapsed_ms: number
}

/**
 * GETs `url` within `timeoutMs` and resolves when the server answers 200 with status healthy or degraded.
 * Anything else is HEALTH_CHECK_FAILED naming the URL and what went wrong: no answer, a refused connection,
 * an HTTP status, a body that is not a health body, or the unhealthy checks.
 */
export async function probeHealth(url: string, timeoutMs: number): Promise<HealthProbe> {
  const started = performance.now()
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const fail = (reason: string, fix: string, cause?: unknown) =>
      reject(failed(`The health check of ${url} failed: ${reason}`, fix, { url, reason }, cause))
    let done = false
    const request = get(url, { headers: { accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        done = true
        clearTimeout(timer)
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
      })
      response.on('error', (error) => request.destroy(error))
    })
    const timer = setTimeout(() => {
      if (done) return
      done = true
      request.destroy()
      fail(
        `no answer within ${formatSeconds(timeoutMs)}`,
        'Check that the server runs and is not overloaded (`systemprompt infra services serve` logs each event)',
      )
    }, timeoutMs)
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (done) return
      done = true
      clearTimeout(timer)
      const code = error.code ?? 'error'
      fail(
        code === 'ECONNREFUSED' ? 'nothing listens there (ECONNREFUSED)' : `${error.message} (${code})`,
        'Start the server (`systemprompt infra services serve`) and check HOST and PORT',
        error,
      )
    })
  })
  const elapsed = Math.round((performance.now() - started) * 100) / 100
  let body: HealthBody | undefined
  try {
    const parsed = JSON.parse(answer.text) as unknown
    if (parsed && typeof parsed === 'object' && typeof (parsed as HealthBody).status === 'string')
      body = parsed as HealthBody
  } catch {
    body = undefined
  }
  if (!body)
    throw failed(
      `The health check of ${url} failed: HTTP ${answer.status} without a health body`,
      'Point --url at the API server’s /api/v1/health',
      { url, http_status: answer.status },
    )
  if (answer.status !== 200 || (body.status !== 'healthy' && body.status !== 'degraded')) {
    const database = body.checks?.database
    const why = database && database.status !== 'ok' ? `; database ${database.status}` : ''
    throw failed(
      `The health check of ${url} failed: HTTP ${answer.status}, status ${body.status}${why}`,
      database && database.status !== 'ok'
        ? 'Check that the database runs and DATABASE_URL points at it (the server log says why it is down)'
        : 'Read the server log for the failing check',
      { url, http_status: answer.status, body },
    )
  }
  return { url, http_status: answer.status, body, elapsed_ms: elapsed }
}

function failed(message: string, fix: string, details: Record<string, unknown>, cause?: unknown) {
  return new SystempromptError({
    code: ErrorCode.HEALTH_CHECK_FAILED,
    category: 'user',
    message,
    fix,
    details,
    ...(cause === undefined ? {} : { cause }),
  })
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
