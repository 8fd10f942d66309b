import { Flags } from '@oclif/core'
import type { McpArtifact } from '@systemprompt/build'
import { BaseCommand } from '@systemprompt/command'
import type { ApiServer, Logger, McpRunner, Supervisor } from '@systemprompt/runtime'
import {
  runtimeEnv,
  runtimeLogger,
  runtimePaths,
  serverDatabase,
  stopSignal,
} from '../../../runtime-settings.js'
import { userProgramEnvironment } from '../../../settings.js'

interface StartResult {
  url: string
  /** The signal that stopped everything. */
  stopped_by: NodeJS.Signals
  /** Each MCP server as it ended: state, restarts, last exit. */
  mcp: { name: string; port: number; state: string; restarts: number; last_exit: unknown }[]
}

export default class ServicesStart extends BaseCommand<typeof ServicesStart> {
  static override summary =
    'Run the API server and every built MCP server, each MCP server a supervised child.'

  static override description =
    `\`--all\` is required: \`start\` always runs everything (for the API server alone: \`infra services serve\`).

The API server runs in this process as \`infra services serve\` does (HOST, PORT, DATABASE_URL, RUST_LOG, SYSTEMPROMPT_LOG_FORMAT); its health body's \`checks.mcp\` counts the MCP servers and those running (\`ok\` when all run, else \`degraded\`).

The MCP servers are the artifacts of \`systemprompt build mcp\` listed in target/release/mcp/manifest.json (SYSTEMPROMPT_MCP_PATH, or mcp/ next to the release binary in an image). In a project, a server under services/mcp/ without an artifact is MCP_NOT_BUILT, and an artifact whose sources changed since it was built is a warning. Each runs as a child process (\`node <artifact>\`, or \`<release binary> infra services run-mcp <artifact>\` when this is the release binary) with this environment plus MCP_SERVER_NAME=<name> and PORT=<its port> ("systemprompt": {"port": N} in its package.json, else 5000 + its index in name order). Their output is logged one line per line under \`mcp:<name>\`; every exit is logged with its code or signal. A server that exits is restarted after 0.5 s, doubling up to 30 s; after 5 restarts within 60 s it is given up (an error line; health says degraded).

SIGTERM or SIGINT: SIGTERM to every MCP server (SIGKILL after 5 s), the API server closed (in-flight requests get up to 8 s), exit 0. The servers also die when this process exits through an error. A SIGKILL of this process cannot be caught: the artifacts then notice their parent is gone and stop themselves within about a second.`

  static override examples = [
    { description: "The image's command", command: '<%= config.bin %> <%= command.id %> --all' },
    {
      description: 'Locally, after `systemprompt build mcp`',
      command: 'PORT=3000 <%= config.bin %> <%= command.id %> --all',
    },
  ]

  static override flags = {
    all: Flags.boolean({
      description: 'Run the API server and every built MCP server (required).',
      default: false,
    }),
  }

  async run(): Promise<StartResult> {
    if (!this.flags.all) {
      const { ErrorCode, SystempromptError } = await import('@systemprompt/config/core')
      throw new SystempromptError({
        code: ErrorCode.USAGE,
        category: 'usage',
        message: '`infra services start` runs the API server and every MCP server: it needs --all',
        fix: 'Run `systemprompt infra services start --all` (or `systemprompt infra services serve` for the API server alone)',
      })
    }
    // Installed first: a stop signal during startup stops everything as soon as it runs.
    const { stopped, release } = stopSignal('every')
    let supervisor: Supervisor | undefined
    let server: ApiServer | undefined
    try {
      const env = await runtimeEnv()
      const { startApiServer, startSupervisor } = await import('@systemprompt/runtime')
      const logger = await runtimeLogger(this.jsonEnabled())
      const artifacts = await this.artifacts(logger)
      const database = await serverDatabase(logger)
      const paths = await runtimePaths()
      server = await startApiServer({
        host: env.host,
        port: env.port,
        ...(paths.web === undefined ? {} : { webPath: paths.web }),
        ...(database === undefined ? {} : { databaseUrl: database.url, databaseUrlFrom: database.from }),
        version: this.config.version,
        logger: logger.child('api'),
        mcp: () => supervisor?.health() ?? { status: 'none', count: 0, running: 0 },
      })
      const api = server
      supervisor = startSupervisor({
        servers: artifacts.map(({ name, artifact, port }) => ({ name, artifact, port })),
        runner: await mcpRunner(),
        env: await userProgramEnvironment(),
        logger,
      })
      logger.info(
        `running the API server and ${artifacts.length} MCP server${artifacts.length === 1 ? '' : 's'}`,
        {
          url: api.url,
        },
      )
      const signal = await stopped
      logger.info(`received ${signal}: stopping`)
      const [children] = await Promise.all([supervisor.stop(), api.close()])
      logger.info('stopped')
      return {
        url: api.url,
        stopped_by: signal,
        mcp: children.map((c) => ({
          name: c.name,
          port: c.port,
          state: c.state,
          restarts: c.restarts,
          last_exit: c.lastExit ?? null,
        })),
      }
    } finally {
      // On an error too: nothing started here outlives the command.
      await Promise.all([supervisor?.stop(), server?.close()])
      release()
    }
  }

  /** The built MCP servers; in a project every source must have one (MCP_NOT_BUILT), stale ones warn. */
  private async artifacts(logger: Logger): Promise<McpArtifact[]> {
    const paths = await runtimePaths()
    if (paths.mcp === undefined) {
      logger.info('no MCP servers: not in a project and SYSTEMPROMPT_MCP_PATH is not set')
      return []
    }
    const [{ mcpArtifactsState }, { ErrorCode }] = await Promise.all([
      import('@systemprompt/build'),
      import('@systemprompt/config/core'),
    ])
    const state = mcpArtifactsState(
      paths.mcp,
      paths.layout ? { sourcesDir: paths.layout.mcpSourcesDir, root: paths.layout.root } : undefined,
    )
    for (const name of state.stale)
      logger.warn(
        `MCP server "${name}": its sources changed since it was built; run \`systemprompt build mcp\``,
        {
          code: ErrorCode.MCP_ARTIFACT_STALE,
        },
      )
    return state.artifacts
  }
}

/**
 * How an artifact runs: under the release binary (a single executable, no Node in the image) through
 * `<binary> infra services run-mcp <artifact>`; under Node as `node <artifact>`.
 */
export async function mcpRunner(): Promise<McpRunner> {
  const { isSingleExecutable } = await import('../../../startup/sea.js')
  if (isSingleExecutable())
    return (artifact) => ({ command: process.execPath, args: ['infra', 'services', 'run-mcp', artifact] })
  return (artifact) => ({ command: process.execPath, args: [artifact] })
}
