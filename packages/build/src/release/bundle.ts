// The CLI as one CommonJS file (`apps/cli/dist/bundle/systemprompt.cjs`): what the release binary embeds.

import { createHash, randomBytes } from 'node:crypto'
import { readdir, rm } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { ErrorCode, SystempromptError, writeFileAtomic } from '@systemprompt/config/core'
import type { BuildFailure, BuildOptions, Message, Metafile, Plugin } from 'esbuild'
import { assertSelfContained, type BundleMetafile } from '../require-gate.js'
import {
  type BundleChunk,
  CHUNK_FILE_NAME,
  CHUNK_LOADER,
  chunkEntry,
  chunkFile,
  chunkFilesOf,
  chunkPlan,
  chunkStubs,
} from './chunks.js'
import { cliEntry } from './cli-entry.js'
import {
  LAZY_BUILTINS,
  LAZY_LOADER,
  lazyBuiltins,
  lazyRequires,
  missingModules,
  nodeOnlyPg,
  oclifPlainSort,
  ownCreateRequire,
  preferModuleBuild,
  requireForDynamicImports,
  zodEnglishOnly,
} from './esbuild-plugins.js'

/**
 * Modules the bundle may still load at run time, with the reason (everything else fails the build):
 * - `pg-native`: pg's optional native binding, required only when `pg.native` is used (never by us).
 * - `esbuild`: its JavaScript API cannot be bundled (it runs the native esbuild binary installed next to it).
 *   Only `build mcp` and the CLI's own build use it; inside the single executable they cannot run anyway.
 * - `postject`: only `build release` injects, which refuses to run inside a single executable; bundled, its
 *   4.8 MB (WebAssembly as a string) would be read and compiled on every start.
 */
const BUNDLE_EXTERNALS: Readonly<Record<string, string>> = {
  'pg-native': 'optional native binding of pg, loaded only for pg.native',
  esbuild: 'its JavaScript API cannot be bundled; only build commands use it',
  postject: 'only build release uses it (4.8 MB, most of it WebAssembly), and never inside the executable',
}

/**
 * Runs first in the bundle (after the caller's `prelude`): `import.meta.url` (undefined in CommonJS output)
 * names the bundle file itself, or the executable in a single executable.
 */
const IMPORT_FALLBACK = '((specifier) => import(specifier))'
const BANNER = [
  'var __systemprompt_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
  `var __systemprompt_import = globalThis.__systemprompt_import || ${IMPORT_FALLBACK};`,
].join('\n')
/** The bundle's banner: BANNER, the chunk loader (chunks.ts) and the lazy built-ins' (esbuild-plugins.ts). */
const BUNDLE_BANNER = `${BANNER}\n${CHUNK_LOADER}\n${LAZY_LOADER}`

/**
 * The `import()`s left in the bundle (oclif loading an ESM plugin or tsx, by file URL) go through
 * `__systemprompt_import`: the installed CLI compiles the bundle with vm.Script and a code cache, and a function
 * from the code cache has no dynamic import callback (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). bin/run.cjs sets
 * `globalThis.__systemprompt_import` to an `import()` of its own; elsewhere (the single executable) the
 * bundle's own `import()` is used, as before.
 */
function routeDynamicImports(code: string): string {
  const routed = code.replaceAll(/\bawait import\(/g, 'await __systemprompt_import(')
  // Any other import() (not awaited where it is called) would fail only at run time, under the code cache: refuse
  // the bundle. The banner's fallback is the one allowed (it is also in the bundle as this package's string).
  const text = routed.replaceAll(IMPORT_FALLBACK, '')
  const left = /(?<![\w$.])import\((?!\))/.exec(text)
  if (left) {
    const at = left.index
    throw new SystempromptError({
      code: ErrorCode.RELEASE_BUILD_FAILED,
      category: 'internal',
      message: `The CLI bundle has an import() that is not awaited where it is called, which the installed CLI cannot run from its code cache: ...${text.slice(Math.max(0, at - 60), at + 40)}...`,
      fix: 'Write it as `await import(...)` (or teach routeDynamicImports in @systemprompt/build its form)',
    })
  }
  return routed
}

/**
 * The global by which a loader that compiles the bundle itself (bin/run.cjs, through vm.Script with a code cache)
 * asks for the bundle's module function instead of having it run.
 */
const BUNDLE_FUNCTION_REQUEST = '__systemprompt_bundle_function'

/**
 * The bundle as a CommonJS module that is also a script whose value is its module function: node, or a SEA,
 * running the file as a module runs it; a loader that sets BUNDLE_FUNCTION_REQUEST gets the function and calls it
 * with its own require and module. The loader then compiles the file's text as it is, where wrapping it first
 * (Module.wrap) costs a second copy of the source on the heap: with it, `config validate` ran into V8's first
 * mark-compact (--trace-gc), and bench/cli-startup measured it at 2.40x `node -e ''` before, 2.23x after.
 */
function selfStarting(code: string): string {
  return (
    `(function (run) { return globalThis.${BUNDLE_FUNCTION_REQUEST} ? run : ` +
    'run.call(module.exports, module.exports, require, module, __filename, __dirname) })' +
    `((function (exports, require, module, __filename, __dirname) { ${code}\n}));\n`
  )
}

/**
 * The bundle's first line: `// systemprompt-bundle <16 hex>`, a digest of the rest. bin/run.cjs keys its code cache
 * on it (V8 itself only checks that a cache was made for a source of the same length), and takes it as the sign
 * that the rest is selfStarting.
 */
function withBundleId(code: string): string {
  return `// systemprompt-bundle ${createHash('sha256').update(code).digest('hex').slice(0, 16)}\n${code}`
}

const DEFINE: Record<string, string> = {
  'import.meta.url': '__systemprompt_import_meta_url',
  'import.meta.dirname': '__dirname',
  'import.meta.filename': '__filename',
}

export interface BundleCliOptions {
  /** The CLI package: package.json, oclif.manifest.json, dist/ (compiled). */
  cliRoot: string
  /** The module with `requireShim` and `runBundled` (apps/cli/dist/startup/bundle-entry.js). */
  runtime: string
  /**
   * JavaScript the bundle runs before any module (the CLI's own start-up settings, e.g. oclif's engine
   * warning off); this package adds nothing of its own but the `import.meta.url` shim.
   */
  prelude?: string
  /** Where the bundle goes (written atomically). */
  outfile: string
  /**
   * Packages few commands use, by group: each group is bundled into `chunks/<group>-<hash>.cjs` next to the
   * bundle and loaded when a module importing one of them first runs (chunks.ts). A single executable embeds
   * them as assets (buildRelease).
   */
  chunks?: Readonly<Record<string, BundleChunk>>
}

export interface BundleCliResult {
  /** The bundle; `oclif.manifest.json` (every bundled command) is written next to it. */
  outfile: string
  bytes: number
  ms: number
  /** Every command id in COMMANDS. */
  commands: string[]
  /** The chunk files written next to the bundle (relative to its directory), with their size. */
  chunks: { file: string; bytes: number }[]
  bundledPlugins: string[]
  /** Plugins of `oclif.plugins` left out (UNBUNDLED_PLUGINS says why). */
  skippedPlugins: string[]
  /** esbuild's warnings, `file:line:column: text`. */
  warnings: string[]
}

function messageText(message: Message): string {
  const at = message.location
  return at ? `${at.file}:${at.line}:${at.column + 1}: ${message.text}` : message.text
}

/**
 * Bundles the CLI: esbuild `--bundle --platform=node --target=node20 --format=cjs` of a generated entry that
 * holds every command class (oclif's explicit strategy), then the gate: any module left to load at run time
 * that is not a Node built-in (or in BUNDLE_EXTERNALS) fails with RELEASE_BUILD_FAILED.
 */
export async function bundleCli(options: BundleCliOptions): Promise<BundleCliResult> {
  const started = performance.now()
  const entry = cliEntry(options.cliRoot, options.runtime)
  const esbuild = await import('esbuild')
  const plan = chunkPlan()
  const lazyMarker = `systemprompt-lazy-${randomBytes(8).toString('hex')}:`
  /** The bundle itself (`chunk` undefined) or the chunk of that group. */
  const build = async (chunk: string | undefined, stdin: string, banner: string, plugins: Plugin[]) => {
    const what = chunk === undefined ? 'the CLI' : `chunk ${chunk} of the CLI bundle`
    let result: Awaited<ReturnType<typeof esbuild.build>>
    try {
      result = await esbuild.build(esbuildOptions(options, stdin, banner, plugins, chunk !== undefined))
    } catch (error) {
      const errors = (error as Partial<BuildFailure>).errors
      throw new SystempromptError({
        code: ErrorCode.RELEASE_BUILD_FAILED,
        category: 'user',
        message: `Bundling ${what} failed: ${errors?.length ? errors.map(messageText).join('; ') : (error as Error).message}`,
        fix: 'Fix the import esbuild names, rebuild the packages (pnpm build), then bundle again',
        cause: error,
      })
    }
    const output = result.outputFiles?.[0]
    if (result.metafile === undefined || output === undefined) throw new Error('esbuild returned no output')
    assertSelfContained(
      loadsAtRunTime(result.metafile),
      chunk === undefined ? 'The CLI bundle' : `The ${what}`,
      { allow: [...Object.keys(BUNDLE_EXTERNALS), ...LAZY_BUILTINS.map((name) => `${lazyMarker}${name}`)] },
    )
    const text = lazyRequires(routeDynamicImports(output.text), lazyMarker)
    if (text.includes(lazyMarker))
      throw new Error(`a lazy built-in of ${what} is used in a form lazyRequires does not rewrite`)
    return { text, warnings: result.warnings.map(messageText), metafile: result.metafile }
  }
  const main = await build(
    undefined,
    entry.source,
    options.prelude ? `${options.prelude}\n${BUNDLE_BANNER}` : BUNDLE_BANNER,
    [chunkStubs(options.chunks ?? {}, plan), lazyBuiltins(lazyMarker)],
  )
  const warnings = [...main.warnings]
  const chunks: { file: string; code: string }[] = []
  let text = main.text
  for (const [group, files] of plan.resolved) {
    const chunk = await build(group, chunkEntry(files), BANNER, [])
    refuseInChunk(group, files, chunk, options.cliRoot)
    warnings.push(...chunk.warnings)
    const file = chunkFile(group, chunk.text)
    chunks.push({ file, code: chunk.text })
    text = text.replaceAll(JSON.stringify(plan.token(group)), JSON.stringify(file))
  }
  const named = chunkFilesOf(text).sort()
  const written = chunks.map((chunk) => chunk.file).sort()
  if (named.join() !== written.join() || text.includes(plan.token('')))
    throw new Error(`the CLI bundle names chunks ${named.join(', ')} but ${written.join(', ')} were built`)
  const code = withBundleId(selfStarting(text))
  const dir = dirname(options.outfile)
  // The chunks first: a bundle is never on disk without the chunks it names.
  for (const chunk of chunks)
    await writeFileAtomic(join(dir, chunk.file), chunk.code, { mode: 0o644, dirMode: 0o755 })
  await writeFileAtomic(options.outfile, code, { mode: 0o644, dirMode: 0o755 })
  // Next to the bundle, where oclif looks for it (the plugin root is the bundle's directory).
  await writeFileAtomic(join(dir, 'oclif.manifest.json'), `${JSON.stringify(entry.manifest)}\n`, {
    mode: 0o644,
    dirMode: 0o755,
  })
  await removeOldChunks(dir, new Set(chunks.map((chunk) => chunk.file)))
  return {
    outfile: options.outfile,
    bytes: Buffer.byteLength(code),
    ms: Math.round(performance.now() - started),
    commands: Object.keys(entry.commands),
    chunks: chunks.map((chunk) => ({ file: chunk.file, bytes: Buffer.byteLength(chunk.code) })),
    bundledPlugins: entry.bundledPlugins,
    skippedPlugins: entry.skippedPlugins,
    warnings,
  }
}

/**
 * What a chunk may not be: a module of an ES-module-only package (the stub's interop would give `default` its
 * whole namespace, where the bundle itself links ES modules directly), or code with a dynamic `import()` (a chunk
 * is compiled without an import callback: it would fail at run time in the release binary).
 */
function refuseInChunk(
  group: string,
  files: readonly string[],
  chunk: { text: string; metafile: Metafile },
  cliRoot: string,
): void {
  const refuse = (message: string, fix: string) => {
    throw new SystempromptError({ code: ErrorCode.RELEASE_BUILD_FAILED, category: 'user', message, fix })
  }
  for (const file of files) {
    const input = chunk.metafile.inputs[relative(cliRoot, file).split(sep).join('/')]
    if (input?.format === 'esm')
      refuse(
        `Chunk ${group} of the CLI bundle: ${file} is an ES module (the package has no CommonJS build)`,
        'Leave that package in the bundle itself (remove it from the chunks of apps/cli/scripts/bundle.mjs)',
      )
  }
  if (chunk.text.includes('__systemprompt_import('))
    refuse(
      `Chunk ${group} of the CLI bundle has a dynamic import(), which a chunk cannot run in the release binary`,
      'Leave the package that has it in the bundle itself (remove it from the chunks of apps/cli/scripts/bundle.mjs)',
    )
}

/** The chunk files of earlier builds (a chunk's name changes with its code). */
async function removeOldChunks(dir: string, keep: ReadonlySet<string>): Promise<void> {
  let names: string[]
  try {
    names = await readdir(join(dir, 'chunks'))
  } catch {
    return // none
  }
  for (const name of names)
    if (CHUNK_FILE_NAME.test(name) && !keep.has(`chunks/${name}`))
      await rm(join(dir, 'chunks', name), { force: true })
}

/**
 * esbuild `--bundle --platform=node --target=node20 --format=cjs` of `stdin` (resolved from the CLI package),
 * written as ASCII with local names shortened, through this package's plugins (esbuild-plugins.ts).
 */
function esbuildOptions(
  options: BundleCliOptions,
  stdin: string,
  banner: string,
  plugins: Plugin[],
  chunk: boolean,
): BuildOptions & { write: false; metafile: true } {
  return {
    stdin: {
      contents: stdin,
      resolveDir: options.cliRoot,
      sourcefile: 'systemprompt-bundle-entry.js',
      loader: 'js',
    },
    absWorkingDir: options.cliRoot,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: options.outfile,
    write: false,
    metafile: true,
    minifyWhitespace: true,
    minifySyntax: true,
    // Local names shortened too: a quarter less source to read and keep on every start (3.7 -> 2.7 MB).
    minifyIdentifiers: true,
    // keepNames gives every function and class its source name back with `Object.defineProperty(f, 'name')`,
    // which turns each one into a dictionary-mode object (~470 bytes each; V8's %HasFastProperties says so): 1.2
    // MB of `config validate`'s heap. The bundle itself does not need it: our error classes, zod's and
    // inquirer's set `name` themselves, oclif takes command ids from COMMANDS (its `constructor.name` fallback is
    // only for a class run on its own), and stack traces show the short names. A chunk keeps the names (avvio
    // and fastify-plugin name plugins after their functions), paid only by the commands that load it.
    keepNames: chunk,
    legalComments: 'none',
    // Non-ASCII characters escaped (esbuild's default, relied on): the CLI's start reads the bundle as latin1,
    // a plain copy of its bytes, instead of decoding UTF-8.
    charset: 'ascii',
    banner: { js: banner },
    define: DEFINE,
    external: Object.keys(BUNDLE_EXTERNALS),
    plugins: [
      ...plugins,
      missingModules(['typescript']),
      ownCreateRequire(),
      preferModuleBuild(['jsonc-parser']),
      requireForDynamicImports(Object.keys(BUNDLE_EXTERNALS)),
      nodeOnlyPg(),
      oclifPlainSort(),
      zodEnglishOnly(),
    ],
    logLevel: 'silent',
  }
}

/**
 * The imports the gate checks: `require.resolve('x')` loads no code (fdir probes for picomatch that way, in a
 * try), so only imports that load a module count.
 */
function loadsAtRunTime(metafile: Metafile): BundleMetafile {
  return {
    outputs: Object.fromEntries(
      Object.entries(metafile.outputs).map(([file, output]) => [
        file,
        { imports: output.imports.filter((item) => item.kind !== 'require-resolve') },
      ]),
    ),
  }
}
