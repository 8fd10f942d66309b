import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import {
  DEFAULT_DEDICATED_PORT,
  dedicatedServerSpec,
  parseComposeFile,
  SECRET_MOUNT_PATH,
} from '@systemprompt/compose'
import type { TenantRecord } from '@systemprompt/config'
import {
  assertTenantName,
  type ProjectLayout,
  projectLayout,
  readPasswordFile,
  SystempromptError,
  withFileLock,
} from '@systemprompt/config/core'
import type { Engine } from '@systemprompt/engine'
import { publishedPort } from '../runner/ownership.js'
import { suggestFreePort } from '../runner/ports.js'
import type { RunnerProgress } from '../runner/progress.js'
import { DEFAULT_READY_TIMEOUT_MS, upServer, volumeOrphanedError } from '../runner/up.js'
import { engineFor, resolveImage, type ServerEnvironment, withInstance } from './context.js'
import { commitServer, planServer } from './declare.js'
import { ensurePasswordFile, newPassword } from './passwords.js'
import { type EnsureServerResult, serverResult } from './server-result.js'

export interface EnsureTenantServerOptions extends Omit<ServerEnvironment, 'dataDir'> {
  /**
   * Host port; default: the one in docker/<tenant>.yaml, else the tenant record's, else the first free from
   * `portStart`.
   */
  port?: number
  /** Where the search for a free port starts (the profile's docker.dedicated_port_start); default 5433. */
  portStart?: number
  /** Image asked for by the profile's docker settings (`postgresImage` still wins). */
  image?: string
  timeoutMs?: number
  onProgress?: RunnerProgress
  resetVolume?: boolean
}

/**
 * `db up --tenant T`: the tenant's dedicated server, declared in docker/<tenant>.yaml with its own admin
 * password in docker/.secrets/<tenant>.password (generated once, kept). Same realisation as the shared one.
 * Only for a tenant recorded in tenants.json with `database: dedicated` (in any state: `cloud tenant
 * create` records it `pending` before it starts the server). Nothing is written when it refuses, and a
 * first attempt that fails before any volume exists leaves no files behind.
 */
export async function ensureTenantServer(
  root: string,
  tenant: string,
  options: EnsureTenantServerOptions = {},
): Promise<EnsureServerResult> {
  const started = Date.now()
  assertTenantName(tenant)
  const layout = projectLayout(root)
  const record = await requireDedicatedTenant(layout, tenant)
  const engine = await engineFor(options)
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  return withFileLock(
    join(layout.locksDir, `tenant-server-${tenant}.lock`),
    () => ensureLocked(engine, layout, tenant, record, options, timeoutMs, started),
    { timeoutMs: timeoutMs + 30_000 },
  )
}

async function ensureLocked(
  engine: Engine,
  layout: ProjectLayout,
  tenant: string,
  record: TenantRecord,
  options: EnsureTenantServerOptions,
  timeoutMs: number,
  started: number,
): Promise<EnsureServerResult> {
  const warnings: string[] = []
  const composeFile = layout.tenantCompose(tenant)
  const passwordFile = layout.tenantPasswordFile(tenant)
  const existingFile = await readDeclared(composeFile)
  const existingPassword = await readPasswordFile(passwordFile)
  const names = tenantSpec(layout.dockerDir, tenant, options, {
    image: resolveImage(options.postgresImage, options.image, existingFile?.image),
    port: DEFAULT_DEDICATED_PORT,
  })
  const container = await engine.containers.inspect(names.containerName)
  if (
    container &&
    container.Mounts.find((m) => m.Destination === SECRET_MOUNT_PATH)?.Source !== passwordFile
  ) {
    // Same tenant name in another project: its server, its password. Never take it over.
    throw new SystempromptError({
      code: 'SERVER_OWNED_ELSEWHERE',
      category: 'conflict',
      message: `Container ${names.containerName} already exists and belongs to another project (its password file is not ${passwordFile})`,
      fix: `Use another tenant name, or remove that project's server first (\`docker rm -f ${names.containerName}\` stops it; the data stays in its volume)`,
      details: { container: names.containerName },
    })
  }
  const port =
    options.port ??
    existingFile?.port ??
    record.port ??
    publishedPort(container) ??
    (await suggestFreePort(
      engine,
      options.portStart ?? DEFAULT_DEDICATED_PORT,
      await portsOfOtherTenants(layout.dockerDir, tenant),
    ))
  const desired = { ...names, port }
  const known = Boolean(existingFile) || existingPassword !== undefined
  if (!container && !known) {
    const volume = await engine.volumes.inspect(desired.volumeName)
    if (volume && !options.resetVolume) throw volumeOrphanedError(desired, volume)
  }
  const plan = await planServer(composeFile, desired, { port: options.port })
  if (plan.handEdited) warnings.push(`${composeFile} was edited by hand; it was used as it is.`)
  const password = existingPassword || newPassword()
  await ensurePasswordFile(passwordFile, password)
  let action: EnsureServerResult['action']
  try {
    const up = await upServer(engine, plan.spec, {
      timeoutMs,
      password,
      composeFile,
      volumeKnown: known,
      ...(options.resetVolume ? { resetVolume: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    })
    action = up.action
  } catch (error) {
    // A first attempt that failed before any volume existed (no image, port taken): nothing depends on
    // the new password, so the password file this call created goes again.
    if (
      existingPassword === undefined &&
      !(await engine.volumes.inspect(desired.volumeName).catch(() => true))
    )
      await rm(passwordFile, { force: true })
    throw error
  }
  await commitServer(composeFile, plan)
  return serverResult({
    spec: plan.spec,
    adminPassword: password,
    action,
    composeFile,
    composeHandEdited: plan.handEdited,
    started,
    warnings,
  })
}

/**
 * The tenant's record in tenants.json, which must say `database: dedicated`. TENANT_NOT_FOUND otherwise,
 * or — for a tenant whose database lives elsewhere — an error that says where.
 */
async function requireDedicatedTenant(layout: ProjectLayout, tenant: string): Promise<TenantRecord> {
  const { readTenantsFile } = await import('@systemprompt/config')
  const file = await readTenantsFile(layout)
  const record = file?.tenants.find((t) => t.name === tenant)
  if (!record) {
    throw new SystempromptError({
      code: 'TENANT_NOT_FOUND',
      category: 'user',
      file: layout.tenantsFile,
      message: `There is no tenant ${tenant} in this project (${layout.tenantsFile}), so it has no dedicated PostgreSQL server to start`,
      fix: `Create it with \`systemprompt cloud tenant create --name ${tenant} --database dedicated\` (or run \`systemprompt db up\` for the shared server)`,
      details: { tenant },
    })
  }
  if (record.database === 'dedicated') return record
  const where =
    record.database === 'shared'
      ? {
          message: `Tenant ${tenant} keeps its database in the shared PostgreSQL server; it has no dedicated server`,
          fix: 'Start the shared server with `systemprompt db up`',
        }
      : {
          message: `Tenant ${tenant} uses an external database (its profile's DATABASE_URL); there is no local server to start`,
          fix: `Start that database where it runs; \`systemprompt cloud tenant show ${tenant}\` shows the details`,
        }
  throw new SystempromptError({
    code: 'TENANT_NOT_DEDICATED',
    category: 'user',
    file: layout.tenantsFile,
    ...where,
    details: { tenant, database: record.database },
  })
}

/** The dedicated spec of a tenant, with the instance suffix and extra labels applied. */
export function tenantSpec(
  dockerDir: string,
  tenant: string,
  machine: Pick<ServerEnvironment, 'instance' | 'labels'>,
  options: { image: string; port: number },
): PostgresServerSpec {
  const spec = dedicatedServerSpec(tenant, {
    dockerDir,
    image: options.image,
    port: options.port,
    ...(machine.labels ? { labels: machine.labels } : {}),
  })
  return withInstance(spec, machine.instance)
}

async function readDeclared(file: string): Promise<PostgresServerSpec | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  return parseComposeFile(text, file)
}

/** Ports declared by the other compose files of the project, so two stopped tenants never get one port. */
async function portsOfOtherTenants(dockerDir: string, tenant: string): Promise<number[]> {
  const { readdir } = await import('node:fs/promises')
  const names = await readdir(dockerDir).catch(() => [] as string[])
  const ports: number[] = []
  for (const name of names) {
    if (!name.endsWith('.yaml') || name === `${tenant}.yaml`) continue
    const spec = await readDeclared(join(dockerDir, name)).catch(() => undefined)
    if (spec) ports.push(spec.port)
  }
  return ports
}
