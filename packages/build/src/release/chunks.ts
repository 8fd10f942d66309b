// Chunks of the CLI bundle: packages that few commands use, each group in a file of its own next to the bundle
// (`chunks/<group>-<hash>.cjs`), loaded when a module that imports them first runs. Every start reads, copies and
// keeps the whole bundle (bin/run.cjs): code that only `serve` or `deploy` runs costs every other command its bytes.
import { createHash, randomBytes } from 'node:crypto'
import type { Plugin } from 'esbuild'
import { escapeRegExp } from './esbuild-plugins.js'

/** A group of packages bundled into one chunk, and why they are not in the bundle itself. */
export interface BundleChunk {
  /** Package names as they are imported (`fastify`, `@fastify/static`): exact names, not subpaths. */
  modules: readonly string[]
  /** Who uses them (for the reader of the build script; not used by the build). */
  why: string
}

/**
 * The chunk loader, in the bundle's banner: `__systemprompt_chunk(file)` runs the chunk `file` (relative to the
 * bundle) once and returns its exports. The source comes from the file next to the bundle, or inside a single
 * executable from its asset of that name (buildRelease embeds them). Compiled as a function with the bundle's own
 * `require` (a chunk loads Node built-ins only: the gate checks it) and no dynamic import (`bundleCli` refuses a
 * chunk with one). A chunk that cannot be read or compiled is INSTALL_BROKEN (a SystempromptError by its name,
 * which is how the CLI tells its own errors: the bundle cannot import config here), and is tried again on the
 * next call.
 */
export const CHUNK_LOADER = [
  'var __systemprompt_chunks = {};',
  'function __systemprompt_chunk(file) {',
  '  var done = __systemprompt_chunks[file]; if (done) return done.exports;',
  '  var path = require("node:path"), sea = require("node:sea"), inSea = sea.isSea();',
  '  var filename = inSea ? path.join(path.dirname(process.execPath), file) : path.join(__dirname, file);',
  '  var run;',
  '  try {',
  '    var source = inSea ? sea.getAsset(file, "utf8") : require("node:fs").readFileSync(filename, "latin1");',
  '    run = require("node:vm").compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], { filename: filename });',
  '  } catch (error) {',
  '    var broken = new Error(inSea',
  '      ? "The release binary " + process.execPath + " has no usable part " + file + " (" + (error.code || error.message) + ")"',
  '      : "Cannot load " + filename + ", a part of the systemprompt CLI bundle (" + (error.code || error.message) + ")");',
  '    broken.name = "SystempromptError"; broken.code = "INSTALL_BROKEN"; broken.category = "user";',
  '    broken.fix = inSea ? "Build the release binary again: systemprompt build release --force" : "Reinstall the CLI, or build it again (pnpm build)";',
  '    throw broken;',
  '  }',
  '  var chunk = { exports: {} };',
  '  run.call(chunk.exports, chunk.exports, require, chunk, filename, path.dirname(filename));',
  '  __systemprompt_chunks[file] = chunk;',
  '  return chunk.exports;',
  '}',
].join('\n')

/** A chunk group's name: it goes into a file name and into the bundle as a string. */
const CHUNK_GROUP = /^[a-z][a-z0-9-]*$/
/** A chunk's file name under `chunks/`: `<group>-<16 hex of its code>.cjs`. */
const CHUNK_NAME = '[a-z][a-z0-9-]*-[0-9a-f]{16}\\.cjs'
/** The chunk file names in `chunks/` (removeOldChunks). */
export const CHUNK_FILE_NAME = new RegExp(`^${CHUNK_NAME}$`)

const NAMESPACE = 'systemprompt-chunk'

/** What the bundle's build learnt about its chunks: each group's modules as esbuild resolved them. */
export interface ChunkPlan {
  /** group -> resolved files, in the order of their index in the chunk's exports. */
  resolved: Map<string, string[]>
  /** The string the stubs name a group's file by, until the file's name (its hash) is known. */
  token(group: string): string
}

export function chunkPlan(): ChunkPlan {
  const nonce = randomBytes(8).toString('hex')
  return { resolved: new Map(), token: (group) => `__systemprompt_chunk_${nonce}_${group}` }
}

/**
 * Every import of a chunked module (`import`, `import()`, `require`) becomes a small module of the bundle whose
 * exports are that module's entry in its chunk: esbuild turns `import()` of it into `require()` as for any bundled
 * module, and a static import loads the chunk when the importing module first runs. Each importer's copy is
 * resolved as esbuild would (two versions of a package stay two modules).
 */
export function chunkStubs(chunks: Readonly<Record<string, BundleChunk>>, plan: ChunkPlan): Plugin {
  const groupOf = new Map<string, string>()
  for (const [group, chunk] of Object.entries(chunks)) {
    if (!CHUNK_GROUP.test(group))
      throw new Error(
        `chunk group name ${JSON.stringify(group)} must be lower-case letters, digits and dashes`,
      )
    for (const name of chunk.modules) {
      if (groupOf.has(name)) throw new Error(`chunk module ${name} is in two chunks`)
      groupOf.set(name, group)
    }
  }
  return {
    name: 'systemprompt-chunk-stubs',
    setup(build) {
      if (groupOf.size === 0) return
      const names = [...groupOf.keys()].map(escapeRegExp)
      build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, async (args) => {
        const group = groupOf.get(args.path)
        if (group === undefined || args.pluginData === NAMESPACE) return undefined
        // As a require() would resolve it (a package's CommonJS build): the chunk require()s it, and the
        // importer's interop then gives `default` what it gives for any CommonJS module. A package with an ES
        // module build only would hand `default` its whole namespace: chunkEntry refuses those.
        const found = await build.resolve(args.path, {
          kind: 'require-call',
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: NAMESPACE,
        })
        if (found.errors.length > 0) return { errors: found.errors }
        const files = plan.resolved.get(group) ?? []
        plan.resolved.set(group, files)
        let index = files.indexOf(found.path)
        if (index === -1) index = files.push(found.path) - 1
        return { path: `${group}/${index}`, namespace: NAMESPACE }
      })
      build.onLoad({ filter: /./, namespace: NAMESPACE }, (args) => {
        const [group, index] = args.path.split('/')
        return {
          loader: 'js',
          contents: `module.exports = __systemprompt_chunk(${JSON.stringify(plan.token(group ?? ''))})[${index}]\n`,
        }
      })
    },
  }
}

/** The entry of a group's chunk: its modules' exports, by index. */
export function chunkEntry(files: readonly string[]): string {
  return `module.exports = [${files.map((file) => `require(${JSON.stringify(file)})`).join(', ')}]\n`
}

/** A chunk's file, relative to the bundle: its group and a digest of its code. */
export function chunkFile(group: string, code: string): string {
  return `chunks/${group}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`
}

/** The chunk files a bundle names (what a single executable must embed as assets). */
export function chunkFilesOf(bundleText: string): string[] {
  return [
    ...new Set([...bundleText.matchAll(/"(chunks\/[a-z0-9-]+-[0-9a-f]{16}\.cjs)"/g)].map((m) => m[1] ?? '')),
  ]
}
