// `buildMcpServers` on real files with the real esbuild: discovery and its errors, the port scheme, the
// require gate, esbuild errors with file:line, unchanged detection, a failed rebuild that keeps the previous
// artifact whole, removed servers, the state `start --all` reads, and the artifacts' parent watch.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { MCP_SUPERVISOR_PID_ENV } from '@systemprompt/config/core'
import { type TempDir, tempDir } from '@systemprompt/testkit'
import { afterEach, describe, expect, it } from 'vitest'
import { buildMcpServers } from './build.js'
import { findMcpServers } from './discover.js'
import { mcpArtifactsState } from './state.js'

const dirs: TempDir[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

interface Project {
  root: string
  sources: string
  artifacts: string
  write(path: string, text: string): void
  build(): ReturnType<typeof buildMcpServers>
}

function project(): Project {
  const dir = tempDir('sp-build-mcp-')
  dirs.push(dir)
  const root = dir.path
  const sources = join(root, 'services', 'mcp')
  const artifacts = join(root, 'target', 'release', 'mcp')
  mkdirSync(sources, { recursive: true })
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return {
    root,
    sources,
    artifacts,
    write,
    build: () => buildMcpServers({ root, sourcesDir: sources, artifactsDir: artifacts }),
  }
}

/** A TypeScript server that imports a local module and prints a value when loaded. */
function tsServer(p: Project, name: string, extra: Record<string, unknown> = {}): void {
  p.write(`services/mcp/${name}/package.json`, JSON.stringify({ name, main: 'src/main.ts', ...extra }))
  p.write(`services/mcp/${name}/src/helper.ts`, `export const answer = (n: number): number => n * 2\n`)
  p.write(
    `services/mcp/${name}/src/main.ts`,
    `import { answer } from './helper.js'\nconst value: number = answer(21)\nconsole.log('${name}', value)\n`,
  )
}

function byName<T extends { name: string }>(list: T[], name: string): T {
  const found = list.find((item) => item.name === name)
  if (!found) throw new Error(`no ${name}`)
  return found
}

describe('findMcpServers', () => {
  it('names each invalid directory and its file, and gives ports by the scheme', () => {
    const p = project()
    tsServer(p, 'a-default')
    tsServer(p, 'b-explicit', { systemprompt: { port: 5002 } })
    tsServer(p, 'c-default')
    mkdirSync(join(p.sources, 'd-no-package'))
    p.write('services/mcp/e-no-main/package.json', '{"name": "e"}')
    p.write('services/mcp/f-main-missing/package.json', '{"main": "src/gone.ts"}')
    p.write('services/mcp/g-bad-json/package.json', '{"main": ')
    tsServer(p, 'h-bad-port', { systemprompt: { port: 'high' } })
    tsServer(p, 'i-same-port', { systemprompt: { port: 5002 } })
    p.write('services/mcp/README.md', 'not a server')
    mkdirSync(join(p.sources, '.hidden'))
    const found = findMcpServers(p.sources, p.root)
    expect(found.servers.map((s) => [s.name, s.port, s.portFrom])).toEqual([
      ['a-default', 5000, 'default'],
      ['b-explicit', 5002, 'package.json'],
      // index 2 would be 5002, which b-explicit has: the next free one
      ['c-default', 5003, 'default'],
    ])
    const problems = Object.fromEntries(found.problems.map((x) => [x.name, x.error]))
    expect(Object.keys(problems).sort()).toEqual([
      'd-no-package',
      'e-no-main',
      'f-main-missing',
      'g-bad-json',
      'h-bad-port',
      'i-same-port',
    ])
    for (const [name, error] of Object.entries(problems)) {
      expect(error.code).toBe('MCP_SERVER_INVALID')
      expect(error.message).toContain(`MCP server "${name}"`)
      expect(error.file).toBe(join(p.sources, name, 'package.json'))
      expect(error.fix).toBeTruthy()
    }
    expect(problems['d-no-package']?.message).toContain('services/mcp/d-no-package/package.json')
    expect(problems['d-no-package']?.message).toContain('has no package.json')
    expect(problems['e-no-main']?.message).toContain('no "main"')
    expect(problems['e-no-main']?.keyPath).toEqual(['main'])
    expect(problems['f-main-missing']?.message).toContain(
      '"src/gone.ts" does not exist (services/mcp/f-main-missing/src/gone.ts)',
    )
    expect(problems['g-bad-json']?.message).toContain('not valid JSON')
    expect(problems['h-bad-port']?.keyPath).toEqual(['systemprompt', 'port'])
    expect(problems['i-same-port']?.message).toContain('also the port of MCP server "b-explicit"')
  })
})

describe('buildMcpServers', () => {
  it('bundles each server into a self-contained server.cjs with manifests, and skips unchanged ones', async () => {
    const p = project()
    tsServer(p, 'alpha')
    p.write(
      'services/mcp/beta/package.json',
      JSON.stringify({ main: 'index.js', systemprompt: { port: 6100 } }),
    )
    p.write('services/mcp/beta/index.js', `const dep = require('tiny-dep')\nconsole.log('beta', dep())\n`)
    p.write('node_modules/tiny-dep/package.json', '{"name": "tiny-dep", "main": "main.js"}')
    p.write('node_modules/tiny-dep/main.js', 'module.exports = () => "from a dependency"\n')
    const first = await p.build()
    expect(first.servers.map((s) => [s.name, s.status, s.port])).toEqual([
      ['alpha', 'built', 5000],
      ['beta', 'built', 6100],
    ])
    const alpha = byName(first.servers, 'alpha')
    expect(alpha.artifact).toBe(join(p.artifacts, 'alpha', 'server.cjs'))
    const manifest = JSON.parse(readFileSync(join(p.artifacts, 'manifest.json'), 'utf8'))
    expect(
      manifest.servers.map((s: { name: string; artifact: string; port: number }) => [
        s.name,
        s.artifact,
        s.port,
      ]),
    ).toEqual([
      ['alpha', 'alpha/server.cjs', 5000],
      ['beta', 'beta/server.cjs', 6100],
    ])
    expect(manifest.port_scheme).toContain('5000 +')
    const own = JSON.parse(readFileSync(join(p.artifacts, 'beta', 'manifest.json'), 'utf8'))
    expect(own).toMatchObject({
      name: 'beta',
      port: 6100,
      port_from: 'package.json',
      main: 'services/mcp/beta/index.js',
    })
    expect(own.inputs).toEqual([
      'node_modules/tiny-dep/main.js',
      'services/mcp/beta/index.js',
      'services/mcp/beta/package.json',
    ])
    expect(own.source_hash).toMatch(/^[0-9a-f]{64}$/)

    // Runs from anywhere: everything is in the one file.
    const elsewhere = tempDir('sp-mcp-run-')
    dirs.push(elsewhere)
    for (const name of ['alpha', 'beta']) {
      const copy = join(elsewhere.path, `${name}.cjs`)
      writeFileSync(copy, readFileSync(join(p.artifacts, name, 'server.cjs')))
      const out = await runNode(copy, {}, elsewhere.path)
      expect(out.stdout).toBe(name === 'alpha' ? 'alpha 42\n' : 'beta from a dependency\n')
    }

    const again = await p.build()
    expect(again.servers.map((s) => [s.name, s.status])).toEqual([
      ['alpha', 'unchanged'],
      ['beta', 'unchanged'],
    ])
    expect(byName(again.servers, 'alpha').sourceHash).toBe(alpha.sourceHash)

    // An edited dependency rebuilds only the server that uses it; a port change rebuilds too.
    p.write('node_modules/tiny-dep/main.js', 'module.exports = () => "changed"\n')
    p.write(
      'services/mcp/alpha/package.json',
      JSON.stringify({ name: 'alpha', main: 'src/main.ts', systemprompt: { port: 6200 } }),
    )
    const third = await p.build()
    expect(third.servers.map((s) => [s.name, s.status, s.port])).toEqual([
      ['alpha', 'built', 6200],
      ['beta', 'built', 6100],
    ])
    expect((await p.build()).servers.map((s) => s.status)).toEqual(['unchanged', 'unchanged'])
  })

  it('a failing server is named with esbuild file:line, keeps its previous artifact whole, and stops no other', async () => {
    const p = project()
    tsServer(p, 'alpha')
    tsServer(p, 'beta')
    await p.build()
    const before = readFileSync(join(p.artifacts, 'beta', 'server.cjs'))
    p.write(
      'services/mcp/beta/src/main.ts',
      `import { answer } from './helper.js'\nconst x: number = = answer(1)\n`,
    )
    p.write('services/mcp/alpha/src/helper.ts', `export const answer = (n: number): number => n * 3\n`)
    p.write('services/mcp/gamma/package.json', '{"main": "main.ts"}')
    p.write('services/mcp/gamma/main.ts', `import { nothing } from './missing'\nconsole.log(nothing)\n`)
    const result = await p.build()
    expect(result.servers.map((s) => [s.name, s.status])).toEqual([
      ['alpha', 'built'],
      ['beta', 'failed'],
      ['gamma', 'failed'],
    ])
    const beta = byName(result.servers, 'beta').error
    expect(beta?.code).toBe('MCP_BUILD_FAILED')
    expect(beta?.message).toMatch(
      /^MCP server "beta" failed to build: services\/mcp\/beta\/src\/main\.ts:2:\d+: /,
    )
    expect(beta?.file).toBe(join(p.sources, 'beta', 'src', 'main.ts'))
    expect(beta?.line).toBe(2)
    const gamma = byName(result.servers, 'gamma').error
    expect(gamma?.message).toBe(
      'MCP server "gamma" failed to build: services/mcp/gamma/main.ts:1:25: Could not resolve "./missing"',
    )
    expect(gamma?.line).toBe(1)
    // beta's last good artifact is untouched and still listed; nothing half-written is left
    expect(readFileSync(join(p.artifacts, 'beta', 'server.cjs'))).toEqual(before)
    const manifest = JSON.parse(readFileSync(join(p.artifacts, 'manifest.json'), 'utf8'))
    expect(manifest.servers.map((s: { name: string }) => s.name)).toEqual(['alpha', 'beta'])
    expect(readdirSync(p.artifacts).sort()).toEqual(['alpha', 'beta', 'manifest.json'])
    expect((await runNode(join(p.artifacts, 'alpha', 'server.cjs'))).stdout).toBe('alpha 63\n')
    // start --all sees beta's artifact as stale (its sources changed), gamma as not built
    expect(() => mcpArtifactsState(p.artifacts, { sourcesDir: p.sources, root: p.root })).toThrow(
      expect.objectContaining({ code: 'MCP_NOT_BUILT', message: expect.stringContaining('"gamma"') }),
    )
    rmSync(join(p.sources, 'gamma'), { recursive: true })
    const state = mcpArtifactsState(p.artifacts, { sourcesDir: p.sources, root: p.root })
    expect(state.artifacts.map((a) => a.name)).toEqual(['alpha', 'beta'])
    expect(state.stale).toEqual(['beta'])
    expect(mcpArtifactsState(p.artifacts).stale).toEqual([])
    // An image that copied the server directories without the list would start none: refused, named.
    rmSync(join(p.artifacts, 'manifest.json'))
    expect(() => mcpArtifactsState(p.artifacts)).toThrow(
      expect.objectContaining({ code: 'MCP_NOT_BUILT', message: expect.stringContaining('alpha, beta') }),
    )
  })

  it('fails a bundle that still loads a non-built-in module at run time (the require gate)', async () => {
    const p = project()
    p.write('services/mcp/leaky/package.json', '{"main": "main.js"}')
    p.write(
      'services/mcp/leaky/main.js',
      `let extra\ntry { extra = require('not-installed-anywhere') } catch {}\nconsole.log(!!extra)\n`,
    )
    const result = await p.build()
    const leaky = byName(result.servers, 'leaky')
    expect(leaky.status).toBe('failed')
    expect(leaky.error?.code).toBe('MCP_BUILD_FAILED')
    expect(leaky.error?.message).toContain('MCP server "leaky" still loads a module')
    expect(leaky.error?.message).toContain('not-installed-anywhere')
    expect(existsSync(join(p.artifacts, 'leaky'))).toBe(false)
  })

  it('removes the artifact of a server that is gone; no servers is an empty manifest', async () => {
    const p = project()
    tsServer(p, 'alpha')
    tsServer(p, 'beta')
    await p.build()
    rmSync(join(p.sources, 'beta'), { recursive: true })
    const result = await p.build()
    expect(result.removed).toEqual(['beta'])
    expect(result.servers.map((s) => [s.name, s.status])).toEqual([['alpha', 'unchanged']])
    expect(existsSync(join(p.artifacts, 'beta'))).toBe(false)
    rmSync(p.sources, { recursive: true })
    const none = await p.build()
    expect(none.servers).toEqual([])
    expect(none.removed).toEqual(['alpha'])
    expect(JSON.parse(readFileSync(none.manifest, 'utf8')).servers).toEqual([])
    expect(mcpArtifactsState(p.artifacts).artifacts).toEqual([])
  })
})

describe('the artifact parent watch', () => {
  it('stops an artifact whose parent is not the supervisor named in its environment; others keep running', async () => {
    const p = project()
    p.write('services/mcp/alpha/package.json', '{"main": "main.js"}')
    p.write(
      'services/mcp/alpha/main.js',
      `process.on('SIGTERM', () => { console.log('graceful stop'); process.exit(0) })\nsetInterval(() => {}, 1000)\nconsole.log('up')\n`,
    )
    await p.build()
    const artifact = join(p.artifacts, 'alpha', 'server.cjs')
    // Its parent (this test process) is not pid 1: it stops itself within about a second, gracefully.
    const orphan = await runNode(artifact, { [MCP_SUPERVISOR_PID_ENV]: '1' }, p.root, 5000)
    expect(orphan.stdout).toBe('up\ngraceful stop\n')
    expect(orphan.code).toBe(0)
    // Its parent is the one named, or nothing is named: it keeps running (killed by the timeout here).
    const envs: Record<string, string>[] = [{ [MCP_SUPERVISOR_PID_ENV]: String(process.pid) }, {}]
    for (const env of envs) {
      const kept = await runNode(artifact, env, p.root, 1800)
      expect(kept.signal).toBe('SIGKILL')
      expect(kept.stdout).toBe('up\n')
    }
  })
})

function runNode(
  file: string,
  env: Record<string, string> = {},
  cwd: string = dirname(file),
  killAfterMs = 10_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}
