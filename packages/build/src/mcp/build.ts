import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { ErrorCode, SystempromptError, withFileLock, writeFileAtomic } from '@systemprompt/config/core'
import type { BuildFailure, Message, Metafile } from 'esbuild'
import { assertSelfContained } from '../require-gate.js'
import { ARTIFACT_BANNER, ARTIFACT_DEFINE } from './banner.js'
import { findMcpServers, MCP_PORT_SCHEME, type McpSource, rel } from './discover.js'
import { BUNDLE_OPTIONS, sourceHash } from './hash.js'
import {
  ARTIFACT_FILE,
  artifactsManifest,
  isFile,
  MANIFEST_FILE,
  manifestText,
  readServerManifest,
  type ServerManifest,
} from './manifest.js'

export interface BuildMcpOptions {
  /** The project root: esbuild's working directory; paths in messages and manifests are relative to it. */
  root: string
  /** `services/mcp/` (layout.mcpSourcesDir). */
  sourcesDir: string
  /** `target/release/mcp/` (layout.mcpArtifactsDir). */
  artifactsDir: string
  /** Held while building, so two builds never interleave (default `<artifactsDir>/.lock`). */
  lockPath?: string
}

export interface McpBuildEntry {
  name: string
  status: 'built' | 'unchanged' | 'failed'
  /** The bundle (absolute); for a failed server the previous one when it is still there. */
  artifact?: string
  port?: number
  portFrom?: 'package.json' | 'default'
  bytes?: number
  sourceHash?: string
  /** Time spent on this server (hashing, bundling, writing). */
  ms: number
  /** esbuild's warnings, `file:line: text`. */
  warnings: string[]
  /** Why it failed: MCP_SERVER_INVALID (the directory), MCP_BUILD_FAILED (esbuild's file:line, the require gate). */
  error?: SystempromptError
}

export interface McpBuildResult {
  sourcesDir: string
  artifactsDir: string
  /** `<artifactsDir>/manifest.json`: what `infra services start --all` runs. */
  manifest: string
  portScheme: string
  /** One per directory under services/mcp/, in name order. */
  servers: McpBuildEntry[]
  /** Artifacts removed because their server is gone from services/mcp/. */
  removed: string[]
}

/**
 * Bundles every MCP server under `sourcesDir` into `<artifactsDir>/<name>/server.cjs` with its
 * `manifest.json` (name, port, source hash, inputs), then writes `<artifactsDir>/manifest.json` listing the
 * current artifacts. A server whose inputs (the files esbuild read last time, its package.json) and options
 * hash as before is not rebuilt. Each server is built into a temp directory that replaces its old one with a
 * rename, so a failing server never leaves a half-written artifact and never stops the others; its error is
 * in its entry. Artifacts of servers that are gone are removed.
 */
export async function buildMcpServers(options: BuildMcpOptions): Promise<McpBuildResult> {
  const root = resolve(options.root)
  const artifactsDir = resolve(options.artifactsDir)
  const sourcesDir = resolve(options.sourcesDir)
  const lockPath = options.lockPath ?? join(artifactsDir, '.lock')
  await mkdir(artifactsDir, { recursive: true })
  return withFileLock(
    lockPath,
    async () => {
      await removeLeftovers(artifactsDir)
      const { servers, problems } = findMcpServers(sourcesDir, root)
      const entries: McpBuildEntry[] = []
      const current: { dir: string; manifest: ServerManifest }[] = []
      for (const server of servers) {
        const started = performance.now()
        const dir = join(artifactsDir, server.name)
        const previous = readServerManifest(dir)
        try {
          let manifest = previous && isCurrent(previous, dir, server, root) ? previous : undefined
          let warnings: string[] = []
          const status = manifest ? 'unchanged' : 'built'
          if (!manifest) ({ manifest, warnings } = await bundleServer(server, root, artifactsDir))
          current.push({ dir, manifest })
          entries.push({
            name: server.name,
            status,
            artifact: join(dir, manifest.artifact),
            port: manifest.port,
            portFrom: manifest.port_from,
            bytes: manifest.bytes,
            sourceHash: manifest.source_hash,
            ms: Math.round(performance.now() - started),
            warnings,
          })
        } catch (error) {
          entries.push(failed(server.name, error, started, previous, dir, current))
        }
      }
      for (const problem of problems) {
        const dir = join(artifactsDir, problem.name)
        entries.push(
          failed(problem.name, problem.error, performance.now(), readServerManifest(dir), dir, current),
        )
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      current.sort((a, b) => (a.manifest.name < b.manifest.name ? -1 : 1))
      const known = new Set(entries.map((entry) => entry.name))
      const removed: string[] = []
      for (const name of artifactNames(artifactsDir))
        if (!known.has(name)) {
          await rm(join(artifactsDir, name), { recursive: true, force: true })
          removed.push(name)
        }
      const manifest = join(artifactsDir, MANIFEST_FILE)
      await writeFileAtomic(manifest, manifestText(artifactsManifest(MCP_PORT_SCHEME, current)), {
        mode: 0o644,
      })
      return { sourcesDir, artifactsDir, manifest, portScheme: MCP_PORT_SCHEME, servers: entries, removed }
    },
    { timeoutMs: 120_000 },
  )
}

/** A failed server's entry; its previous artifact (when still whole) stays listed, so `start --all` can warn. */
function failed(
  name: string,
  error: unknown,
  started: number,
  previous: ServerManifest | undefined,
  dir: string,
  current: { dir: string; manifest: ServerManifest }[],
): McpBuildEntry {
  const keep = previous && isFile(join(dir, previous.artifact)) ? previous : undefined
  if (keep) current.push({ dir, manifest: keep })
  return {
    name,
    status: 'failed',
    ...(keep ? { artifact: join(dir, keep.artifact), port: keep.port } : {}),
    ms: Math.round(performance.now() - started),
    warnings: [],
    error: asBuildError(name, error),
  }
}

/** Whether the artifact in `dir` was built from exactly the files and options there are now. */
function isCurrent(previous: ServerManifest, dir: string, server: McpSource, root: string): boolean {
  if (
    previous.name !== server.name ||
    previous.port !== server.port ||
    previous.port_from !== server.portFrom
  )
    return false
  if (previous.main !== rel(root, server.main) || previous.esbuild !== esbuildVersion()) return false
  if (!isFile(join(dir, previous.artifact))) return false
  return sourceHash(root, previous.inputs) === previous.source_hash
}

async function bundleServer(
  server: McpSource,
  root: string,
  artifactsDir: string,
): Promise<{ manifest: ServerManifest; warnings: string[] }> {
  const esbuild = await import('esbuild')
  const temp = join(artifactsDir, `.tmp-${server.name}-${randomBytes(4).toString('hex')}`)
  try {
    let result: {
      metafile: Metafile
      outputFiles: { path: string; contents: Uint8Array }[]
      warnings: Message[]
    }
    try {
      result = await esbuild.build({
        ...BUNDLE_OPTIONS,
        entryPoints: [server.main],
        outfile: join(temp, ARTIFACT_FILE),
        absWorkingDir: root,
        banner: { js: ARTIFACT_BANNER },
        define: ARTIFACT_DEFINE,
        write: false,
        metafile: true,
        logLevel: 'silent',
      })
    } catch (error) {
      throw esbuildFailure(server.name, root, error)
    }
    assertSelfContained(result.metafile, `MCP server "${server.name}"`, { code: ErrorCode.MCP_BUILD_FAILED })
    const inputs = new Set(
      Object.keys(result.metafile.inputs).filter((input) => isFile(resolve(root, input))),
    )
    inputs.add(rel(root, server.packageJson))
    const tsconfig = join(server.dir, 'tsconfig.json')
    if (isFile(tsconfig)) inputs.add(rel(root, tsconfig))
    const list = [...inputs].sort()
    const hash = sourceHash(root, list)
    if (hash === undefined) throw new Error('an input changed or vanished while it was bundled; build again')
    await mkdir(temp, { recursive: true })
    let bytes = 0
    for (const file of result.outputFiles) {
      await writeFile(file.path, file.contents)
      if (file.path.endsWith(ARTIFACT_FILE)) bytes = file.contents.length
    }
    const manifest: ServerManifest = {
      format: 1,
      name: server.name,
      artifact: ARTIFACT_FILE,
      port: server.port,
      port_from: server.portFrom,
      port_scheme: MCP_PORT_SCHEME,
      main: rel(root, server.main),
      source_hash: hash,
      inputs: list,
      esbuild: esbuildVersion(),
      built_at: new Date().toISOString(),
      bytes,
    }
    await writeFile(join(temp, MANIFEST_FILE), manifestText(manifest))
    await replaceDir(temp, join(artifactsDir, server.name))
    return { manifest, warnings: result.warnings.map((w) => messageText(w, root)) }
  } finally {
    await rm(temp, { recursive: true, force: true })
  }
}

/** Puts `temp` in place of `target`: the old directory is moved aside first, then removed. */
async function replaceDir(temp: string, target: string): Promise<void> {
  const aside = `${join(target, '..')}/.old-${randomBytes(4).toString('hex')}`
  let moved = false
  try {
    await rename(target, aside)
    moved = true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await rename(temp, target)
  if (moved) await rm(aside, { recursive: true, force: true })
}

/** Directories under the artifacts directory that hold an artifact manifest (what a build made). */
function artifactNames(artifactsDir: string): string[] {
  let names: string[]
  try {
    names = readdirSync(artifactsDir)
  } catch {
    return []
  }
  return names.filter(
    (name) => !name.startsWith('.') && readServerManifest(join(artifactsDir, name)) !== undefined,
  )
}

/** Temp and moved-aside directories a crashed build left. */
async function removeLeftovers(artifactsDir: string): Promise<void> {
  for (const name of readdirSync(artifactsDir))
    if (name.startsWith('.tmp-') || name.startsWith('.old-'))
      await rm(join(artifactsDir, name), { recursive: true, force: true })
}

let version: string | undefined
/** esbuild's version from its package.json (without loading esbuild: an unchanged build never starts it). */
function esbuildVersion(): string {
  if (version === undefined) {
    try {
      const file = createRequire(import.meta.url).resolve('esbuild/package.json')
      version = String((JSON.parse(readFileSync(file, 'utf8')) as { version: unknown }).version)
    } catch {
      // bundled into a single executable (no import.meta, no node_modules): it cannot bundle anyway
      version = 'unknown'
    }
  }
  return version
}

function messageText(message: Message, root: string): string {
  const at = message.location
  return at
    ? `${rel(root, resolve(root, at.file))}:${at.line}:${at.column + 1}: ${message.text}`
    : message.text
}

function esbuildFailure(name: string, root: string, error: unknown): SystempromptError {
  const errors = (error as Partial<BuildFailure>).errors
  if (!Array.isArray(errors) || errors.length === 0)
    return asBuildError(
      name,
      error,
      'Check that esbuild is installed (it comes with systemprompt), then run `systemprompt build mcp` again',
    )
  const first = errors[0] as Message
  const location = (m: Message) =>
    m.location
      ? { file: resolve(root, m.location.file), line: m.location.line, column: m.location.column + 1 }
      : {}
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''
  return new SystempromptError({
    code: ErrorCode.MCP_BUILD_FAILED,
    category: 'user',
    message: `MCP server "${name}" failed to build: ${messageText(first, root)}${more}`,
    fix: 'Fix the code at the place named, then run `systemprompt build mcp` again',
    ...location(first),
    issues: errors.map((m) => ({
      code: ErrorCode.MCP_BUILD_FAILED,
      message: `MCP server "${name}": ${m.text}`,
      ...location(m),
    })),
    details: { server: name },
    cause: error,
  })
}

function asBuildError(
  name: string,
  error: unknown,
  fix = 'Run `systemprompt build mcp` again',
): SystempromptError {
  if (error instanceof SystempromptError) return error
  return new SystempromptError({
    code: ErrorCode.MCP_BUILD_FAILED,
    category: 'user',
    message: `MCP server "${name}" failed to build: ${(error as Error).message}`,
    fix,
    cause: error,
    details: { server: name },
  })
}
