import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { Args, Flags } from '@oclif/core'
import { BaseCommand, timeoutFlag, yesFlag } from '@systemprompt/command'
import type { ProjectLayout, TenantRecord } from '@systemprompt/config'
import type { ServerSettings } from '@systemprompt/postgres'
import type { DeleteTenantResult } from '@systemprompt/registry'
import { dbSettings, guardProject, machineOptions } from '../../../settings.js'

/** One thing a delete removes, as the confirmation names it and the output reports it. */
interface Removal {
  what: 'database' | 'role' | 'container' | 'volume' | 'profile' | 'records'
  name: string
  /** profile: the keys of its secrets.json that hold a value (names only, never values). */
  keys?: string[]
}

export interface TenantDeleteResult extends DeleteTenantResult {
  /** What this delete removed, as its confirmation named it. */
  removed: Removal[]
  /** What it left in place on purpose (--keep-profile). */
  kept: Removal[]
}

export default class TenantDelete extends BaseCommand<typeof TenantDelete> {
  static override summary =
    'Delete a tenant: its database and role (or its dedicated server), its profile and records.'

  static override description =
    `Ends the sessions of the tenant's database, drops it and its role (or removes its dedicated PostgreSQL container and data volume), removes the profile made for it (its directory and secrets.json, with any API keys you added; --keep-profile keeps it) and the records. The confirmation names each of these; so do the output and --json. The shared PostgreSQL container and its volume are never touched. Needs --yes, or typing the tenant name on a terminal.`

  static override examples = [
    { description: 'Asks you to type the name', command: '<%= config.bin %> <%= command.id %> my-project' },
    { description: 'In scripts', command: '<%= config.bin %> <%= command.id %> my-project --yes' },
    {
      description: 'Keep the profile (and the API keys in its secrets.json)',
      command: '<%= config.bin %> <%= command.id %> my-project --yes --keep-profile',
    },
  ]

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Tenant name.', required: true }),
  }

  static override flags = {
    yes: yesFlag,
    'keep-profile': Flags.boolean({ description: "Keep the tenant's profile directory." }),
    timeout: timeoutFlag('Seconds to wait for the server to become ready.'),
  }

  async run(): Promise<TenantDeleteResult> {
    // Checked before anything else: a bad name must not reach the file system or SQL.
    const config: typeof import('@systemprompt/config') = await import('@systemprompt/config')
    config.assertTenantName(this.args.name)
    const layout = await this.project()
    await guardProject(this, layout, 'change')
    const { deleteTenant, tenantNotFound } = await import('@systemprompt/registry')
    const record = (await config.readTenantsFile(layout))?.tenants.find((t) => t.name === this.args.name)
    if (!record) throw tenantNotFound(this.args.name)
    const { server, timeoutMs, warnings } = await dbSettings(layout, {
      fallbackProfile: record.database === 'dedicated' ? (record.profile ?? record.name) : undefined,
      timeoutFlag: this.flags.timeout,
      tolerateBadProfile: true,
    })
    for (const warning of warnings) this.warn(warning)

    const keepProfile = this.flags['keep-profile']
    const profile = await profileRemoval(layout, record)
    const records = record.database === 'shared' ? 'tenants.json and shared_config.json' : 'tenants.json'
    const removals: Removal[] = [
      ...(await serverRemovals(layout, record, server)),
      ...(!keepProfile && profile ? [profile] : []),
      { what: 'records', name: records },
    ]
    const untouched = record.database === 'external' ? ' (the external database itself is not touched)' : ''
    await this.confirm({
      message: `Delete tenant ${record.name}: ${removals.map((r) => describe(layout, r)).join('; ')}${untouched}`,
      typed: record.name,
    })

    const spinner = this.spinner(`Deleting tenant ${record.name}`)
    const result = await deleteTenant({
      root: layout.root,
      name: record.name,
      keepProfile,
      server,
      timeoutMs,
      onProgress: (m) => spinner.update(m),
    })
    spinner.succeed(`Tenant ${record.name} deleted`)
    if (result.terminatedSessions > 0) this.log(`Ended ${result.terminatedSessions} open session(s).`)
    const removed = removals.filter((r) => happened(r, result))
    for (const r of removed) this.log(`Removed ${describe(layout, r)}`)
    const kept = keepProfile && profile ? [profile] : []
    for (const r of kept) this.log(`Kept ${describe(layout, r)} (--keep-profile)`)
    return { ...result, removed, kept }
  }
}

/** The database and role, or the dedicated server's container and volume (as its compose file declares them). */
async function serverRemovals(
  layout: ProjectLayout,
  record: TenantRecord,
  server: ServerSettings,
): Promise<Removal[]> {
  if (record.database === 'shared') {
    return [
      ...(record.database_name ? [{ what: 'database' as const, name: record.database_name }] : []),
      ...(record.role_name ? [{ what: 'role' as const, name: record.role_name }] : []),
    ]
  }
  if (record.database !== 'dedicated') return []
  const { declaredTarget } = await import('@systemprompt/postgres')
  try {
    const { spec } = await declaredTarget({
      root: layout.root,
      tenant: record.name,
      ...machineOptions(server),
    })
    return [
      { what: 'container', name: spec.containerName },
      { what: 'volume', name: spec.volumeName },
    ]
  } catch {
    // A compose file that does not parse: the delete still removes the server; name it without details.
    return [
      { what: 'container', name: `of tenant ${record.name}` },
      { what: 'volume', name: `of tenant ${record.name}` },
    ]
  }
}

/**
 * The profile directory, when the delete would remove it: the registry removes a profile only when its
 * profile.yaml names this tenant. Its secrets.json may hold API keys the user added: named (not shown).
 */
async function profileRemoval(layout: ProjectLayout, record: TenantRecord): Promise<Removal | undefined> {
  const { readProfile } = await import('@systemprompt/config')
  const profile = await readProfile(layout, record.profile).catch(() => undefined)
  if (profile?.tenant !== record.name) return undefined
  let keys: string[] = []
  try {
    const secrets = JSON.parse(await readFile(layout.profileSecrets(record.profile), 'utf8')) as Record<
      string,
      unknown
    >
    keys = Object.entries(secrets)
      .filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([key]) => key)
  } catch {
    // no secrets.json, or one that does not parse: it goes with the directory all the same
  }
  return { what: 'profile', name: record.profile, keys }
}

function describe(layout: ProjectLayout, r: Removal): string {
  switch (r.what) {
    case 'database':
      return `database ${r.name} (on the shared server)`
    case 'role':
      return `role ${r.name}`
    case 'container':
      return `PostgreSQL container ${r.name}`
    case 'volume':
      return `volume ${r.name} (all of the tenant's data)`
    case 'profile': {
      const dir = `${relative(layout.root, layout.profileDir(r.name))}/`
      const keys = r.keys && r.keys.length > 0 ? ` (${r.keys.join(', ')})` : ''
      return `profile directory ${dir} with its secrets.json${keys}, including any API keys added to it`
    }
    case 'records':
      return `the tenant's records in ${r.name}`
  }
}

function happened(r: Removal, result: DeleteTenantResult): boolean {
  switch (r.what) {
    case 'database':
      return result.droppedDatabase
    case 'role':
      return result.droppedRole
    case 'container':
    case 'volume': {
      // Objects of another project that the tenant's files pointed at are left alone (and not reported here).
      const skipped = (result as { skippedServerObjects?: { name: string }[] }).skippedServerObjects ?? []
      return result.removedServer && !skipped.some((s) => s.name === r.name)
    }
    case 'profile':
      return result.removedProfile
    case 'records':
      return true
  }
}
