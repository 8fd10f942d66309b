// bundleCli on a fixture CLI with the real esbuild, its output run the way a single executable runs its main
// script (a vm script whose require loads built-ins only and with no dynamic import()), from another
// directory: explicit commands, lazy imports kept lazy, import() of built-ins, import.meta.url and createRequire
// in our packages, missing modules as MODULE_NOT_FOUND, a UMD main, the require gate, esbuild errors.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Script } from 'node:vm'
import { type TempDir, tempDir } from '@systemprompt/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { bundleCli } from './bundle.js'
import { CHUNK_LOADER } from './chunks.js'

const dirs: TempDir[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

// The runtime the entry calls (stands in for apps/cli's bundle-entry.js): reports what it sees, then runs
// every command.
const RUNTIME = `export function requireShim(original, target, commands) {
  return (id) => (id.endsWith(target) ? { COMMANDS: commands } : original(id))
}
export async function runBundled({ commands, pjson }) {
  const report = { heavyBeforeRun: globalThis.heavyLoaded === true, ids: Object.keys(commands), strategy: pjson.oclif.commands,
    viaShim: Object.keys(require('/nowhere/' + pjson.oclif.commands.target.slice(2)).COMMANDS), url: import.meta.url, out: [] }
  for (const id of report.ids) report.out.push(await commands[id].run())
  report.heavyAfterRun = globalThis.heavyLoaded === true
  console.log(JSON.stringify(report))
}
`

interface Fixture {
  root: string
  write(path: string, text: string): void
  bundle(chunks?: Parameters<typeof bundleCli>[0]['chunks']): ReturnType<typeof bundleCli>
  outfile: string
}

/** A CLI package at <tmp>/packages/fx (a path our createRequire rewrite applies to, as for the workspace). */
function fixture(commands: Record<string, string>): Fixture {
  const dir = tempDir('sp-bundle-')
  dirs.push(dir)
  const root = join(dir.path, 'packages', 'fx')
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  write(
    'package.json',
    JSON.stringify({ name: 'fx', version: '4.5.6', type: 'module', oclif: { bin: 'fx' } }),
  )
  write(
    'oclif.manifest.json',
    JSON.stringify({
      version: '4.5.6',
      commands: Object.fromEntries(
        Object.keys(commands).map((id) => [id, { id, relativePath: ['dist', 'commands', `${id}.js`] }]),
      ),
    }),
  )
  for (const [id, text] of Object.entries(commands)) write(`dist/commands/${id}.js`, text)
  write('dist/runtime.js', RUNTIME)
  const outfile = join(dir.path, 'out', 'fx.cjs')
  return {
    root,
    write,
    outfile,
    bundle: (chunks) =>
      bundleCli({ cliRoot: root, runtime: join(root, 'dist', 'runtime.js'), outfile, chunks }),
  }
}

/** What a single executable does with its main script (Node 20's embedderRunCjs, in short). */
const LIKE_A_SEA = `const { isBuiltin } = require('node:module')
const file = process.argv[1]
const builtinOnly = (id) => {
  if (isBuiltin(id)) return require(id)
  throw Object.assign(new Error('No such built-in module: ' + id), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' })
}
const source = require('node:fs').readFileSync(file, 'utf8')
const wrapper = new (require('node:vm').Script)('(function (exports, require, module, __filename, __dirname) {' + source + '\\n})', { filename: file })
const module = { exports: {} }
wrapper.runInThisContext()(module.exports, builtinOnly, module, file, require('node:path').dirname(file))
`

/** Runs a bundle copied to a directory of its own as a single executable would: only what it embeds. */
function runAlone(bundle: string): {
  status: number | null
  report: Record<string, unknown>
  stderr: string
} {
  const dir = tempDir('sp-bundle-run-')
  dirs.push(dir)
  const file = join(dir.path, 'alone.cjs')
  copyFileSync(bundle, file)
  // and the chunks it names, as bundleCli wrote them next to it
  const chunks = join(dirname(bundle), 'chunks')
  if (existsSync(chunks)) cpSync(chunks, join(dir.path, 'chunks'), { recursive: true })
  const result = spawnSync(process.execPath, ['-e', LIKE_A_SEA, file], { cwd: dir.path, encoding: 'utf8' })
  const line = result.stdout.trim().split('\n').pop() ?? ''
  return { status: result.status, report: line ? JSON.parse(line) : {}, stderr: result.stderr }
}

/** A dependency of @systemprompt/config, linked into the fixture's node_modules from where the workspace has it. */
function linkConfigDependency(fx: Fixture, name: string): void {
  const config = realpathSync(
    join(createRequire(import.meta.url).resolve('@systemprompt/config/core'), '..', '..'),
  )
  const found = dirname(createRequire(join(config, 'package.json')).resolve(`${name}/package.json`))
  mkdirSync(join(fx.root, 'node_modules'), { recursive: true })
  symlinkSync(found, join(fx.root, 'node_modules', name))
}

const command = (body: string, imports = '') => `${imports}
export default class C { static async run() { ${body} } }
`

describe('bundleCli', () => {
  it('puts every command behind COMMANDS, keeps await import() lazy and embeds what createRequire loads', async () => {
    const fx = fixture({
      hello: command(`const { heavy } = await import('../heavy.js'); return heavy()`),
      version: command(`return version()`, `import { version } from '../version.js'`),
    })
    fx.write('dist/data.json', '{"answer": 42}')
    fx.write('dist/heavy.js', `globalThis.heavyLoaded = true\nexport const heavy = () => 'heavy ran'\n`)
    fx.write(
      'dist/version.js',
      `import { createRequire } from 'node:module'
export function version() {
  const require = createRequire(import.meta.url)
  return require('../package.json').version + ' ' + createRequire(import.meta.url)('./data.json').answer
}
`,
    )
    const result = await fx.bundle()
    expect(result).toMatchObject({ outfile: fx.outfile, commands: ['hello', 'version'], warnings: [] })
    const ran = runAlone(fx.outfile)
    expect(ran.stderr).toBe('')
    expect(ran.status).toBe(0)
    expect(ran.report).toMatchObject({
      heavyBeforeRun: false,
      heavyAfterRun: true,
      ids: ['hello', 'version'],
      viaShim: ['hello', 'version'],
      strategy: {
        strategy: 'explicit',
        target: './systemprompt-bundled-commands.cjs',
        identifier: 'COMMANDS',
      },
      out: ['heavy ran', '4.5.6 42'],
    })
    // import.meta.url names the bundle that runs (here: the copy).
    expect(String(ran.report.url)).toMatch(/\/alone\.cjs$/)
  })

  it('starts with the id line of its contents and refuses an import() that is not awaited where it is called', async () => {
    const fx = fixture({ hello: command(`const m = await import(globalThis.where); return m.default`) })
    await fx.bundle()
    const text = readFileSync(fx.outfile, 'latin1')
    const [line, ...rest] = text.split('\n')
    expect(line).toMatch(/^\/\/ systemprompt-bundle [0-9a-f]{16}$/)
    expect(line?.slice(-16)).toBe(createHash('sha256').update(rest.join('\n')).digest('hex').slice(0, 16))
    // As a script (bin/run.cjs compiles it with vm.Script) its value is the module function while the loader
    // asks for it; without the request it runs as a module (runAlone, above).
    const g = globalThis as { __systemprompt_bundle_function?: boolean }
    g.__systemprompt_bundle_function = true
    let moduleFunction: unknown
    try {
      moduleFunction = new Script(text, { filename: fx.outfile }).runInThisContext()
    } finally {
      delete g.__systemprompt_bundle_function
    }
    expect(typeof moduleFunction).toBe('function')
    expect((moduleFunction as (...args: unknown[]) => unknown).length).toBe(5)
    expect(text).toContain('await __systemprompt_import(globalThis.where)')

    const lazy = fixture({ hello: command(`return import(globalThis.where).then((m) => m.default)`) })
    await expect(lazy.bundle()).rejects.toMatchObject({
      code: 'RELEASE_BUILD_FAILED',
      message: expect.stringContaining('import(globalThis.where)'),
    })
    expect(existsSync(lazy.outfile)).toBe(false)
  })

  it('turns import() of built-ins and of the allowed externals into require() (a SEA has no dynamic import)', async () => {
    const fx = fixture({
      builtin: command(
        `const { sep } = await import('node:path'); const os = await import('os'); return [sep, typeof os.platform]`,
      ),
      external: command(`try { await import('postject') } catch (error) { return error.code }`),
    })
    await fx.bundle()
    const ran = runAlone(fx.outfile)
    expect(ran.stderr).toBe('')
    expect(ran.report.out).toEqual([['/', 'function'], 'ERR_UNKNOWN_BUILTIN_MODULE'])
  })

  it('bundles the chunked packages into chunks next to it, loaded when a module importing them first runs', async () => {
    const fx = fixture({
      lazy: command(`const { heavy } = await import('fx-heavy'); return [globalThis.heavyLoaded, heavy()]`),
      eager: command(`return [label(), globalThis.otherLoaded]`, `import { label } from '../eager.js'`),
    })
    fx.write('dist/eager.js', `import other from 'fx-other'\nexport const label = () => other.label\n`)
    const pkg = (name: string, text: string) => {
      fx.write(
        `node_modules/${name}/package.json`,
        JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
      )
      fx.write(`node_modules/${name}/index.js`, text)
    }
    pkg('fx-heavy', `globalThis.heavyLoaded = true\nexports.heavy = () => 'HEAVY-CODE ran'\n`)
    pkg('fx-other', `globalThis.otherLoaded = true\nmodule.exports = { label: 'OTHER-CODE' }\n`)
    const chunks = {
      heavy: { modules: ['fx-heavy'], why: 'test' },
      other: { modules: ['fx-other'], why: 'test' },
      unused: { modules: ['fx-unused'], why: 'imported by nothing: no chunk' },
    }
    const result = await fx.bundle(chunks)
    expect(result.chunks.map((chunk) => chunk.file).sort()).toEqual([
      expect.stringMatching(/^chunks\/heavy-[0-9a-f]{16}\.cjs$/),
      expect.stringMatching(/^chunks\/other-[0-9a-f]{16}\.cjs$/),
    ])
    const text = readFileSync(fx.outfile, 'latin1')
    expect(text).not.toContain('HEAVY-CODE')
    expect(text).not.toContain('OTHER-CODE')
    for (const chunk of result.chunks) expect(text).toContain(`"${chunk.file}"`)
    const out = join(dirname(fx.outfile), 'chunks')
    expect(readdirSync(out).sort()).toEqual(result.chunks.map((chunk) => chunk.file.slice(7)).sort())

    const ran = runAlone(fx.outfile)
    expect(ran.stderr).toBe('')
    expect(ran.report).toMatchObject({
      heavyBeforeRun: false,
      out: [
        [true, 'HEAVY-CODE ran'],
        ['OTHER-CODE', true],
      ],
    })

    // A new build of a chunk replaces the old file; a chunk that is gone says what is broken.
    pkg('fx-heavy', `globalThis.heavyLoaded = true\nexports.heavy = () => 'HEAVY-CODE 2 ran'\n`)
    const second = await fx.bundle(chunks)
    expect(readdirSync(out).sort()).toEqual(second.chunks.map((chunk) => chunk.file.slice(7)).sort())
    expect(second.chunks.find((c) => c.file.startsWith('chunks/heavy'))?.file).not.toBe(
      result.chunks.find((c) => c.file.startsWith('chunks/heavy'))?.file,
    )
    rmSync(join(out, second.chunks.find((c) => c.file.startsWith('chunks/heavy'))?.file.slice(7) ?? ''))
    const broken = runAlone(fx.outfile)
    expect(broken.status).not.toBe(0)
    expect(broken.stderr).toMatch(
      /SystempromptError\]?: Cannot load .*chunks\/heavy-[0-9a-f]{16}\.cjs, a part of the systemprompt CLI bundle \(ENOENT\)/,
    )
  })

  it('refuses a chunk of an ES-module-only package, one with a dynamic import(), and a group name unfit for a file', async () => {
    const fx = fixture({ esm: command(`return (await import('fx-esm')).default()`) })
    fx.write(
      'node_modules/fx-esm/package.json',
      JSON.stringify({ name: 'fx-esm', type: 'module', exports: './index.js' }),
    )
    fx.write('node_modules/fx-esm/index.js', `export default () => 'esm'\n`)
    await expect(fx.bundle({ esm: { modules: ['fx-esm'], why: 'test' } })).rejects.toMatchObject({
      code: 'RELEASE_BUILD_FAILED',
      message: expect.stringMatching(/^Chunk esm of the CLI bundle: .*fx-esm\/index\.js is an ES module/),
    })
    // unchunked it bundles and runs
    await fx.bundle()
    expect(runAlone(fx.outfile).report.out).toEqual(['esm'])

    const dynamic = fixture({ dyn: command(`return (await import('fx-dyn')).where()`) })
    dynamic.write('node_modules/fx-dyn/package.json', JSON.stringify({ name: 'fx-dyn', main: 'index.js' }))
    dynamic.write(
      'node_modules/fx-dyn/index.js',
      `exports.where = async () => (await import(globalThis.x)).y\n`,
    )
    await expect(dynamic.bundle({ dyn: { modules: ['fx-dyn'], why: 'test' } })).rejects.toMatchObject({
      code: 'RELEASE_BUILD_FAILED',
      message:
        'Chunk dyn of the CLI bundle has a dynamic import(), which a chunk cannot run in the release binary',
    })
    await expect(dynamic.bundle({ 'My/Chunk': { modules: ['fx-dyn'], why: 'test' } })).rejects.toThrow(
      'chunk group name "My/Chunk" must be lower-case letters, digits and dashes',
    )
  })

  it('the chunk loader: INSTALL_BROKEN as our error for a chunk it cannot read or compile, tried again next time', () => {
    const dir = tempDir('sp-chunk-loader-')
    dirs.push(dir)
    const load = new Function('require', '__dirname', `${CHUNK_LOADER}\nreturn __systemprompt_chunk`)(
      createRequire(import.meta.url),
      dir.path,
    ) as (file: string) => Record<string, unknown>
    const file = 'chunks/x-0123456789abcdef.cjs'
    const failure = (run: () => unknown) => {
      try {
        run()
      } catch (error) {
        return { ...(error as object), name: (error as Error).name, message: (error as Error).message }
      }
      throw new Error('did not fail')
    }
    expect(failure(() => load(file))).toEqual({
      name: 'SystempromptError',
      code: 'INSTALL_BROKEN',
      category: 'user',
      message: `Cannot load ${join(dir.path, file)}, a part of the systemprompt CLI bundle (ENOENT)`,
      fix: 'Reinstall the CLI, or build it again (pnpm build)',
    })
    mkdirSync(join(dir.path, 'chunks'))
    writeFileSync(join(dir.path, file), 'module.exports = {')
    expect(failure(() => load(file))).toMatchObject({
      code: 'INSTALL_BROKEN',
      message: expect.stringContaining('Unexpected'),
    })
    writeFileSync(
      join(dir.path, file),
      'globalThis.chunkRuns = (globalThis.chunkRuns ?? 0) + 1; module.exports = { ok: 1 }',
    )
    expect(load(file)).toEqual({ ok: 1 })
    expect(load(file)).toEqual({ ok: 1 })
    expect((globalThis as { chunkRuns?: number }).chunkRuns).toBe(1)
  })

  it('loads the lazy built-ins (child_process, readline, ...) at their first use; default and namespace imports work', async () => {
    const fx = fixture({
      lazy: command(
        `const loaded = (name) => process.moduleLoadList.includes('NativeModule ' + name)
        const before = [loaded('child_process'), loaded('readline')]
        const out = execFileSync(process.execPath, ['-e', 'process.stdout.write("hi")'], { encoding: 'utf8' })
        const a = require('node:dns'), b = require('node:dns')
        a.spTest = 7
        const written = [b.spTest, delete a.spTest, 'spTest' in b, Object.getPrototypeOf(a) === Object.getPrototypeOf(require('node:dns'))]
        return [before, out, loaded('child_process'), typeof createInterface, loaded('readline'), crypto.randomBytes(3).length, typeof createHash, typeof zlib.gzipSync, written]`,
        `import { execFileSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import crypto from 'crypto'
import { createHash } from 'node:crypto'
import * as zlib from 'node:zlib'`,
      ),
    })
    await fx.bundle()
    const text = readFileSync(fx.outfile, 'latin1')
    expect(text).not.toMatch(/require\("(node:)?(child_process|crypto|readline)"\)/)
    const ran = runAlone(fx.outfile)
    expect(ran.stderr).toBe('')
    // (a default or namespace import reads the module's keys when its importer loads: it is loaded then)
    // A write goes to the module itself (two stand-ins of one module see it).
    expect(ran.report.out).toEqual([
      [[false, false], 'hi', true, 'function', true, 3, 'function', 'function', [7, true, false, true]],
    ])
  })

  it("keeps only zod's English messages (the other locales say they are not bundled)", async () => {
    const fx = fixture({
      zod: command(
        `const r = z.string().safeParse(1); let other; try { z.locales.de() } catch (error) { other = error.message }
        return [r.error.issues[0].message, typeof z.locales.en, other]`,
        `import { z } from 'zod'`,
      ),
    })
    linkConfigDependency(fx, 'zod')
    await fx.bundle()
    expect(readFileSync(fx.outfile, 'latin1')).not.toContain('erwartet instanceof')
    expect(runAlone(fx.outfile).report.out).toEqual([
      [
        'Invalid input: expected string, received number',
        'function',
        'zod\'s locale "de" is not part of the systemprompt bundle (English only)',
      ],
    ])
  })

  it('makes typescript and native addons fail as MODULE_NOT_FOUND at run time, not at build time', async () => {
    const fx = fixture({
      optional: command(`const codes = []
      for (const load of [() => require('typescript'), () => require('./addon.node')]) {
        try { load() } catch (error) { codes.push(error.code) }
      }
      return codes`),
    })
    fx.write('dist/commands/addon.node', 'not an ELF file')
    await fx.bundle()
    expect(runAlone(fx.outfile).report.out).toEqual([['MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']])
  })

  it("bundles jsonc-parser's ESM build (its UMD main requires its own files at run time)", async () => {
    const fx = fixture({
      parse: command(`return parse('{"a": 1, // comment\\n}')`, `import { parse } from 'jsonc-parser'`),
    })
    linkConfigDependency(fx, 'jsonc-parser')
    await fx.bundle()
    expect(runAlone(fx.outfile).report.out).toEqual([{ a: 1 }])
  })

  it('fails on a module left to load at run time (the gate), a createRequire it cannot follow, an unresolved import', async () => {
    const gated = fixture({
      left: command(`try { return require('definitely-not-installed-xyz') } catch { return null }`),
    })
    await expect(gated.bundle()).rejects.toMatchObject({
      code: 'RELEASE_BUILD_FAILED',
      message:
        'The CLI bundle still loads a module at run time that is not built into Node: definitely-not-installed-xyz',
    })
    expect(existsSync(gated.outfile)).toBe(false)

    const other = fixture({ other: command(`return load('yaml')`, `import { load } from '../load.js'`) })
    other.write(
      'dist/load.js',
      `import { createRequire } from 'node:module'\nconst req = createRequire(import.meta.url)\nexport const load = (name) => req(name)\n`,
    )
    await expect(other.bundle()).rejects.toMatchObject({
      code: 'RELEASE_BUILD_FAILED',
      message: expect.stringMatching(
        /dist\/load\.js:2:1: a createRequire of import\.meta\.url in a form the bundle cannot follow/,
      ),
    })

    const broken = fixture({ broken: command('return 1', `import { nope } from './missing.js'`) })
    const error = await broken.bundle().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'RELEASE_BUILD_FAILED' })
    expect((error as Error).message).toContain(`dist/commands/broken.js:1:`)
    expect((error as Error).message).toContain('Could not resolve "./missing.js"')
  })

  it('may leave only pg-native, esbuild and postject to load at run time', async () => {
    const fx = fixture({
      allowed: command(
        `return [() => require('pg-native'), () => require('esbuild'), () => require('postject')].length`,
      ),
    })
    await fx.bundle()
    const text = readFileSync(fx.outfile, 'utf8')
    for (const name of ['pg-native', 'esbuild', 'postject']) expect(text).toContain(`require("${name}")`)
    expect(runAlone(fx.outfile).status).toBe(0)
  })
})
