import { join, relative } from 'node:path'
import type { McpBuildEntry, McpBuildResult } from '@systemprompt/build'
import { BaseCommand } from '@systemprompt/command'
import type { SystempromptError } from '@systemprompt/config/core'
import { guardProject } from '../../settings.js'

interface BuildMcpOutput {
  sources: string
  artifacts: string
  manifest: string
  port_scheme: string
  servers: ServerLine[]
  removed: string[]
}

interface ServerLine {
  name: string
  status: McpBuildEntry['status']
  artifact: string | null
  port: number | null
  port_from: string | null
  bytes: number | null
  source_hash: string | null
  ms: number
  warnings: string[]
  error: { code: string; message: string; file: string | null; line: number | null } | null
}

export default class BuildMcp extends BaseCommand<typeof BuildMcp> {
  static override summary =
    'Bundle each MCP server under services/mcp/ into a self-contained artifact under target/release/mcp/.'

  static override description =
    `An MCP server is a directory services/mcp/<name>/ with a package.json whose "main" (TypeScript or JavaScript) is the server. Each is bundled with esbuild (Node 20, CommonJS, every import bundled) into target/release/mcp/<name>/server.cjs, which runs with no node_modules and, under the release binary (\`infra services run-mcp\`), with no Node installed; next to it a manifest.json (name, port, source hash, inputs). target/release/mcp/manifest.json lists the current artifacts: what \`infra services start --all\` runs.

A server whose inputs (every file the bundle was made from, its package.json) and the bundler's options are unchanged is not rebuilt ("unchanged"). Artifacts of servers removed from services/mcp/ are removed. A server that fails (no package.json, no "main", a syntax or resolve error, a module left to load at run time) is reported with the file and line and does not stop the others; its previous artifact, if any, stays. The command exits non-zero when one failed.

Ports (PORT in the server's environment): "systemprompt": {"port": N} in its package.json, else 5000 + its index in name order (0-based; the next free port when another server took that one).`

  static override examples = [
    { description: 'Build every MCP server of the project', command: '<%= config.bin %> <%= command.id %>' },
    {
      description:
        'As JSON: {servers: [{name, status: built|unchanged|failed, artifact, port, ...}], removed}',
      command: '<%= config.bin %> <%= command.id %> --json',
    },
  ]

  async run(): Promise<BuildMcpOutput> {
    // esbuild is a native program its JS API spawns from node_modules: a single executable has neither.
    const { refuseInsideBinary } = await import('../../startup/sea.js')
    await refuseInsideBinary(
      'build mcp',
      'it bundles with esbuild, which needs Node and node_modules',
      '`systemprompt build mcp` or `just build-mcp`',
    )
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const { buildMcpServers } = await import('@systemprompt/build')
    const result = await buildMcpServers({
      root: layout.root,
      sourcesDir: layout.mcpSourcesDir,
      artifactsDir: layout.mcpArtifactsDir,
      lockPath: join(layout.locksDir, 'build-mcp.lock'),
    })
    const show = (path: string) => relative(layout.root, path) || '.'
    if (result.servers.length === 0)
      this.log(
        `No MCP servers under ${show(result.sourcesDir)}/ (each is ${show(result.sourcesDir)}/<name>/ with a package.json whose "main" is the server): nothing to build.`,
      )
    const width = Math.max(0, ...result.servers.map((s) => s.name.length))
    for (const server of result.servers) {
      for (const warning of server.warnings) this.warn(`MCP server "${server.name}": ${warning}`)
      this.log(`${server.status.padEnd(9)} ${server.name.padEnd(width)}  ${detail(server, show)}`)
    }
    for (const name of result.removed)
      this.log(`${'removed'.padEnd(9)} ${name.padEnd(width)}  (no longer under ${show(result.sourcesDir)}/)`)
    const failures = result.servers.filter((s) => s.status === 'failed')
    const output = outputOf(result, show)
    if (failures.length > 0) throw await failure(failures, result.servers.length, output)
    return output
  }
}

function detail(server: McpBuildEntry, show: (path: string) => string): string {
  if (server.status === 'failed') return server.error?.message ?? 'failed'
  const size = server.bytes === undefined ? '' : `${(server.bytes / 1024).toFixed(1)} kB, `
  const timing = server.status === 'built' ? `, ${server.ms} ms` : ''
  return `${server.artifact ? show(server.artifact) : ''} (${size}port ${server.port}${timing})`
}

function outputOf(result: McpBuildResult, show: (path: string) => string): BuildMcpOutput {
  return {
    sources: result.sourcesDir,
    artifacts: result.artifactsDir,
    manifest: result.manifest,
    port_scheme: result.portScheme,
    servers: result.servers.map((s) => ({
      name: s.name,
      status: s.status,
      artifact: s.artifact ?? null,
      port: s.port ?? null,
      port_from: s.portFrom ?? null,
      bytes: s.bytes ?? null,
      source_hash: s.sourceHash ?? null,
      ms: s.ms,
      warnings: s.warnings,
      error: s.error
        ? {
            code: s.error.code,
            message: s.error.message,
            file: s.error.file ? show(s.error.file) : null,
            line: s.error.line ?? null,
          }
        : null,
    })),
    removed: result.removed,
  }
}

/** One error for the exit code and the envelope: the failure itself when one failed, else a summary listing each. */
async function failure(
  failures: McpBuildEntry[],
  total: number,
  output: BuildMcpOutput,
): Promise<SystempromptError> {
  const { ErrorCode, SystempromptError } = await import('@systemprompt/config/core')
  const errors = failures.map((f) => f.error).filter((e): e is SystempromptError => e !== undefined)
  const first = errors[0]
  const names = failures.map((f) => `"${f.name}"`).join(', ')
  return new SystempromptError({
    code: first?.code ?? ErrorCode.MCP_BUILD_FAILED,
    category: 'user',
    message:
      errors.length === 1 && first
        ? first.message
        : `${failures.length} of ${total} MCP servers failed to build: ${names}`,
    fix: first?.fix ?? 'Fix the servers named, then run `systemprompt build mcp` again',
    ...(errors.length === 1 && first?.file ? { file: first.file } : {}),
    ...(errors.length === 1 && first?.line !== undefined ? { line: first.line } : {}),
    ...(errors.length === 1 && first?.column !== undefined ? { column: first.column } : {}),
    issues: errors.map((e) => ({
      code: e.code,
      message: e.message,
      ...(e.file ? { file: e.file } : {}),
      ...(e.line !== undefined ? { line: e.line } : {}),
      ...(e.fix ? { fix: e.fix } : {}),
    })),
    details: { servers: output.servers, removed: output.removed },
  })
}
