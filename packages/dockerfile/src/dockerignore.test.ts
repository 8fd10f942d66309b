import { describe, expect, it } from 'vitest'
import { dockerignoreMatcher, dockerignorePatterns } from './dockerignore.js'
import { dockerfileModel } from './model.js'
import { renderProfileDockerFiles } from './render.js'

const text = renderProfileDockerFiles(dockerfileModel({ profile: 'production', mcpServers: ['search'] }), {
  generatorVersion: '1.0.0',
}).dockerignore
const matcher = dockerignoreMatcher(text)

describe('the generated dockerignore, through the matcher (Docker semantics)', () => {
  it('keeps every secret file out of the build context', () => {
    const secrets = [
      'secrets.json',
      '.systemprompt/profiles/production/secrets.json',
      '.systemprompt/profiles/local/secrets.json',
      'services/mcp/search/secrets.json',
      '.env',
      '.env.local',
      'web/.env.production',
      'target/release/mcp/search/.env',
      '.systemprompt/tenants.json',
      'tenants.json',
      '.systemprompt/docker/shared_config.json',
      '.systemprompt/docker/.secrets/shared.password',
      '.systemprompt/docker/.secrets/dedi.password',
      'docker/.secrets/x.password',
      'deploy/server.pem',
      'server.key',
      'target/release/mcp/search/tls.key',
      'id_rsa',
      'home/.ssh/id_ed25519',
      '.npmrc',
      'services/mcp/search/.npmrc',
      '.docker/config.json',
      '.git/config',
      'node_modules/pg/index.js',
      'services/mcp/search/node_modules/x/index.js',
      'target/debug/build.log',
      'target/release/other-binary',
    ]
    expect(secrets.filter((path) => !matcher.ignores(path))).toEqual([])
  })

  it('keeps what the Dockerfile copies', () => {
    const needed = [
      'target/release/systemprompt',
      'target/release/mcp/search/index.js',
      'target/release/mcp/search/lib/deep/file.js',
      'services/database/migrations/0001_init.sql',
      'services/mcp/search/package.json',
      'web/index.html',
      '.systemprompt/profiles/production/docker/entrypoint.sh',
      './web/app.js',
    ]
    expect(needed.filter((path) => matcher.ignores(path))).toEqual([])
  })

  it('prunes directories nothing below can come back from, and not the others', () => {
    expect(matcher.prunes('.git')).toBe(true)
    expect(matcher.prunes('node_modules')).toBe(true)
    expect(matcher.prunes('target/debug')).toBe(true)
    expect(matcher.prunes('.systemprompt/docker')).toBe(true)
    // Exceptions live below these.
    expect(matcher.prunes('target')).toBe(false)
    expect(matcher.prunes('.systemprompt')).toBe(false)
    expect(matcher.prunes('.systemprompt/profiles/production')).toBe(false)
    // Not ignored at all.
    expect(matcher.prunes('services')).toBe(false)
    // `**/keep` could match anywhere: nothing ignored is pruned.
    const anywhere = dockerignoreMatcher('node_modules\n!**/keep\n')
    expect(anywhere.ignores('node_modules/x')).toBe(true)
    expect(anywhere.ignores('node_modules/keep')).toBe(false)
    expect(anywhere.prunes('node_modules')).toBe(false)
  })

  it('reads patterns as Docker does: trimmed, comments and blanks dropped, leading / removed, lines counted', () => {
    expect(dockerignorePatterns('# c\n\n  /a/b  \n!c\r\n')).toEqual([
      { line: 3, pattern: 'a/b', exception: false },
      { line: 4, pattern: 'c', exception: true },
    ])
  })
})
