// Who uses the machine-wide shared server: the one place that answers it. Two sources, because neither is
// complete on its own: the per-user project index (every project whose `db up` used the server, also those
// without tenants yet; but only in one data dir) and the server's own databases (tenant databases carry
// their project's id: `sp_<tenant>_<project id>`, whichever data dir that project ran with).
import { basename, dirname } from 'node:path'
import { DEFAULT_SHARED_PORT } from '@systemprompt/compose'
import {
  bindProject,
  compareNames,
  type ProjectEntry,
  type ProjectLayout,
  projectIdentity,
  projectIdOfObjectName,
  projectIndexFile,
  projectLayout,
  projectRootOf,
  projectsUsingSharedServer,
  readPasswordFile,
} from '@systemprompt/config/core'
import type { ContainerInfo } from '@systemprompt/engine'
import { publishedPort } from '../runner/ownership.js'
import { verifyLogin } from '../runner/probe.js'
import { engineFor, type ProjectServerOptions, resolveImage } from './context.js'
import { secretSource } from './shared-cases.js'
import { readSharedConfig } from './shared-config.js'
import { sharedSpec } from './shared-spec.js'

export interface SharedServerUser {
  /** The other project's id (tenants.json `project_id`). */
  id: string
  /** Its directory, from the per-user project index; undefined when no index knows it. */
  root?: string
  /** Its tenant databases found on the server (empty when none, or when they could not be listed). */
  databases: string[]
}

export interface SharedServerUsers {
  containerName: string
  /** The other projects that use the server; this project is never among them. */
  others: SharedServerUser[]
  /** The server's databases were listed (it runs and an admin password logged in). */
  databasesListed: boolean
  /** The container runs now. */
  running: boolean
}

/** What `findSharedServerUsers` works with; `ensureSharedServer` has all of it at hand already. */
export interface SharedUsersQuery {
  dataDir: string
  containerName: string
  /** This project's id, left out of the answer (undefined before the project has one). */
  projectId: string | undefined
  container: ContainerInfo | undefined
  adminUser: string
  database: string
  /** Admin passwords to try for listing the databases, best first (duplicates and blanks are skipped). */
  passwords: (string | undefined)[]
}

/**
 * The data directory a shared container's password file lives in, when it is not `dataDir`: its index
 * knows the projects that ran with that SYSTEMPROMPT_DATA_DIR. The file is `<dataDir>/<container>/shared.password`.
 */
function mountedDataDir(container: ContainerInfo | undefined, containerName: string, dataDir: string) {
  const source = container ? secretSource(container) : undefined
  if (!source || basename(dirname(source)) !== containerName) return undefined
  const other = dirname(dirname(source))
  return other === dataDir ? undefined : other
}

export async function findSharedServerUsers(query: SharedUsersQuery): Promise<SharedServerUsers> {
  const dataDirs = [query.dataDir]
  const other = mountedDataDir(query.container, query.containerName, query.dataDir)
  if (other) dataDirs.push(other)
  const indexed: ProjectEntry[] = []
  for (const dir of dataDirs) {
    const entries = await projectsUsingSharedServer(dir, query.containerName, query.projectId).catch(() => [])
    indexed.push(...entries)
  }
  const listed = await listTenantDatabases(query)
  const users = new Map<string, SharedServerUser>()
  for (const entry of indexed)
    if (!users.has(entry.id)) users.set(entry.id, { id: entry.id, root: entry.root, databases: [] })
  for (const name of listed ?? []) {
    const id = projectIdOfObjectName(name)
    if (id === undefined || id === query.projectId) continue
    let user = users.get(id)
    if (!user) {
      const root = await rootOf(dataDirs, id)
      user = { id, ...(root !== undefined ? { root } : {}), databases: [] }
      users.set(id, user)
    }
    user.databases.push(name)
  }
  return {
    containerName: query.containerName,
    others: [...users.values()].sort((a, b) => compareNames(a.id, b.id)),
    databasesListed: listed !== undefined,
    running: query.container?.State.Running === true,
  }
}

async function rootOf(dataDirs: string[], id: string): Promise<string | undefined> {
  for (const dir of dataDirs) {
    const root = await projectRootOf(dir, id).catch(() => undefined)
    if (root !== undefined) return root
  }
  return undefined
}

/** Every database of the running server, as the admin; undefined when it is not running or no password opens it. */
async function listTenantDatabases(query: SharedUsersQuery): Promise<string[] | undefined> {
  const port = publishedPort(query.container)
  if (!query.container?.State.Running || port === undefined) return undefined
  const login = { user: query.adminUser, database: query.database }
  let password: string | undefined
  for (const candidate of new Set(query.passwords.filter((p): p is string => Boolean(p)))) {
    if ((await verifyLogin(port, { ...login, password: candidate }, 3000)).kind === 'ok') {
      password = candidate
      break
    }
  }
  if (password === undefined) return undefined
  const { withClient } = await import('@systemprompt/pg')
  try {
    return await withClient({ host: '127.0.0.1', port, ...login, password }, async (client) => {
      const rows = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'sp\\_%' ORDER BY datname",
      )
      return rows.rows.map((row) => row.datname)
    })
  } catch {
    return undefined
  }
}

/**
 * `db down` and `db reset` of the shared server ask this first: which other projects use it (their
 * directories and tenant databases), so the CLI can name them and ask before it stops or wipes their data.
 */
export async function sharedServerUsers(options: ProjectServerOptions): Promise<SharedServerUsers> {
  const layout = projectLayout(options.root)
  const engine = await engineFor(options)
  const config = await readSharedConfig(layout)
  const names = sharedSpec(layout, options, {
    image: resolveImage(options.postgresImage, undefined, config?.image),
    port: config?.port ?? DEFAULT_SHARED_PORT,
  })
  const container = await engine.containers.inspect(names.containerName)
  const mounted = container ? secretSource(container) : undefined
  const { readTenantsFile } = await import('@systemprompt/config')
  const projectId = (await readTenantsFile(layout).catch(() => undefined))?.project_id
  return findSharedServerUsers({
    dataDir: options.dataDir,
    containerName: names.containerName,
    projectId,
    container,
    adminUser: names.adminUser,
    database: names.database,
    passwords: [
      config?.admin_password,
      await readPasswordFile(names.passwordFile),
      mounted ? await readPasswordFile(mounted) : undefined,
    ],
  })
}

/** One line per project for messages and prompts: its directory (or that it is unknown) and its databases. */
export function describeSharedServerUsers(users: SharedServerUser[]): string {
  return users
    .map((user) => {
      const where = user.root ?? '(directory unknown)'
      const databases = user.databases.length > 0 ? `: databases ${user.databases.join(', ')}` : ''
      return `project ${user.id} ${where}${databases}`
    })
    .join('; ')
}

/**
 * Records in the per-user index that this project uses the shared server `containerName`; `ensureSharedServer`
 * calls it after every success (the fast path too: the index is light). A project without an id gets one
 * (tenants.json). Bookkeeping only: a broken index gives a warning (returned), never a failed `db up`.
 */
export async function recordSharedUser(
  layout: ProjectLayout,
  dataDir: string,
  containerName: string,
): Promise<string | undefined> {
  try {
    const id =
      (await projectIdentity(layout, dataDir)).projectId ??
      (await (await import('@systemprompt/config')).ensureProjectId(layout))
    await bindProject(dataDir, { id, root: layout.root, sharedServer: containerName })
    return undefined
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return `This project could not be recorded as a user of the shared server in ${projectIndexFile(dataDir)}: ${reason}`
  }
}
