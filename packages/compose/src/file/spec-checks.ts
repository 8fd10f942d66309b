import { isAbsolute } from 'node:path'
import { SystempromptError } from '@systemprompt/config/core'
import type { PostgresServerSpec } from '../spec.js'
import { GENERATED_LABEL_KEYS, isValidTenantName, TENANT_NAME_RULE } from './names.js'

/** Docker's rule for container and volume names. */
const DOCKER_OBJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
/** Compose's rule for service keys. */
const COMPOSE_KEY = /^[a-zA-Z0-9._-]+$/
/** tenants.json's rule for a project id (it goes into Docker names and the compose project name). */
const PROJECT_ID = /^[a-z0-9]{4,16}$/
/** PostgreSQL role/database names we put into env: plain identifiers only. */
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

export interface SpecProblem {
  /** Field of PostgresServerSpec the problem is about. */
  field: keyof PostgresServerSpec
  message: string
}

function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535
}

function isValidImage(image: unknown): image is string {
  return typeof image === 'string' && image.length > 0 && !/\s/.test(image)
}

/** Every problem of a spec, so a caller can show them all at once. */
export function specProblems(spec: PostgresServerSpec): SpecProblem[] {
  const problems: SpecProblem[] = []
  const add = (field: keyof PostgresServerSpec, message: string) => problems.push({ field, message })

  if (spec.kind !== 'shared' && spec.kind !== 'dedicated') add('kind', `kind must be "shared" or "dedicated"`)
  if (spec.kind === 'dedicated' && (spec.tenant === undefined || !isValidTenantName(spec.tenant)))
    add('tenant', `tenant "${spec.tenant ?? ''}" is invalid: ${TENANT_NAME_RULE}`)
  if (spec.kind === 'shared' && spec.tenant !== undefined) add('tenant', 'the shared server has no tenant')
  if (spec.kind === 'shared' && (spec.projectId !== undefined || spec.projectDir !== undefined))
    add('projectId', 'the shared server is machine-wide: it belongs to no project')
  if (spec.projectId !== undefined && !PROJECT_ID.test(spec.projectId))
    add('projectId', `project id "${spec.projectId}" must be 4-16 lowercase letters or digits`)
  if (spec.projectDir !== undefined && !isAbsolute(spec.projectDir))
    add('projectDir', `project directory "${spec.projectDir}" must be absolute`)
  if (!COMPOSE_KEY.test(spec.service))
    add('service', `service name "${spec.service}" is not a valid compose key`)
  if (!DOCKER_OBJECT_NAME.test(spec.containerName))
    add('containerName', `container name "${spec.containerName}" is not a valid Docker name`)
  if (!DOCKER_OBJECT_NAME.test(spec.volumeName))
    add('volumeName', `volume name "${spec.volumeName}" is not a valid Docker name`)
  if (!isValidImage(spec.image))
    add('image', `image "${String(spec.image)}" must be a non-empty reference without spaces`)
  if (!isValidPort(spec.port)) add('port', `port ${String(spec.port)} must be an integer from 1 to 65535`)
  if (!PG_IDENTIFIER.test(spec.adminUser))
    add('adminUser', `admin user "${spec.adminUser}" is not a plain identifier`)
  if (!PG_IDENTIFIER.test(spec.database))
    add('database', `database "${spec.database}" is not a plain identifier`)
  if (!isAbsolute(spec.passwordFile))
    add('passwordFile', `password file "${spec.passwordFile}" must be absolute`)
  if (!DOCKER_OBJECT_NAME.test(spec.project))
    add('project', `compose project "${spec.project}" is not a valid name`)
  for (const [key, value] of Object.entries(spec.labels)) {
    if (GENERATED_LABEL_KEYS.includes(key)) add('labels', `label "${key}" is set by the generator`)
    else if (key === '' || typeof value !== 'string') add('labels', `label "${key}" must have a string value`)
  }
  return problems
}

/** Throws COMPOSE_SPEC_INVALID listing every problem. */
export function assertValidSpec(spec: PostgresServerSpec): void {
  const problems = specProblems(spec)
  const first = problems[0]
  if (first === undefined) return
  throw new SystempromptError({
    code: 'COMPOSE_SPEC_INVALID',
    message: `PostgreSQL server settings are invalid: ${problems.map((p) => p.message).join('; ')}.`,
    fix: 'Correct the PostgreSQL settings (image, port) in the project configuration or flags.',
    category: 'user',
    keyPath: [first.field],
    issues: problems.map((p) => ({ code: 'COMPOSE_SPEC_INVALID', message: p.message, keyPath: [p.field] })),
  })
}
