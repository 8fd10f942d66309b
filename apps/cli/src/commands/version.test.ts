import { join } from 'node:path'
import { runCli, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => dir.remove())

describe('systemprompt version', () => {
  it('prints the --version line, and the same data as JSON', () => {
    const env = { XDG_DATA_HOME: join(dir.path, 'data') }
    const line = runCli(['--version'], { cwd: dir.path, env })
    const human = runCli(['version'], { cwd: dir.path, env })
    expect(human.status).toBe(0)
    expect(human.stdout).toBe(line.stdout)
    const json = runCli(['version', '--json'], { cwd: dir.path, env })
    expect(json.status).toBe(0)
    const { name, version, node, platform, arch } = json.json?.result ?? {}
    expect(json.json?.result).toEqual({ name, version, node, platform, arch })
    expect(node).toBe(process.version)
    expect(line.stdout).toBe(`${name}/${version} ${platform}-${arch} node-${node}\n`)
  })
})
