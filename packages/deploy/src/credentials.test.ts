// Where registry credentials come from, in the docker CLI's order, with a real credential helper program.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveCredentials } from './credentials.js'

const dir = mkdtempSync(join(tmpdir(), 'sp-creds-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const b64 = (s: string) => Buffer.from(s).toString('base64')

describe('resolveCredentials', () => {
  it('DOCKER_AUTH_CONFIG first, matched with or without scheme', async () => {
    const authConfig = JSON.stringify({
      auths: { 'https://reg.example:5000/v1/': { auth: b64('ci:pw:with:colons') } },
    })
    const found = await resolveCredentials('reg.example:5000', { authConfig })
    expect(found).toMatchObject({
      source: 'DOCKER_AUTH_CONFIG',
      anonymous: false,
      auth: { serveraddress: 'reg.example:5000', username: 'ci', password: 'pw:with:colons' },
    })
  })

  it('config.json: credHelpers run the helper program; auths; none is anonymous', async () => {
    const config = join(dir, 'docker')
    const bin = join(dir, 'bin')
    mkdirSync(config, { recursive: true })
    mkdirSync(bin, { recursive: true })
    writeFileSync(
      join(bin, 'docker-credential-test'),
      '#!/bin/sh\nread host\necho "{\\"Username\\":\\"helper-$host\\",\\"Secret\\":\\"s3cret\\"}"\n',
    )
    chmodSync(join(bin, 'docker-credential-test'), 0o755)
    writeFileSync(
      join(config, 'config.json'),
      JSON.stringify({
        credHelpers: { 'helped:5000': 'test' },
        auths: { 'plain:5000': { auth: b64('u:p') } },
      }),
    )
    const path = `${bin}:/usr/bin:/bin`
    expect(await resolveCredentials('helped:5000', { configDir: config, path })).toMatchObject({
      auth: { username: 'helper-helped:5000', password: 's3cret' },
    })
    expect(await resolveCredentials('plain:5000', { configDir: config, path })).toMatchObject({
      auth: { username: 'u', password: 'p' },
    })
    expect(await resolveCredentials('other:5000', { configDir: config, path })).toMatchObject({
      anonymous: true,
      auth: { serveraddress: 'other:5000' },
    })
  })

  it('a helper that is not on PATH, and a profile user without a password, are clear errors', async () => {
    const config = join(dir, 'missing-helper')
    mkdirSync(config, { recursive: true })
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credHelpers: { 'r:1': 'nosuch' } }))
    await expect(
      resolveCredentials('r:1', { configDir: config, path: '/nonexistent' }),
    ).rejects.toMatchObject({
      code: 'DEPLOY_REGISTRY_AUTH',
      message: expect.stringContaining('docker-credential-nosuch'),
    })
    await expect(resolveCredentials('r:1', { username: 'bob' })).rejects.toMatchObject({
      code: 'DEPLOY_REGISTRY_AUTH',
      message: expect.stringContaining('registry_password'),
    })
    expect(await resolveCredentials('r:1', { username: 'bob', password: 'pw' })).toMatchObject({
      auth: { username: 'bob', password: 'pw' },
      source: 'the profile (registry_username, registry_password)',
    })
  })
})
