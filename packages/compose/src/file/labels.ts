import type { PostgresServerSpec } from '../spec.js'
import { configHash } from './config-hash.js'
import {
  LABEL_CONFIG_HASH,
  LABEL_MANAGED,
  LABEL_ROLE,
  LABEL_TENANT,
  ROLE_DEDICATED,
  ROLE_SHARED,
  VOLUME_KEY,
} from './names.js'

/** Labels of the volume: who owns it, never the config hash (a config change must not touch the data). */
export function volumeLabels(spec: PostgresServerSpec): Record<string, string> {
  const own: Record<string, string> = {
    [LABEL_MANAGED]: '1',
    [LABEL_ROLE]: spec.kind === 'shared' ? ROLE_SHARED : ROLE_DEDICATED,
  }
  if (spec.tenant !== undefined) own[LABEL_TENANT] = spec.tenant
  return sortedRecord({ ...spec.labels, ...own })
}

/** Labels of the container: the volume's plus the config hash the runner compares for drift. */
export function containerLabels(spec: PostgresServerSpec): Record<string, string> {
  return sortedRecord({ ...volumeLabels(spec), [LABEL_CONFIG_HASH]: configHash(spec) })
}

/**
 * The labels Compose itself puts on what it creates. The runner creates the container and volume through
 * the Engine API and adds these so that `docker compose -f FILE ps|logs|down` treat them as their own.
 */
export function composeContainerLabels(spec: PostgresServerSpec): Record<string, string> {
  return {
    'com.docker.compose.project': spec.project,
    'com.docker.compose.service': spec.service,
    'com.docker.compose.oneoff': 'False',
    'com.docker.compose.container-number': '1',
  }
}

export function composeVolumeLabels(spec: PostgresServerSpec): Record<string, string> {
  return { 'com.docker.compose.project': spec.project, 'com.docker.compose.volume': VOLUME_KEY }
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
