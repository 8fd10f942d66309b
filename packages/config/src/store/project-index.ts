// The one owner of the per-user project index `<dataDir>/projects.json`: which project id lives in which
// directory, and which shared server each project uses. Many projects share one machine; this index is how
// a command learns who else is affected (the shared server's users) and whether this directory is a copy.
import { realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { SystempromptError } from '../errors.js'
import { type ProjectLayout, projectLayout } from '../layout.js'
import { readOptionalJsonFile } from '../load.js'
import { updateJsonFile } from '../update-json.js'
import { readTenantsFile } from './tenants.js'

const ProjectEntrySchema = z.object({
  /** tenants.json `project_id`. */
  id: z.string().min(1).max(64),
  /** Real path of the project root. */
  root: z.string().min(1).max(4096),
  /** Container name of the shared server the project uses (per instance), when it uses one. */
  shared_server: z.string().min(1).max(256).optional(),
  seen_at: z.string().max(64),
})

const ProjectIndexSchema = z.object({
  version: z.literal(1),
  projects: z.array(ProjectEntrySchema).max(100_000),
})

export type ProjectEntry = z.infer<typeof ProjectEntrySchema>
type ProjectIndex = z.infer<typeof ProjectIndexSchema>

/** Where the index lives (0600, beside the shared server's password directories). */
export function projectIndexFile(dataDir: string): string {
  return join(dataDir, 'projects.json')
}

async function readIndex(dataDir: string): Promise<ProjectIndex> {
  return (
    (await readOptionalJsonFile(projectIndexFile(dataDir), ProjectIndexSchema)) ?? {
      version: 1,
      projects: [],
    }
  )
}

/** `root` still holds project `id` (its tenants.json says so). */
async function holds(root: string, id: string): Promise<boolean> {
  try {
    return (await readTenantsFile(projectLayout(root)))?.project_id === id
  } catch (error) {
    // A tenants.json that does not parse may still be that project: on the safe side, it counts.
    return error instanceof SystempromptError
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
 * project moved). Writes only when something changed, so the common call costs one read.
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
  let copyOf: string | undefined
  await updateJsonFile(
    projectIndexFile(dataDir),
    ProjectIndexSchema,
    async (index): Promise<ProjectIndex> => {
      const projects = index?.projects ?? []
      const recorded = projects.find((p) => p.id === project.id)
      if (recorded && recorded.root !== root && (await holds(recorded.root, project.id))) {
        copyOf = recorded.root
        return index ?? { version: 1 as const, projects }
      }
      const entry: ProjectEntry = {
        id: project.id,
        root,
        seen_at: new Date().toISOString(),
        ...(project.sharedServer !== undefined
          ? { shared_server: project.sharedServer }
          : recorded?.root === root && recorded.shared_server !== undefined
            ? { shared_server: recorded.shared_server }
            : {}),
      }
      // One entry per id and per directory: a directory whose project got a new id keeps only the new one.
      const others = projects.filter((p) => p.id !== project.id && p.root !== root)
      return { version: 1 as const, projects: [...others, entry] }
    },
    { lockPath: `${projectIndexFile(dataDir)}.lock`, timeoutMs: 30_000 },
  )
  return copyOf === undefined ? {} : { copyOf }
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

/**
 * Before anything destructive: this project's id must not belong to another existing directory. Binds the
 * project when it is new or moved. Throws PROJECT_COPIED (conflict) with the fix for a copy. A project
 * without tenants.json has no id yet and passes.
 */
export async function assertNotCopied(layout: ProjectLayout, dataDir: string): Promise<void> {
  const id = (await readTenantsFile(layout))?.project_id
  if (id === undefined) return
  const { copyOf } = await bindProject(dataDir, { id, root: layout.root })
  if (copyOf === undefined) return
  throw projectCopiedError(layout, id, copyOf)
}

function projectCopiedError(layout: ProjectLayout, id: string, original: string): SystempromptError {
  return new SystempromptError({
    code: 'PROJECT_COPIED',
    category: 'conflict',
    file: layout.tenantsFile,
    message: `This project (${layout.root}) has the project id ${id} of ${original}: it is a copy (cp -a, a restored backup). Its tenants name that project's databases and servers, so nothing destructive runs here`,
    fix: `Give this copy its own id with \`systemprompt config new-id\` (the copy then forgets the tenants it copied; ${original} keeps them), or remove the copy`,
    details: { projectId: id, original },
  })
}
