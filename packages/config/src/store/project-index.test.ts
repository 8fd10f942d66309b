import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { projectLayout } from '../layout.js'
import {
  assertNotCopied,
  bindProject,
  projectIdentity,
  projectIndexFile,
  projectRootOf,
  projectsUsingSharedServer,
} from './project-index.js'
import { ensureProjectId, updateTenantsFile } from './tenants.js'

let base: string
let dataDir: string

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'sp-config-index-'))
  dataDir = join(base, 'data')
})
afterEach(async () => {
  await rm(base, { recursive: true, force: true })
})

async function project(name: string): Promise<{ root: string; id: string }> {
  const root = join(base, name)
  await mkdir(join(root, '.systemprompt'), { recursive: true })
  return { root, id: await ensureProjectId(projectLayout(root)) }
}

describe('project index', () => {
  it('binds a project once (0600) and writes nothing when nothing changed', async () => {
    const a = await project('a')
    expect(await bindProject(dataDir, a)).toEqual({})
    const file = projectIndexFile(dataDir)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const before = (await stat(file)).mtimeMs
    await new Promise((r) => setTimeout(r, 20))
    expect(await bindProject(dataDir, a)).toEqual({})
    expect((await stat(file)).mtimeMs).toBe(before)
    expect(await projectRootOf(dataDir, a.id)).toBe(a.root)
  })

  it('detects a copy (same id, the original still there) and refuses destructive work in it', async () => {
    const a = await project('a')
    await assertNotCopied(projectLayout(a.root), dataDir)
    await cp(a.root, join(base, 'copy'), { recursive: true })
    const copy = projectLayout(join(base, 'copy'))
    expect(await bindProject(dataDir, { id: a.id, root: copy.root })).toEqual({ copyOf: a.root })
    await expect(assertNotCopied(copy, dataDir)).rejects.toMatchObject({
      code: 'PROJECT_COPIED',
      fix: expect.stringContaining('systemprompt config new-id'),
    })
    // The original is still bound to its directory.
    await assertNotCopied(projectLayout(a.root), dataDir)
    expect(await projectRootOf(dataDir, a.id)).toBe(a.root)
  })

  it('rebinds a moved project (the old directory is gone or holds another id)', async () => {
    const a = await project('a')
    await bindProject(dataDir, a)
    await cp(a.root, join(base, 'moved'), { recursive: true })
    await rm(a.root, { recursive: true })
    const moved = projectLayout(join(base, 'moved'))
    await assertNotCopied(moved, dataDir)
    expect(await projectRootOf(dataDir, a.id)).toBe(moved.root)
    // The copy got a new id: the old entry of that directory goes, the original binds again.
    await cp(moved.root, join(base, 'b'), { recursive: true })
    const b = projectLayout(join(base, 'b'))
    await updateTenantsFile(b, (t) => ({ ...t, project_id: 'feedbeef' }))
    expect(await bindProject(dataDir, { id: 'feedbeef', root: b.root })).toEqual({})
    const index = JSON.parse(await readFile(projectIndexFile(dataDir), 'utf8')) as {
      projects: { id: string }[]
    }
    expect(index.projects.map((p) => p.id).sort()).toEqual([a.id, 'feedbeef'].sort())
  })

  it('lists the other projects that use a shared server, only those still present', async () => {
    const a = await project('a')
    const b = await project('b')
    const c = await project('c')
    await bindProject(dataDir, { ...a, sharedServer: 'srv' })
    await bindProject(dataDir, { ...b, sharedServer: 'srv' })
    await bindProject(dataDir, { ...c, sharedServer: 'other' })
    // A later bind without a server keeps the recorded one.
    await bindProject(dataDir, b)
    expect((await projectsUsingSharedServer(dataDir, 'srv', a.id)).map((p) => p.root)).toEqual([b.root])
    await rm(b.root, { recursive: true })
    expect(await projectsUsingSharedServer(dataDir, 'srv', a.id)).toEqual([])
  })

  it('a tenants.json the original cannot be read from still counts as the original (safe side)', async () => {
    const a = await project('a')
    await bindProject(dataDir, a)
    await cp(a.root, join(base, 'copy'), { recursive: true })
    await writeFile(projectLayout(a.root).tenantsFile, '{ not json')
    const copy = projectLayout(join(base, 'copy'))
    await expect(assertNotCopied(copy, dataDir)).rejects.toMatchObject({ code: 'PROJECT_COPIED' })
  })

  it('a project without tenants.json has no id yet: passes and writes no index', async () => {
    const root = join(base, 'fresh')
    await mkdir(join(root, '.systemprompt'), { recursive: true })
    expect(await projectIdentity(projectLayout(root), dataDir)).toEqual({
      projectId: undefined,
      copyOf: undefined,
    })
    await expect(stat(projectIndexFile(dataDir))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('a broken index is reported with its file and the fix', async () => {
    const a = await project('a')
    await mkdir(dataDir, { recursive: true })
    await writeFile(projectIndexFile(dataDir), '{"version": 1, "projects": [')
    await expect(assertNotCopied(projectLayout(a.root), dataDir)).rejects.toMatchObject({
      code: 'CONFIG_JSON_SYNTAX',
      file: projectIndexFile(dataDir),
      fix: expect.stringContaining('Delete'),
    })
    await writeFile(projectIndexFile(dataDir), '{"version": 1, "projects": [{"id": 7}]}')
    await expect(assertNotCopied(projectLayout(a.root), dataDir)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    })
  })

  it('a write drops the entries of directories that are gone', async () => {
    const a = await project('a')
    const b = await project('b')
    await bindProject(dataDir, a)
    await rm(a.root, { recursive: true })
    await bindProject(dataDir, b)
    const index = JSON.parse(await readFile(projectIndexFile(dataDir), 'utf8')) as {
      projects: { id: string }[]
    }
    expect(index.projects.map((p) => p.id)).toEqual([b.id])
  })

  // `db up` on a running server checks the index: the module must stay off the schemas (zod, yaml).
  it('imports only node builtins and our own light modules', async () => {
    const seen = new Set<string>()
    const bare = new Set<string>()
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return
      seen.add(file)
      const source = await readFile(file, 'utf8')
      for (const [, spec] of source.matchAll(/^(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        if (spec === undefined) continue
        if (spec.startsWith('.')) await visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
        else bare.add(spec)
      }
    }
    await visit(join(dirname(fileURLToPath(import.meta.url)), 'project-index.ts'))
    expect(seen.size).toBeGreaterThan(3)
    expect([...bare].filter((spec) => !spec.startsWith('node:'))).toEqual([])
  })
})
