#!/usr/bin/env node
// Entry point of the installed `systemprompt`: runs the CLI bundle, dist/bundle/systemprompt.cjs (the same
// bundle the release binary embeds), compiled with a V8 code cache.
//
// Node 20 keeps no compiled code between runs (module.enableCompileCache is Node 22), so each start would
// parse and compile the 4 MB bundle again. V8's code cache is the compiled functions themselves (bytecode), not
// anything a command printed; it lives in the user's cache directory, one file per bundle (its path, size and
// mtime) and Node version, and V8 itself refuses one made by another V8, other flags or another source.
// Written after a run when there was none (or V8 refused it), and again the first times a new command runs, so
// the functions that command compiled are in it; at most MAX_KEYS times per bundle. A cache that cannot be read
// or written only costs speed. SYSTEMPROMPT_CODE_CACHE=0 turns it off.
'use strict'
const {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs')
const { createRequire, wrap } = require('node:module')
const { dirname, join } = require('node:path')
const vm = require('node:vm')

const MAX_KEYS = 48
const bundle = join(__dirname, '..', 'dist', 'bundle', 'systemprompt.cjs')

/**
 * `--version` without the bundle: the line oclif prints (its config.userAgent) from the package.json oclif reads.
 * Left to oclif when the user installed plugins (their init hooks may want to run) or debugs it. The bundle
 * has the same shortcut for the release binary (src/startup/version.ts), which has no package.json to read.
 */
function answeredVersion(argv, env) {
  if (argv.length !== 1 || argv[0] !== '--version' || env.DEBUG || env.SYSTEMPROMPT_DEBUG) return false
  const os = require('node:os')
  const data =
    env.SYSTEMPROMPT_DATA_DIR ||
    join(env.XDG_DATA_HOME || join(env.HOME || os.homedir(), '.local', 'share'), 'systemprompt')
  if (existsSync(join(data, 'package.json'))) return false
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'))
  const platform =
    os.platform() === 'linux' && os.release().toLowerCase().includes('microsoft') ? 'wsl' : os.platform()
  const cpu = os.arch() === 'ia32' ? 'x86' : os.arch()
  process.stdout.write(`${pkg.name}/${pkg.version} ${platform}-${cpu} node-${process.version}\n`)
  return true
}

/** FNV-1a of a string (a file name part; node:crypto costs milliseconds to load). */
function fnv(text) {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0
  return hash.toString(16).padStart(8, '0')
}

/** What this run adds to the cache: the command (words before the first flag) and whether it is help. */
function commandKey(argv) {
  const words = []
  for (const arg of argv) {
    if (arg.startsWith('-') || words.length === 3) break
    words.push(arg)
  }
  const help = argv.includes('--help') || argv.includes('-h')
  return `${words.join(' ')}${help ? ' --help' : ''}`.trim() || '(none)'
}

function cacheFiles(env) {
  if (env.SYSTEMPROMPT_CODE_CACHE === '0') return undefined
  const home = env.HOME || require('node:os').homedir()
  const dir = join(env.XDG_CACHE_HOME || join(home, '.cache'), 'systemprompt', 'code-cache')
  const stat = statSync(bundle)
  const base = join(
    dir,
    `${fnv(bundle)}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}`,
  )
  return { dir, base, data: `${base}.bin`, keys: `${base}.keys` }
}

function readOrUndefined(file, encoding) {
  try {
    return readFileSync(file, encoding)
  } catch {
    return undefined
  }
}

function writeAtomically(file, contents) {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`
  // Owner only: the cache is code V8 runs.
  writeFileSync(temp, contents, { mode: 0o600 })
  renameSync(temp, file)
}

function runBundle() {
  // esbuild wrote the bundle as ASCII (charset: 'ascii'): latin1 is a plain copy of its bytes.
  let source
  try {
    source = readFileSync(bundle, 'latin1')
  } catch (error) {
    process.stderr.write(
      `Error [INSTALL_BROKEN]: cannot read the CLI bundle ${bundle} (${error.code ?? error.message})\n  Fix: build the CLI (pnpm build) or reinstall it\n`,
    )
    process.exitCode = 1
    return
  }
  let files
  try {
    files = cacheFiles(process.env)
  } catch {
    files = undefined
  }
  const cachedData = files && readOrUndefined(files.data)
  const script = new vm.Script(wrap(source), {
    filename: bundle,
    cachedData,
  })

  if (files) {
    const keys =
      (cachedData && !script.cachedDataRejected && readOrUndefined(files.keys, 'utf8')?.split('\n')) || []
    // Hashed: the words may be a tenant name or a plugin's argument, which have no business in a cache file.
    const key = fnv(commandKey(process.argv.slice(2)))
    if (keys.length === 0 || (!keys.includes(key) && keys.length < MAX_KEYS)) {
      process.once('exit', () => {
        try {
          mkdirSync(files.dir, { recursive: true, mode: 0o700 })
          writeAtomically(files.data, script.createCachedData())
          writeAtomically(files.keys, [...keys.filter(Boolean), key].join('\n'))
          // The caches of earlier builds of this bundle (another size or mtime) are of no use any more.
          const mine = `${fnv(bundle)}-`
          for (const name of readdirSync(files.dir))
            if (name.startsWith(mine) && !join(files.dir, name).startsWith(files.base))
              rmSync(join(files.dir, name), { force: true })
        } catch {
          // Only speed is lost.
        }
      })
    }
  }

  // The bundle's import()s (oclif loading an ESM plugin) come here: see routeDynamicImports in @systemprompt/build.
  globalThis.__systemprompt_import = (specifier) => import(specifier)
  const bundleModule = { exports: {}, filename: bundle, id: bundle, loaded: false }
  script
    .runInThisContext()
    .call(
      bundleModule.exports,
      bundleModule.exports,
      createRequire(bundle),
      bundleModule,
      bundle,
      dirname(bundle),
    )
}

if (!answeredVersion(process.argv.slice(2), process.env)) runBundle()
