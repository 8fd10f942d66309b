import {
  assertProfileName,
  assertTenantName,
  deleteProfileFiles,
  ErrorCode,
  isPostgresUrl,
  projectLayout,
  readProfile,
  readProfileSecrets,
  readTenantsFile,
  SystempromptError,
  writeProfileFiles,
} from '@systemprompt/config'
import { tenantNotFound } from '../tenants/errors.js'

export interface CreateProfileOptions {
  root: string
  name: string
  /** Use this tenant's database: DATABASE_URL is copied from the tenant's own profile. */
  tenant?: string
  /** Or an explicit DATABASE_URL. */
  databaseUrl?: string
  target?: 'local' | 'cloud'
}

export interface CreateProfileResult {
  name: string
  tenant: string | undefined
  target: 'local' | 'cloud'
  /** With its password: the caller masks it for display. */
  databaseUrl: string
  dir: string
  /** The generated docker/Dockerfile, Dockerfile.dockerignore and entrypoint.sh, relative to the project root. */
  dockerFiles: string[]
}

/**
 * A new profile: profile.yaml + secrets.json (0600, a fresh 64-character jwt_secret), and its image's
 * docker/{Dockerfile, Dockerfile.dockerignore, entrypoint.sh}. DATABASE_URL comes from --database-url or from
 * the tenant's existing profile (the tenant's password lives only there).
 */
export async function createProfile(options: CreateProfileOptions): Promise<CreateProfileResult> {
  assertProfileName(options.name)
  if (options.tenant !== undefined) assertTenantName(options.tenant)
  if (options.databaseUrl !== undefined && !isPostgresUrl(options.databaseUrl)) {
    throw new SystempromptError({
      code: ErrorCode.CONFIG_INVALID,
      category: 'user',
      message: 'The database URL is not a valid postgres:// URL',
      fix: 'Pass --database-url postgres://user:password@host:port/db',
    })
  }
  const layout = projectLayout(options.root)
  if (await readProfile(layout, options.name)) {
    throw new SystempromptError({
      code: ErrorCode.PROFILE_EXISTS,
      category: 'conflict',
      file: layout.profileYaml(options.name),
      message: `Profile ${JSON.stringify(options.name)} already exists`,
      fix: 'Pick another name, or delete it with `systemprompt cloud profile delete`',
    })
  }
  let databaseUrl = options.databaseUrl
  if (databaseUrl === undefined && options.tenant !== undefined) {
    const record = (await readTenantsFile(layout))?.tenants.find((t) => t.name === options.tenant)
    if (!record) throw tenantNotFound(options.tenant)
    const secrets = await readProfileSecrets(layout, record.profile)
    if (!secrets) {
      throw new SystempromptError({
        code: ErrorCode.CONFIG_MISSING,
        category: 'user',
        file: layout.profileSecrets(record.profile),
        message: `Tenant ${JSON.stringify(options.tenant)} has no DATABASE_URL (its profile's secrets.json is missing)`,
        fix: 'Run `systemprompt db doctor --fix`, or pass --database-url',
      })
    }
    databaseUrl = secrets.database_url
  }
  if (databaseUrl === undefined) {
    throw new SystempromptError({
      code: ErrorCode.USAGE,
      category: 'usage',
      message: 'A profile needs a database: pass --tenant or --database-url',
      fix: 'e.g. `systemprompt cloud profile create --name production --tenant my-project`',
    })
  }
  const target = options.target ?? 'local'
  // The Docker files' inputs are checked before the profile exists (a new profile.yaml sets no image key).
  // Loaded here, not with the package (listing tenants never needs the generator).
  const { profileDockerModel, writeProfileDockerFiles } = await import('@systemprompt/dockerfile')
  const docker = await profileDockerModel(layout, options.name, { settings: {} })
  await writeProfileFiles(layout, { name: options.name, tenant: options.tenant, target, databaseUrl })
  const written = await writeProfileDockerFiles(layout, docker)
  return {
    name: options.name,
    tenant: options.tenant,
    target,
    databaseUrl,
    dir: layout.profileDir(options.name),
    dockerFiles: written.files.map((f) => f.file),
  }
}

/** Deletes a profile directory; refuses while a tenant record names it (delete the tenant instead). */
export async function deleteProfile(options: {
  root: string
  name: string
}): Promise<{ name: string; dir: string }> {
  assertProfileName(options.name)
  const layout = projectLayout(options.root)
  if (!(await readProfile(layout, options.name))) {
    throw new SystempromptError({
      code: ErrorCode.PROFILE_NOT_FOUND,
      category: 'user',
      message: `Profile ${JSON.stringify(options.name)} does not exist`,
      fix: 'List profiles with `systemprompt cloud profile list`',
    })
  }
  const owner = (await readTenantsFile(layout))?.tenants.find((t) => t.profile === options.name)
  if (owner) {
    throw new SystempromptError({
      code: 'PROFILE_IN_USE',
      category: 'conflict',
      message: `Profile ${JSON.stringify(options.name)} holds the DATABASE_URL of tenant ${JSON.stringify(owner.name)}`,
      fix: `Delete the tenant with \`systemprompt cloud tenant delete ${owner.name}\` (it removes the profile too)`,
    })
  }
  await deleteProfileFiles(layout, options.name)
  return { name: options.name, dir: layout.profileDir(options.name) }
}
