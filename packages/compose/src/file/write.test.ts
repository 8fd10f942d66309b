import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseComposeFile } from './parse.js'
import { renderComposeFile } from './render.js'
import { dedicatedServerSpec } from './server-spec.js'
import { writeComposeFile } from './write.js'

const project = (root: string) => ({ projectId: 'a1b2c3d4', projectDir: root })

describe('writeComposeFile', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sp-compose-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('writes the rendered file with mode 0644 and nothing else, and reads back', async () => {
    const dockerDir = join(root, '.systemprompt', 'docker')
    const file = join(dockerDir, 'acme.yaml')
    const spec = dedicatedServerSpec('acme', { dockerDir, port: 5500, ...project(root) })
    const written = await writeComposeFile(file, spec, { generatorVersion: '0.1.0' })
    expect(await readFile(file, 'utf8')).toBe(written)
    expect(written).toBe(renderComposeFile(spec, { generatorVersion: '0.1.0' }))
    expect((await stat(file)).mode & 0o777).toBe(0o644)
    expect(await readdir(dockerDir)).toEqual(['acme.yaml'])
    expect(parseComposeFile(written, file)).toEqual(spec)
  })

  it('replaces an existing file', async () => {
    const dockerDir = join(root, 'docker')
    const file = join(dockerDir, 'acme.yaml')
    await writeComposeFile(file, dedicatedServerSpec('acme', { dockerDir, port: 5500, ...project(root) }), {
      generatorVersion: '1',
    })
    await writeComposeFile(file, dedicatedServerSpec('acme', { dockerDir, port: 5501, ...project(root) }), {
      generatorVersion: '1',
    })
    expect(parseComposeFile(await readFile(file, 'utf8'), file).port).toBe(5501)
    expect(await readdir(dockerDir)).toEqual(['acme.yaml'])
  })

  it('rejects a relative path', async () => {
    const spec = dedicatedServerSpec('acme', { dockerDir: join(root, 'docker'), ...project(root) })
    await expect(writeComposeFile('docker/acme.yaml', spec, { generatorVersion: '1' })).rejects.toMatchObject(
      {
        code: 'INTERNAL_RELATIVE_PATH',
      },
    )
  })
})
