/**
 * Label keys. Ours mark what systemprompt made and why; the compose ones make Docker Compose (v1 and v2)
 * treat a container the runner created as its own (`docker-compose -f FILE ps` lists it).
 */
export const LABELS = {
  /** "1" on every object systemprompt created. */
  managed: 'systemprompt.managed',
  /** `postgres-shared` or `postgres-dedicated`. */
  role: 'systemprompt.role',
  /** Tenant name of a dedicated server. */
  tenant: 'systemprompt.tenant',
  /** Hash of the declared config the container was created from; a different hash means "re-create". */
  configHash: 'systemprompt.config-hash',
  /** Tests put this on everything they make, so cleanup can find it. */
  test: 'systemprompt.test',
} as const

export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  oneoff: 'com.docker.compose.oneoff',
  containerNumber: 'com.docker.compose.container-number',
  version: 'com.docker.compose.version',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  volume: 'com.docker.compose.volume',
} as const

/** The compose version we claim in labels: the v1 line that Debian ships, which reads these labels. */
export const COMPOSE_VERSION = '1.29.2'

/** A label filter: `true` means "has the label", a string means "has it with this value". */
export type LabelFilter = Record<string, string | true>

/** Engine API `filters` value for a label filter (`["key=value", "key"]`). */
export function labelFilterArgs(filter: LabelFilter): string[] {
  return Object.entries(filter).map(([key, value]) => (value === true ? key : `${key}=${value}`))
}
