// The release binary: the CLI bundle in a copy of node, as a Node single executable (SEA).
// Recipe and pitfalls: TESTBED.md "Single executable" (checked on Node 20).
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { arch, platform } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { ErrorCode, SystempromptError, withFileLock, writeFileAtomic } from '@systemprompt/config/core'
import { chunkFilesOf } from './chunks.js'

/** Bumped whenever the recipe below changes what a binary contains (a stamp of another format is stale). */
const RECIPE = 2
/**
 * The fuse node flips when a blob is injected. Spelled in pieces: postject refuses a binary holding the string
 * twice, and this very code ends up inside the blob it injects.
 */
const SENTINEL_FUSE = ['NODE', 'SEA', 'FUSE', 'fce680ab2cc467b6e072b8b5df1996b2'].join('_')

export interface BuildReleaseOptions {
  /** The CLI bundle to embed (the installed CLI's dist/bundle/systemprompt.cjs). */
  bundle: string
  /** The binary to write (`<project>/target/release/systemprompt`). */
  output: string
  /** Rebuild even when the inputs did not change. */
  force?: boolean
  /** Held while checking and building (default `<output dir>/.<name>.lock`). */
  lockFile?: string
  /** Called with each step as it starts (`bundle blob`, `strip`, `inject`), for progress output. */
  onStep?: (step: string) => void
}

export interface BuildReleaseResult {
  binary: string
  /** The stamp next to the binary that records what it was built from. */
  stamp: string
  /** False when the inputs were unchanged and the binary was kept. */
  built: boolean
  /** Why it was (re)built or kept: `no binary yet`, `inputs changed`, `--force`, `inputs unchanged`, ... */
  reason: string
  bytes: number
  ms: number
  /** Whether the node copy was stripped (false when `strip` is not installed). */
  stripped: boolean
  /** Hash of the inputs (bundle bytes, node binary, builder, options). */
  inputs: string
  node: string
  warnings: string[]
}

interface Stamp {
  recipe: number
  inputs: string
  node: string
  bundle_sha256: string
  stripped: boolean
  binary: { size: number; mtime_ms: number }
  built_at: string
}

function unsupported(message: string, fix: string): SystempromptError {
  return new SystempromptError({ code: ErrorCode.RELEASE_UNSUPPORTED, category: 'user', message, fix })
}

function failed(message: string, fix: string, cause?: unknown, file?: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.RELEASE_BUILD_FAILED,
    category: 'user',
    message,
    fix,
    cause,
    file,
  })
}

let builder: string | undefined
/** This package's version (part of the inputs: a new builder may build differently). */
function builderVersion(): string {
  builder ??= (createRequire(import.meta.url)('../../package.json') as { version: string }).version
  return builder
}

/** Refuses where a release binary cannot be made: only Linux x64, and never from inside one. */
async function assertSupported(): Promise<void> {
  const { isSea } = await import('node:sea')
  if (isSea())
    throw unsupported(
      'build release cannot run inside the release binary: a single executable cannot make another one',
      "Run it with the Node-installed CLI (`npx systemprompt build release` or the project's `just build-release`)",
    )
  if (platform() !== 'linux' || arch() !== 'x64')
    throw unsupported(
      `build release makes a Linux x64 executable and runs only on Linux x64 (this is ${platform()}-${arch()})`,
      'Run it on a Linux x64 machine or in a linux/amd64 container',
    )
}

/** The stamp file next to the binary: `<dir>/.<name>.stamp.json`. */
function stampFile(output: string): string {
  return join(dirname(output), `.${basename(output)}.stamp.json`)
}

async function readStamp(file: string): Promise<Stamp | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Stamp
  } catch {
    return undefined
  }
}

/** Why a build is needed, or undefined when the binary on disk is the one the stamp describes for `inputs`. */
async function staleReason(
  output: string,
  stamp: Stamp | undefined,
  inputs: string,
): Promise<string | undefined> {
  let binary: { size: number; mtimeMs: number }
  try {
    binary = await stat(output)
  } catch {
    return 'no binary yet'
  }
  if (stamp === undefined || stamp.recipe !== RECIPE) return 'no build record'
  if (binary.size !== stamp.binary.size || binary.mtimeMs !== stamp.binary.mtime_ms)
    return 'the binary was changed since it was built'
  if (stamp.inputs !== inputs) return 'inputs changed'
  return undefined
}

interface Spawned {
  status: number | null
  output: string
}

function run(command: string, args: string[]): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, output: output.trim() }))
  })
}

/** postject's LIEF prints notes about the stripped binary's sections on console.warn: keep them out of our output. */
async function injectQuietly(file: string, blob: Buffer): Promise<void> {
  const { inject } = await import('postject')
  const warn = console.warn
  const log = console.log
  console.warn = () => undefined
  console.log = () => undefined
  try {
    await inject(file, 'NODE_SEA_BLOB', blob, { sentinelFuse: SENTINEL_FUSE })
  } finally {
    console.warn = warn
    console.log = log
  }
}

/** Temp files a crashed build left next to the binary (we hold the lock: no build is running). */
async function removeLeftovers(output: string): Promise<void> {
  const prefix = `.${basename(output)}.build-`
  let names: string[]
  try {
    names = readdirSync(dirname(output))
  } catch {
    return
  }
  for (const name of names)
    if (name.startsWith(prefix)) await rm(join(dirname(output), name), { force: true })
}

/**
 * The chunks a bundle names (bundleCli writes them next to it), as single-executable assets: name -> file. One that
 * is not there fails the build: the binary would fail on the first command that needs it.
 */
function chunkAssets(bundle: string, bundleBytes: Buffer): Record<string, string> {
  const assets: Record<string, string> = {}
  for (const name of chunkFilesOf(bundleBytes.toString('latin1'))) {
    const file = join(dirname(bundle), name)
    if (!existsSync(file))
      throw failed(
        `The CLI bundle ${bundle} needs ${file}, which is missing`,
        'Build the CLI again (pnpm build): its build writes the bundle and its chunks together',
        undefined,
        file,
      )
    assets[name] = file
  }
  return assets
}

/** The hash of what a binary is made of: the bundle's and its chunks' bytes, this node, the builder and the options. */
async function releaseInputs(
  bundleBytes: Buffer,
  assets: Record<string, string>,
): Promise<{ inputs: string; bundleSha: string; nodeId: string }> {
  const node = await stat(process.execPath)
  const bundleSha = createHash('sha256').update(bundleBytes).digest('hex')
  const chunks = Object.fromEntries(
    Object.entries(assets).map(([name, file]) => {
      let bytes: Buffer
      try {
        bytes = readFileSync(file)
      } catch (error) {
        throw failed(
          `${file}, a chunk of the CLI bundle, cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
          'Build the CLI again (pnpm build): its build writes the bundle and its chunks together',
          error,
          file,
        )
      }
      return [name, createHash('sha256').update(bytes).digest('hex')]
    }),
  )
  const nodeId = `${process.version} ${process.execPath} ${node.size} ${node.mtimeMs}`
  const inputs = createHash('sha256')
    .update(
      JSON.stringify({
        recipe: RECIPE,
        builder: builderVersion(),
        bundle: bundleSha,
        chunks,
        node: nodeId,
        options: { useCodeCache: true, strip: true, target: `${platform()}-${arch()}` },
      }),
    )
    .digest('hex')
  return { inputs, bundleSha, nodeId }
}

export interface ReleaseState {
  state: 'current' | 'stale' | 'missing'
  /** Why it is stale or missing (`no binary yet`, `inputs changed`, ...); `inputs unchanged` when current. */
  reason: string
  binary: string
}

/**
 * Whether the binary at `output` is the one `buildRelease` would make from `bundle` now, without building:
 * `docker build` checks it before it puts the binary into an image. A bundle that cannot be read (a CLI
 * run from elsewhere) counts the binary as current when it exists: there is nothing to compare with.
 * @public
 */
export async function releaseState(options: { bundle: string; output: string }): Promise<ReleaseState> {
  const { output } = options
  let bundleBytes: Buffer
  try {
    bundleBytes = readFileSync(options.bundle)
  } catch {
    const exists = await stat(output).then(
      () => true,
      () => false,
    )
    return exists
      ? { state: 'current', reason: 'no CLI bundle to compare with', binary: output }
      : { state: 'missing', reason: 'no binary yet', binary: output }
  }
  let inputs: string
  try {
    inputs = (await releaseInputs(bundleBytes, chunkAssets(options.bundle, bundleBytes))).inputs
  } catch {
    return { state: 'stale', reason: 'a chunk of the CLI bundle is missing', binary: output }
  }
  const reason = await staleReason(output, await readStamp(stampFile(output)), inputs)
  if (reason === undefined) return { state: 'current', reason: 'inputs unchanged', binary: output }
  return { state: reason === 'no binary yet' ? 'missing' : 'stale', reason, binary: output }
}

/**
 * Builds the release binary at `output` unless it is up to date: copy this node (`process.execPath`),
 * `strip` it (before injecting: stripping after would cut the blob out), make the SEA blob of `bundle` and the
 * chunks it names (as assets of the same names) with `node --experimental-sea-config` (code cache on, the
 * experimental warning off), inject it with postject,
 * then chmod 0755 and rename over `output` (a reader sees the old binary or the new one). A stamp next to it
 * records the hash of the inputs: unchanged inputs keep the binary. Linux x64 only (RELEASE_UNSUPPORTED).
 */
export async function buildRelease(options: BuildReleaseOptions): Promise<BuildReleaseResult> {
  const started = performance.now()
  await assertSupported()
  const { bundle, output } = options
  const dir = dirname(output)
  let bundleBytes: Buffer
  try {
    bundleBytes = readFileSync(bundle)
  } catch (error) {
    throw failed(
      `The CLI bundle ${bundle} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      'Build the CLI (pnpm build): its build writes dist/bundle/systemprompt.cjs',
      error,
      bundle,
    )
  }
  const assets = chunkAssets(bundle, bundleBytes)
  const { inputs, bundleSha } = await releaseInputs(bundleBytes, assets)
  const stampPath = stampFile(output)
  const lockFile = options.lockFile ?? join(dir, `.${basename(output)}.lock`)

  return withFileLock(
    lockFile,
    async () => {
      const stamp = await readStamp(stampPath)
      const stale = await staleReason(output, stamp, inputs)
      if (stale === undefined && !options.force && stamp !== undefined)
        return {
          binary: output,
          stamp: stampPath,
          built: false,
          reason: 'inputs unchanged',
          bytes: stamp.binary.size,
          ms: Math.round(performance.now() - started),
          stripped: stamp.stripped,
          inputs,
          node: process.version,
          warnings: [],
        }
      const reason = options.force ? '--force' : (stale ?? 'inputs changed')
      await mkdir(dir, { recursive: true, mode: 0o755 })
      await removeLeftovers(output)
      const warnings: string[] = []
      const temp = join(dir, `.${basename(output)}.build-${randomBytes(6).toString('hex')}`)
      const blob = `${temp}.blob`
      const config = `${temp}.sea.json`
      try {
        options.onStep?.('blob')
        await writeFile(
          config,
          JSON.stringify({
            main: bundle,
            output: blob,
            useCodeCache: true,
            disableExperimentalSEAWarning: true,
            assets,
          }),
        )
        const made = await run(process.execPath, ['--experimental-sea-config', config])
        if (made.status !== 0)
          throw failed(
            `node --experimental-sea-config failed (exit ${made.status}): ${made.output}`,
            'Check that this Node.js supports single executables (Node 20.11 or later)',
          )
        await copyFile(process.execPath, temp)
        await chmod(temp, 0o755)
        options.onStep?.('strip')
        const stripped = await stripBinary(temp, warnings)
        options.onStep?.('inject')
        try {
          await injectQuietly(temp, await readFile(blob))
        } catch (error) {
          throw failed(
            `Injecting the bundle into the node copy failed: ${(error as Error).message}`,
            'Build again with --force',
            error,
          )
        }
        await chmod(temp, 0o755)
        await rename(temp, output)
        const done = await stat(output)
        const record: Stamp = {
          recipe: RECIPE,
          inputs,
          node: process.version,
          bundle_sha256: bundleSha,
          stripped,
          binary: { size: done.size, mtime_ms: done.mtimeMs },
          built_at: new Date().toISOString(),
        }
        await writeFileAtomic(stampPath, `${JSON.stringify(record, null, 2)}\n`)
        return {
          binary: output,
          stamp: stampPath,
          built: true,
          reason,
          bytes: done.size,
          ms: Math.round(performance.now() - started),
          stripped,
          inputs,
          node: process.version,
          warnings,
        }
      } catch (error) {
        if (error instanceof SystempromptError) throw error
        throw failed(
          `Building ${output} failed: ${(error as Error).message}`,
          'Check that the directory is writable, then build again',
          error,
          output,
        )
      } finally {
        await Promise.all([temp, blob, config].map((file) => rm(file, { force: true })))
      }
    },
    { timeoutMs: 120_000 },
  )
}

/** `strip` in place; a missing `strip` is a warning (the binary works, 12 MB bigger). */
async function stripBinary(file: string, warnings: string[]): Promise<boolean> {
  let result: Spawned
  try {
    result = await run('strip', [file])
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    warnings.push(
      'strip is not installed: the binary is not stripped (about 12 MB bigger); install binutils to strip it',
    )
    return false
  }
  if (result.status !== 0)
    throw failed(
      `strip failed (exit ${result.status}): ${result.output}`,
      'Check the binutils installation, then build again',
    )
  return true
}
