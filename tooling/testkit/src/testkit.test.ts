import { chmodSync, utimesSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  childEnv,
  cliTestEnv,
  freePort,
  snapshotTree,
  type TempDir,
  tempDir,
  tempProject,
  testLabels,
} from './index.js'

let dir: TempDir
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => {
  dir.remove()
})

describe('freePort', () => {
  it('gives a port another server can listen on at once', async () => {
    const port = await freePort()
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', resolve)
    })
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})

describe('labels and the CLI test settings', () => {
  it('marks a run with the project-wide test label and its own id, under old and new setting names', () => {
    expect(testLabels('ab12cd34')).toEqual({ 'systemprompt.test': '1', 'systemprompt.test-run': 'ab12cd34' })
    expect(cliTestEnv('ab12cd34', 'ab12cd34-2')).toMatchObject({
      SYSTEMPROMPT_INSTANCE: 'ab12cd34-2',
      SYSTEMPROMPT_LABELS: 'systemprompt.test=1,systemprompt.test-run=ab12cd34',
    })
  })

  it('childEnv drops colour and debug settings, adds and removes what it is told', () => {
    const env = childEnv({ EXTRA: 'x', PATH: undefined })
    expect(env.NO_COLOR).toBe('1')
    expect(env.EXTRA).toBe('x')
    expect('PATH' in env).toBe(false)
    expect('DEBUG' in childEnv()).toBe(false)
  })
})

describe('snapshotTree', () => {
  it('sees a rewrite with the same bytes, a mode change and a new file', () => {
    const file = join(dir.path, 'a.json')
    writeFileSync(file, '{}')
    utimesSync(file, 1, 1)
    const before = snapshotTree(dir.path)
    expect(snapshotTree(dir.path)).toEqual(before)
    writeFileSync(file, '{}')
    expect(snapshotTree(dir.path)).not.toEqual(before)
    const rewritten = snapshotTree(dir.path)
    chmodSync(file, 0o600)
    expect(snapshotTree(dir.path)).not.toEqual(rewritten)
    const chmodded = snapshotTree(dir.path)
    writeFileSync(join(dir.path, 'b'), '')
    expect(Object.keys(snapshotTree(dir.path))).toEqual([...Object.keys(chmodded), 'b'])
  })
})

describe('tempProject', () => {
  it('writes the given project files with mode 0600', () => {
    const project = tempProject({ tenants: { version: 1 }, sharedConfig: { port: 1 } })
    try {
      const tree = snapshotTree(project.path)
      expect(tree['.systemprompt/tenants.json']).toMatch(/^file 600 /)
      expect(tree['.systemprompt/docker/shared_config.json']).toMatch(/^file 600 /)
    } finally {
      project.remove()
    }
  })
})
