// esbuild plugins that make the CLI's module graph work as one CommonJS file (TESTBED.md "Single executable").
import { readFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { dirname, join } from 'node:path'
import type { Plugin } from 'esbuild'

/**
 * Modules that must fail as a missing module at run time, like an optional dependency that is not installed:
 * native addons (`*.node`: a single executable cannot load one from its own image) and `typescript` (oclif's
 * read-tsconfig tries it for its own development mode; bundling it would add 9.7 MB). Their importers already
 * handle MODULE_NOT_FOUND (that is how optional dependencies work); the `empty` loader would instead hand them
 * an empty object and fail later somewhere else.
 */
export function missingModules(names: readonly string[]): Plugin {
  const named = new RegExp(`^(${names.map(escapeRegExp).join('|')})$`)
  return {
    name: 'systemprompt-missing-modules',
    setup(build) {
      const missing = (args: { path: string }) => ({ path: args.path, namespace: 'systemprompt-missing' })
      build.onResolve({ filter: /\.node$/ }, missing)
      if (names.length > 0) build.onResolve({ filter: named }, missing)
      build.onLoad({ filter: /./, namespace: 'systemprompt-missing' }, (args) => ({
        loader: 'js',
        contents: `var error = new Error(${JSON.stringify(`Cannot find module '${args.path}' (not part of the systemprompt bundle)`)});
error.code = "MODULE_NOT_FOUND";
throw error;
`,
      }))
    },
  }
}

/**
 * Our packages load a few modules synchronously on first use with a `createRequire` of `import.meta.url`, called
 * at once (`(...)('yaml')`) or bound to a local `require` (`const require = ...`, then `require('ajv/...')`): it
 * keeps their import cheap. In CommonJS output `import.meta.url` is undefined and esbuild cannot see through
 * `createRequire`: both forms become the bundle's own `require`, which esbuild then resolves and bundles
 * (`'../../package.json'` included, so a package still reads its own version). Any other form would load from
 * disk at run time, which the gate cannot see: it fails the build with the file and line. (This comment avoids
 * spelling the call out: the file is bundled, so it is checked too.)
 */
const OWN_CREATE_REQUIRE = /createRequire\(import\.meta\.url\)/

export function ownCreateRequire(): Plugin {
  return {
    name: 'systemprompt-own-create-require',
    setup(build) {
      // Only our compiled packages (in the workspace or installed under @systemprompt/).
      build.onLoad(
        {
          filter:
            /[\\/](packages|apps)[\\/][^\\/]+[\\/]dist[\\/].+\.js$|[\\/]@systemprompt[\\/][^\\/]+[\\/]dist[\\/].+\.js$/,
        },
        async (args) => {
          const text = await readFile(args.path, 'utf8')
          if (!OWN_CREATE_REQUIRE.test(text)) return undefined
          const contents = text
            // `const require = ...` (the form above): the declaration goes, its calls stay.
            .replace(
              /\b(const|let|var)\s+require\s*=\s*createRequire\(import\.meta\.url\);?/g,
              '/* bundled: require */',
            )
            .replace(/createRequire\(import\.meta\.url\)(?=\s*(\(|\.resolve\b))/g, 'require')
          const left = contents.search(OWN_CREATE_REQUIRE)
          if (left !== -1)
            return {
              errors: [
                {
                  text: 'a createRequire of import.meta.url in a form the bundle cannot follow (only calling it at once and `const require =` are rewritten): the module would be loaded from disk at run time',
                  location: { file: args.path, line: contents.slice(0, left).split('\n').length, column: 0 },
                },
              ],
            }
          return { loader: 'js', resolveDir: dirname(args.path), contents }
        },
      )
    },
  }
}

/**
 * A single executable has no dynamic `import()` (Node 20: ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), and esbuild
 * keeps `await import('node:fs')` (a built-in, so external) as a real `import()` in CommonJS output. Route the
 * dynamic imports of built-ins, and of the externals in `names`, through a small bundled module that
 * `require()`s them: esbuild then emits `Promise.resolve().then(() => require(...))`, as for bundled modules.
 */
export function requireForDynamicImports(names: readonly string[]): Plugin {
  const filter = new RegExp(`^(node:.+|${[...builtinModules, ...names].map(escapeRegExp).join('|')})$`)
  return {
    name: 'systemprompt-require-for-dynamic-imports',
    setup(build) {
      build.onResolve({ filter }, (args) =>
        args.kind === 'dynamic-import' ? { path: args.path, namespace: 'systemprompt-required' } : undefined,
      )
      build.onLoad({ filter: /./, namespace: 'systemprompt-required' }, (args) => ({
        loader: 'js',
        contents: `module.exports = require(${JSON.stringify(args.path)})\n`,
      }))
    },
  }
}

/**
 * Packages whose `main` is a UMD build that `require()`s its own files through a factory esbuild cannot follow
 * (jsonc-parser: "Cannot find module './impl/format'" at run time): take their ESM build (`module`) instead.
 */
export function preferModuleBuild(names: readonly string[]): Plugin {
  const filter = new RegExp(`^(${names.map(escapeRegExp).join('|')})$`)
  return {
    name: 'systemprompt-prefer-module-build',
    setup(build) {
      build.onResolve({ filter }, async (args) => {
        if (args.pluginData === 'systemprompt-prefer-module-build') return undefined
        const found = await build.resolve(`${args.path}/package.json`, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'systemprompt-prefer-module-build',
        })
        if (found.errors.length > 0) return undefined
        const pkg = JSON.parse(await readFile(found.path, 'utf8')) as { module?: string }
        return pkg.module ? { path: join(dirname(found.path), pkg.module) } : undefined
      })
    },
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/**
 * A plugin that replaces one exact piece of a dependency's file (`filter` matches its path). When the dependency
 * no longer has that piece the build warns (`unchanged` says what then stays as it is) and bundles the file
 * unchanged, so an upgrade never breaks the bundle silently.
 */
function replaceInModule(spec: {
  name: string
  filter: RegExp
  find: string
  replace: string
  unchanged: string
}): Plugin {
  return {
    name: spec.name,
    setup(build) {
      build.onLoad({ filter: spec.filter }, async (args) => {
        const text = await readFile(args.path, 'utf8')
        if (!text.includes(spec.find))
          return {
            contents: text,
            loader: 'js',
            warnings: [{ text: `${args.path} has no "${spec.find}" any more: ${spec.unchanged}` }],
          }
        return { contents: text.replace(spec.find, spec.replace), loader: 'js' }
      })
    },
  }
}

/**
 * pg decides at import whether it runs in a Cloudflare Worker; on Node 20 (no `navigator`) its probe constructs
 * a `Response`, which loads undici, Node's fetch: 40-45 ms on every command that imports pg (measured with
 * --cpu-prof on `cloud tenant create`). The bundle only ever runs under Node: the probe is answered `false`.
 */
export function nodeOnlyPg(): Plugin {
  return replaceInModule({
    name: 'systemprompt-node-only-pg',
    filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/,
    find: 'if (isCloudflareRuntime())',
    replace: 'if (false /* Node only: see nodeOnlyPg */)',
    unchanged: "pg's Cloudflare probe stays in the bundle",
  })
}

/**
 * oclif sorts a plugin's commands with `localeCompare` when it loads them, on every start: the first call creates
 * ICU's collator, 14.5 ms of `--help`'s 200 (--cpu-prof). Command ids are lower-case ASCII words joined by `:`
 * and `-`, where code-unit order is the same order; the bundle sorts by code units. (A user plugin's id with
 * capitals would sort among the others by code unit, which only changes where help lists it.)
 */
export function oclifPlainSort(): Plugin {
  return replaceInModule({
    name: 'systemprompt-oclif-plain-sort',
    filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/,
    find: '.sort((a, b) => a.id.localeCompare(b.id))',
    replace: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
    unchanged: "oclif's command sort stays as it is",
  })
}

/**
 * zod carries its messages in 50 languages (`z.locales`: 270 KB of the bundle, read on every start) and speaks
 * English unless it is configured otherwise, which nothing here does. The bundle keeps English; every other
 * locale is a function that says it is not bundled. When zod's locale index has another shape the build warns
 * and bundles it unchanged.
 */
export function zodEnglishOnly(): Plugin {
  const line = /^export \{ default as ([A-Za-z]+) \} from "\.\/([A-Za-z-]+)\.js";$/
  return {
    name: 'systemprompt-zod-english-only',
    setup(build) {
      build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8')
        const lines = text.split('\n').filter((each) => each.trim() !== '')
        const names = lines.map((each) => line.exec(each))
        if (names.some((each) => each === null) || !names.some((each) => each?.[1] === 'en'))
          return {
            contents: text,
            loader: 'js',
            warnings: [
              {
                text: `${args.path} is not a list of locale exports any more: all locales stay in the bundle`,
              },
            ],
          }
        const contents = names
          .map((each) => {
            const [, name, file] = each as RegExpExecArray
            return name === 'en'
              ? `export { default as en } from "./${file}.js";`
              : `export const ${name} = () => { throw new Error(${JSON.stringify(`zod's locale "${name}" is not part of the systemprompt bundle (English only)`)}) };`
          })
          .join('\n')
        return { contents, loader: 'js', resolveDir: dirname(args.path) }
      })
    },
  }
}

/**
 * The built-ins loaded on first use instead of when the module that imports them loads: each one Node has to
 * compile and set up when it is first required (child_process brings net, dgram and the stream wrappers with it;
 * readline, perf_hooks and crypto their own modules), and oclif and our packages import them at top level for
 * paths most commands never take (oclif's shell lookup, its stdin reader). Only built-ins whose exports are a
 * plain object: a module that is a function or class (events, stream, assert) stays as it is.
 */
export const LAZY_BUILTINS = [
  'async_hooks',
  'child_process',
  'crypto',
  'dgram',
  'dns',
  'http',
  'https',
  'net',
  'perf_hooks',
  'readline',
  'readline/promises',
  'timers/promises',
  'tls',
  'v8',
  'worker_threads',
  'zlib',
] as const

/**
 * `__systemprompt_lazy(id)`, in the bundle's banner: an object that stands for the built-in `id` and requires it
 * at the first look at it (a property, `in`, its keys). Two lazy copies of one module are two objects (nothing
 * here compares module objects).
 */
export const LAZY_LOADER = [
  'function __systemprompt_lazy(id) {',
  '  var loaded; function load() { return loaded || (loaded = require(id)); }',
  '  // Everything goes to the module itself; nothing is kept on the stand-in (its own target stays empty).',
  '  return new Proxy({}, {',
  '    get: function (_, key) { return load()[key]; },',
  '    set: function (_, key, value) { return Reflect.set(load(), key, value); },',
  '    has: function (_, key) { return key in load(); },',
  '    deleteProperty: function (_, key) { return Reflect.deleteProperty(load(), key); },',
  '    defineProperty: function (_, key, how) { return Reflect.defineProperty(load(), key, how); },',
  '    getPrototypeOf: function () { return Reflect.getPrototypeOf(load()); },',
  '    ownKeys: function () { return Reflect.ownKeys(load()); },',
  '    getOwnPropertyDescriptor: function (_, key) {',
  '      var found = Object.getOwnPropertyDescriptor(load(), key); if (found) found.configurable = true; return found;',
  '    },',
  '  });',
  '}',
].join('\n')

/**
 * Static imports and `require()`s of LAZY_BUILTINS (with or without `node:`) become `require("<marker><name>")` of
 * an external (a bundled stand-in module would be wrapped by esbuild's `__toESM`, which reads every export at
 * once); `lazyRequires` then turns those into `__systemprompt_lazy("node:<name>")`. The marker is new for each
 * build, so no other text of the bundle can look like it.
 */
export function lazyBuiltins(marker: string): Plugin {
  const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.map(escapeRegExp).join('|')})$`)
  return {
    name: 'systemprompt-lazy-builtins',
    setup(build) {
      build.onResolve({ filter }, (args) =>
        args.kind === 'import-statement' || args.kind === 'require-call'
          ? { path: `${marker}${args.path.replace(/^node:/, '')}`, external: true }
          : undefined,
      )
    },
  }
}

/** The bundle's text with lazyBuiltins' marked requires made lazy. */
export function lazyRequires(code: string, marker: string): string {
  return code.replaceAll(
    new RegExp(`require\\("${escapeRegExp(marker)}([a-z_/]+)"\\)`, 'g'),
    (_, name: string) => `__systemprompt_lazy("node:${name}")`,
  )
}
