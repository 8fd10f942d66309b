import { describe, expect, it } from 'vitest'
import { dockerfileModel } from './model.js'
import { ROOT_ENTRYPOINT, renderProfileDockerFiles, renderRootDockerfile } from './render.js'
import { checkDockerfile, checkDockerignore, checkEntrypoint, isSecretLikeName } from './rules.js'

const VARIANTS = [
  { profile: 'local', mcpServers: [] },
  { profile: 'local', mcpServers: ['search', 'notes'] },
  { profile: 'production', mcpServers: [] },
  { profile: 'production', mcpServers: ['search'] },
  { profile: 'staging', mcpServers: ['a', 'b', 'c'] },
  { profile: 'staging', variant: 'local' as const, mcpServers: ['a'] },
]

describe('the rules on every file the generator can produce', () => {
  for (const input of VARIANTS) {
    const model = dockerfileModel(input)
    it(`${model.profile} (${model.variant}), MCP servers [${model.mcpServers.join(', ')}]: no finding`, () => {
      const files = renderProfileDockerFiles(model, { generatorVersion: '1.2.3' })
      expect(checkDockerfile(files.dockerfile, model)).toEqual([])
      // The production rule (non-root) holds for the local variant too.
      expect(checkDockerfile(files.dockerfile, { mcpServers: model.mcpServers })).toEqual([])
      expect(checkEntrypoint(files.entrypoint)).toEqual([])
      expect(checkDockerignore(files.dockerignore, model)).toEqual([])
    })
  }

  it('the root template init writes, and its entrypoint', () => {
    expect(checkDockerfile(renderRootDockerfile())).toEqual([])
    expect(renderRootDockerfile()).not.toContain('curl -f')
    expect(renderRootDockerfile()).toContain('CMD ["/app/bin/systemprompt", "infra", "services", "health"]')
    expect(renderRootDockerfile()).toContain('COPY .systemprompt/entrypoint.sh /app/entrypoint.sh')
    expect(checkEntrypoint(ROOT_ENTRYPOINT)).toEqual([])
  })
})

/** The findings as `line rule` strings, for short expectations. */
const found = (text: string, options?: Parameters<typeof checkDockerfile>[1]) =>
  checkDockerfile(text, options).map((f) => `${f.line} ${f.rule}`)

const GOOD_TAIL = `USER 10001:10001
HEALTHCHECK CMD ["/app/bin/systemprompt", "infra", "services", "health"]
ENTRYPOINT ["/app/entrypoint.sh"]
`

describe('each rule catches its violation, on the right line', () => {
  it('a clean hand-written file passes (the baseline of the cases below)', () => {
    expect(found(`FROM debian:bookworm-slim\nWORKDIR /app\n${GOOD_TAIL}`)).toEqual([])
  })

  it('non-root last USER (production only), root by name or uid, or no USER at all', () => {
    const root = `FROM debian:bookworm-slim
USER 10001
USER root
HEALTHCHECK CMD ["/x"]
`
    expect(found(root)).toEqual(['3 non-root-user'])
    expect(found(root.replace('USER root', 'USER 0:0'))).toEqual(['3 non-root-user'])
    expect(found(root, { variant: 'local' })).toEqual([])
    expect(found('FROM debian:bookworm-slim\nHEALTHCHECK CMD ["/x"]\n')).toEqual(['1 non-root-user'])
    // A USER in an earlier stage does not count for the image.
    expect(
      found(
        `FROM debian:bookworm-slim AS a\nUSER 10001\nFROM debian:bookworm-slim\n${GOOD_TAIL}`.replace(
          /USER 10001:10001\n/,
          '',
        ),
      ),
    ).toEqual(['3 non-root-user'])
  })

  it('exactly one HEALTHCHECK, in JSON form', () => {
    expect(found('FROM debian:bookworm-slim\nUSER 1000\n')).toEqual(['1 one-healthcheck'])
    const curl = `FROM debian:bookworm-slim
USER 1000
HEALTHCHECK --interval=30s --timeout=3s \\
  CMD curl -f http://localhost:8080/api/v1/health || exit 1
`
    expect(found(curl)).toEqual(['3 healthcheck-json'])
    expect(found(`FROM debian:bookworm-slim\nUSER 1000\nHEALTHCHECK NONE\n`)).toEqual(['3 healthcheck-json'])
    const two = `FROM debian:bookworm-slim\nUSER 1000\nHEALTHCHECK CMD ["/a"]\nHEALTHCHECK CMD ["/b"]\n`
    expect(found(two)).toEqual(['4 one-healthcheck'])
  })

  it('JSON-form CMD and ENTRYPOINT', () => {
    const text = `FROM debian:bookworm-slim
USER 1000
HEALTHCHECK CMD ["/x"]
ENTRYPOINT /app/entrypoint.sh
CMD /app/bin/systemprompt infra services serve
`
    expect(found(text)).toEqual(['4 entrypoint-json', '5 cmd-json'])
    expect(
      found(text.replace('ENTRYPOINT /app/entrypoint.sh', 'ENTRYPOINT ["/app/entrypoint.sh"')),
    ).toContain('4 entrypoint-json')
  })

  it('apt hygiene: --no-install-recommends, lists removed in the same RUN, update not alone', () => {
    const text = `FROM debian:bookworm-slim
RUN apt-get update
RUN apt-get install -y ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN apt-get update \\
    && apt-get install -y --no-install-recommends curl \\
    && rm -rf /var/lib/apt/lists/*
${GOOD_TAIL}`
    expect(found(text)).toEqual([
      '2 apt-lists-removed',
      '2 apt-update-alone',
      '3 apt-no-install-recommends',
      '5 apt-lists-removed',
    ])
  })

  it('no secret-like ENV or ARG names (a _FILE path is fine), nor a URL with a password', () => {
    const text = `FROM debian:bookworm-slim
ARG NPM_TOKEN
ENV HOST=0.0.0.0 \\
    JWT_SECRET=abc \\
    DATABASE_URL_FILE=/run/secrets/database_url
ENV DATABASE_URL postgres://app:pw@db:5432/app
ENV OPENAI_API_KEY=sk-1 DB_PASSWORD=x
ENV UPSTREAM=https://user:pw@example.com/
${GOOD_TAIL}`
    expect(found(text)).toEqual([
      '2 no-secret-env',
      '4 no-secret-env',
      '6 no-secret-env',
      '7 no-secret-env',
      '7 no-secret-env',
      '8 no-secret-env',
    ])
    expect(['SYSTEMPROMPT_WEB_PATH', 'KEYBOARD_LAYOUT', 'RUST_LOG', 'PORT'].filter(isSecretLikeName)).toEqual(
      [],
    )
    expect(
      ['api_key', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'SENTRY_DSN', 'STRIPE_APIKEY'].every(
        isSecretLikeName,
      ),
    ).toBe(true)
  })

  it('tagged base images: no :latest, no untagged; a digest, scratch and an earlier stage are fine', () => {
    const text = `FROM node AS build
FROM debian:latest AS other
FROM build AS again
FROM scratch AS empty
FROM debian@sha256:${'a'.repeat(64)}
ARG BASE=debian:bookworm-slim
FROM $BASE
${GOOD_TAIL}`
    expect(found(text)).toEqual(['1 base-image-tagged', '2 base-image-tagged', '7 base-image-tagged'])
  })

  it('absolute WORKDIR, COPY not ADD', () => {
    const text = `FROM debian:bookworm-slim
WORKDIR app
ADD https://example.com/x.tar.gz /app/
${GOOD_TAIL}`
    expect(found(text)).toEqual(['2 workdir-absolute', '3 copy-not-add'])
  })

  it('every MCP artifact copied: the whole mcp directory (with its manifest) or a parent', () => {
    const text = `FROM debian:bookworm-slim
COPY target/release/systemprompt /app/bin/systemprompt
COPY target/release/mcp/ /app/bin/mcp/
${GOOD_TAIL}`
    expect(found(text, { mcpServers: ['notes', 'search'] })).toEqual([])
    // One server's directory alone leaves out manifest.json, the list `start --all` runs: nothing would start.
    const perServer = text.replace(
      'COPY target/release/mcp/ /app/bin/mcp/',
      'COPY target/release/mcp/search/ /app/bin/mcp/search/',
    )
    expect(checkDockerfile(perServer, { mcpServers: ['search'] })).toEqual([
      {
        line: 2,
        rule: 'mcp-copied',
        message: expect.stringContaining('COPY target/release/mcp/ /app/bin/mcp/'),
      },
    ])
    const json = text.replace(
      'COPY target/release/mcp/ /app/bin/mcp/',
      'COPY ["target/release/mcp/", "/app/bin/mcp/"]',
    )
    expect(found(json, { mcpServers: ['notes', 'search'] })).toEqual([])
    const parent = text.replace('COPY target/release/mcp/ /app/bin/mcp/', 'COPY target/release/ /app/bin/')
    expect(found(parent, { mcpServers: ['search'] })).toEqual([])
    // Copied from another stage does not count: the artifact never entered the build.
    const fromStage = text.replace('COPY target/release/mcp/', 'COPY --from=x target/release/mcp/')
    expect(found(fromStage, { mcpServers: ['search'] })).toEqual(['2 mcp-copied'])
  })

  it('a file with no FROM', () => {
    expect(found('# nothing\n')).toEqual(['1 no-from'])
  })
})

describe('entrypoint rules', () => {
  it('shebang, set -e first, exec last', () => {
    expect(checkEntrypoint('#!/bin/bash\nset -e\nexec /app/bin/systemprompt x\n').map((f) => f.rule)).toEqual(
      ['entrypoint-shebang'],
    )
    const loose =
      '#!/bin/sh\n# comment\n/app/bin/systemprompt infra db migrate\n/app/bin/systemprompt infra services serve\n'
    expect(checkEntrypoint(loose).map((f) => `${f.line} ${f.rule}`)).toEqual([
      '3 entrypoint-set-e',
      '4 entrypoint-exec',
    ])
  })
})

describe('dockerignore rules', () => {
  const model = dockerfileModel({ profile: 'production', mcpServers: ['search'] })
  const generated = renderProfileDockerFiles(model, { generatorVersion: '1.0.0' }).dockerignore

  it('a secret let back in by a `!` line is reported on that line', () => {
    const text = `${generated}!.env.production\n`
    const lines = text.split('\n').length - 1
    expect(checkDockerignore(text, model)).toEqual([
      { line: lines, rule: 'dockerignore-secret', message: expect.stringContaining('.env.production') },
    ])
  })

  it('a secret pattern removed (no line decides: line 1), and a copied path excluded (the line that does)', () => {
    const text = generated.replace('**/secrets.json\n', '').replace('!target/release/mcp\n', '')
    const targetLine = text.split('\n').indexOf('target') + 1
    // profiles/<p>/secrets.json stays out all the same (the whole .systemprompt/ is out): the root one does not.
    expect(checkDockerignore(text, model)).toEqual([
      { line: 1, rule: 'dockerignore-secret', message: expect.stringMatching(/^secrets\.json would enter/) },
      {
        line: targetLine,
        rule: 'dockerignore-needed',
        message: expect.stringContaining('target/release/mcp/search/server.cjs'),
      },
      {
        line: targetLine,
        rule: 'dockerignore-needed',
        message: expect.stringContaining('target/release/mcp/manifest.json'),
      },
    ])
  })
})
