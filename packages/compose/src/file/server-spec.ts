import { isAbsolute, join } from 'node:path'
import { SystempromptError } from '@systemprompt/config/core'
import type { PostgresServerSpec } from '../spec.js'
import {
  ADMIN_DATABASE,
  ADMIN_USER,
  assertTenantName,
  DEFAULT_DEDICATED_PORT,
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_SHARED_PORT,
  dedicatedComposeProject,
  dedicatedContainerName,
  dedicatedServiceName,
  dedicatedVolumeName,
  passwordFileName,
  SECRETS_DIR,
  SHARED_COMPOSE_PROJECT,
  SHARED_CONTAINER,
  SHARED_SERVICE,
  SHARED_VOLUME,
} from './names.js'
import { assertValidSpec } from './spec-checks.js'

export interface ServerSpecOptions {
  /** Absolute path of the project's `.systemprompt/docker` directory, where the compose files live. */
  dockerDir: string
  /** Resolved image (project config or SYSTEMPROMPT_POSTGRES_IMAGE); default `postgres:17-alpine`. */
  image?: string
  /** Host port on 127.0.0.1; default 5432 (shared) or 5433 (dedicated: pass the free port you picked). */
  port?: number
  /** Extra labels for the container and the volume (e.g. `systemprompt.test=1`). */
  labels?: Record<string, string>
}

export interface DedicatedSpecOptions extends ServerSpecOptions {
  /** The owning project's id (tenants.json `project_id`): in the Docker names, the labels, the compose project. */
  projectId: string
  /** The owning project's absolute root (the `systemprompt.project-dir` label). */
  projectDir: string
}

/** The shared server of SPEC section 2, declared in `<dockerDir>/shared.yaml`. */
export function sharedServerSpec(opts: ServerSpecOptions): PostgresServerSpec {
  return buildSpec(opts, {
    kind: 'shared',
    service: SHARED_SERVICE,
    containerName: SHARED_CONTAINER,
    volumeName: SHARED_VOLUME,
    port: opts.port ?? DEFAULT_SHARED_PORT,
    passwordFile: join(requireAbsolute(opts.dockerDir), SECRETS_DIR, passwordFileName()),
    project: SHARED_COMPOSE_PROJECT,
  })
}

/**
 * The dedicated server of one tenant of one project, declared in `<dockerDir>/<tenant>.yaml`: names, labels
 * and compose project carry the project id, so the same tenant name in two projects gives two servers.
 */
export function dedicatedServerSpec(tenant: string, opts: DedicatedSpecOptions): PostgresServerSpec {
  assertTenantName(tenant)
  return buildSpec(opts, {
    kind: 'dedicated',
    tenant,
    service: dedicatedServiceName(tenant),
    containerName: dedicatedContainerName(tenant, opts.projectId),
    volumeName: dedicatedVolumeName(tenant, opts.projectId),
    port: opts.port ?? DEFAULT_DEDICATED_PORT,
    passwordFile: join(requireAbsolute(opts.dockerDir), SECRETS_DIR, passwordFileName(tenant)),
    project: dedicatedComposeProject(opts.projectId),
    projectId: opts.projectId,
    projectDir: requireAbsolute(opts.projectDir),
  })
}

type KindSpecific = Pick<
  PostgresServerSpec,
  | 'kind'
  | 'tenant'
  | 'service'
  | 'containerName'
  | 'volumeName'
  | 'port'
  | 'passwordFile'
  | 'project'
  | 'projectId'
  | 'projectDir'
>

function buildSpec(opts: ServerSpecOptions, specific: KindSpecific): PostgresServerSpec {
  const spec: PostgresServerSpec = {
    ...specific,
    image: opts.image ?? DEFAULT_POSTGRES_IMAGE,
    adminUser: ADMIN_USER,
    database: ADMIN_DATABASE,
    labels: { ...opts.labels },
  }
  if (spec.tenant === undefined) delete spec.tenant
  if (spec.projectId === undefined) delete spec.projectId
  if (spec.projectDir === undefined) delete spec.projectDir
  assertValidSpec(spec)
  return spec
}

function requireAbsolute(dir: string): string {
  if (isAbsolute(dir)) return dir
  throw new SystempromptError({
    code: 'INTERNAL_RELATIVE_PATH',
    message: `Project directories must be absolute paths, got "${dir}".`,
    fix: 'Resolve the project root before building a server spec.',
    category: 'internal',
  })
}
