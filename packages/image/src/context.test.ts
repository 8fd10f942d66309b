// The build context on a real directory tree: what the profile's dockerignore keeps out never enters the
// tar (secrets, records, keys), exceptions re-include files below ignored directories, the Dockerfile goes in
// whatever the ignore file says, and the digest changes with content and mode but not with mtimes.
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dockerignoreMatcher } from '@systemprompt/dockerfile'
import { tempDir } from '@systemprompt/testkit'
import { extract } from 'tar-stream'
import { afterAll, describe, expect, it } from 'vitest'
import { contextDigest, packContext, walkContext } from './context.js'

const dir = tempDir('sp-context-')
const root = dir.path
afterAll(() => dir.remove())

function put(path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true })
  writeFileSync(join(root, path), text)
}

const IGNORE = `.git
**/node_modules
target
!target/release/systemprompt
.systemprompt
!.systemprompt/profiles/local/docker/entrypoint.sh
**/secrets.json
**/.env*
**/tenants.json
**/shared_config.json
**/.secrets
**/*.pem
`

put('services/database/migrations/0001_a.sql', 'SELECT 1;\n')
put('web/index.html', '<h1>hi</h1>\n')
put('web/.env.local', 'TOKEN=leak\n')
put('services/secrets.json', '{"k":"leak"}\n')
put('target/release/systemprompt', 'binary')
put('target/debug/big', 'not in the image')
put('node_modules/x/index.js', 'x')
put('.git/HEAD', 'ref')
put('.systemprompt/tenants.json', '{}')
put('.systemprompt/docker/shared_config.json', '{}')
put('.systemprompt/docker/.secrets/shared.password', 'pw')
put('.systemprompt/profiles/local/secrets.json', '{}')
put('.systemprompt/profiles/local/docker/Dockerfile', 'FROM scratch\n')
put('.systemprompt/profiles/local/docker/entrypoint.sh', '#!/bin/sh\n')
put('certs/server.pem', 'key')
chmodSync(join(root, 'target/release/systemprompt'), 0o755)
const matcher = dockerignoreMatcher(IGNORE)
const DOCKERFILE = '.systemprompt/profiles/local/docker/Dockerfile'

async function tarEntries(): Promise<Map<string, { mode: number; text: string }>> {
  const context = await walkContext(root, matcher, [DOCKERFILE])
  const tar = await packContext(context)
  const out = new Map<string, { mode: number; text: string }>()
  const reader = extract()
  reader.on('entry', (header, stream, next) => {
    let text = ''
    stream.on('data', (chunk: unknown) => {
      text += String(chunk)
    })
    stream.on('end', () => {
      out.set(header.name, { mode: header.mode ?? 0, text })
      next()
    })
  })
  await new Promise<void>((resolve, reject) => {
    reader.on('finish', resolve)
    reader.on('error', reject)
    tar.pipe(reader)
  })
  return out
}

describe('build context', () => {
  it('holds the app and the Dockerfile, never secrets, records, keys, .git or node_modules', async () => {
    const entries = await tarEntries()
    const files = [...entries.keys()].filter((name) => entries.get(name)?.text !== '' || name.includes('.'))
    expect(files).toEqual(
      expect.arrayContaining([
        'services/database/migrations/0001_a.sql',
        'web/index.html',
        'target/release/systemprompt',
        DOCKERFILE,
        '.systemprompt/profiles/local/docker/entrypoint.sh',
      ]),
    )
    for (const name of entries.keys()) {
      expect(name).not.toMatch(
        /secrets\.json|tenants\.json|shared_config\.json|\.secrets|\.env|\.pem|^\.git|node_modules|target\/debug/,
      )
    }
    for (const { text } of entries.values()) expect(text).not.toContain('leak')
    expect(entries.get('target/release/systemprompt')?.mode).toBe(0o755)
    expect(entries.get('web/index.html')?.mode).toBe(0o644)
  })

  it('has a digest that follows content and modes, not mtimes', async () => {
    const digest = async () => contextDigest(await walkContext(root, matcher, [DOCKERFILE]), 'x')
    const first = await digest()
    utimesSync(join(root, 'web/index.html'), new Date(1000), new Date(1000))
    expect(await digest()).toBe(first)
    chmodSync(join(root, 'web/index.html'), 0o755)
    const moded = await digest()
    expect(moded).not.toBe(first)
    chmodSync(join(root, 'web/index.html'), 0o644)
    put('web/index.html', '<h1>changed</h1>\n')
    expect(await digest()).not.toBe(first)
    // An ignored file changing does not change the image's inputs.
    put('target/debug/big', 'changed too')
    const again = await digest()
    put('target/debug/big', 'changed again')
    expect(await digest()).toBe(again)
  })

  it('keeps secrets and records out even when the dockerignore lost its patterns', async () => {
    const bare = dockerignoreMatcher('.git\n')
    const context = await walkContext(root, bare, [DOCKERFILE])
    const paths = context.entries.map((e) => e.path)
    expect(paths).toContain('web/index.html')
    for (const path of paths)
      expect(path).not.toMatch(/secrets\.json|tenants\.json|shared_config\.json|\.secrets|\.env/)
  })
})
