import { dirname, join } from 'node:path'
import { BaseCommand, tenantTargetArg, tenantTargetFlag } from '@systemprompt/command'
import type { TenantRecord } from '@systemprompt/config'
import type { ProjectLayout } from '@systemprompt/config/core'
import { activeProfileSetting, guardProject } from '../../settings.js'

/** Which database a command connects to, and with which URL (its password included: the base masks it). */
export interface TenantUrl {
  /** The tenant whose database it is; null for a profile no tenant records. */
  tenant: string | null
  /** The profile whose secrets.json holds the URL. */
  profile: string
  url: string
}

export default class DbUrl extends BaseCommand<typeof DbUrl> {
  static override summary = "Print a tenant's DATABASE_URL (password masked unless --show-secrets)."

  static override description =
    `The URL in the secrets.json of the tenant's profile (the one its record names). Without a tenant: the active profile's (SYSTEMPROMPT_PROFILE).`

  static override examples = [
    { description: 'Masked', command: '<%= config.bin %> <%= command.id %> my-project' },
    {
      description: 'For a script (with the password)',
      command: '<%= config.bin %> <%= command.id %> my-project --show-secrets',
    },
    {
      description: 'As JSON: {tenant, profile, url}',
      command: '<%= config.bin %> <%= command.id %> my-project --json',
    },
  ]

  static override args = {
    tenant: tenantTargetArg(
      'Tenant (`x` or `TENANT=x`); default: the active profile (SYSTEMPROMPT_PROFILE).',
    ),
  }

  static override flags = {
    tenant: tenantTargetFlag('Tenant whose DATABASE_URL to print.'),
  }

  async run(): Promise<TenantUrl> {
    const tenant = this.tenantTarget()
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const { record: _record, ...found } = await tenantUrl(layout, tenant)
    this.log(found.url)
    return found
  }
}

/**
 * The DATABASE_URL of `tenant` from its profile's secrets.json (the record's `profile`), or without a tenant
 * the active profile's (SYSTEMPROMPT_PROFILE). TENANT_NOT_FOUND, CONFIG_MISSING, or the file's own read error
 * (syntax, schema: with file and line). `record` is the tenant's record, when there is one.
 */
export async function tenantUrl(
  layout: ProjectLayout,
  tenant: string | undefined,
): Promise<TenantUrl & { record: TenantRecord | undefined }> {
  const config = await import('@systemprompt/config')
  const tenants = (await config.readTenantsFile(layout))?.tenants ?? []
  if (tenant !== undefined) {
    const record = tenants.find((t) => t.name === tenant)
    if (!record) {
      const { tenantNotFound } = await import('@systemprompt/registry')
      throw tenantNotFound(tenant)
    }
    const file = layout.profileSecrets(record.profile)
    const secrets = await config.readProfileSecrets(layout, record.profile)
    if (!secrets) throw missingSecrets(config, file, `tenant ${JSON.stringify(tenant)}'s profile`)
    return { tenant, profile: record.profile, url: secrets.database_url, record }
  }
  const setting = await activeProfileSetting()
  if (setting === undefined) {
    const names = tenants.map((t) => t.name)
    throw new config.SystempromptError({
      code: 'USAGE',
      category: 'usage',
      message: 'No tenant given, and no active profile (SYSTEMPROMPT_PROFILE is not set)',
      fix:
        names.length > 0
          ? `Name the tenant: \`systemprompt db url ${names[0]}\` (tenants: ${names.join(', ')})`
          : 'Create a tenant first: `systemprompt cloud tenant create my-project`',
    })
  }
  const profileFile = config.activeProfileFile(layout, setting, undefined, process.cwd()) as string
  const profile = await config.loadProfile(profileFile)
  const secretsFile = join(dirname(profileFile), 'secrets.json')
  const secrets = await config.readOptionalJsonFile(secretsFile, config.SecretsSchema)
  if (!secrets)
    throw missingSecrets(config, secretsFile, `the active profile ${JSON.stringify(profile.name)}`)
  const record =
    tenants.find((t) => t.name === profile.tenant) ?? tenants.find((t) => t.profile === profile.name)
  return {
    tenant: record?.name ?? profile.tenant ?? null,
    profile: profile.name,
    url: secrets.database_url,
    record,
  }
}

function missingSecrets(config: typeof import('@systemprompt/config'), file: string, whose: string) {
  return new config.SystempromptError({
    code: 'CONFIG_MISSING',
    category: 'user',
    file,
    message: `No DATABASE_URL: ${whose} has no secrets.json`,
    fix: 'Run `systemprompt db doctor --fix` to write it again',
  })
}
