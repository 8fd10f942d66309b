import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { canAnswerVersion, versionLine } from './version.js'

let dir: ReturnType<typeof tempDir>
let env: NodeJS.ProcessEnv
const pkg = {
  name: 'systemprompt',
  version: '9.8.7',
  oclif: { bin: 'systemprompt', dirname: 'systemprompt' },
}

beforeEach(() => {
  dir = tempDir()
  env = { HOME: dir.path, XDG_DATA_HOME: join(dir.path, 'data') }
})
afterEach(() => dir.remove())

describe('--version without oclif', () => {
  it('is the line oclif prints', () => {
    expect(versionLine(pkg)).toBe(
      `systemprompt/9.8.7 ${process.platform}-${process.arch} node-${process.version}`,
    )
  })

  it('goes to oclif when the user installed plugins (where plugins can load) or debugs', () => {
    expect(canAnswerVersion(pkg, env, true)).toBe(true)
    mkdirSync(join(dir.path, 'data', 'systemprompt'), { recursive: true })
    writeFileSync(join(dir.path, 'data', 'systemprompt', 'package.json'), '{}')
    expect(canAnswerVersion(pkg, env, true)).toBe(false)
    // The single executable never loads user plugins.
    expect(canAnswerVersion(pkg, env, false)).toBe(true)
    const elsewhere = { HOME: dir.path, SYSTEMPROMPT_DATA_DIR: join(dir.path, 'other') }
    expect(canAnswerVersion(pkg, elsewhere, true)).toBe(true)
    expect(canAnswerVersion(pkg, { ...elsewhere, DEBUG: '*' }, true)).toBe(false)
    expect(canAnswerVersion(pkg, { ...elsewhere, SYSTEMPROMPT_DEBUG: '1' }, false)).toBe(false)
  })
})
