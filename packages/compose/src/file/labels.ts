import { COMPOSE_LABELS, LABELS, ROLE_DEDICATED, ROLE_SHARED } from '@systemprompt/config/core'
import type { PostgresServerSpec } from '../spec.js'
import { configHash } from './config-hash.js'
import { VOLUME_KEY } from './names.js'

/**
 * Labels of the volume: who owns it (role, tenant, and for a dedicated server the project id and
 * directory), never the config hash (a config change must not touch the data).
 */
export function volumeLabels(spec: PostgresServerSpec): Record<string, string> {
  const own: Record<string, string> = {
    [LABELS.managed]: '1',
    [LABELS.role]: spec.kind === 'shared' ? ROLE_SHARED : ROLE_DEDICATED,
  }
  if (spec.tenant !== undefined) own[LABELS.tenant] = spec.tenant
  if (spec.projectId !== undefined) own[LABELS.project] = spec.projectId
  if (spec.projectDir !== undefined) own[LABELS.projectDir] = spec.projectDir
  return sortedRecord({ ...spec.labels, ...own })
}

/** Labels of the container: the volume's plus the config hash the runner compares for drift. */
export function containerLabels(spec: PostgresServerSpec): Record<string, string> {
  return sortedRecord({ ...volumeLabels(spec), [LABELS.configHash]: configHash(spec) })
}

/**
 * The labels Compose itself puts on what it creates. The runner creates the container and volume through
 * the Engine API and adds these so that `docker compose -f FILE ps|logs|down` treat them as their own.
 */
export function composeContainerLabels(spec: PostgresServerSpec): Record<string, string> {
  return {
    [COMPOSE_LABELS.project]: spec.project,
    [COMPOSE_LABELS.service]: spec.service,
    [COMPOSE_LABELS.oneoff]: 'False',
    [COMPOSE_LABELS.containerNumber]: '1',
  }
}

export function composeVolumeLabels(spec: PostgresServerSpec): Record<string, string> {
  return { [COMPOSE_LABELS.project]: spec.project, [COMPOSE_LABELS.volume]: VOLUME_KEY }
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
