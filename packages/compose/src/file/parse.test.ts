import type { SystempromptError } from '@systemprompt/config'
import { describe, expect, it } from 'vitest'
import { isHandEdited } from './hand-edited.js'
import { parseComposeFile } from './parse.js'
import { renderComposeFile } from './render.js'
import { dedicatedServerSpec, sharedServerSpec } from './server-spec.js'

const dockerDir = '/home/dev/app/.systemprompt/docker'
const shared = sharedServerSpec({ dockerDir, image: 'example/postgres:15' })
const dedicated = dedicatedServerSpec('acme', {
  dockerDir,
  projectId: 'a1b2c3d4',
  projectDir: '/home/dev/app',
  port: 5441,
  labels: { 'systemprompt.test': '1', team: 'db' },
})
const sharedFile = `${dockerDir}/shared.yaml`
const sharedText = renderComposeFile(shared, { generatorVersion: '0.1.0' })

function parseError(text: string, file = sharedFile): SystempromptError {
  try {
    parseComposeFile(text, file)
  } catch (error) {
    return error as SystempromptError
  }
  throw new Error('expected parseComposeFile to throw')
}

/** Line (1-based) of the first line containing `needle`. */
function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle)) + 1
}

describe('parseComposeFile round trip', () => {
  it('reads shared.yaml back into the same spec', () => {
    expect(parseComposeFile(sharedText, sharedFile)).toEqual(shared)
  })

  it('reads <tenant>.yaml back into the same spec, extra labels included', () => {
    const text = renderComposeFile(dedicated, { generatorVersion: '0.1.0' })
    expect(parseComposeFile(text, `${dockerDir}/acme.yaml`)).toEqual(dedicated)
  })

  it('resolves the secret against the directory of the file (the project may move)', () => {
    const spec = parseComposeFile(sharedText, '/srv/moved/.systemprompt/docker/shared.yaml')
    expect(spec.passwordFile).toBe('/srv/moved/.systemprompt/docker/.secrets/shared.password')
    expect(spec.project).toBe('systemprompt-shared')
  })

  it('reads the project id and directory of a dedicated server back from its labels', () => {
    const text = renderComposeFile(dedicated, { generatorVersion: '0.1.0' })
    expect(parseComposeFile(text, `${dockerDir}/acme.yaml`)).toMatchObject({
      projectId: 'a1b2c3d4',
      projectDir: '/home/dev/app',
      project: 'systemprompt-a1b2c3d4',
      containerName: 'systemprompt-postgres-acme-a1b2c3d4',
    })
  })

  it('accepts list-form environment and labels (as people write them by hand)', () => {
    const text = sharedText.replace(
      /environment:\n(?: {6}.*\n){3}/,
      'environment:\n      - POSTGRES_USER=systemprompt_admin\n      - POSTGRES_DB=postgres\n      - POSTGRES_PASSWORD_FILE=/run/secrets/postgres_admin_password\n',
    )
    expect(text).toContain('- POSTGRES_USER=systemprompt_admin')
    expect(parseComposeFile(text, sharedFile)).toEqual(shared)
  })
})

describe('parseComposeFile on hand-edited files', () => {
  it('missing image: COMPOSE_INVALID with file, key path and line', () => {
    const text = sharedText.replace(/ {4}image: .*\n/, '')
    const error = parseError(text)
    expect(error).toMatchObject({
      code: 'COMPOSE_INVALID',
      file: sharedFile,
      keyPath: ['services', 'postgres', 'image'],
    })
    expect(error.line).toBe(lineOf(text, '  postgres:'))
    expect(error.message).toContain('image is missing')
  })

  it('port out of range', () => {
    const text = sharedText.replace('127.0.0.1:5432:5432', '127.0.0.1:70000:5432')
    const error = parseError(text)
    expect(error.code).toBe('COMPOSE_INVALID')
    expect(error.keyPath).toEqual(['services', 'postgres', 'ports', 0])
    expect(error.line).toBe(lineOf(text, '70000'))
  })

  it('port published on every interface', () => {
    const text = sharedText.replace('127.0.0.1:5432:5432', '0.0.0.0:5432:5432')
    expect(parseError(text).message).toMatch(/127\.0\.0\.1 only/)
  })

  it('plain password in the environment', () => {
    const text = sharedText.replace(
      '      POSTGRES_DB:',
      '      POSTGRES_PASSWORD: "hunter2"\n      POSTGRES_DB:',
    )
    const error = parseError(text)
    expect(error.message).toMatch(/POSTGRES_PASSWORD must not be set/)
    expect(error.message).not.toContain('hunter2')
  })

  it('volume without explicit name', () => {
    const text = sharedText.replace(/ {4}name: "systemprompt-postgres-shared-data"\n/, '')
    expect(parseError(text)).toMatchObject({ code: 'COMPOSE_INVALID', keyPath: ['volumes', 'data'] })
  })

  it('secret without file', () => {
    const text = sharedText.replace('file: "./.secrets/shared.password"', 'external: true')
    expect(parseError(text)).toMatchObject({ keyPath: ['secrets', 'postgres_admin_password'] })
  })

  it('missing role label: not one of our files', () => {
    const text = sharedText.replace(/ {6}systemprompt\.role: "postgres-shared"\n/, '')
    expect(parseError(text).message).toMatch(/systemprompt\.role/)
  })

  it('second service', () => {
    const text = sharedText.replace('services:\n', 'services:\n  other:\n    image: "x"\n')
    expect(parseError(text).message).toMatch(/exactly one service/)
  })

  it('unknown key: rejected by the Compose schema, with the line', () => {
    const text = sharedText.replace('    restart:', '    restartt: "always"\n    restart:')
    const error = parseError(text)
    expect(error.code).toBe('COMPOSE_INVALID')
    expect(error.message).toContain('unknown key "restartt"')
    expect(error.keyPath).toEqual(['services', 'postgres', 'restartt'])
    expect(error.line).toBe(lineOf(text, 'restartt:'))
  })

  it('bad duration: rejected by the Compose schema', () => {
    const text = sharedText.replace('interval: "5s"', 'interval: "5 seconds"')
    const error = parseError(text)
    expect(error.keyPath).toEqual(['services', 'postgres', 'healthcheck', 'interval'])
    expect(error.line).toBe(lineOf(text, 'interval:'))
  })

  it('YAML syntax error: the line of the error', () => {
    const text = sharedText.replace('    restart: "unless-stopped"', '    restart: "unless-stopped')
    const error = parseError(text)
    expect(error.code).toBe('COMPOSE_INVALID')
    expect(error.message).toMatch(/not valid YAML/)
    expect(error.line).toBeGreaterThanOrEqual(lineOf(text, 'restart:'))
  })

  it('reports every problem, not just the first', () => {
    const text = sharedText.replace(/ {4}image: .*\n/, '').replace(/ {4}container_name: .*\n/, '')
    expect(parseError(text).issues.map((i) => i.keyPath?.at(-1))).toEqual(['image', 'container_name'])
  })
})

describe('files generated before servers had their own compose project', () => {
  // What the generator wrote then: the directory's compose project, no project labels, the old names.
  const legacyShared = { ...shared, project: 'docker' }
  const {
    projectId: _id,
    projectDir: _dir,
    ...legacyDedicated
  } = {
    ...dedicated,
    containerName: 'systemprompt-postgres-acme',
    volumeName: 'systemprompt-postgres-acme-data',
    project: 'docker',
  }

  it('read back as exactly what generated them (so `db up` regenerates them, not a hand edit)', () => {
    for (const [spec, file] of [
      [legacyShared, sharedFile],
      [legacyDedicated, `${dockerDir}/acme.yaml`],
    ] as const) {
      const text = renderComposeFile(spec, { generatorVersion: '0.1.0' })
      expect(text).not.toContain('docker-compose')
      expect(parseComposeFile(text, file)).toEqual(spec)
      expect(isHandEdited(text)).toBe(false)
    }
  })

  it('an edited one reads back under the compose project of today', () => {
    const text = renderComposeFile(legacyShared, { generatorVersion: '0.1.0' }).replace(
      'example/postgres:15',
      'postgres:16',
    )
    expect(parseComposeFile(text, sharedFile).project).toBe('systemprompt-shared')
  })
})

describe('isHandEdited', () => {
  it('is false for a freshly generated file', () => {
    expect(isHandEdited(sharedText)).toBe(false)
    expect(isHandEdited(renderComposeFile(dedicated, { generatorVersion: '9.9.9' }))).toBe(false)
  })

  it('is true after a change of a value, an added line, or a removed header', () => {
    expect(isHandEdited(sharedText.replace('example/postgres:15', 'postgres:16'))).toBe(true)
    expect(isHandEdited(sharedText.replace('    restart:', '    mem_limit: "1g"\n    restart:'))).toBe(true)
    expect(isHandEdited(`${sharedText}# my note\n`)).toBe(true)
    expect(isHandEdited(sharedText.split('\n').slice(2).join('\n'))).toBe(true)
    expect(isHandEdited('services: {}\n')).toBe(true)
  })
})
