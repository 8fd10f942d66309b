import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv, snapshotTree, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { scaffoldProject } from './scaffold.js'

let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => {
  dir.remove()
})

const mode = (path: string) => statSync(path).mode & 0o777

describe('scaffoldProject', () => {
  it('lays out SPEC section 1 with the right modes and a valid tenants.json', async () => {
    const result = await scaffoldProject(dir.path)
    expect(result.notes).toEqual([])
    expect(result.root).toBe(dir.path)
    const sp = join(dir.path, '.systemprompt')
    expect(result.created).toEqual([
      '.systemprompt',
      '.systemprompt/docker',
      '.systemprompt/docker/.secrets',
      '.systemprompt/profiles',
      'services',
      'services/database',
      'services/database/migrations',
      'web',
      '.systemprompt/.gitignore',
      '.systemprompt/.dockerignore',
      '.systemprompt/Dockerfile',
      '.systemprompt/entrypoint.sh',
      'services/database/migrations/README.md',
      'web/README.md',
      'web/index.html',
      '.systemprompt/tenants.json',
      'justfile',
    ])
    expect(mode(join(sp, 'docker'))).toBe(0o755)
    expect(mode(join(sp, 'docker', '.secrets'))).toBe(0o700)
    expect(mode(join(sp, 'tenants.json'))).toBe(0o600)
    expect(mode(join(sp, 'entrypoint.sh'))).toBe(0o755)
    expect(mode(join(sp, 'Dockerfile'))).toBe(0o644)
    // What the image's `COPY services/ web/` copies: each folder says what goes in it.
    expect(readFileSync(join(dir.path, 'services/database/migrations/README.md'), 'utf8')).toContain(
      'infra db migrate',
    )
    expect(readFileSync(join(dir.path, 'web/README.md'), 'utf8')).toContain('infra services serve')

    const tenants = JSON.parse(readFileSync(join(sp, 'tenants.json'), 'utf8'))
    expect(tenants).toMatchObject({ version: 1, tenants: [] })
    expect(tenants.project_id).toMatch(/^[0-9a-f]{8}$/)

    const gitignore = readFileSync(join(sp, '.gitignore'), 'utf8')
    for (const entry of [
      'tenants.json',
      'docker/shared_config.json',
      'docker/.secrets/',
      'profiles/*/secrets.json',
      'storage/',
    ])
      expect(gitignore.split('\n')).toContain(entry)
    expect(readFileSync(join(sp, '.dockerignore'), 'utf8')).toContain('**/secrets.json')
    const dockerfile = readFileSync(join(sp, 'Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^FROM debian:bookworm-slim$/m)
    expect(dockerfile).toContain('EXPOSE 8080')
    expect(dockerfile).not.toMatch(/^(ENV|ARG) .*(SECRET|PASSWORD|TOKEN|DATABASE_URL)/im)
    // The health check runs the binary itself: the image has no curl (issue 10).
    expect(dockerfile).toContain('CMD ["/app/bin/systemprompt", "infra", "services", "health"]')
    expect(dockerfile).not.toMatch(/CMD curl/)
    expect(readFileSync(join(sp, 'entrypoint.sh'), 'utf8')).toMatch(/^#!\/bin\/sh\n(#.*\n)*set -e\n/)
    expect(readFileSync(join(dir.path, 'justfile'), 'utf8')).toContain('db-up TENANT="":')
  })

  it('is idempotent: a second run keeps every file untouched (same content and mtime)', async () => {
    await scaffoldProject(dir.path)
    const before = snapshotTree(dir.path)
    const second = await scaffoldProject(dir.path)
    expect(second.created).toEqual([])
    expect(second.changed).toEqual([])
    expect(snapshotTree(dir.path)).toEqual(before)
  })

  it('keeps edited files, and force rewrites them but never tenants.json', async () => {
    await scaffoldProject(dir.path)
    const dockerfile = join(dir.path, '.systemprompt', 'Dockerfile')
    const tenantsFile = join(dir.path, '.systemprompt', 'tenants.json')
    const tenantsBefore = readFileSync(tenantsFile, 'utf8')
    writeFileSync(dockerfile, 'FROM scratch\n')
    const index = join(dir.path, 'web', 'index.html')
    writeFileSync(index, '<p>mine</p>\n')
    const keep = await scaffoldProject(dir.path)
    expect(keep.kept).toContain('.systemprompt/Dockerfile')
    expect(readFileSync(dockerfile, 'utf8')).toBe('FROM scratch\n')

    const force = await scaffoldProject(dir.path, { force: true })
    expect(force.changed).toEqual(['.systemprompt/Dockerfile'])
    expect(readFileSync(dockerfile, 'utf8')).toContain('FROM debian:bookworm-slim')
    expect(readFileSync(tenantsFile, 'utf8')).toBe(tenantsBefore)
    // The user's own starter files (web/, migrations) are never rewritten, not even with --force.
    expect(readFileSync(index, 'utf8')).toBe('<p>mine</p>\n')
  })

  it('creates a missing directory', async () => {
    const target = join(dir.path, 'nested', 'project')
    expect((await scaffoldProject(target)).root).toBe(target)
    expect(existsSync(join(target, '.systemprompt', 'tenants.json'))).toBe(true)
  })

  it("leaves the user's own justfile alone and puts the recipes beside it", async () => {
    const justfile = join(dir.path, 'justfile')
    writeFileSync(justfile, 'test:\n    echo mine\n')
    const result = await scaffoldProject(dir.path)
    expect(readFileSync(justfile, 'utf8')).toBe('test:\n    echo mine\n')
    expect(result.created).toContain('.systemprompt/systemprompt.just')
    expect(result.notes.join('\n')).toContain("import '.systemprompt/systemprompt.just'")

    const force = await scaffoldProject(dir.path, { force: true })
    expect(force.changed).toEqual(['justfile'])
    const text = readFileSync(justfile, 'utf8')
    expect(text.startsWith('test:\n    echo mine\n')).toBe(true)
    expect(text).toContain('db-up TENANT="":')
    // Once appended, later runs (with or without force) leave it as it is.
    const before = snapshotTree(dir.path)
    await scaffoldProject(dir.path, { force: true })
    expect(snapshotTree(dir.path)).toEqual(before)
  })

  it('uses an existing Justfile (any spelling just accepts) instead of adding a second one', async () => {
    writeFileSync(join(dir.path, 'Justfile'), 'a:\n    echo a\n')
    const result = await scaffoldProject(dir.path)
    expect(existsSync(join(dir.path, 'justfile'))).toBe(false)
    expect(readFileSync(join(dir.path, 'Justfile'), 'utf8')).toBe('a:\n    echo a\n')
    expect(result.kept).toContain('Justfile')
  })

  it.each([
    [
      '.systemprompt is a file',
      (root: string) => writeFileSync(join(root, '.systemprompt'), 'x'),
      '.systemprompt',
      'CONFIG_NOT_A_DIRECTORY',
    ],
    [
      '.systemprompt/docker is a file',
      (root: string) => {
        mkdirSync(join(root, '.systemprompt'))
        writeFileSync(join(root, '.systemprompt', 'docker'), 'x')
      },
      '.systemprompt/docker',
      'CONFIG_NOT_A_DIRECTORY',
    ],
    [
      'tenants.json is a directory',
      (root: string) => mkdirSync(join(root, '.systemprompt', 'tenants.json'), { recursive: true }),
      '.systemprompt/tenants.json',
      'CONFIG_NOT_A_FILE',
    ],
    [
      'justfile is a directory',
      (root: string) => mkdirSync(join(root, 'justfile')),
      'justfile',
      'CONFIG_NOT_A_FILE',
    ],
  ])('refuses when %s: a located user error, nothing written', async (_name, setup, path, code) => {
    setup(dir.path)
    const before = snapshotTree(dir.path)
    await expect(scaffoldProject(dir.path)).rejects.toMatchObject({
      name: 'SystempromptError',
      code,
      category: 'user',
      file: join(dir.path, path),
      fix: expect.stringMatching(/\S/),
    })
    expect(snapshotTree(dir.path)).toEqual(before)
  })

  it('refuses when the directory is a file', async () => {
    const file = join(dir.path, 'plain-file')
    writeFileSync(file, 'x')
    await expect(scaffoldProject(file)).rejects.toMatchObject({ code: 'CONFIG_NOT_A_DIRECTORY' })
  })
})

describe('the generated justfile (run by the real `just`)', () => {
  const just = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin', 'just')

  // SYSTEMPROMPT_BIN=echo shows exactly the command line each recipe hands to the CLI.
  const recipe = (cwd: string, ...args: string[]) => {
    const r = spawnSync(just, args, {
      cwd,
      encoding: 'utf8',
      env: childEnv({ SYSTEMPROMPT_BIN: 'echo' }),
    })
    expect(r.stderr).not.toContain('error')
    expect(r.status).toBe(0)
    return r.stdout.trim()
  }

  it.each([
    [['db-up'], 'db up'],
    [['db-up', 'TENANT=my-project'], 'db up TENANT=my-project'],
    [['db-up', 'my-project'], 'db up my-project'],
    [['db-down'], 'db down'],
    [['db-down', 'TENANT=my-project'], 'db down TENANT=my-project'],
    [['db-reset', '--yes'], 'db reset --yes'],
    [['db-logs', '--follow'], 'db logs --follow'],
    [['db-list'], 'db list'],
    [['docker-build', 'local'], 'docker build local'],
    [['docker-run', 'local'], 'docker run local'],
    [['build-mcp'], 'build mcp'],
    [['deploy'], 'cloud deploy'],
  ])('just %j runs `systemprompt %s`', async (args, expected) => {
    await scaffoldProject(dir.path)
    expect(recipe(dir.path, ...args)).toBe(expected)
  })

  it('works through the import line when the user keeps their own justfile', async () => {
    writeFileSync(
      join(dir.path, 'justfile'),
      "import '.systemprompt/systemprompt.just'\n\nmine:\n    echo mine\n",
    )
    expect((await scaffoldProject(dir.path)).notes).toEqual([])
    expect(recipe(dir.path, 'db-up', 'TENANT=acme')).toBe('db up TENANT=acme')
    expect(recipe(dir.path, 'mine')).toBe('mine')
  })

  it('defaults to `systemprompt` from PATH', async () => {
    await scaffoldProject(dir.path)
    const env = childEnv({ SYSTEMPROMPT_BIN: undefined })
    const dry = spawnSync(just, ['--dry-run', 'db-up'], { cwd: dir.path, encoding: 'utf8', env })
    expect(dry.status).toBe(0)
    expect(dry.stderr.trim()).toBe('systemprompt db up')
  })
})
