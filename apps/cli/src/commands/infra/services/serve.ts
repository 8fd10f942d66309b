import { Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import {
  runtimeEnv,
  runtimeLogger,
  runtimePaths,
  serverDatabase,
  stopSignal,
} from '../../../runtime-settings.js'

interface ServeResult {
  url: string
  /** The signal that stopped the server. */
  stopped_by: NodeJS.Signals
}

export default class ServicesServe extends BaseCommand<typeof ServicesServe> {
  static override summary = 'Run the API server on HOST:PORT: the health check and the web/ files.'

  static override description =
    `Runs in the foreground until SIGTERM or SIGINT, then stops accepting, lets in-flight requests finish (at most 8 s) and exits 0. \`GET /api/v1/health\` (and \`/health\`) answers 200 healthy or degraded, 503 while \`SELECT 1\` on DATABASE_URL fails; the server starts whatever the database does and follows it. Files come from SYSTEMPROMPT_WEB_PATH, else the project's web/.

Settings: HOST (default 127.0.0.1, 0.0.0.0 in a container), PORT (8080), DATABASE_URL or DATABASE_URL_FILE (else the active profile's), RUST_LOG (error, warn, info, debug, trace), SYSTEMPROMPT_LOG_FORMAT=json for JSON lines. Logs go to stdout, one line per event (stderr under --json, whose envelope is printed at the end).`

  static override examples = [
    {
      description: "The image's command (the seed's form)",
      command: '<%= config.bin %> <%= command.id %> --foreground',
    },
    {
      description: 'Locally on another port, with JSON logs',
      command: 'PORT=3000 SYSTEMPROMPT_LOG_FORMAT=json <%= config.bin %> <%= command.id %>',
    },
  ]

  static override flags = {
    foreground: Flags.boolean({
      description:
        "Accepted for the seed's command line (`infra services serve --foreground`): the server always runs in the foreground.",
      default: false,
    }),
  }

  async run(): Promise<ServeResult> {
    // Installed first: a stop signal during startup closes the server as soon as it listens.
    const { stopped, release } = stopSignal('once')
    try {
      const env = await runtimeEnv()
      const { startApiServer } = await import('@systemprompt/runtime')
      const logger = await runtimeLogger(this.jsonEnabled())
      const database = await serverDatabase(logger)
      const paths = await runtimePaths()
      const server = await startApiServer({
        host: env.host,
        port: env.port,
        ...(paths.web === undefined ? {} : { webPath: paths.web }),
        ...(database === undefined ? {} : { databaseUrl: database.url, databaseUrlFrom: database.from }),
        version: this.config.version,
        logger: logger.child('api'),
      })
      const signal = await stopped
      logger.info(`received ${signal}`)
      await server.close()
      return { url: server.url, stopped_by: signal }
    } finally {
      release()
    }
  }
}
