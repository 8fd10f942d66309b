import {
  assertProfileName,
  assertTenantName,
  ErrorCode,
  projectLayout,
  SystempromptError,
  type TenantRecord,
  withFileLock,
} from '@systemprompt/config'
import { formatDatabaseUrl, parseDatabaseUrl, withClient } from '@systemprompt/pg'
import { tenantObjectName } from '../names.js'
import { readProfileIfExists, writeProfileFiles } from '../profiles/profile-files.js'
import { createTenantDatabase } from '../server/tenant-db.js'
import { upsertSharedTenantDatabase } from '../store/shared-config-file.js'
import {
  patchTenantRecord,
  readTenantsFile,
  tenantLockPath,
  updateTenantsFile,
} from '../store/tenants-file.js'
import { tenantExists, usage } from './errors.js'
import { adminTarget, defaultServerProvider, type ServerProvider, withSharedAdmin } from './servers.js'

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
  env?: NodeJS.ProcessEnv
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

/** Validates everything that needs no I/O, so a bad request writes nothing. */
function validate(options: CreateTenantOptions): { profile: string } {
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
  if (options.database === 'external') {
    if (!options.databaseUrl) {
      throw usage(
        '--database external needs --database-url',
        'Pass --database-url postgres://user:password@host:port/db',
      )
    }
    try {
      parseDatabaseUrl(options.databaseUrl)
    } catch {
      throw new SystempromptError({
        code: ErrorCode.CONFIG_INVALID,
        category: 'user',
        message: 'The database URL is not a valid postgres:// URL',
        fix: 'Pass --database-url postgres://user:password@host:port/db',
      })
    }
  } else if (options.databaseUrl !== undefined) {
    throw usage(
      '--database-url applies to --database external only',
      'Drop --database-url, or use --database external',
    )
  }
  return { profile }
}

/**
 * Creates a tenant: its database (shared or dedicated server: a login role with a random password owning a
 * database closed to PUBLIC; external: a URL checked by connecting), its record in tenants.json (and
 * shared_config.json) written `pending` before the database exists and `ready` after, and its profile.
 * Creates of one name are serialised by a per-tenant lock; a pending record of the same name (an interrupted
 * create) is resumed.
 */
export async function createTenant(options: CreateTenantOptions): Promise<CreateTenantResult> {
  const { profile } = validate(options)
  const layout = projectLayout(options.root)
  const env = options.env ?? process.env
  const step = async (s: CreateStep): Promise<void> => {
    await options.onStep?.(s)
  }
  await step('validated')

  return withFileLock(
    tenantLockPath(layout, options.name),
    async () => {
      const file = await readTenantsFile(layout)
      const existing = file?.tenants.find((t) => t.name === options.name)
      if (existing?.state === 'ready') throw tenantExists(options.name)
      if (existing?.state === 'deleting') {
        throw new SystempromptError({
          code: 'TENANT_BUSY',
          category: 'conflict',
          message: `Tenant ${JSON.stringify(options.name)} is half deleted (an earlier delete was interrupted)`,
          fix: `Finish it with \`systemprompt cloud tenant delete ${options.name} --yes\` or \`systemprompt db doctor --fix\``,
        })
      }
      if (existing && existing.database !== options.database) {
        throw new SystempromptError({
          code: ErrorCode.TENANT_EXISTS,
          category: 'conflict',
          message: `An interrupted create of ${JSON.stringify(options.name)} used --database ${existing.database}`,
          fix: `Resume it with --database ${existing.database}, or clean it up with \`systemprompt db doctor --fix\``,
        })
      }
      const owner = await readProfileIfExists(layout, profile)
      if (owner && owner.tenant !== options.name) {
        throw new SystempromptError({
          code: ErrorCode.PROFILE_EXISTS,
          category: 'conflict',
          file: layout.profileYaml(profile),
          message: `Profile ${JSON.stringify(profile)} already exists${owner.tenant ? ` for tenant ${JSON.stringify(owner.tenant)}` : ''}`,
          fix: 'Pass --profile with another name, or delete it with `systemprompt cloud profile delete`',
        })
      }
      const resumed = existing !== undefined
      let servers = options.servers
      // Loaded only when needed: the compose provider pulls in the engine adapter (dockerode).
      const provider = async (): Promise<ServerProvider> => {
        servers ??= await defaultServerProvider()
        return servers
      }
      const now = new Date().toISOString()

      // The record names the objects before they exist, so an interruption leaves a trail to resume or undo.
      const writePending = async (extra: Partial<TenantRecord>): Promise<TenantRecord> => {
        let record: TenantRecord | undefined
        await updateTenantsFile(layout, (current) => {
          const objectName =
            options.database === 'external' ? undefined : tenantObjectName(options.name, current.project_id)
          record = {
            name: options.name,
            database: options.database,
            state: 'pending',
            ...(objectName ? { database_name: objectName, role_name: objectName } : {}),
            profile,
            created_at: existing?.created_at ?? now,
            updated_at: now,
            ...extra,
          }
          const others = current.tenants.filter((t) => t.name !== options.name)
          return { ...current, tenants: [...others, record].sort((a, b) => a.name.localeCompare(b.name)) }
        })
        if (!record) throw new Error('unreachable: record not written')
        return record
      }

      let databaseUrl: string
      // Assigned in every branch before use (inside the shared branch's callback, which TS cannot see).
      let record = undefined as unknown as TenantRecord
      if (options.database === 'external') {
        const url = options.databaseUrl as string
        options.onProgress?.('Checking the external database')
        await withClient(parseDatabaseUrl(url), (c) => c.query('SELECT 1'), {
          timeoutMs: EXTERNAL_CHECK_TIMEOUT_MS,
          action: 'checking the external database URL',
          unreachableFix:
            'Check the host and port in --database-url, and that the server accepts connections from here',
        })
        await step('server-ready')
        record = await writePending({})
        await step('record-pending')
        databaseUrl = url
        await step('database-created')
      } else if (options.database === 'shared') {
        const request = {
          root: layout.root,
          env,
          timeoutMs: options.timeoutMs,
          onProgress: options.onProgress,
        }
        databaseUrl = await withSharedAdmin(request, provider, async (client, server) => {
          await step('server-ready')
          // tenants.json is the trail; shared_config.json gets the entry once, when it is ready.
          record = await writePending({})
          await step('record-pending')
          options.onProgress?.(`Creating database ${record.database_name}`)
          const made = await createTenantDatabase(client, {
            role: record.role_name as string,
            database: record.database_name as string,
          })
          return formatDatabaseUrl({
            host: '127.0.0.1',
            port: server.port,
            user: made.role,
            password: made.password,
            database: made.database,
          })
        })
        await step('database-created')
      } else {
        // Record first: starting a dedicated server creates a container, a volume and files worth a trail.
        record = await writePending(options.port === undefined ? {} : { port: options.port })
        await step('record-pending')
        const server = await (await provider()).dedicated({
          root: layout.root,
          env,
          tenant: options.name,
          port: options.port,
          timeoutMs: options.timeoutMs,
          onProgress: options.onProgress,
        })
        if (record.port !== server.port)
          record = (await patchTenantRecord(layout, options.name, { port: server.port })) ?? record
        await step('server-ready')
        options.onProgress?.(`Creating database ${record.database_name}`)
        const made = await withClient(adminTarget(server), (c) =>
          createTenantDatabase(c, {
            role: record.role_name as string,
            database: record.database_name as string,
          }),
        )
        databaseUrl = formatDatabaseUrl({
          host: '127.0.0.1',
          port: server.port,
          user: made.role,
          password: made.password,
          database: made.database,
        })
        await step('database-created')
      }

      await writeProfileFiles(layout, { name: profile, tenant: options.name, databaseUrl, keepSecrets: true })
      await step('profile-written')

      const ready = await patchTenantRecord(layout, options.name, { state: 'ready' })
      if (options.database === 'shared') {
        await upsertSharedTenantDatabase(layout, {
          tenant_id: record.name,
          database_name: record.database_name as string,
          role_name: record.role_name,
          state: 'ready',
          created_at: record.created_at,
        })
      }
      await step('ready')
      return { tenant: ready ?? { ...record, state: 'ready' }, profile, databaseUrl, resumed }
    },
    { timeoutMs: 120_000 },
  )
}
