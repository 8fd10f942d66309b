import { Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { HealthProbe } from '@systemprompt/runtime'
import { runtimeEnv } from '../../../runtime-settings.js'

export default class ServicesHealth extends BaseCommand<typeof ServicesHealth> {
  static override summary =
    "Probe the local API server's health check: exit 0 when healthy or degraded, else 1."

  static override description =
    `GETs http://HOST:PORT/api/v1/health (127.0.0.1 when HOST is 0.0.0.0 or ::) and exits 0 when it answers 200 with status healthy or degraded, 1 otherwise (HEALTH_CHECK_FAILED says why: no answer, HTTP 503, the failing check). It is the image's HEALTHCHECK, so the image needs no curl.`

  static override examples = [
    { description: "The image's HEALTHCHECK", command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Another server, with the body as JSON',
      command: '<%= config.bin %> <%= command.id %> --url http://127.0.0.1:3000/api/v1/health --json',
    },
  ]

  static override flags = {
    url: Flags.string({
      description:
        'The health endpoint (a URL without a path gets /api/v1/health). Default: http://HOST:PORT/api/v1/health.',
    }),
    timeout: Flags.integer({ description: 'Seconds to wait for the answer.', default: 5, min: 1 }),
  }

  async run(): Promise<HealthProbe> {
    const { localHealthUrl, probeHealth } = await import('@systemprompt/runtime')
    let url: string
    if (this.flags.url === undefined) {
      const env = await runtimeEnv()
      url = localHealthUrl(env.host, env.port)
    } else url = await endpoint(this.flags.url)
    const result = await probeHealth(url, this.flags.timeout * 1000)
    const { database, mcp, static_content: web } = result.body.checks
    this.log(
      `${result.body.status} (HTTP ${result.http_status}) ${url}: database ${database.status}` +
        `${typeof database.latency_ms === 'number' ? ` (${database.latency_ms} ms)` : ''}, ` +
        `mcp ${mcp.status}${mcp.count > 0 ? ` (${mcp.running}/${mcp.count} running)` : ''}, static ${web.status}`,
    )
    return result
  }

  /** One documented code for every failure: the HEALTHCHECK only tells 0 from 1. */
  protected override exitCodeOf(): number {
    return 1
  }
}

/** `--url` as given, with /api/v1/health when it has no path; USAGE when it is no http:// URL (the server speaks plain HTTP). */
async function endpoint(text: string): Promise<string> {
  let parsed: URL | undefined
  try {
    parsed = new URL(text)
  } catch {
    parsed = undefined
  }
  if (parsed?.protocol !== 'http:') {
    const { SystempromptError } = await import('@systemprompt/config/core')
    throw new SystempromptError({
      code: 'USAGE',
      category: 'usage',
      message: `--url ${JSON.stringify(text)} is not an http:// URL`,
      fix: 'Give the endpoint, e.g. --url http://127.0.0.1:8080/api/v1/health',
    })
  }
  if (parsed.pathname === '/') parsed.pathname = '/api/v1/health'
  return parsed.toString()
}
