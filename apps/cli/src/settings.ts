// The one place the CLI turns the environment and the active profile into options for the packages: the
// environment is read once per process through @systemprompt/config (its env module documents every
// variable); commands pass the result down, and no package reads the environment.
import type { CliEnv, ProjectLayout } from '@systemprompt/config/core'
import type { ServerSettings } from '@systemprompt/postgres'

let env: CliEnv | undefined

/** The CLI's environment variables, parsed and checked once (ENV_INVALID names a bad one). */
async function cliEnv(): Promise<CliEnv> {
  if (!env) {
    const { readCliEnv } = await import('@systemprompt/config/core')
    env = readCliEnv()
  }
  return env
}

export interface DbSettings {
  /** For @systemprompt/postgres and the registry: machine settings plus the profile's explicit docker settings. */
  server: ServerSettings
  /** `--timeout` when given, else the profile's docker.ready_timeout_seconds, else 60; in milliseconds. */
  timeoutMs: number
}

/**
 * Settings for a command that runs local PostgreSQL servers. Precedence: the environment
 * (SYSTEMPROMPT_POSTGRES_IMAGE) wins over the profile, the profile over what the project recorded and the
 * built-in defaults. The profile is SYSTEMPROMPT_PROFILE when set, else the tenant's own profile (for a
 * tenant's server), else none.
 */
export async function dbSettings(
  layout: ProjectLayout,
  options: { tenant?: string; timeoutFlag?: number | undefined; env?: CliEnv } = {},
): Promise<DbSettings> {
  const machine = options.env ?? (await cliEnv())
  const config = await import('@systemprompt/config')
  // The tenant's own profile: as recorded, else its default name (the tenant's). Checking the name is the
  // package's job (a bad one is refused there with the rule), so an invalid one just has no profile here.
  const tenant = options.tenant
  const fallback =
    tenant === undefined || !config.isValidTenantName(tenant)
      ? undefined
      : ((await config.readTenantsFile(layout))?.tenants.find((t) => t.name === tenant)?.profile ?? tenant)
  const file = config.activeProfileFile(layout, machine.profile, fallback, process.cwd())
  const profile = file ? await config.readProfileServerSettings(file) : {}
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
  const seconds = options.timeoutFlag ?? profile.ready_timeout_seconds ?? config.DEFAULT_READY_TIMEOUT_SECONDS
  return { server, timeoutMs: seconds * 1000 }
}

/** The machine part of the settings, for calls that take no profile settings (down, status, logs, reset). */
export function machineOptions(server: ServerSettings) {
  const { image: _image, sharedPort: _sharedPort, dedicatedPortStart: _start, ...machine } = server
  return machine
}

/**
 * `--timeout` as typed on the command line, else undefined (the flag's default of 60 must not hide the
 * profile's docker.ready_timeout_seconds).
 */
export function givenTimeout(argv: readonly string[], parsed: number): number | undefined {
  return argv.some((arg) => arg === '--timeout' || arg.startsWith('--timeout=')) ? parsed : undefined
}
