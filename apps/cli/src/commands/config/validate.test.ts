import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI_BIN, childEnv, runCli, STACK_FRAME, snapshotTree, tempDir } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// One project made by `systemprompt init`, plus a valid profile, secrets and a shared_config.json in the
// original tool's format. Each bad-input case is a copy of it with one file broken.
let base: ReturnType<typeof tempDir>
beforeAll(() => {
  base = tempDir()
  expect(runCli(['init'], { cwd: base.path }).status).toBe(0)
})
afterAll(() => base.remove())

const VALID_PROFILE = `name: local
tenant: acme
target: local
server:
  host: 0.0.0.0
  port: 8080
runtime:
  log_level: info
`
const VALID_SECRETS = {
  jwt_secret: 'x'.repeat(64),
  database_url: 'postgres://acme_ab12cd34:pw@127.0.0.1:5432/acme_ab12cd34',
  anthropic_api_key: null,
  openai_api_key: null,
  gemini_api_key: null,
}
// The tenant the profile names: a profile naming a tenant that tenants.json lacks is an error.
const VALID_TENANTS = {
  version: 1,
  project_id: 'ab12cd34',
  tenants: [
    {
      name: 'acme',
      database: 'shared',
      state: 'ready',
      database_name: 'sp_acme_ab12cd34',
      role_name: 'sp_acme_ab12cd34',
      profile: 'local',
      created_at: '2026-01-30T10:00:00Z',
      updated_at: '2026-01-30T10:00:00Z',
    },
  ],
}
// A shared.yaml as `db up` writes it, but publishing PostgreSQL on every interface (line 18).
const SHARED_YAML_ON_ALL_INTERFACES = `services:
  postgres:
    image: "postgres:17-alpine"
    container_name: "systemprompt-postgres-shared"
    restart: "unless-stopped"
    environment:
      POSTGRES_USER: "systemprompt_admin"
      POSTGRES_DB: "postgres"
      POSTGRES_PASSWORD_FILE: "/run/secrets/postgres_admin_password"
    labels:
      systemprompt.managed: "1"
      systemprompt.role: "postgres-shared"
    secrets:
      - "postgres_admin_password"
    volumes:
      - "data:/var/lib/postgresql/data"
    ports:
      - "0.0.0.0:5432:5432"
volumes:
  data:
    name: "systemprompt-postgres-shared-data"
secrets:
  postgres_admin_password:
    file: "./.secrets/shared.password"
`
// Written by the original (Rust) tool: no version, no per-tenant extras.
const ORIGINAL_SHARED_CONFIG = {
  admin_password: 'admin-pw',
  port: 5432,
  created_at: '2026-01-30T10:00:00Z',
  tenant_databases: [{ tenant_id: 'acme', database_name: 'acme_db' }],
}

interface Project {
  root: string
  sp: string
  profile: string
  secrets: string
  tenants: string
  shared: string
  remove(): void
}

function validProject(): Project {
  const dir = tempDir()
  const root = dir.path
  const sp = join(root, '.systemprompt')
  const r = runCli(['init'], { cwd: root })
  expect(r.status).toBe(0)
  mkdirSync(join(sp, 'profiles', 'local'), { recursive: true })
  const project = {
    root,
    sp,
    profile: join(sp, 'profiles', 'local', 'profile.yaml'),
    secrets: join(sp, 'profiles', 'local', 'secrets.json'),
    tenants: join(sp, 'tenants.json'),
    shared: join(sp, 'docker', 'shared_config.json'),
    remove: dir.remove,
  }
  writeFileSync(project.profile, VALID_PROFILE)
  writeFileSync(project.secrets, `${JSON.stringify(VALID_SECRETS, null, 2)}\n`, { mode: 0o600 })
  writeFileSync(project.shared, `${JSON.stringify(ORIGINAL_SHARED_CONFIG, null, 2)}\n`, { mode: 0o600 })
  writeFileSync(project.tenants, `${JSON.stringify(VALID_TENANTS, null, 2)}\n`, { mode: 0o600 })
  return project
}

/** Replaces a file's content (its mode stays) and returns its path. */
function put(file: string, text: string): string {
  writeFileSync(file, text)
  return file
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`
const profileWith = (extra: string) => `${VALID_PROFILE}${extra}`

interface BadCase {
  name: string
  /** Breaks one thing; returns the file the error must name. */
  breakIt(p: Project): string
  code: string
  /** 1-based line the error must point at, where the format has lines. */
  line?: number
}

const BAD_INPUTS: BadCase[] = [
  {
    name: 'profile.yaml: broken YAML (unclosed flow sequence)',
    breakIt: (p) => put(p.profile, 'name: local\nserver: [8080\nruntime:\n  log_level: info\n'),
    code: 'CONFIG_YAML_SYNTAX',
  },
  {
    name: 'profile.yaml: tab indentation',
    breakIt: (p) => put(p.profile, 'name: local\nserver:\n\tport: 8080\n'),
    code: 'CONFIG_YAML_SYNTAX',
    line: 3,
  },
  {
    name: 'profile.yaml: port is text',
    breakIt: (p) => put(p.profile, VALID_PROFILE.replace('port: 8080', 'port: eighty')),
    code: 'CONFIG_INVALID',
    line: 6,
  },
  {
    name: 'profile.yaml: port 0',
    breakIt: (p) => put(p.profile, VALID_PROFILE.replace('port: 8080', 'port: 0')),
    code: 'CONFIG_INVALID',
    line: 6,
  },
  {
    name: 'profile.yaml: port 70000',
    breakIt: (p) => put(p.profile, VALID_PROFILE.replace('port: 8080', 'port: 70000')),
    code: 'CONFIG_INVALID',
    line: 6,
  },
  {
    name: 'profile.yaml: unknown top-level key',
    breakIt: (p) => put(p.profile, profileWith('colour: blue\n')),
    code: 'CONFIG_INVALID',
    line: 9,
  },
  {
    name: 'profile.yaml: unknown nested key',
    breakIt: (p) => put(p.profile, VALID_PROFILE.replace('  port: 8080\n', '  port: 8080\n  prot: 1\n')),
    code: 'CONFIG_INVALID',
    line: 7,
  },
  {
    name: 'profile.yaml: log level not in info|debug|trace',
    breakIt: (p) => put(p.profile, VALID_PROFILE.replace('log_level: info', 'log_level: loud')),
    code: 'CONFIG_INVALID',
    line: 8,
  },
  {
    name: 'profile.yaml: deploy url is not an http(s) URL',
    breakIt: (p) => put(p.profile, profileWith('deploy:\n  url: ftp://example.com/app\n')),
    code: 'CONFIG_INVALID',
    line: 10,
  },
  {
    name: 'profile.yaml: deploy registry is not host[:port]',
    breakIt: (p) => put(p.profile, profileWith('deploy:\n  registry: "https://reg istry/"\n')),
    code: 'CONFIG_INVALID',
    line: 10,
  },
  {
    name: 'profile.yaml: a list where a mapping belongs',
    breakIt: (p) => put(p.profile, '- name\n- local\n'),
    code: 'CONFIG_INVALID',
  },
  {
    name: 'profile.yaml: tenant name with capitals',
    breakIt: (p) => put(p.profile, VALID_PROFILE.replace('tenant: acme', 'tenant: Acme')),
    code: 'CONFIG_INVALID',
    line: 2,
  },
  {
    name: 'secrets.json: broken JSON (trailing comma)',
    breakIt: (p) => put(p.secrets, '{\n  "jwt_secret": "x",\n}\n'),
    code: 'CONFIG_JSON_SYNTAX',
  },
  {
    name: 'secrets.json: database_url is not a postgres URL',
    breakIt: (p) => put(p.secrets, json({ ...VALID_SECRETS, database_url: 'http://127.0.0.1/db' })),
    code: 'CONFIG_INVALID',
    line: 3,
  },
  {
    name: 'secrets.json: jwt_secret too short',
    breakIt: (p) => put(p.secrets, json({ ...VALID_SECRETS, jwt_secret: 'short' })),
    code: 'CONFIG_INVALID',
    line: 2,
  },
  {
    name: 'secrets.json: jwt_secret is a number',
    breakIt: (p) => put(p.secrets, json({ ...VALID_SECRETS, jwt_secret: 12345 })),
    code: 'CONFIG_INVALID',
    line: 2,
  },
  {
    // Any other string key is a custom secret (the original tool's format); one that is not text is refused.
    name: 'secrets.json: custom secret that is not text',
    breakIt: (p) => put(p.secrets, json({ ...VALID_SECRETS, stripe_key: 42 })),
    code: 'CONFIG_INVALID',
    line: 7,
  },
  {
    name: 'tenants.json: broken JSON (truncated)',
    breakIt: (p) => put(p.tenants, '{ "version": 1, "project_id": "ab12'),
    code: 'CONFIG_JSON_SYNTAX',
  },
  {
    name: 'tenants.json: project_id with capitals and dashes',
    breakIt: (p) => put(p.tenants, json({ version: 1, project_id: 'My-Project', tenants: [] })),
    code: 'CONFIG_INVALID',
    line: 3,
  },
  {
    name: 'tenants.json: unsupported version',
    breakIt: (p) => put(p.tenants, json({ version: 2, project_id: 'ab12cd34', tenants: [] })),
    code: 'CONFIG_INVALID',
    line: 2,
  },
  {
    name: 'tenants.json: an array instead of an object',
    breakIt: (p) => put(p.tenants, '[]\n'),
    code: 'CONFIG_INVALID',
  },
  {
    name: 'tenants.json: tenant with a bad name and port out of range',
    breakIt: (p) => {
      const tenant = {
        name: 'Bad_Name',
        database: 'dedicated',
        state: 'ready',
        port: 99999,
        profile: 'local',
        created_at: '2026-01-30T10:00:00Z',
        updated_at: '2026-01-30T10:00:00Z',
      }
      writeFileSync(p.tenants, json({ version: 1, project_id: 'ab12cd34', tenants: [tenant] }))
      return p.tenants
    },
    code: 'CONFIG_INVALID',
    line: 6,
  },
  {
    name: 'shared_config.json: port is text',
    breakIt: (p) => put(p.shared, json({ ...ORIGINAL_SHARED_CONFIG, port: '5432x' })),
    code: 'CONFIG_INVALID',
    line: 3,
  },
  {
    name: 'shared_config.json: tenant_databases entry without database_name',
    breakIt: (p) =>
      put(p.shared, json({ ...ORIGINAL_SHARED_CONFIG, tenant_databases: [{ tenant_id: 'acme' }] })),
    code: 'CONFIG_INVALID',
  },
  {
    name: 'shared_config.json: empty file',
    breakIt: (p) => put(p.shared, ''),
    code: 'CONFIG_JSON_SYNTAX',
  },
  {
    name: 'docker/shared.yaml: broken YAML',
    breakIt: (p) => {
      const file = join(p.sp, 'docker', 'shared.yaml')
      writeFileSync(file, 'services:\n  postgres:\n    image: "postgres:17\n')
      return file
    },
    code: 'CONFIG_YAML_SYNTAX',
  },
  // What the commands refuse, validate refuses too (issue 8).
  {
    name: 'docker/shared.yaml: publishes PostgreSQL on 0.0.0.0 (db up refuses it)',
    breakIt: (p) => put(join(p.sp, 'docker', 'shared.yaml'), SHARED_YAML_ON_ALL_INTERFACES),
    code: 'COMPOSE_INVALID',
    line: 18,
  },
  {
    name: 'profile.yaml: names a tenant that tenants.json does not list',
    breakIt: (p) => put(p.profile, VALID_PROFILE.replace('tenant: acme', 'tenant: ghost')),
    code: 'TENANT_NOT_FOUND',
    line: 2,
  },
  {
    name: 'secrets.json: a 20 MB database_url',
    breakIt: (p) =>
      put(
        p.secrets,
        json({ ...VALID_SECRETS, database_url: `postgres://u:${'p'.repeat(20 * 1024 * 1024)}@127.0.0.1/db` }),
      ),
    code: 'CONFIG_INVALID',
    line: 3,
  },
  {
    name: 'secrets.json: database_url names no user (postgres://)',
    breakIt: (p) => put(p.secrets, json({ ...VALID_SECRETS, database_url: 'postgres://' })),
    code: 'CONFIG_INVALID',
    line: 3,
  },
  {
    name: 'tenants.json: database_name with quotes',
    breakIt: (p) => {
      const [tenant] = VALID_TENANTS.tenants
      const bad = { ...VALID_TENANTS, tenants: [{ ...tenant, database_name: 'sp_"acme' }] }
      return put(p.tenants, json(bad))
    },
    code: 'CONFIG_INVALID',
    line: 9,
  },
  {
    name: 'shared_config.json: database_name with quotes',
    breakIt: (p) =>
      put(
        p.shared,
        json({
          ...ORIGINAL_SHARED_CONFIG,
          tenant_databases: [{ tenant_id: 'acme', database_name: "ac'me" }],
        }),
      ),
    code: 'CONFIG_INVALID',
    line: 8,
  },
  {
    name: 'a file where the profiles directory should be',
    breakIt: (p) => {
      const dir = join(p.sp, 'profiles')
      rmSync(dir, { recursive: true })
      writeFileSync(dir, 'not a directory\n')
      return dir
    },
    code: 'CONFIG_NOT_A_DIRECTORY',
  },
  {
    name: 'a directory where profile.yaml should be',
    breakIt: (p) => {
      rmSync(p.profile)
      mkdirSync(p.profile)
      return p.profile
    },
    code: 'CONFIG_NOT_A_FILE',
  },
]

describe('systemprompt config validate', () => {
  it('passes on a valid project (exit 0), including a shared_config.json of the original tool', () => {
    const p = validProject()
    try {
      const run = runCli(['config', 'validate', '--json'], { cwd: p.root })
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      expect(run.json).toMatchObject({
        status: 0,
        result: { valid: true, errors: 0, root: p.root },
        warnings: [],
      })
      const human = runCli(['config', 'validate'], { cwd: join(p.sp, 'profiles') })
      expect(human.status).toBe(0)
      expect(human.stdout).toContain('all project files are valid')
    } finally {
      p.remove()
    }
  })

  it('passes right after init', () => {
    const run = runCli(['config', 'validate', '--json'], { cwd: base.path })
    expect(run.status).toBe(0)
  })

  it('warns (exit 0) when a secret file is readable by others', () => {
    const p = validProject()
    try {
      chmodSync(p.secrets, 0o644)
      const run = runCli(['config', 'validate', '--json'], { cwd: p.root })
      expect(run.status).toBe(0)
      expect(run.json?.warnings.join('\n')).toContain(p.secrets)
    } finally {
      p.remove()
    }
  })

  it('has at least 20 bad-input cases', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(20)
  })

  it.each(BAD_INPUTS.map((c) => [c.name, c] as const))(
    '%s: file, line, code and fix; exit 3; nothing written',
    (_name, c) => {
      const p = validProject()
      try {
        const file = c.breakIt(p)
        const before = snapshotTree(p.root)

        const run = runCli(['config', 'validate', '--json'], { cwd: p.root })
        expect(run.status).toBe(3)
        expect(run.json?.status).toBe(3)
        expect(run.json?.error.code).toBe('CONFIG_INVALID')
        const issues = (run.json?.error.issues ?? []) as Record<string, unknown>[]
        const issue = issues.find((i) => i.file === file)
        expect(issue, JSON.stringify(run.json?.error.issues)).toBeDefined()
        expect(issue?.code).toBe(c.code)
        expect(String(issue?.fix)).toMatch(/\S/)
        if (c.line !== undefined) expect(issue?.line).toBe(c.line)
        expect(run.stderr).not.toMatch(STACK_FRAME)
        expect(run.stdout).not.toMatch(STACK_FRAME)

        const human = runCli(['config', 'validate'], { cwd: p.root })
        expect(human.status).toBe(3)
        const where = c.line === undefined ? file : `${file}:${c.line}`
        expect(human.stderr).toContain(`${where}`)
        expect(human.stderr).toContain(`[${c.code}]`)
        expect(human.stderr).toContain('Fix: ')
        expect(human.stderr).not.toMatch(STACK_FRAME)
        expect(human.stdout).toBe('')

        expect(snapshotTree(p.root)).toEqual(before)
      } finally {
        p.remove()
      }
    },
  )

  it('an unreadable file: CONFIG_UNREADABLE naming the file (run as an unprivileged user, since root reads anything)', () => {
    const p = validProject()
    try {
      chmodSync(p.secrets, 0o000)
      const asRoot = process.getuid?.() === 0
      if (asRoot && (statSync(join(p.root, '..')).mode & 0o001) === 0) {
        // The unprivileged user could not even enter the temp dir; only the mode would be under test.
        console.warn('skipped: TMPDIR is not enterable by other users')
        return
      }
      if (asRoot) {
        // The unprivileged user must be able to walk the project (its parent is the system temp dir,
        // which anyone may enter) and read everything else.
        for (const dir of [
          p.root,
          p.sp,
          join(p.sp, 'profiles'),
          join(p.sp, 'profiles', 'local'),
          join(p.sp, 'docker'),
        ])
          chmodSync(dir, 0o755)
        for (const f of [p.tenants, p.shared, p.profile]) chmodSync(f, 0o644)
      }
      const before = snapshotTree(p.root)
      const r = spawnSync(process.execPath, [CLI_BIN, 'config', 'validate', '--json'], {
        cwd: p.root,
        encoding: 'utf8',
        env: childEnv({ HOME: p.root }),
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      })
      expect(r.status, r.stderr).toBe(3)
      const env = JSON.parse(r.stdout)
      const issue = env.error.issues.find((i: Record<string, unknown>) => i.file === p.secrets)
      expect(issue?.code).toBe('CONFIG_UNREADABLE')
      expect(issue?.fix).toMatch(/permission/i)
      expect(snapshotTree(p.root)).toEqual(before)
    } finally {
      chmodSync(p.secrets, 0o600)
      p.remove()
    }
  })

  it('reports every problem of several files at once', () => {
    const p = validProject()
    try {
      writeFileSync(
        p.profile,
        VALID_PROFILE.replace('port: 8080', 'port: 70000').replace('log_level: info', 'log_level: loud'),
      )
      writeFileSync(p.secrets, json({ ...VALID_SECRETS, jwt_secret: 'short' }))
      const run = runCli(['config', 'validate', '--json'], { cwd: p.root })
      expect(run.status).toBe(3)
      const issues = run.json?.error.issues as { file: string; line: number }[]
      expect(issues.map((i) => [i.file, i.line])).toEqual(
        expect.arrayContaining([
          [p.profile, 6],
          [p.profile, 8],
          [p.secrets, 2],
        ]),
      )
      expect(run.json?.error.details).toMatchObject({ errors: issues.length })
    } finally {
      p.remove()
    }
  })

  it('never prints secrets from the files it reads', () => {
    const p = validProject()
    try {
      writeFileSync(p.secrets, json({ ...VALID_SECRETS, jwt_secret: 'tooshort-but-secret' }))
      const run = runCli(['config', 'validate', '--json'], { cwd: p.root })
      expect(run.status).toBe(3)
      expect(run.stdout).not.toContain('tooshort-but-secret')
      expect(run.stdout).not.toContain(':pw@')
    } finally {
      p.remove()
    }
  })
})
