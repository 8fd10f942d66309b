import { dirname } from 'node:path'
import { mcpSourceNames } from './discover.js'
import { sourceHash } from './hash.js'
import { type McpArtifact, notBuilt, readMcpArtifacts, readServerManifest } from './manifest.js'

export interface McpArtifactsState {
  /** What `<artifactsDir>/manifest.json` lists, in name order. */
  artifacts: McpArtifact[]
  /** Artifacts whose sources changed since they were built (an input edited or gone): `build mcp` is due. */
  stale: string[]
}

/**
 * The MCP artifacts `infra services start --all` runs. With `sources` (in a project: `services/mcp/` and the
 * project root), every server directory there must have an artifact (else MCP_NOT_BUILT naming them, with the
 * fix `systemprompt build mcp`), and an artifact whose inputs no longer hash as when it was built is `stale` (a
 * warning: it still runs). Without (inside an image), the manifest is the truth.
 */
export function mcpArtifactsState(
  artifactsDir: string,
  sources?: { sourcesDir: string; root: string },
): McpArtifactsState {
  const artifacts = readMcpArtifacts(artifactsDir)
  if (!sources) return { artifacts, stale: [] }
  const built = new Set(artifacts.map((a) => a.name))
  const missing = mcpSourceNames(sources.sourcesDir).filter((name) => !built.has(name))
  if (missing.length > 0)
    throw notBuilt(
      `${missing.length === 1 ? 'MCP server' : 'MCP servers'} ${missing.map((n) => `"${n}"`).join(', ')} under ${sources.sourcesDir} ${missing.length === 1 ? 'has' : 'have'} no artifact in ${artifactsDir}`,
      undefined,
      missing,
    )
  const stale = artifacts.filter((a) => isStale(a, sources.root)).map((a) => a.name)
  return { artifacts, stale }
}

function isStale(artifact: McpArtifact, root: string): boolean {
  const manifest = readServerManifest(dirname(artifact.artifact))
  return !manifest || sourceHash(root, manifest.inputs) !== manifest.source_hash
}
