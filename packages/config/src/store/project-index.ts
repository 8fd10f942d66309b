// The one owner of the per-user project index `<dataDir>/projects.json`: which project id lives in which
// directory, and which shared server each project uses. Many projects share one machine; this index is how
// a command learns who else is affected (the shared server's users) and whether this directory is a copy.
//
// Light on purpose (no zod, no yaml; part of `@systemprompt/config/core`): every command that changes a
// server or a tenant checks the index first, `db up` on a running server included, whose whole run is a
// measured fast path. The common check is a realpath and two small JSON reads; the index and tenants.json
// are checked by hand here, the full tenants.json validation stays with its store (store/tenants.ts).
import { readFile, realpath, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { errnoOf } from '../errno.js'
import { ErrorCode, type ErrorCodeName } from '../error-codes.js'
import { SystempromptError } from '../errors.js'
import { SECRET_DIR_MODE, SECRET_FILE_MODE, writeFileAtomic } from '../fs.js'
import { type ProjectLayout, projectLayout } from '../layout.js'
import { withFileLock } from '../lock.js'

export interface ProjectEntry {
  /** tenants.json `project_id`. */
  id: string
  /** Real path of the project root. */
  root: string
  /** Container name of the shared server the project uses (per instance), when it uses one. */
  shared_server?: string
  seen_at: string
}

interface ProjectIndex {
  version: 1
  projects: ProjectEntry[]
}

const MAX_PROJECTS = 100_000
const LOCK_TIMEOUT_MS = 30_000

/** Where the index lives (0600, beside the shared server's password directories). */
export function projectIndexFile(dataDir: string): string {
  return join(dataDir, 'projects.json')
}

function text(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max
}

function isEntry(value: unknown): value is ProjectEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const v = value as Record<string, unknown>
  return (
    text(v.id, 64) &&
    text(v.root, 4096) &&
    (v.shared_server === undefined || text(v.shared_server, 256)) &&
    typeof v.seen_at === 'string' &&
    v.seen_at.length <= 64
  )
}

function indexInvalid(file: string, code: ErrorCodeName, reason: string): SystempromptError {
  return new SystempromptError({
    code,
    category: 'user',
    file,
    message: `The project index ${file} is unusable: ${reason}`,
    fix: `Delete ${file}: it is rebuilt as projects run commands (until a project runs one, a copy of it is not recognised)`,
  })
}

/** The index (empty when the file does not exist); CONFIG_JSON_SYNTAX / CONFIG_INVALID when it is broken. */
async function readIndex(dataDir: string): Promise<ProjectIndex> {
  const file = projectIndexFile(dataDir)
  let raw: string
  try {
    raw = await readFile(file, 'utf8')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { version: 1, projects: [] }
    throw new SystempromptError({
      code: ErrorCode.CONFIG_UNREADABLE,
      category: 'user',
      file,
      message: `Cannot read the project index ${file} (${errnoOf(error) ?? String(error)})`,
      fix: `Check the permissions of ${file} (it should be yours, mode 0600)`,
    })
  }
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw indexInvalid(file, ErrorCode.CONFIG_JSON_SYNTAX, 'it is not valid JSON')
  }
  const v = value as Partial<ProjectIndex> | null
  if (typeof v !== 'object' || v === null || v.version !== 1 || !Array.isArray(v.projects))
    throw indexInvalid(file, ErrorCode.CONFIG_INVALID, 'expected {"version": 1, "projects": [...]}')
  if (v.projects.length > MAX_PROJECTS || !v.projects.every(isEntry))
    throw indexInvalid(file, ErrorCode.CONFIG_INVALID, 'an entry of "projects" is malformed')
  return { version: 1, projects: v.projects }
}

/**
 * The project id in a tenants.json, read without the schema: `missing` (no file), `unreadable` (there but
 * not JSON or without a text project_id) or the id.
 */
async function peekProjectId(
  tenantsFile: string,
): Promise<{ kind: 'missing' } | { kind: 'unreadable' } | { kind: 'id'; id: string }> {
  let raw: string
  try {
    raw = await readFile(tenantsFile, 'utf8')
  } catch (error) {
    const errno = errnoOf(error)
    return errno === 'ENOENT' || errno === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'unreadable' }
  }
  try {
    const id = (JSON.parse(raw) as { project_id?: unknown } | null)?.project_id
    return text(id, 64) ? { kind: 'id', id } : { kind: 'unreadable' }
  } catch {
    return { kind: 'unreadable' }
  }
}

/** `root` still holds project `id` (its tenants.json says so). */
async function holds(root: string, id: string): Promise<boolean> {
  const found = await peekProjectId(projectLayout(root).tenantsFile)
  // A tenants.json that cannot be read may still be that project: on the safe side, it counts.
  return found.kind === 'unreadable' || (found.kind === 'id' && found.id === id)
}

async function gone(root: string): Promise<boolean> {
  try {
    await stat(root)
    return false
  } catch (error) {
    return errnoOf(error) === 'ENOENT'
  }
}

async function realRoot(root: string): Promise<string> {
  return realpath(root).catch(() => root)
}

export interface BindProjectResult {
  /** Another existing directory holds the same project id: this one is a copy of it. */
  copyOf?: string
}

/**
 * Records that project `id` lives at `root` (and uses `sharedServer`, when given). Refuses to rebind an id
 * whose recorded directory still holds that id: then `root` is a copy (`cp -a`, a restored backup) and
 * `copyOf` names the original. A recorded directory that is gone or now holds another id is replaced (the
 * project moved). Writes only when something changed, so the common call costs one read; a write also drops
 * the entries of directories that no longer exist.
 */
export async function bindProject(
  dataDir: string,
  project: { id: string; root: string; sharedServer?: string },
): Promise<BindProjectResult> {
  const root = await realRoot(project.root)
  const current = await readIndex(dataDir)
  const same = current.projects.find((p) => p.id === project.id)
  if (
    same &&
    same.root === root &&
    (project.sharedServer === undefined || same.shared_server === project.sharedServer)
  )
    return {}
  const file = projectIndexFile(dataDir)
  return withFileLock(
    `${file}.lock`,
    async (): Promise<BindProjectResult> => {
      const { projects } = await readIndex(dataDir)
      const recorded = projects.find((p) => p.id === project.id)
      if (recorded && recorded.root !== root && (await holds(recorded.root, project.id)))
        return { copyOf: recorded.root }
      const entry: ProjectEntry = {
        id: project.id,
        root,
        ...(project.sharedServer !== undefined
          ? { shared_server: project.sharedServer }
          : recorded?.root === root && recorded.shared_server !== undefined
            ? { shared_server: recorded.shared_server }
            : {}),
        seen_at: new Date().toISOString(),
      }
      // One entry per id and per directory: a directory whose project got a new id keeps only the new one.
      const others: ProjectEntry[] = []
      for (const p of projects)
        if (p.id !== project.id && p.root !== root && !(await gone(p.root))) others.push(p)
      const next: ProjectIndex = { version: 1, projects: [...others, entry] }
      await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, {
        mode: SECRET_FILE_MODE,
        dirMode: SECRET_DIR_MODE,
      })
      return {}
    },
    { timeoutMs: LOCK_TIMEOUT_MS },
  )
}

/**
 * The projects that use the shared server `containerName` (from the index), each still present at its
 * recorded directory with the same id. `except` (a project id) is left out.
 */
export async function projectsUsingSharedServer(
  dataDir: string,
  containerName: string,
  except?: string,
): Promise<ProjectEntry[]> {
  const index = await readIndex(dataDir)
  const found: ProjectEntry[] = []
  for (const entry of index.projects) {
    if (entry.shared_server !== containerName || entry.id === except) continue
    if (await holds(entry.root, entry.id)) found.push(entry)
  }
  return found
}

/** The recorded directory of a project id, when it still holds that id. */
export async function projectRootOf(dataDir: string, id: string): Promise<string | undefined> {
  const entry = (await readIndex(dataDir)).projects.find((p) => p.id === id)
  if (!entry) return undefined
  return (await holds(entry.root, id)) ? entry.root : undefined
}

export interface ProjectIdentity {
  /** This project's id; undefined before it has one (no tenants.json yet). */
  projectId: string | undefined
  /** The directory that holds the same id, when this one is a copy of it. */
  copyOf: string | undefined
}

/**
 * Whether this project is a copy: its id bound in the index to another directory that still holds it. Binds
 * the project when it is new or moved (never a copy). A project without tenants.json has no id yet; one
 * whose tenants.json cannot be read is not judged here (its own store reports the file).
 */
export async function projectIdentity(layout: ProjectLayout, dataDir: string): Promise<ProjectIdentity> {
  const found = await peekProjectId(layout.tenantsFile)
  if (found.kind !== 'id') return { projectId: undefined, copyOf: undefined }
  const { copyOf } = await bindProject(dataDir, { id: found.id, root: layout.root })
  return { projectId: found.id, copyOf }
}

/**
 * Before anything that changes a server or a tenant: this project's id must not belong to another existing
 * directory. Binds the project when it is new or moved. Throws PROJECT_COPIED (conflict) with the fix for a
 * copy.
 */
export async function assertNotCopied(layout: ProjectLayout, dataDir: string): Promise<void> {
  const { projectId, copyOf } = await projectIdentity(layout, dataDir)
  if (projectId === undefined || copyOf === undefined) return
  throw projectCopiedError(layout, projectId, copyOf)
}

function projectCopiedError(layout: ProjectLayout, id: string, original: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.PROJECT_COPIED,
    category: 'conflict',
    file: layout.tenantsFile,
    message: `This project (${layout.root}) has the project id ${id} of ${original}: it is a copy (cp -a, a restored backup). Its tenants name that project's databases and servers, so commands that change tenants or servers are refused here`,
    fix: `Give this copy its own id with \`systemprompt config new-id\` (the copy then forgets the tenants it copied; ${original} keeps them), or remove the copy`,
    details: { projectId: id, original },
  })
}
