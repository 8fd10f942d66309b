export { buildMcpServers, type McpBuildEntry, type McpBuildResult } from './mcp/build.js'
export type { McpArtifact } from './mcp/manifest.js'
export { mcpArtifactsState } from './mcp/state.js'
export { bundleCli } from './release/bundle.js'
/** @public */
export type { ReleaseState } from './release/sea.js'
export { buildRelease, releaseState } from './release/sea.js'
export * from './require-gate.js'
