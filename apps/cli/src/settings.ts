// The one place the CLI turns the environment and the active profile into options for the packages: the
// environment is read once per process through @systemprompt/config (its env module documents every
// variable); commands pass the result down, and no package reads the environment.
import { existsSync } from 'node:fs'
import type { ProfileServerSettings } from '@systemprompt/config'
import type { CliEnv, ProjectLayout } from '@systemprompt/config/core'
import type { ServerSettings } from '@systemprompt/postgres'

let env: CliEnv | undefined

/** The CLI's environment variables, parsed and checked once (ENV_INVALID names a bad one). */
export async function cliEnv(): Promise<CliEnv> {
  if (!env) {
    const { readCliEnv } = await import('@systemprompt/config/core')
    env = readCliEnv()
  }
  return env
}

/**
 * Project identity, checked before a command acts (issue 8): a copied project (`cp -a`, a restored backup)
 * keeps its project id, so its tenant records name the original's databases and servers. `change` (every
 * command that changes a server or a tenant, `db up` included: a dedicated tenant's up in a copy would act on
 * the original's container): PROJECT_COPIED (conflict, exit 6) in a copy, before anything runs. `read`
 * (status, lists, logs, doctor without --fix): the copy notice as a warning; this check never fails a
 * read-only command. Either way the project is bound in the per-user index when it is new or moved. Cost: a
 * realpath and two small JSON reads (config/core, no schemas), so `db up` keeps its fast path.
 */
export async function guardProject(
  command: { warn(text: string): unknown },
  layout: ProjectLayout,
  mode: 'change' | 'read',
): Promise<void> {
  const check = async (): Promise<void> => {
    const { dataDir } = await cliEnv()
    const { assertNotCopied } = await import('@systemprompt/config/core')
    await assertNotCopied(layout, dataDir)
  }
  if (mode === 'change') return check()
  try {
    await check()
  } catch (error) {
    const copied = error as { code?: string; message?: string; fix?: string }
    if (copied.code === 'PROJECT_COPIED') command.warn(`${copied.message}. ${copied.fix}.`)
  }
}

/** The per-user data directory (SYSTEMPROMPT_DATA_DIR, else the XDG default): the project index lives there. */
export async function userDataDir(): Promise<string> {
  return (await cliEnv()).dataDir
}

/** SYSTEMPROMPT_PROFILE as given: the active profile, for commands that read the profile itself (`db url`). */
export async function activeProfileSetting(): Promise<string | undefined> {
  return (await cliEnv()).profile
}

/** The user's environment for a program the CLI runs in the foreground (`db psql` starts psql). */
export async function userProgramEnvironment(): Promise<Record<string, string>> {
  const { userProgramEnv } = await import('@systemprompt/config/core')
  return userProgramEnv()
}

export interface DbSettings {
  /** For @systemprompt/postgres and the registry: machine settings plus the profile's explicit docker settings. */
  server: ServerSettings
  /** `--timeout` when given, else the profile's docker.ready_timeout_seconds, else 60; in milliseconds. */
  timeoutMs: number
  /** What the caller should pass on (a profile ignored because it does not validate). */
  warnings: string[]
}

/**
 * Settings for a command that runs local PostgreSQL servers. Precedence: the environment
 * (SYSTEMPROMPT_POSTGRES_IMAGE) wins over the profile, the profile over what the project recorded and the
 * built-in defaults. The profile is SYSTEMPROMPT_PROFILE when set, else `fallbackProfile` (callers pass a
 * dedicated tenant's own profile; never for the shared server, which is machine-wide), else none.
 * `tolerateBadProfile`: a profile that does not validate gives no settings and a warning instead of an error
 * (for commands that remove things and must not be blocked by a broken file).
 */
export async function dbSettings(
  layout: ProjectLayout,
  options: {
    fallbackProfile?: string | undefined
    timeoutFlag?: number | undefined
    env?: CliEnv
    tolerateBadProfile?: boolean
  } = {},
): Promise<DbSettings> {
  const machine = options.env ?? (await cliEnv())
  const core = await import('@systemprompt/config/core')
  const fallback =
    options.fallbackProfile !== undefined && core.isValidTenantName(options.fallbackProfile)
      ? options.fallbackProfile
      : undefined
  const file = core.activeProfileFile(layout, machine.profile, fallback, process.cwd())
  const warnings: string[] = []
  let profile: ProfileServerSettings = {}
  // The schemas (zod, yaml) load only when there is a profile to read: `db up` stays on its fast path.
  if (file !== undefined && existsSync(file)) {
    const { readProfileServerSettings } = await import('@systemprompt/config')
    try {
      profile = await readProfileServerSettings(file)
    } catch (error) {
      if (!options.tolerateBadProfile) throw error
      warnings.push(
        `Ignored the docker settings of ${file}: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
  }
  const server: ServerSettings = {
    dataDir: machine.dataDir,
    dockerEnv: machine.docker,
    ...(machine.instance !== undefined ? { instance: machine.instance } : {}),
    ...(Object.keys(machine.labels).length > 0 ? { labels: machine.labels } : {}),
    ...(machine.postgresImage !== undefined ? { postgresImage: machine.postgresImage } : {}),
    ...(profile.postgres_image !== undefined ? { image: profile.postgres_image } : {}),
    ...(profile.shared_port !== undefined ? { sharedPort: profile.shared_port } : {}),
    ...(profile.dedicated_port_start !== undefined
      ? { dedicatedPortStart: profile.dedicated_port_start }
      : {}),
  }
  const seconds = options.timeoutFlag ?? profile.ready_timeout_seconds ?? core.DEFAULT_READY_TIMEOUT_SECONDS
  return { server, timeoutMs: seconds * 1000, warnings }
}

/** A dedicated tenant's own profile, as recorded in tenants.json (else its name); undefined for any other tenant. */
export async function dedicatedProfileOf(layout: ProjectLayout, tenant: string | undefined) {
  if (tenant === undefined) return undefined
  const config = await import('@systemprompt/config/core')
  if (!config.isValidTenantName(tenant)) return undefined
  const { readTenantsFile } = await import('@systemprompt/config')
  const record = (await readTenantsFile(layout))?.tenants.find((t) => t.name === tenant)
  if (record && record.database !== 'dedicated') return undefined
  return record?.profile ?? tenant
}

/** The machine part of the settings, for calls that take no profile settings (down, status, logs, reset). */
export function machineOptions(server: ServerSettings) {
  const { image: _image, sharedPort: _sharedPort, dedicatedPortStart: _start, ...machine } = server
  return machine
}

/**
 * The profile: --profile, else SYSTEMPROMPT_PROFILE (a profile directory or its profile.yaml, or a profile's
 * name), else the project's only profile; otherwise PROFILE_NOT_CHOSEN listing them.
 */
export async function chooseProfile(layout: ProjectLayout, flag: string | undefined): Promise<string> {
  const core: typeof import('@systemprompt/config/core') = await import('@systemprompt/config/core')
  if (flag !== undefined) {
    core.assertProfileName(flag)
    return flag
  }
  const { readdir } = await import('node:fs/promises')
  const { existsSync } = await import('node:fs')
  const { basename, dirname } = await import('node:path')
  let names: string[] = []
  try {
    names = (await readdir(layout.profilesDir)).filter((n) => existsSync(layout.profileYaml(n))).sort()
  } catch {
    // No profiles directory: no profiles.
  }
  const setting = await activeProfileSetting()
  if (setting !== undefined) {
    if (names.includes(setting)) return setting
    const file = core.activeProfileFile(layout, setting, undefined, process.cwd()) as string
    if (dirname(dirname(file)) === layout.profilesDir) return basename(dirname(file))
    throw new core.SystempromptError({
      code: 'PROFILE_NOT_CHOSEN',
      category: 'usage',
      message: `SYSTEMPROMPT_PROFILE=${setting} is not a profile of this project${names.length > 0 ? ` (profiles: ${names.join(', ')})` : ''}`,
      fix: `Pass --profile ${names[0] ?? '<name>'}, or point SYSTEMPROMPT_PROFILE at .systemprompt/profiles/<name>`,
    })
  }
  if (names.length === 1) return names[0] as string
  throw new core.SystempromptError({
    code: 'PROFILE_NOT_CHOSEN',
    category: 'usage',
    message:
      names.length === 0
        ? 'This project has no profile yet'
        : `Which profile? The project has ${names.length}: ${names.join(', ')}`,
    fix:
      names.length === 0
        ? 'Create one: `systemprompt cloud tenant create my-project` (or `systemprompt cloud profile create`)'
        : `Pass --profile ${names[0]} (or set SYSTEMPROMPT_PROFILE)`,
  })
}
