import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { StartedApp } from '@systemprompt/image'
import { stopSignal } from '../../runtime-settings.js'
import { cliEnv, guardProject } from '../../settings.js'

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface DockerRunResult extends StartedApp {
  detached: boolean
  /** Milliseconds from start to the first 200 of /api/v1/health. */
  healthy_ms: number
  exit_code?: number
  stopped_by?: string
}

export default class DockerRun extends BaseCommand<typeof DockerRun> {
  static override summary = "Run a profile's image on 127.0.0.1, wait until healthy (just docker-run local)."

  static override description =
    `Runs the image of \`docker build <profile>\` as the container systemprompt-<project id>-<profile>, with the profile's secrets (secrets.json) as environment: nothing secret is in the image. A DATABASE_URL on 127.0.0.1 that one of our local PostgreSQL servers publishes is made to work from inside the container: the server joins the project's network systemprompt-<project id>-app and the URL names its container and 5432. Other URLs pass as they are.

The port is published on 127.0.0.1 only (a taken one names its holder). It waits until /api/v1/health answers 200 and prints the URL. In the foreground it streams the logs; Ctrl-C stops and removes the container. --detach returns once healthy. A failed start (the container exits, or no 200 in --timeout) prints its last log lines and removes it.`

  static override examples = [
    {
      description: 'Run the local image in the foreground',
      command: '<%= config.bin %> <%= command.id %> local',
    },
    {
      description: 'In the background on port 9000, with one more variable',
      command: '<%= config.bin %> <%= command.id %> local --detach --port 9000 --env RUST_LOG=debug',
    },
  ]

  static override args = {
    profile: Args.string({ ignoreStdin: true, description: 'Profile whose image to run.', required: true }),
  }

  static override flags = {
    port: Flags.integer({ description: 'Host port on 127.0.0.1.', default: 8080, min: 1, max: 65535 }),
    detach: Flags.boolean({
      char: 'd',
      description: 'Return once healthy; the container keeps running.',
      default: false,
    }),
    env: Flags.string({
      char: 'e',
      description: 'A variable for the app, NAME=value (repeatable).',
      multiple: true,
    }),
    timeout: Flags.integer({ description: 'Seconds to wait for the health check.', default: 120, min: 1 }),
  }

  async run(): Promise<DockerRunResult> {
    const core: typeof import('@systemprompt/config/core') = await import('@systemprompt/config/core')
    const { SystempromptError } = core
    core.assertProfileName(this.args.profile)
    const env: Record<string, string> = {}
    for (const pair of this.flags.env ?? []) {
      const at = pair.indexOf('=')
      if (at <= 0)
        throw new SystempromptError({
          code: 'USAGE',
          category: 'usage',
          message: `--env ${JSON.stringify(pair.split('=')[0])}: expected NAME=value`,
          fix: 'Pass --env NAME=value',
        })
      env[pair.slice(0, at)] = pair.slice(at + 1)
    }
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const machine = await cliEnv()
    const { connectEngine } = await import('@systemprompt/engine')
    const { removeApp, startApp, waitForApp } = await import('@systemprompt/image')
    const engine = await connectEngine({ env: machine.docker })
    // Every signal, not only the first: a second Ctrl-C during the stop must not leave the container behind.
    const { stopped, release } = stopSignal('every')
    try {
      const app = await startApp({
        layout,
        profile: this.args.profile,
        engine,
        port: this.flags.port,
        env,
        ...(Object.keys(machine.labels).length > 0 ? { labels: machine.labels } : {}),
        onWarning: (_code, message) => this.warn(message),
      })
      const cleanup = async (timeoutSeconds: number) => {
        try {
          await removeApp(engine, app, timeoutSeconds)
        } catch (error) {
          this.warn(
            `Could not remove ${app.container}: ${error instanceof Error ? error.message : String(error)}`,
          )
        }
      }
      if (app.database)
        this.log(`Database: ${app.database.server} on network ${app.database.network} (${app.database.url})`)
      let logs: import('node:stream').Readable | undefined
      let healthy: { ms: number }
      try {
        if (!this.flags.detach && !this.jsonEnabled()) {
          logs = await engine.containers.logs(app.containerId, { follow: true })
          logs.pipe(process.stdout, { end: false })
        }
        healthy = await Promise.race([
          waitForApp(engine, app, { timeoutMs: this.flags.timeout * 1000 }),
          stopped.then((signal) => {
            throw new SystempromptError({
              code: 'INTERRUPTED',
              category: 'user',
              message: `Interrupted by ${signal} before ${app.container} was healthy: it was stopped and removed`,
              fix: 'Run it again; --detach returns once it is healthy',
            })
          }),
        ])
      } catch (error) {
        logs?.destroy()
        await cleanup(2)
        throw error
      }
      this.log(`${app.container} is healthy: ${app.url} (${(healthy.ms / 1000).toFixed(1)} s)`)
      if (this.flags.detach) return { ...app, detached: true, healthy_ms: healthy.ms }
      const exited = engine.containers.wait(app.containerId, 0x7fffffff).then((code) => ({ code }))
      const outcome = await Promise.race([exited, stopped.then((signal) => ({ signal }))])
      if ('signal' in outcome) {
        this.log(`Stopping ${app.container} (${outcome.signal})...`)
        await cleanup(10)
        logs?.destroy()
        return { ...app, detached: false, healthy_ms: healthy.ms, stopped_by: outcome.signal }
      }
      // The last lines may still be on their way: give the follow stream a moment to end by itself.
      if (logs) await Promise.race([new Promise((resolve) => logs?.once('end', resolve)), delay(1000)])
      logs?.destroy()
      await cleanup(1)
      if (outcome.code !== 0)
        throw new SystempromptError({
          code: 'APP_START_FAILED',
          category: 'user',
          message: `${app.container} exited with code ${outcome.code}`,
          fix: 'Its log above names the reason',
        })
      return { ...app, detached: false, healthy_ms: healthy.ms, exit_code: outcome.code }
    } finally {
      release()
    }
  }
}
