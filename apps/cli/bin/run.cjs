#!/usr/bin/env node
// Entry point of the installed `systemprompt`: runs the CLI bundle, dist/bundle/systemprompt.cjs (the same
// bundle the release binary embeds), compiled with a V8 code cache.
//
// Node 20 keeps no compiled code between runs (module.enableCompileCache is Node 22), so each start would
// parse and compile the 4 MB bundle again. V8's code cache is the compiled functions themselves (bytecode), not
// anything a command printed; it lives in the user's cache directory, one file per command (its oclif id, from
// the manifest next to the bundle) for each build of the bundle (the id on its first line, its size and mtime) and
// Node version, read only from a directory of this user that nobody else can write in.
// A command's file holds what that command compiled, on top of the smallest file there was when it first ran
// (one shared cache would grow with every command, and V8 reads all of it on every start: ~5.5 ms per MB here).
// Written after a command's first run (and again if V8 refused it: another V8, other flags); at most MAX_FILES
// per build. A cache that cannot be read or written only costs speed. SYSTEMPROMPT_CODE_CACHE=0 turns it off.
'use strict'
const {
  chmodSync,
  existsSync,
  lstatSync,
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

const MAX_FILES = 24
/** Files of other installs of the bundle (another path, e.g. an older version's pnpm directory) unused this long go. */
const STALE_MS = 30 * 24 * 3600 * 1000
const bundleDir = join(__dirname, '..', 'dist', 'bundle')
const bundle = join(bundleDir, 'systemprompt.cjs')
const BUNDLE_ID = /^\/\/ systemprompt-bundle ([0-9a-f]{16})\n/
// A bundle with the id line (written by @systemprompt/build, selfStarting in src/release/bundle.ts) is a script
// whose value is its module function while this global is set: compiled as it is (wrapping it would put a second
// copy of the source on the heap). The name is the one bundle.ts uses.
const FUNCTION_REQUEST = '__systemprompt_bundle_function'
/** How a selfStarting bundle begins, after its id line (selfStarting in bundle.ts writes it). */
const SELF_STARTING = `(function (run) { return globalThis.${FUNCTION_REQUEST} ? run : `

/**
 * `--version` without the bundle: the line oclif prints (its config.userAgent) from the package.json oclif reads.
 * Left to oclif when the user installed plugins (their init hooks may want to run), debugs it, or on WSL. The bundle
 * has the same shortcut for the release binary (src/startup/version.ts), which has no package.json to read.
 */
function answeredVersion(argv, env) {
  if (argv.length !== 1 || argv[0] !== '--version' || env.DEBUG || env.SYSTEMPROMPT_DEBUG) return false
  const os = require('node:os')
  const data =
    env.SYSTEMPROMPT_DATA_DIR ||
    join(env.XDG_DATA_HOME || join(env.HOME || os.homedir(), '.local', 'share'), 'systemprompt')
  if (existsSync(join(data, 'package.json'))) return false
  if (maybeWsl(os)) return false
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'))
  const cpu = os.arch() === 'ia32' ? 'x86' : os.arch()
  process.stdout.write(`${pkg.name}/${pkg.version} ${os.platform()}-${cpu} node-${process.version}\n`)
  return true
}

/** Any sign of WSL, which oclif reports as a platform of its own (is-wsl's checks): then oclif answers. */
function maybeWsl(os) {
  if (os.platform() !== 'linux') return false
  if (os.release().toLowerCase().includes('microsoft')) return true
  if (existsSync('/proc/sys/fs/binfmt_misc/WSLInterop') || existsSync('/run/WSL')) return true
  return readOrUndefined('/proc/version', 'utf8')?.toLowerCase().includes('microsoft') ?? false
}

/** FNV-1a of a string (a file name part; node:crypto costs milliseconds to load). */
function fnv(text) {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0
  return hash.toString(16).padStart(8, '0')
}

/**
 * The command this run is (the oclif id its leading words name in the manifest, as oclif finds it), and whether
 * it is help; `(other)` for what the manifest does not know (a plugin's command, a typo). Never the arguments.
 */
function commandKey(argv) {
  const help = argv.includes('--help') || argv.includes('-h') ? ' --help' : ''
  const words = []
  for (const arg of argv) {
    if (arg.startsWith('-') || words.length === 4) break
    words.push(...arg.split(':'))
  }
  if (words.length === 0) return `(root)${help}`
  const manifest = JSON.parse(readFileSync(join(bundleDir, 'oclif.manifest.json'), 'utf8'))
  const ids = new Set()
  for (const [id, command] of Object.entries(manifest.commands ?? {})) {
    ids.add(id)
    for (const alias of command.aliases ?? []) ids.add(alias)
  }
  for (let n = words.length; n > 0; n--) {
    const id = words.slice(0, n).join(':')
    if (ids.has(id)) return `${id}${help}`
  }
  return `(other)${help}`
}

/** The cache files of this bundle build under this Node: this command's, and the others (file names). */
function cacheFiles(env, id, argv) {
  // A bundle without the id line (not built by @systemprompt/build) is never matched with a cache.
  if (env.SYSTEMPROMPT_CODE_CACHE === '0' || !id) return undefined
  const home = env.HOME || require('node:os').homedir()
  const dir = join(env.XDG_CACHE_HOME || join(home, '.cache'), 'systemprompt', 'code-cache')
  const bundlePart = `${fnv(bundle)}-`
  const node = `-${process.version}-${process.arch}`
  // The id says which build this is; size and mtime also catch a bundle edited by hand (V8 itself only compares
  // the source's length with the cache's).
  const { size, mtimeMs } = statSync(bundle)
  const build = `${bundlePart}${id}${fnv(`${size}:${Math.trunc(mtimeMs)}`)}${node}-`
  // Hashed: nothing of the command line has any business in a file name.
  const own = join(dir, `${build}${fnv(commandKey(argv))}.bin`)
  return { dir, bundlePart, node, build, own, trusted: privateDir(dir, false) }
}

/**
 * Whether `dir` is the user's own and nobody else can write in it (what is in it is code V8 runs as this user).
 * `repair`: a directory of this user that others could write in is made private again (it was made by hand, or
 * by an umask-unaware tool) and emptied: anything in it may have been put there by someone else.
 */
function privateDir(dir, repair) {
  let stat
  try {
    stat = lstatSync(dir)
  } catch {
    return !repair // none yet: written below, 0700
  }
  if (!stat.isDirectory()) return false
  if (typeof process.getuid !== 'function') return true // Windows: no POSIX owner or mode bits
  if (stat.uid !== process.getuid()) return false
  if ((stat.mode & 0o022) === 0) return true
  if (!repair) return false
  chmodSync(dir, 0o700)
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true, recursive: true })
  return true
}

/**
 * Whether the cache directory may be made: its nearest existing ancestor is this user's (root running with a
 * user's HOME, as under sudo, would otherwise leave the user a cache directory they cannot write).
 */
function mayCreate(dir) {
  if (typeof process.getuid !== 'function') return true
  for (let at = dir; ; at = dirname(at)) {
    try {
      return lstatSync(at).uid === process.getuid()
    } catch {
      if (dirname(at) === at) return false
    }
  }
}

/** A file last used (read, where the file system keeps access times, or written) more than STALE_MS ago. */
function stale(file, now) {
  try {
    const { atimeMs, mtimeMs } = statSync(file)
    return now - Math.max(atimeMs, mtimeMs) > STALE_MS
  } catch {
    return false // gone meanwhile
  }
}

/** The smallest cache file of this build (the least on top of what every command needs) and how many there are. */
function donorOf(files) {
  let smallest
  let count = 0
  let names
  try {
    names = readdirSync(files.dir)
  } catch {
    names = [] // none yet
  }
  for (const name of names) {
    if (!name.startsWith(files.build) || !name.endsWith('.bin')) continue
    count++
    const size = statSync(join(files.dir, name)).size
    if (!smallest || size < smallest.size) smallest = { file: join(files.dir, name), size }
  }
  return { file: smallest?.file, count }
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
  // Owner only: the cache is code V8 runs. A new file, never one (or a link) that is already there.
  writeFileSync(temp, contents, { mode: 0o600, flag: 'wx' })
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
  const idLine = BUNDLE_ID.exec(source.slice(0, 64))
  let files
  let cachedData
  let donor = { file: undefined, count: 0 }
  try {
    files = cacheFiles(process.env, idLine?.[1], process.argv.slice(2))
    cachedData = files?.trusted ? readOrUndefined(files.own) : undefined
    if (files?.trusted && !cachedData) {
      donor = donorOf(files)
      cachedData = donor.file && readOrUndefined(donor.file)
    }
  } catch {
    files = undefined
  }
  // A bundle of an older build has the id line without being selfStarting (a checkout pulled, not rebuilt): wrapped.
  const selfStarts = idLine !== null && source.startsWith(SELF_STARTING, idLine[0].length)
  const script = new vm.Script(selfStarts ? source : wrap(source), { filename: bundle, cachedData })

  const ownRefused = cachedData && !donor.file && script.cachedDataRejected
  if (files && (ownRefused || (!donor.file && !cachedData) || (donor.file && donor.count < MAX_FILES))) {
    process.once('exit', () => {
      try {
        if (!existsSync(files.dir) && !mayCreate(files.dir)) return
        mkdirSync(files.dir, { recursive: true, mode: 0o700 })
        if (!privateDir(files.dir, true)) return
        writeAtomically(files.own, script.createCachedData())
        // The files of earlier builds of this bundle under this Node are of no use any more; the ones of other
        // Node versions are left to them (nvm users switch back and forth), other installs' files to a month
        // without use.
        const now = Date.now()
        for (const name of readdirSync(files.dir)) {
          const file = join(files.dir, name)
          const old = name.startsWith(files.bundlePart)
            ? name.includes(files.node) && !name.startsWith(files.build)
            : stale(file, now)
          if (old) rmSync(file, { force: true })
        }
      } catch {
        // Only speed is lost.
      }
    })
  }

  // The bundle's import()s (oclif loading an ESM plugin) come here: see routeDynamicImports in @systemprompt/build.
  globalThis.__systemprompt_import = (specifier) => import(specifier)
  const bundleModule = { exports: {}, filename: bundle, id: bundle, loaded: false }
  let moduleFunction
  globalThis[FUNCTION_REQUEST] = true
  try {
    moduleFunction = script.runInThisContext()
  } finally {
    delete globalThis[FUNCTION_REQUEST]
  }
  moduleFunction.call(
    bundleModule.exports,
    bundleModule.exports,
    createRequire(bundle),
    bundleModule,
    bundle,
    dirname(bundle),
  )
}

if (!answeredVersion(process.argv.slice(2), process.env)) runBundle()
