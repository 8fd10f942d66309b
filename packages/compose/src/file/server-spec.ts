import { isAbsolute, join } from 'node:path'
import { SystempromptError } from '@systemprompt/config/core'
import type { PostgresServerSpec } from '../spec.js'
import {
  ADMIN_DATABASE,
  ADMIN_USER,
  assertTenantName,
  composeProjectName,
  DEFAULT_DEDICATED_PORT,
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_SHARED_PORT,
  dedicatedContainerName,
  dedicatedServiceName,
  dedicatedVolumeName,
  passwordFileName,
  SECRETS_DIR,
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

/** The shared server of SPEC section 2, declared in `<dockerDir>/shared.yaml`. */
export function sharedServerSpec(opts: ServerSpecOptions): PostgresServerSpec {
  return buildSpec(opts, {
    kind: 'shared',
    service: SHARED_SERVICE,
    containerName: SHARED_CONTAINER,
    volumeName: SHARED_VOLUME,
    port: opts.port ?? DEFAULT_SHARED_PORT,
    passwordFile: join(requireAbsolute(opts.dockerDir), SECRETS_DIR, passwordFileName()),
  })
}

/** The dedicated server of one tenant, declared in `<dockerDir>/<tenant>.yaml`. */
export function dedicatedServerSpec(tenant: string, opts: ServerSpecOptions): PostgresServerSpec {
  assertTenantName(tenant)
  return buildSpec(opts, {
    kind: 'dedicated',
    tenant,
    service: dedicatedServiceName(tenant),
    containerName: dedicatedContainerName(tenant),
    volumeName: dedicatedVolumeName(tenant),
    port: opts.port ?? DEFAULT_DEDICATED_PORT,
    passwordFile: join(requireAbsolute(opts.dockerDir), SECRETS_DIR, passwordFileName(tenant)),
  })
}

type KindSpecific = Pick<
  PostgresServerSpec,
  'kind' | 'tenant' | 'service' | 'containerName' | 'volumeName' | 'port' | 'passwordFile'
>

function buildSpec(opts: ServerSpecOptions, specific: KindSpecific): PostgresServerSpec {
  const spec: PostgresServerSpec = {
    ...specific,
    image: opts.image ?? DEFAULT_POSTGRES_IMAGE,
    adminUser: ADMIN_USER,
    database: ADMIN_DATABASE,
    project: composeProjectName(opts.dockerDir),
    labels: { ...opts.labels },
  }
  if (spec.tenant === undefined) delete spec.tenant
  assertValidSpec(spec)
  return spec
}

function requireAbsolute(dockerDir: string): string {
  if (isAbsolute(dockerDir)) return dockerDir
  throw new SystempromptError({
    code: 'INTERNAL_RELATIVE_PATH',
    message: `dockerDir must be an absolute path, got "${dockerDir}".`,
    fix: 'Resolve the project root before building a server spec.',
    category: 'internal',
  })
}
