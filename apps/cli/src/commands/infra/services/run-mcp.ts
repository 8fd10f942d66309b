import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { Args } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'

export default class ServicesRunMcp extends BaseCommand<typeof ServicesRunMcp> {
  static override hidden = true

  static override summary =
    'Run one MCP server artifact in this process (what `start --all` runs under the release binary).'

  static override description =
    `Loads the artifact (a target/release/mcp/<name>/server.cjs of \`build mcp\`) with a require made from this executable's path: a single executable's own require loads Node built-ins only, this one loads files from disk. The process keeps running for as long as the server does (its listening socket, its timers) and ends when it does; SIGTERM and SIGINT are the server's own to handle. The server sees the environment as given (\`start --all\` sets MCP_SERVER_NAME and PORT). Under Node, \`start --all\` runs \`node <artifact>\` instead; this command works there too.`

  static override examples = [
    {
      description: 'Run one server on port 5000',
      command:
        'PORT=5000 MCP_SERVER_NAME=tools <%= config.bin %> <%= command.id %> target/release/mcp/tools/server.cjs',
    },
  ]

  static override enableJsonFlag = false

  static override args = {
    artifact: Args.string({
      ignoreStdin: true,
      description: 'The artifact to run (server.cjs under target/release/mcp/<name>/).',
      required: true,
    }),
  }

  async run(): Promise<void> {
    const artifact = resolve(this.args.artifact)
    if (!isFile(artifact)) {
      const { ErrorCode, SystempromptError } = await import('@systemprompt/config/core')
      throw new SystempromptError({
        code: ErrorCode.MCP_NOT_BUILT,
        category: 'user',
        message: `The MCP artifact ${artifact} does not exist`,
        fix: 'Run `systemprompt build mcp` in the project (artifacts are target/release/mcp/<name>/server.cjs)',
        file: artifact,
      })
    }
    const { createRequire } = await import('node:module')
    // Loading it starts the server; its handles keep this process alive after run() returns.
    createRequire(process.execPath)(artifact)
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
