import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ErrorCode, SystempromptError } from '@systemprompt/config/core'

/** File names inside the artifacts directory (`target/release/mcp/`). */
export const MANIFEST_FILE = 'manifest.json'
export const ARTIFACT_FILE = 'server.cjs'
const FORMAT = 1

/** `target/release/mcp/<name>/manifest.json`: what one artifact was built from. Paths relative to the project root. */
export interface ServerManifest {
  format: number
  name: string
  /** The bundle, relative to this directory. */
  artifact: string
  port: number
  port_from: 'package.json' | 'default'
  port_scheme: string
  main: string
  /** sha256 over the bundler's options and every input's content (see build.ts). */
  source_hash: string
  /** Every file the bundle was made from (esbuild's metafile inputs, the package.json, a tsconfig.json). */
  inputs: string[]
  esbuild: string
  built_at: string
  bytes: number
}

/** `target/release/mcp/manifest.json`: every current artifact, what `infra services start --all` runs. */
export interface ArtifactsManifest {
  format: number
  port_scheme: string
  servers: { name: string; artifact: string; port: number; source_hash: string; built_at: string }[]
}

/** One built MCP server as `start --all` needs it. */
export interface McpArtifact {
  name: string
  /** Absolute path of the bundle. */
  artifact: string
  port: number
  sourceHash: string
  builtAt: string
}

function serverManifestOf(text: string): ServerManifest | undefined {
  try {
    const value = JSON.parse(text) as ServerManifest
    if (
      value?.format === FORMAT &&
      typeof value.name === 'string' &&
      typeof value.artifact === 'string' &&
      typeof value.port === 'number' &&
      typeof value.source_hash === 'string' &&
      Array.isArray(value.inputs) &&
      value.inputs.every((input) => typeof input === 'string') &&
      typeof value.built_at === 'string'
    )
      return value
  } catch {
    // not ours or half-edited: treated as absent (the server is rebuilt)
  }
  return undefined
}

export function readServerManifest(dir: string): ServerManifest | undefined {
  try {
    return serverManifestOf(readFileSync(join(dir, MANIFEST_FILE), 'utf8'))
  } catch {
    return undefined
  }
}

export function manifestText(value: ServerManifest | ArtifactsManifest): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

export function artifactsManifest(
  portScheme: string,
  servers: { dir: string; manifest: ServerManifest }[],
): ArtifactsManifest {
  return {
    format: FORMAT,
    port_scheme: portScheme,
    servers: servers.map(({ manifest }) => ({
      name: manifest.name,
      artifact: `${manifest.name}/${manifest.artifact}`,
      port: manifest.port,
      source_hash: manifest.source_hash,
      built_at: manifest.built_at,
    })),
  }
}

/**
 * The MCP artifacts listed in `<artifactsDir>/manifest.json` (what `build mcp` wrote last), in name order;
 * none when there is no manifest. A manifest we cannot read, or one naming a bundle that is gone, is
 * MCP_NOT_BUILT with the fix `systemprompt build mcp`.
 */
export function readMcpArtifacts(artifactsDir: string): McpArtifact[] {
  const file = join(artifactsDir, MANIFEST_FILE)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // Server directories without the list (an image that copied target/release/mcp/<name>/ alone) would
      // silently start none of them.
      const orphans = serverDirsIn(artifactsDir)
      if (orphans.length === 0) return []
      throw notBuilt(
        `${artifactsDir} holds MCP server artifacts (${orphans.join(', ')}) but no ${MANIFEST_FILE} listing them: copy the whole target/release/mcp/ directory`,
        file,
        orphans,
      )
    }
    throw notBuilt(`The MCP artifacts manifest ${file} cannot be read (${(error as Error).message})`, file)
  }
  let value: ArtifactsManifest
  try {
    value = JSON.parse(text) as ArtifactsManifest
  } catch {
    throw notBuilt(`The MCP artifacts manifest ${file} is not valid JSON`, file)
  }
  if (value?.format !== FORMAT || !Array.isArray(value.servers))
    throw notBuilt(`The MCP artifacts manifest ${file} is not one this version wrote`, file)
  const artifacts: McpArtifact[] = []
  for (const server of value.servers) {
    const artifact = resolve(artifactsDir, String(server.artifact))
    if (!isFile(artifact))
      throw notBuilt(`MCP server "${server.name}": its artifact ${artifact} is missing`, artifact)
    artifacts.push({
      name: String(server.name),
      artifact,
      port: Number(server.port),
      sourceHash: String(server.source_hash),
      builtAt: String(server.built_at),
    })
  }
  return artifacts
}

export function notBuilt(message: string, file?: string, names?: string[]): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.MCP_NOT_BUILT,
    category: 'user',
    message,
    fix: 'Run `systemprompt build mcp` in the project (the image needs the artifacts under target/release/mcp/)',
    ...(file ? { file } : {}),
    ...(names ? { details: { servers: names } } : {}),
  })
}

/** Names of the subdirectories of `dir` that hold a server manifest (what `build mcp` writes per server). */
function serverDirsIn(dir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names.filter((name) => !name.startsWith('.') && isFile(join(dir, name, MANIFEST_FILE))).sort()
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
