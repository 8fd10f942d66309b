// `config new-id`: a copied project (cp -a, a restored backup) gets a project id of its own. The copied
// records of its shared and dedicated tenants name the original's databases, roles and containers (the id is
// in every name), so the copy forgets them; no server, container or database is ever touched.
import { mkdir, readdir, rename } from 'node:fs/promises'
import { basename, join } from 'node:path'
import {
  bindProject,
  ErrorCode,
  isValidProfileName,
  newProjectId,
  type ProjectLayout,
  pathExists,
  projectIdentity,
  projectLayout,
  readProfileSecrets,
  readTenantsFile,
  SECRET_DIR_MODE,
  SystempromptError,
  setProfileDatabaseUrl,
  type TenantRecord,
  updateSharedTenantDatabases,
  updateTenantsFile,
} from '@systemprompt/config'

export interface NewProjectIdOptions {
  root: string
  /** The per-user data directory (its projects.json says which directory holds which id). */
  dataDir: string
  /** Also in a directory that is not a copy (its tenants are forgotten all the same). */
  force?: boolean
}

interface ForgottenTenant {
  name: string
  database: 'shared' | 'dedicated'
  /** Its database (shared) on the original's server: it stays there, the original's. */
  databaseName: string | undefined
  profile: string
}

export interface NewProjectIdPlan {
  root: string
  /** The id now (undefined before the project has one). */
  projectId: string | undefined
  /** The directory that holds the same id (undefined: not a copy, `force` given). */
  copyOf: string | undefined
  /** Shared and dedicated tenants: their records go. */
  forget: ForgottenTenant[]
  /** External tenants: their URL does not depend on the id, they stay. */
  keep: string[]
}

export interface NewProjectIdResult {
  root: string
  previousId: string | undefined
  projectId: string
  copyOf: string | undefined
  forgotten: ForgottenTenant[]
  kept: string[]
  /** Profiles whose DATABASE_URL lost its password (it opened the original's database). */
  clearedProfiles: string[]
  /**
   * Compose and password files of forgotten dedicated tenants, moved out of the way into
   * `.systemprompt/docker/.forgotten-<old id>/` (0700): never deleted, since with --force (or a wrongly
   * judged copy) they may be the only record of a running server's admin password.
   */
  movedFiles: { from: string; to: string }[]
  /** What could not be done (a profile whose secrets.json does not validate keeps its URL). */
  warnings: string[]
}

/** What `renewProjectId` would forget; PROJECT_NOT_A_COPY when the directory is not a copy (unless `force`). */
export async function planNewProjectId(options: NewProjectIdOptions): Promise<NewProjectIdPlan> {
  const layout = projectLayout(options.root)
  const { projectId, copyOf } = await projectIdentity(layout, options.dataDir)
  if (copyOf === undefined && !options.force) throw notACopy(layout, projectId)
  const tenants = (await readTenantsFile(layout))?.tenants ?? []
  return {
    root: layout.root,
    projectId,
    copyOf,
    forget: tenants.filter(isLocal).map(forgotten),
    keep: tenants.filter((t) => !isLocal(t)).map((t) => t.name),
  }
}

/**
 * Gives this project a fresh id (under tenants.json's lock) and forgets its shared and dedicated tenants:
 * their records in tenants.json and shared_config.json, the compose and password files of dedicated ones,
 * and the password in the DATABASE_URL of their profiles (and of any other profile logging in as their
 * role). External tenants stay. Then binds the directory to the new id in the project index. Refuses with
 * PROJECT_NOT_A_COPY in a directory whose id no other directory holds, unless `force`. Safe to run again
 * after an interruption: the id changes last, in the same write that drops the records.
 */
export async function renewProjectId(options: NewProjectIdOptions): Promise<NewProjectIdResult> {
  const layout = projectLayout(options.root)
  const { projectId: previousId, copyOf } = await projectIdentity(layout, options.dataDir)
  if (copyOf === undefined && !options.force) throw notACopy(layout, previousId)
  let projectId = newProjectId()
  while (projectId === previousId) projectId = newProjectId()
  const result: NewProjectIdResult = {
    root: layout.root,
    previousId,
    projectId,
    copyOf,
    forgotten: [],
    kept: [],
    clearedProfiles: [],
    movedFiles: [],
    warnings: [],
  }
  await updateTenantsFile(layout, async (current) => {
    const forget = current.tenants.filter(isLocal)
    const keep = current.tenants.filter((t) => !isLocal(t))
    const kept = new Set(keep.map((t) => t.name))
    // Every tenant database entry of the copy names a database of the old id: only kept tenants' stay.
    await updateSharedTenantDatabases(layout, (entries) => entries.filter((e) => kept.has(e.tenant_id)))
    const aside = join(layout.dockerDir, `.forgotten-${current.project_id}`)
    for (const record of forget) {
      for (const file of [layout.tenantCompose(record.name), layout.tenantPasswordFile(record.name)]) {
        if (!(await pathExists(file))) continue
        await mkdir(aside, { recursive: true, mode: SECRET_DIR_MODE })
        const to = join(aside, basename(file))
        await rename(file, to)
        result.movedFiles.push({ from: file, to })
      }
    }
    await clearPasswords(layout, forget, new Set(keep.map((t) => t.profile)), result)
    result.forgotten = forget.map(forgotten)
    result.kept = keep.map((t) => t.name)
    return { ...current, project_id: projectId, tenants: keep }
  })
  await bindProject(options.dataDir, { id: projectId, root: layout.root })
  return result
}

function isLocal(record: TenantRecord): boolean {
  return record.database !== 'external'
}

function forgotten(record: TenantRecord): ForgottenTenant {
  return {
    name: record.name,
    database: record.database as 'shared' | 'dedicated',
    databaseName: record.database_name,
    profile: record.profile,
  }
}

/**
 * Drops the password from the DATABASE_URL of the forgotten tenants' profiles and of any other profile that
 * logs in as one of their roles (`cloud profile create --tenant` copies the URL); kept tenants' profiles are
 * left alone. The URL stays (it validates and shows what it was), but opens nothing.
 */
async function clearPasswords(
  layout: ProjectLayout,
  forget: TenantRecord[],
  keptProfiles: Set<string>,
  result: NewProjectIdResult,
): Promise<void> {
  const profiles = new Set(forget.map((t) => t.profile))
  const roles = new Set(forget.flatMap((t) => (t.role_name === undefined ? [] : [t.role_name])))
  if (profiles.size === 0) return
  const names = await readdir(layout.profilesDir).catch(() => [] as string[])
  for (const name of names.sort()) {
    if (!isValidProfileName(name) || keptProfiles.has(name)) continue
    let url: URL
    let internal: URL | undefined
    try {
      const secrets = await readProfileSecrets(layout, name)
      if (!secrets) continue
      url = new URL(secrets.database_url)
      internal = secrets.internal_database_url ? new URL(secrets.internal_database_url) : undefined
    } catch (error) {
      if (profiles.has(name))
        result.warnings.push(
          `Profile ${name}: ${error instanceof Error ? error.message : String(error)}; remove the password from its database_url by hand`,
        )
      continue
    }
    if (!profiles.has(name) && !roles.has(decodeURIComponent(url.username))) continue
    // The in-container URL of the same role opens the original's database just as well.
    const cleared = [
      ...(url.password !== '' ? [{ key: 'database_url' as const, url }] : []),
      ...(internal && internal.password !== ''
        ? [{ key: 'internal_database_url' as const, url: internal }]
        : []),
    ]
    if (cleared.length === 0) continue
    for (const entry of cleared) {
      entry.url.password = ''
      await setProfileDatabaseUrl(layout, name, entry.url.toString(), entry.key)
    }
    result.clearedProfiles.push(name)
  }
}

function notACopy(layout: ProjectLayout, id: string | undefined): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.PROJECT_NOT_A_COPY,
    category: 'user',
    file: layout.tenantsFile,
    message:
      id === undefined
        ? `${layout.root} has no project id yet (no tenants.json): it is not a copy, nothing to renew`
        : `${layout.root} is not a copy: no other directory holds its project id ${id}`,
    fix: 'Nothing to do. `systemprompt config new-id --force` renews the id anyway: the project then forgets its shared and dedicated tenants, whose databases and servers stay under the old id, owned by no project (delete them first with `systemprompt cloud tenant delete`)',
    ...(id === undefined ? {} : { details: { projectId: id } }),
  })
}
