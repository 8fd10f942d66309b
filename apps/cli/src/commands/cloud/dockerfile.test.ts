import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCli, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

// No engine needed: the files are generated and checked, not built. The real binary on a fresh project.
let dir: ReturnType<typeof tempDir>
const URL = 'postgres://app:s3cret-pw@db.example.com:5432/app'
const DOCKER = '.systemprompt/profiles/production/docker'
const DOCKERFILE = `${DOCKER}/Dockerfile`
const cli = (args: string[], env?: Record<string, string | undefined>) =>
  runCli(['cloud', 'dockerfile', ...args], {
    cwd: dir.path,
    env: { SYSTEMPROMPT_PROFILE: undefined, ...env },
  })
const profile = (name: string) =>
  expect(
    runCli(['cloud', 'profile', 'create', name, '--database-url', URL, '--json'], { cwd: dir.path }).status,
  ).toBe(0)
const read = (path: string) => readFileSync(join(dir.path, path), 'utf8')
const addMcpServer = (name: string) => {
  mkdirSync(join(dir.path, 'services', 'mcp', name), { recursive: true })
  writeFileSync(join(dir.path, 'services', 'mcp', name, 'package.json'), '{"main":"index.ts"}\n')
}

beforeEach(() => {
  dir = tempDir()
  expect(runCli(['init', '--json'], { cwd: dir.path }).status).toBe(0)
  profile('production')
})
afterEach(() => dir.remove())

describe('cloud dockerfile (show)', () => {
  it("prints the profile's own Dockerfile: the only profile, --profile, or SYSTEMPROMPT_PROFILE", () => {
    const only = cli([])
    expect(only.status, only.stderr).toBe(0)
    expect(only.stdout).toBe(read(DOCKERFILE))
    expect(only.stdout).toContain(
      'COPY .systemprompt/profiles/production/docker/entrypoint.sh /app/entrypoint.sh',
    )
    profile('local')
    const local = cli(['--profile', 'local', '--json'])
    expect(local.json?.result).toMatchObject({
      profile: 'local',
      file: '.systemprompt/profiles/local/docker/Dockerfile',
      state: 'current',
      dockerfile: expect.stringContaining('postgresql-client'),
    })
    expect(
      cli(['--json'], { SYSTEMPROMPT_PROFILE: '.systemprompt/profiles/local' }).json?.result.profile,
    ).toBe('local')
    expect(cli(['--json'], { SYSTEMPROMPT_PROFILE: 'production' }).json?.result.profile).toBe('production')
  })

  it('several profiles and none chosen: a usage error listing them', () => {
    profile('local')
    const run = cli(['--json'])
    expect(run.status).toBe(2)
    expect(run.json?.error).toMatchObject({
      code: 'PROFILE_NOT_CHOSEN',
      message: expect.stringContaining('local, production'),
      fix: expect.stringContaining('--profile'),
    })
    const elsewhere = cli(['--json'], { SYSTEMPROMPT_PROFILE: '/somewhere/else' })
    expect(elsewhere.status).toBe(2)
    expect(elsewhere.json?.error.message).toContain('SYSTEMPROMPT_PROFILE=/somewhere/else is not a profile')
  })
})

describe('cloud dockerfile --check', () => {
  it('current: exit 0 and every file current', () => {
    const run = cli(['--check', '--json'])
    expect(run.status, run.stdout).toBe(0)
    expect(run.json?.result).toEqual({
      profile: 'production',
      files: [
        { file: DOCKERFILE, state: 'current', findings: [] },
        { file: `${DOCKER}/entrypoint.sh`, state: 'current', findings: [] },
        { file: `${DOCKER}/Dockerfile.dockerignore`, state: 'current', findings: [] },
      ],
      diff: '',
    })
  })

  it('stale after an MCP server is added: exit 1, the uncopied artifact named at file:line, a diff', () => {
    addMcpServer('search')
    const human = cli(['--check'])
    expect(human.status).toBe(1)
    const line =
      read(DOCKERFILE).split('\n').indexOf('COPY target/release/systemprompt /app/bin/systemprompt') + 1
    expect(human.stdout).toContain(`${DOCKERFILE}: stale`)
    expect(human.stdout).toContain(`${DOCKERFILE}:${line}: [mcp-copied]`)
    expect(human.stdout).toContain('+COPY target/release/mcp/ /app/bin/mcp/')
    expect(human.stderr).toContain('DOCKERFILE_CHECK_FAILED')
    expect(human.stderr).toContain('--write')
    const json = cli(['--check', '--json'])
    expect(json.status).toBe(1)
    expect(json.json?.error.details.files.map((f: { state: string }) => f.state)).toEqual([
      'stale',
      'stale',
      'stale',
    ])
    expect(json.json?.error.details.diff).toContain('+exec /app/bin/systemprompt infra services start --all')
  })

  it('a secret-like ENV added by hand: hand-edited, the line named', () => {
    const text = read(DOCKERFILE).replace('EXPOSE 8080\n', 'EXPOSE 8080\nENV JWT_SECRET=abc123\n')
    writeFileSync(join(dir.path, DOCKERFILE), text)
    const line = text.split('\n').indexOf('ENV JWT_SECRET=abc123') + 1
    const human = cli(['--check'])
    expect(human.status).toBe(1)
    expect(human.stdout).toContain(`${DOCKERFILE}: hand-edited`)
    expect(human.stdout).toContain(
      `${DOCKERFILE}:${line}: [no-secret-env] ENV JWT_SECRET looks like a secret`,
    )
    // The diff shows the edit, its value masked like every secret in our output.
    expect(human.stdout).toContain('-ENV JWT_SECRET=********')
    expect(human.stdout).not.toContain('abc123')
    expect(human.stderr).toContain(`at ${DOCKERFILE}:${line}`)
    const json = cli(['--check', '--json'])
    expect(json.json?.error).toMatchObject({ code: 'DOCKERFILE_CHECK_FAILED', file: DOCKERFILE, line })
    expect(json.json?.error.details.files[0]).toEqual({
      file: DOCKERFILE,
      state: 'hand-edited',
      findings: [{ line, rule: 'no-secret-env', message: expect.stringContaining('JWT_SECRET') }],
    })
    // Showing it warns.
    expect(cli([]).stderr).toContain('was edited by hand')
  })
})

describe('cloud dockerfile --write', () => {
  it('rewrites a stale file; never a hand-edited one without --force; unchanged says so', () => {
    expect(cli(['--write']).stdout).toContain(
      'Unchanged: the Docker files of profile production are current.',
    )
    addMcpServer('search')
    const stale = cli(['--write', '--json'])
    expect(stale.status).toBe(0)
    expect(stale.json?.result.files.map((f: { action: string }) => f.action)).toEqual([
      'updated',
      'updated',
      'updated',
    ])
    expect(read(DOCKERFILE)).toContain('COPY target/release/mcp/ /app/bin/mcp/')

    const edited = `${read(DOCKERFILE)}LABEL mine=1\n`
    writeFileSync(join(dir.path, DOCKERFILE), edited)
    const refused = cli(['--write', '--json'])
    expect(refused.status).toBe(6)
    expect(refused.json?.error).toMatchObject({
      code: 'DOCKERFILE_HAND_EDITED',
      message: expect.stringContaining(`${DOCKERFILE} was edited by hand`),
      fix: expect.stringContaining('--force'),
    })
    expect(read(DOCKERFILE)).toBe(edited)
    const forced = cli(['--write', '--force', '--json'])
    expect(forced.status).toBe(0)
    expect(forced.json?.result.files[0]).toMatchObject({
      file: DOCKERFILE,
      was: 'hand-edited',
      action: 'updated',
    })
    expect(cli(['--check']).status).toBe(0)
  })

  it('a profile made before profiles had Docker files: show and --check say so, --write makes them', () => {
    rmSync(join(dir.path, DOCKER), { recursive: true })
    const show = cli(['--json'])
    expect(show.status).toBe(3)
    expect(show.json?.error).toMatchObject({
      code: 'DOCKERFILE_MISSING',
      fix: 'Write it with `systemprompt cloud dockerfile --profile production --write`',
    })
    const check = cli(['--check', '--json'])
    expect(check.status).toBe(1)
    expect(check.json?.error.details.files.map((f: { state: string }) => f.state)).toEqual([
      'missing',
      'missing',
      'missing',
    ])
    const write = cli(['--write'])
    expect(write.status, write.stderr).toBe(0)
    expect(write.stdout).toContain(`created   ${DOCKERFILE}`)
    expect(cli(['--check']).status).toBe(0)
  })
})

describe('cloud dockerfile: bad input', () => {
  it('unknown profile, --force without --write, --check with --write', () => {
    const unknown = cli(['--profile', 'nope', '--json'])
    expect(unknown.status).toBe(3)
    expect(unknown.json?.error).toMatchObject({
      code: 'PROFILE_NOT_FOUND',
      fix: expect.stringContaining('profile list'),
    })
    expect(cli(['--profile', '../x', '--json']).json?.error.code).toBe('PROFILE_NAME_INVALID')
    expect(cli(['--force', '--json']).status).toBe(2)
    expect(cli(['--check', '--write', '--json']).status).toBe(2)
  })
})
