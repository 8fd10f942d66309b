import { dirname } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import {
  composeContainerLabels,
  composeVolumeLabels,
  containerLabels,
  HEALTHCHECK_TIMING,
  healthcheckTest,
  POSTGRES_CONTAINER_PORT,
  POSTGRES_DATA_DIR,
  SECRET_MOUNT_PATH,
  volumeLabels,
} from '@systemprompt/compose'
import { COMPOSE_LABELS, COMPOSE_VERSION, type ContainerCreateOptions } from '@systemprompt/engine'

export interface RealiseOptions {
  /** Absolute path of the compose file the spec came from; recorded in the labels Compose v2 reads. */
  composeFile?: string
}

/** The compose file's `restart:`; the runner applies it once the server is ready (see up.ts). */
export const RESTART_POLICY = 'unless-stopped'

/**
 * The policy a server starts under until it has shown it starts (up.ts): a crash while starting leaves it
 * exited, with its real exit code, instead of looping. Containers are created with it (no update before their
 * first start), and `db down` leaves a stopped server with it (no update before a warm start).
 */
export const STARTING_RESTART_POLICY = 'no'

/**
 * The Engine API request that realises a spec the way Compose would: same environment, secret as a
 * read-only bind mount at /run/secrets/<key> (how Compose realises a file secret outside Swarm), port on
 * 127.0.0.1 only, the starting restart policy (the declared one follows once it is ready), healthcheck, and the labels that make Compose see the container as its own.
 */
export function containerCreateOptions(
  spec: PostgresServerSpec,
  options: RealiseOptions = {},
): ContainerCreateOptions {
  const portKey = `${POSTGRES_CONTAINER_PORT}/tcp`
  return {
    name: spec.containerName,
    Image: spec.image,
    Env: [
      `POSTGRES_USER=${spec.adminUser}`,
      `POSTGRES_DB=${spec.database}`,
      // Never POSTGRES_PASSWORD: the value would show in `docker inspect`.
      `POSTGRES_PASSWORD_FILE=${SECRET_MOUNT_PATH}`,
    ],
    Labels: { ...containerLabels(spec), ...composeLabels(spec, options) },
    ExposedPorts: { [portKey]: {} },
    Healthcheck: {
      Test: healthcheckTest(spec),
      Interval: durationNs(HEALTHCHECK_TIMING.interval),
      Timeout: durationNs(HEALTHCHECK_TIMING.timeout),
      Retries: HEALTHCHECK_TIMING.retries,
      StartPeriod: durationNs(HEALTHCHECK_TIMING.start_period),
    },
    HostConfig: {
      Binds: [`${spec.volumeName}:${POSTGRES_DATA_DIR}`, `${spec.passwordFile}:${SECRET_MOUNT_PATH}:ro`],
      PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: String(spec.port) }] },
      RestartPolicy: { Name: STARTING_RESTART_POLICY },
      NetworkMode: 'bridge',
    },
  }
}

export function volumeCreateLabels(spec: PostgresServerSpec): Record<string, string> {
  return { ...volumeLabels(spec), ...composeVolumeLabels(spec), [COMPOSE_LABELS.version]: COMPOSE_VERSION }
}

function composeLabels(spec: PostgresServerSpec, options: RealiseOptions): Record<string, string> {
  const labels: Record<string, string> = {
    ...composeContainerLabels(spec),
    [COMPOSE_LABELS.version]: COMPOSE_VERSION,
  }
  if (options.composeFile) {
    labels[COMPOSE_LABELS.workingDir] = dirname(options.composeFile)
    labels[COMPOSE_LABELS.configFiles] = options.composeFile
  }
  return labels
}

/** Compose durations ("5s", "1m30s", "500ms") in nanoseconds, as the Engine API wants them. */
export function durationNs(text: string): number {
  const units: Record<string, number> = { h: 3600e9, m: 60e9, s: 1e9, ms: 1e6, us: 1e3, ns: 1 }
  let total = 0
  const pattern = /(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g
  let consumed = 0
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * (units[match[2] ?? 's'] ?? 0)
    consumed += match[0].length
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`not a duration: ${JSON.stringify(text)}`)
  return Math.round(total)
}
