import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../error-codes.js'
import { projectLayout } from '../layout.js'
import { loadSecrets } from '../load.js'
import { readProfileSecrets, writeProfileFiles } from './profiles.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sp-config-profiles-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

const URL = 'postgres://u:pw@127.0.0.1:5432/d'
/** secrets.json as the original tool writes it: its provider names, and custom secrets as string keys. */
const original = {
  jwt_secret: 'o'.repeat(64),
  database_url: URL,
  internal_database_url: 'postgres://u:pw@postgres:5432/d',
  gemini: 'g-key',
  anthropic: 'a-key',
  openai: 'o-key',
  github: 'gh-token',
  STRIPE_KEY: 'sk_live_x',
}

async function putSecrets(name: string, value: unknown): Promise<string> {
  const layout = projectLayout(root)
  await mkdir(layout.profileDir(name), { recursive: true })
  await writeFile(layout.profileSecrets(name), JSON.stringify(value, null, 2), { mode: 0o600 })
  return layout.profileSecrets(name)
}

describe('secrets.json of the original tool', () => {
  it('loads, with custom secrets kept as text', async () => {
    const file = await putSecrets('legacy', original)
    const secrets = await loadSecrets(file)
    expect(secrets).toMatchObject(original)
  })

  it('still loads the names this tool wrote (*_api_key, null when unset)', async () => {
    const file = await putSecrets('ours', {
      jwt_secret: 'x'.repeat(64),
      database_url: URL,
      anthropic_api_key: null,
      openai_api_key: 'sk-ours',
      gemini_api_key: null,
    })
    expect(await loadSecrets(file)).toMatchObject({ openai_api_key: 'sk-ours', anthropic_api_key: null })
  })

  it('refuses a custom secret that is not text, naming the key and its line', async () => {
    const file = await putSecrets('bad', { ...original, FEATURE_FLAGS: { on: true } })
    await expect(loadSecrets(file)).rejects.toMatchObject({
      code: ErrorCode.CONFIG_INVALID,
      keyPath: ['FEATURE_FLAGS'],
      line: 10,
    })
  })

  it('a rewrite keeping the secrets keeps the original names and adds none of ours', async () => {
    const layout = projectLayout(root)
    await putSecrets('legacy', original)
    const other = 'postgres://u:new@127.0.0.1:5433/d'
    await writeProfileFiles(layout, { name: 'legacy', databaseUrl: other, keepSecrets: true })
    const written = JSON.parse(await readFile(layout.profileSecrets('legacy'), 'utf8'))
    expect(written).toEqual({ ...original, database_url: other })
    expect((await readProfileSecrets(layout, 'legacy'))?.STRIPE_KEY).toBe('sk_live_x')
  })
})
