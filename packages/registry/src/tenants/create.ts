import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import {
  assertProfileName,
  assertTenantName,
  compareNames,
  ErrorCode,
  type ErrorCodeName,
  POSTGRES_URL_RULE,
  type ProjectLayout,
  patchTenantRecord,
  projectLayout,
  readProfile,
  readProfileSecrets,
  readSharedConfig,
  readTenantsFile,
  SystempromptError,
  type TenantRecord,
  type TenantsFile,
  tenantLockPath,
  updateTenantsFile,
  upsertSharedTenantDatabase,
  withFileLock,
  writeProfileFiles,
} from '@systemprompt/config'
import type { DockerfileModel } from '@systemprompt/dockerfile'
import { formatDatabaseUrl, type PgClient, parseDatabaseUrl, withClient } from '@systemprompt/pg'
import type { ServerSettings } from '@systemprompt/postgres'
import { tenantObjectName } from '../names.js'
import { createTenantDatabase, type TenantDatabaseNames } from '../server/tenant-db.js'
import { lazyServerProvider, withSharedAdmin } from './admin-access.js'
import { tenantExists, usage } from './errors.js'
import { type AdminServer, adminTarget, type ServerProvider, type ServerRequest } from './servers.js'

export type DatabaseKind = 'shared' | 'dedicated' | 'external'

/**
 * Named points of a create, in order. `onStep` is called when each is reached (tests stop the process there
 * to prove that an interruption at any point is repairable).
 */
export const CREATE_STEPS = [
  'validated',
  'server-ready',
  'record-pending',
  'database-created',
  'profile-written',
  'ready',
] as const
export type CreateStep = (typeof CREATE_STEPS)[number]

export interface CreateTenantOptions {
  root: string
  name: string
  database: DatabaseKind
  /** Dedicated: host port (default: first free from 5433, chosen by the runner). */
  port?: number
  /** External: postgres:// URL, checked by connecting. */
  databaseUrl?: string
  /** Profile that receives DATABASE_URL; default the tenant name. */
  profile?: string
  /** Machine and profile settings of the servers (the CLI passes them); the default provider needs them. */
  server?: ServerSettings
  timeoutMs?: number
  servers?: ServerProvider
  onProgress?: (message: string) => void
  onStep?: (step: CreateStep) => void | Promise<void>
}

export interface CreateTenantResult {
  tenant: TenantRecord
  profile: string
  /** Full DATABASE_URL (with password): callers must mask it before showing it. */
  databaseUrl: string
  /** True when an interrupted create of the same name was completed. */
  resumed: boolean
}

const EXTERNAL_CHECK_TIMEOUT_MS = 5000

/** Where the tenant's database goes: decided from the request alone, before anything is read or written. */
type CreateTarget =
  | { kind: 'external'; url: string }
  | { kind: 'shared' }
  | { kind: 'dedicated'; port: number | undefined }

export interface CreatePlan {
  profile: string
  target: CreateTarget
}

type CreateRequest = Pick<CreateTenantOptions, 'name' | 'database' | 'port' | 'databaseUrl' | 'profile'>

/** Validates everything that needs no I/O (so a bad request writes nothing) and says where the database goes. */
export function planCreate(options: CreateRequest): CreatePlan {
  assertTenantName(options.name)
  const profile = options.profile ?? options.name
  assertProfileName(profile)
  if (!['shared', 'dedicated', 'external'].includes(options.database)) {
    throw usage(
      `Unknown database kind ${JSON.stringify(options.database)}`,
      'Use --database shared, dedicated or external',
    )
  }
  if (options.port !== undefined && options.database !== 'dedicated') {
    throw usage('--port applies to --database dedicated only', 'Drop --port, or use --database dedicated')
  }
  if (
    options.port !== undefined &&
    (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)
  ) {
    throw usage(`Invalid port ${options.port}`, 'Use a port between 1 and 65535')
  }
  if (options.database === 'external') return { profile, target: externalTarget(options.databaseUrl) }
  if (options.databaseUrl !== undefined) {
    throw usage(
      '--database-url applies to --database external only',
      'Drop --database-url, or use --database external',
    )
  }
  return {
    profile,
    target: options.database === 'shared' ? { kind: 'shared' } : { kind: 'dedicated', port: options.port },
  }
}

function externalTarget(url: string | undefined): CreateTarget {
  if (!url) {
    throw usage(
      '--database external needs --database-url',
      'Pass --database-url postgres://user:password@host:port/db',
    )
  }
  try {
    parseDatabaseUrl(url, '--database-url')
  } catch (error) {
    // The rule it breaks, never the URL (it holds a password).
    throw new SystempromptError({
      code: ErrorCode.DATABASE_URL_INVALID,
      category: 'user',
      message: error instanceof Error ? error.message : '--database-url is invalid',
      fix: `Pass --database-url ${POSTGRES_URL_RULE}`,
    })
  }
  return { kind: 'external', url }
}

/**
 * What tenants.json says against this create: a ready tenant of that name, a half-deleted one, or an
 * interrupted create of another kind refuse it; a pending record of the same kind is resumed (undefined).
 */
export function existingRefusal(
  existing: TenantRecord | undefined,
  name: string,
  database: DatabaseKind,
): SystempromptError | undefined {
  if (existing?.state === 'ready') return tenantExists(name)
  if (existing?.state === 'deleting') {
    return new SystempromptError({
      code: 'TENANT_BUSY',
      category: 'conflict',
      message: `Tenant ${JSON.stringify(name)} is half deleted (an earlier delete was interrupted)`,
      fix: `Finish it with \`systemprompt cloud tenant delete ${name} --yes\` or \`systemprompt db doctor --fix --yes\``,
    })
  }
  if (existing && existing.database !== database) {
    return new SystempromptError({
      code: ErrorCode.TENANT_EXISTS,
      category: 'conflict',
      message: `An interrupted create of ${JSON.stringify(name)} used --database ${existing.database}`,
      fix: `Resume it with --database ${existing.database}, or clean it up with \`systemprompt db doctor --fix\``,
    })
  }
  return undefined
}

/** The profile exists and belongs to another tenant (or to none): refused. */
export function profileRefusal(
  owner: { tenant?: string | undefined } | undefined,
  name: string,
  profile: string,
  file: string,
): SystempromptError | undefined {
  if (!owner || owner.tenant === name) return undefined
  return new SystempromptError({
    code: ErrorCode.PROFILE_EXISTS,
    category: 'conflict',
    file,
    message: `Profile ${JSON.stringify(profile)} already exists${owner.tenant ? ` for tenant ${JSON.stringify(owner.tenant)}` : ''}`,
    fix: 'Pass --profile with another name, or delete it with `systemprompt cloud profile delete`',
  })
}

/** What every case of a create works with (inside the tenant's lock). */
interface CreateJob {
  layout: ProjectLayout
  options: CreateTenantOptions
  profile: string
  /** An interrupted create of the same name is being completed. */
  resumed: boolean
  /** The record's created_at: kept from the interrupted create. */
  createdAt: string
  now: string
  servers: () => Promise<ServerProvider>
  step: (step: CreateStep) => Promise<void>
  /** What the profile's Dockerfile, Dockerfile.dockerignore and entrypoint.sh are generated from. */
  docker: DockerfileModel
}

/** What a case leaves behind: the pending record and the URL of a database that exists. */
interface MadeDatabase {
  record: TenantRecord
  databaseUrl: string
}

/**
 * Creates a tenant: its database (shared or dedicated server: a login role with a random password owning a
 * database closed to PUBLIC; external: a URL checked by connecting), its record in tenants.json (and
 * shared_config.json) written `pending` before the database exists and `ready` after, and its profile.
 * Creates of one name are serialised by a per-tenant lock; a pending record of the same name (an interrupted
 * create) is resumed.
 */
export async function createTenant(options: CreateTenantOptions): Promise<CreateTenantResult> {
  const plan = planCreate(options)
  const layout = projectLayout(options.root)
  const step = async (s: CreateStep): Promise<void> => {
    await options.onStep?.(s)
  }
  await step('validated')

  return withFileLock(
    tenantLockPath(layout, options.name),
    async () => {
      const file = await readTenantsFile(layout)
      const existing = file?.tenants.find((t) => t.name === options.name)
      const refused = existingRefusal(existing, options.name, options.database)
      if (refused) throw refused
      // Pre-flight: everything that can refuse this create runs before the first write or server call.
      await assertProfileWritable(layout, plan.profile)
      const owner = await readProfile(layout, plan.profile)
      const taken = profileRefusal(owner, options.name, plan.profile, layout.profileYaml(plan.profile))
      if (taken) throw taken
      // A resumed create keeps the profile's secrets: they must load now, not after the database exists.
      if (owner) await readProfileSecrets(layout, plan.profile)
      // shared_config.json gets the tenant's entry at the end: a broken one must refuse before the start.
      if (plan.target.kind === 'shared') await readSharedConfig(layout)
      // The profile's Docker files are written with it: their inputs must be good before anything exists.
      // The generator loads here, not with the package: listing or deleting tenants never needs it.
      const { profileDockerModel } = await import('@systemprompt/dockerfile')
      const docker = await profileDockerModel(layout, plan.profile, { settings: {} })
      const now = new Date().toISOString()
      const job: CreateJob = {
        layout,
        options,
        profile: plan.profile,
        resumed: existing !== undefined,
        createdAt: existing?.created_at ?? now,
        now,
        servers: lazyServerProvider(options.servers),
        step,
        docker,
      }
      return finishCreate(job, await makeDatabase(job, plan.target))
    },
    { timeoutMs: 120_000 },
  )
}

type PathKind = 'file' | 'dir' | 'missing' | 'other'

async function pathKind(path: string): Promise<PathKind> {
  try {
    const info = await stat(path)
    return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other'
  } catch {
    // ENOENT, or ENOTDIR below a file (reported for that file's own path)
    return 'missing'
  }
}

/**
 * The profile's files can be written where writeProfileFiles puts them: `profiles/` and `profiles/<name>/`
 * are directories (or do not exist yet), profile.yaml and secrets.json are files (or do not exist yet), and
 * the deepest existing directory is writable. Run before anything is created: a profile path that is a file
 * used to surface only after the database and the pending record existed.
 */
async function assertProfileWritable(layout: ProjectLayout, profile: string): Promise<void> {
  const refuse = (
    file: string,
    message: string,
    fix: string,
    code: ErrorCodeName = 'CONFIG_NOT_A_DIRECTORY',
  ) =>
    new SystempromptError({
      code,
      category: 'user',
      file,
      message: `${message}; nothing was created`,
      fix,
    })
  let writable = layout.dir
  for (const dir of [layout.profilesDir, layout.profileDir(profile)]) {
    const kind = await pathKind(dir)
    if (kind === 'missing') break
    if (kind !== 'dir')
      throw refuse(
        dir,
        `The profile ${JSON.stringify(profile)} cannot be written: ${dir} is a ${kind === 'file' ? 'file' : 'special file'}, not a directory`,
        `Move or remove ${dir}, or pass --profile with another name`,
      )
    writable = dir
  }
  for (const file of [layout.profileYaml(profile), layout.profileSecrets(profile)]) {
    const kind = await pathKind(file)
    if (kind === 'dir' || kind === 'other')
      throw refuse(
        file,
        `The profile ${JSON.stringify(profile)} cannot be written: ${file} is a ${kind === 'dir' ? 'directory' : 'special file'}, not a file`,
        `Move or remove ${file}, or pass --profile with another name`,
        'CONFIG_NOT_A_FILE',
      )
  }
  try {
    await access(writable, constants.W_OK | constants.X_OK)
  } catch {
    throw refuse(
      writable,
      `The profile ${JSON.stringify(profile)} cannot be written: ${writable} is not writable`,
      `Give your user write permission on ${writable}, or run as its owner`,
      'WRITE_FAILED',
    )
  }
}

function makeDatabase(job: CreateJob, target: CreateTarget): Promise<MadeDatabase> {
  switch (target.kind) {
    case 'external':
      return createExternal(job, target.url)
    case 'shared':
      return createShared(job)
    case 'dedicated':
      return createDedicated(job, target.port)
  }
}

/** External: the URL must log in before anything is recorded. */
async function createExternal(job: CreateJob, url: string): Promise<MadeDatabase> {
  job.options.onProgress?.('Checking the external database')
  await withClient(parseDatabaseUrl(url, '--database-url'), (c) => c.query('SELECT 1'), {
    timeoutMs: EXTERNAL_CHECK_TIMEOUT_MS,
    action: 'checking the external database URL',
    // A refused login is about the URL's user and password, not our admin role.
    login: 'url',
    unreachableFix:
      'Check the host and port in --database-url, and that the server accepts connections from here',
  })
  await job.step('server-ready')
  const record = await writePending(job, {})
  await job.step('record-pending')
  await job.step('database-created')
  return { record, databaseUrl: url }
}

/** Shared: the server first (it outlives every tenant), then the record, then the database. */
async function createShared(job: CreateJob): Promise<MadeDatabase> {
  const made = await withSharedAdmin(serverRequest(job), job.servers, async (client, server) => {
    await job.step('server-ready')
    // tenants.json is the trail; shared_config.json gets the entry once, when it is ready.
    const record = await writePending(job, {})
    await job.step('record-pending')
    return { record, databaseUrl: await createDatabase(job, record, server, client) }
  })
  await job.step('database-created')
  return made
}

/** Dedicated: record first, since starting the server creates a container, a volume and files worth a trail. */
async function createDedicated(job: CreateJob, port: number | undefined): Promise<MadeDatabase> {
  const name = job.options.name
  let record = await writePending(job, port === undefined ? {} : { port })
  await job.step('record-pending')
  const server = await (await job.servers()).dedicated({ ...serverRequest(job), tenant: name, port })
  if (record.port !== server.port)
    record = (await patchTenantRecord(job.layout, name, { port: server.port })) ?? record
  await job.step('server-ready')
  const databaseUrl = await createDatabase(job, record, server)
  await job.step('database-created')
  return { record, databaseUrl }
}

function serverRequest(job: CreateJob): ServerRequest {
  return {
    root: job.layout.root,
    server: job.options.server,
    timeoutMs: job.options.timeoutMs,
    onProgress: job.options.onProgress,
  }
}

/**
 * The tenant's role and database on a local server (shared or dedicated), through `client` or a new admin
 * connection; returns the DATABASE_URL that logs in as the role.
 */
async function createDatabase(
  job: CreateJob,
  record: TenantRecord,
  server: AdminServer,
  client?: PgClient,
): Promise<string> {
  const names = databaseNames(record)
  job.options.onProgress?.(`Creating database ${names.database}`)
  const made = client
    ? await createTenantDatabase(client, names)
    : await withClient(adminTarget(server), (c) => createTenantDatabase(c, names))
  return formatDatabaseUrl({
    host: '127.0.0.1',
    port: server.port,
    user: made.role,
    password: made.password,
    database: made.database,
  })
}

/** Role and database a pending record of a local server names (set by `pendingRecord`). */
function databaseNames(record: TenantRecord): TenantDatabaseNames {
  const { role_name: role, database_name: database } = record
  if (!role || !database) throw new Error(`unreachable: tenant record ${record.name} names no database`)
  return { role, database }
}

/** The record names the objects before they exist, so an interruption leaves a trail to resume or undo. */
async function writePending(job: CreateJob, extra: { port?: number }): Promise<TenantRecord> {
  const file = await updateTenantsFile(job.layout, (current) =>
    withRecord(current, pendingRecord(job, current.project_id, extra)),
  )
  return pendingRecord(job, file.project_id, extra)
}

/** The `pending` record of this create (pure: `writePending` writes it). */
export function pendingRecord(
  job: Pick<CreateJob, 'profile' | 'createdAt' | 'now'> & {
    options: Pick<CreateRequest, 'name' | 'database'>
  },
  projectId: string,
  extra: { port?: number },
): TenantRecord {
  const { name, database } = job.options
  const objectName = database === 'external' ? undefined : tenantObjectName(name, projectId)
  return {
    name,
    database,
    state: 'pending',
    ...(objectName ? { database_name: objectName, role_name: objectName } : {}),
    profile: job.profile,
    created_at: job.createdAt,
    updated_at: job.now,
    ...extra,
  }
}

function withRecord(current: TenantsFile, record: TenantRecord): TenantsFile {
  const others = current.tenants.filter((t) => t.name !== record.name)
  return { ...current, tenants: [...others, record].sort((a, b) => compareNames(a.name, b.name)) }
}

/** Every case ends here: the profile, then `ready` (and the shared server's entry), then the result. */
async function finishCreate(job: CreateJob, made: MadeDatabase): Promise<CreateTenantResult> {
  const { layout, options, profile } = job
  const { record, databaseUrl } = made
  await writeProfileFiles(layout, { name: profile, tenant: options.name, databaseUrl, keepSecrets: true })
  // Dockerfile last of the three: an interruption leaves a pending record (resumed or undone with the whole
  // profile directory by `db doctor --fix`); a resumed create keeps a Dockerfile edited by hand.
  const { writeProfileDockerFiles } = await import('@systemprompt/dockerfile')
  await writeProfileDockerFiles(layout, job.docker, { keepHandEdited: true })
  await job.step('profile-written')
  const ready = await patchTenantRecord(layout, options.name, { state: 'ready' })
  if (options.database === 'shared') {
    await upsertSharedTenantDatabase(layout, {
      tenant_id: record.name,
      database_name: databaseNames(record).database,
      role_name: record.role_name,
      state: 'ready',
      created_at: record.created_at,
    })
  }
  await job.step('ready')
  return { tenant: ready ?? { ...record, state: 'ready' }, profile, databaseUrl, resumed: job.resumed }
}
