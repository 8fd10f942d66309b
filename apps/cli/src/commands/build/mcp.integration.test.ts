/**
 * `systemprompt build mcp` through the real binary in a temp project with two MCP servers (one TypeScript
 * importing a local module, one JavaScript requiring a package from the project's node_modules): both
 * artifacts run with `node <artifact>` from a directory with no node_modules; a second run says unchanged
 * and is fast; a broken server fails naming it while the other still builds; a removed server's artifact
 * goes; no servers is exit 0. The deep cases (every invalid directory, the require gate, the port scheme)
 * are @systemprompt/build's build.test.ts. No Docker objects: only files and 127.0.0.1 ports.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { freePort, runCli, STACK_FRAME, type TempDir, tempDir, tempProject } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeExampleServers } from '../../test-support/mcp-servers.js'

const dirs: TempDir[] = []
const children: ChildProcess[] = []
let root: string
let ports: { alpha: number; beta: number }

beforeAll(async () => {
  const project = tempProject({ prefix: 'sp-build-mcp-' })
  dirs.push(project)
  root = project.path
  ports = { alpha: await freePort(), beta: await freePort() }
  writeExampleServers(root, ports)
})
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  for (const dir of dirs) dir.remove()
})

const cli = (args: string[], cwd = root) => runCli(args, { cwd })

function write(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

async function get(port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`)
    return await response.text()
  } catch {
    return undefined
  }
}

async function answers(port: number, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = await get(port)
    if (text !== undefined) return text
    if (Date.now() > deadline) throw new Error(`nothing answers on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('build mcp', () => {
  it('bundles both servers; each runs with node from a directory with no node_modules', async () => {
    const run = cli(['build', 'mcp', '--json'])
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const result = run.json?.result
    expect(
      result.servers.map((s: { name: string; status: string; port: number }) => [s.name, s.status, s.port]),
    ).toEqual([
      ['alpha', 'built', ports.alpha],
      ['beta', 'built', ports.beta],
    ])
    expect(result.manifest).toBe(join(root, 'target', 'release', 'mcp', 'manifest.json'))
    const manifest = JSON.parse(readFileSync(result.manifest, 'utf8'))
    expect(manifest.servers.map((s: { artifact: string }) => s.artifact)).toEqual([
      'alpha/server.cjs',
      'beta/server.cjs',
    ])

    const elsewhere = tempDir('sp-mcp-elsewhere-')
    dirs.push(elsewhere)
    expect(existsSync(join(elsewhere.path, 'node_modules'))).toBe(false)
    for (const name of ['alpha', 'beta'] as const) {
      cpSync(join(root, 'target', 'release', 'mcp', name), join(elsewhere.path, name), { recursive: true })
      const child = spawn(process.execPath, [join(name, 'server.cjs')], {
        cwd: elsewhere.path,
        env: { PATH: process.env.PATH ?? '', PORT: String(ports[name]), MCP_SERVER_NAME: name },
        stdio: 'ignore',
      })
      children.push(child)
    }
    expect(await answers(ports.alpha)).toBe('alpha says hello from a local module')
    expect(await answers(ports.beta)).toBe('beta says hello from a dependency')
    for (const child of children.splice(0)) child.kill('SIGKILL')
  })

  it('a second run says unchanged, rewrites nothing and is fast', () => {
    const artifact = join(root, 'target', 'release', 'mcp', 'alpha', 'server.cjs')
    const before = statSync(artifact).mtimeMs
    const run = cli(['build', 'mcp'])
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^unchanged +alpha +target\/release\/mcp\/alpha\/server\.cjs /m)
    expect(run.stdout).toMatch(/^unchanged +beta +target\/release\/mcp\/beta\/server\.cjs /m)
    expect(statSync(artifact).mtimeMs).toBe(before)
    const json = cli(['build', 'mcp', '--json']).json?.result
    for (const server of json.servers) expect(server.ms).toBeLessThan(100)
  })

  it('a broken server fails naming it and its file:line, exit 3; the changed good one still builds', () => {
    write('services/mcp/alpha/src/helper.ts', `export const greeting = (): string => 'hello again'\n`)
    write('services/mcp/broken/package.json', JSON.stringify({ main: 'src/main.ts' }))
    write('services/mcp/broken/src/main.ts', `import { gone } from './gone.js'\nconsole.log(gone)\n`)
    write('services/mcp/no-main/package.json', JSON.stringify({ name: 'no-main' }))
    const run = cli(['build', 'mcp'])
    expect(run.status).toBe(3)
    expect(run.stdout).toMatch(/^built +alpha +target\/release\/mcp\/alpha\/server\.cjs/m)
    expect(run.stdout).toMatch(/^unchanged +beta /m)
    expect(run.stdout).toMatch(
      /^failed +broken +MCP server "broken" failed to build: services\/mcp\/broken\/src\/main\.ts:1:22: Could not resolve "\.\/gone\.js"$/m,
    )
    expect(run.stdout).toMatch(
      /^failed +no-main +MCP server "no-main" \(services\/mcp\/no-main\/package\.json\) is invalid: its package\.json has no "main"$/m,
    )
    expect(run.stderr).toContain(
      'Error [MCP_BUILD_FAILED]: 2 of 4 MCP servers failed to build: "broken", "no-main"',
    )
    expect(run.stderr).toContain(`${join(root, 'services/mcp/broken/src/main.ts')}:1: [MCP_BUILD_FAILED]`)
    expect(run.stderr).toContain('[MCP_SERVER_INVALID]')
    expect(run.stderr).not.toMatch(STACK_FRAME)
    const json = cli(['build', 'mcp', '--json']).json
    expect(json?.status).toBe(3)
    expect(
      json?.error.details.servers.map((s: { name: string; status: string }) => [s.name, s.status]),
    ).toEqual([
      ['alpha', 'unchanged'],
      ['beta', 'unchanged'],
      ['broken', 'failed'],
      ['no-main', 'failed'],
    ])
    const manifest = JSON.parse(readFileSync(join(root, 'target', 'release', 'mcp', 'manifest.json'), 'utf8'))
    expect(manifest.servers.map((s: { name: string }) => s.name)).toEqual(['alpha', 'beta'])
    rmSync(join(root, 'services', 'mcp', 'broken'), { recursive: true })
    rmSync(join(root, 'services', 'mcp', 'no-main'), { recursive: true })
  })

  it("a removed server's artifact is removed; a project without MCP servers says so, exit 0", () => {
    const beta = join(root, 'services', 'mcp', 'beta')
    const saved = tempDir('sp-mcp-saved-')
    dirs.push(saved)
    cpSync(beta, saved.path, { recursive: true })
    rmSync(beta, { recursive: true })
    const run = cli(['build', 'mcp'])
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^removed +beta +\(no longer under services\/mcp\/\)$/m)
    expect(existsSync(join(root, 'target', 'release', 'mcp', 'beta'))).toBe(false)
    cpSync(saved.path, beta, { recursive: true })

    const empty = tempProject({ prefix: 'sp-build-mcp-empty-' })
    dirs.push(empty)
    const none = runCli(['build', 'mcp'], { cwd: empty.path })
    expect(none.status).toBe(0)
    expect(none.stdout).toContain('No MCP servers under services/mcp/')
    expect(runCli(['build', 'mcp', '--json'], { cwd: empty.path }).json?.result.servers).toEqual([])
  })
})
