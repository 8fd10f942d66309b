import type { PostgresServerSpec } from '@systemprompt/compose'
import { ROLE_DEDICATED, SystempromptError } from '@systemprompt/config/core'
import { type ContainerInfo, LABELS } from '@systemprompt/engine'
import { dbCommand } from './errors.js'

/** Made by systemprompt's runner (it carries `systemprompt.managed=1`). */
export function isManaged(info: ContainerInfo): boolean {
  return info.Config.Labels?.[LABELS.managed] === '1'
}

/** What the caller was about to do; shapes the fix of the error. */
export type OwnershipAction = 'up' | 'down' | 'reset'

/**
 * A container with our name that systemprompt did not make (another tool, the original CLI, a user's own
 * `docker run`): never re-create, stop or delete it.
 */
export function assertOurs(spec: PostgresServerSpec, info: ContainerInfo, action: OwnershipAction): void {
  if (isManaged(info)) {
    assertProjectOf(spec, { kind: 'container', name: spec.containerName, labels: info.Config.Labels })
    return
  }
  const fix = {
    up: `Rename or remove it yourself (\`docker rm -f ${spec.containerName}\` deletes it), then run \`${dbCommand(spec, 'up')}\``,
    down: `Stop it yourself if you mean to: \`docker stop ${spec.containerName}\``,
    reset: `systemprompt does not delete data it did not create: remove the container and its volume yourself (\`docker rm -f ${spec.containerName}\`), then run \`${dbCommand(spec, 'up')}\``,
  }[action]
  throw new SystempromptError({
    code: 'CONTAINER_NAME_TAKEN',
    category: 'conflict',
    message: `A container named ${spec.containerName} exists but was not created by systemprompt; it is left as it is`,
    fix,
    details: { container: spec.containerName, id: info.Id },
  })
}

/** Host port the container publishes for 5432/tcp, as created (also known while it is stopped). */
export function publishedPort(info: ContainerInfo | undefined): number | undefined {
  const bindings = info?.HostConfig.PortBindings as Record<string, { HostPort?: string }[]> | undefined
  const port = bindings?.['5432/tcp']?.[0]?.HostPort
  return port ? Number(port) : undefined
}

/** Whose a Docker object is, as its labels say (a dedicated server's project; nothing for the shared one). */
export interface ObjectOwner {
  projectId?: string
  projectDir?: string
  role?: string
}

export function ownerOf(labels: Record<string, string> | undefined | null): ObjectOwner {
  const owner: ObjectOwner = {}
  const projectId = labels?.[LABELS.project]
  const projectDir = labels?.[LABELS.projectDir]
  const role = labels?.[LABELS.role]
  if (projectId !== undefined) owner.projectId = projectId
  if (projectDir !== undefined) owner.projectDir = projectDir
  if (role !== undefined) owner.role = role
  return owner
}

export interface LabelledObject {
  kind: 'container' | 'volume'
  name: string
  labels: Record<string, string> | undefined | null
}

/**
 * The one ownership rule, checked before anything of a dedicated server is changed, removed or shown: a
 * container must carry this project's id and the dedicated role; a volume must carry this project's id, or
 * — `acceptUnlabelled`: one made before servers carried the project id, that this project recorded as its
 * own — no project label at all. Returns the SERVER_OWNED_ELSEWHERE that names the owner, or undefined.
 */
export function ownershipProblem(
  object: LabelledObject,
  expected: { projectId: string; acceptUnlabelled?: boolean },
): SystempromptError | undefined {
  const owner = ownerOf(object.labels)
  const roleOk = owner.role === ROLE_DEDICATED || (object.kind === 'volume' && owner.role === undefined)
  const projectOk =
    owner.projectId === expected.projectId ||
    (object.kind === 'volume' && owner.projectId === undefined && expected.acceptUnlabelled === true)
  return roleOk && projectOk ? undefined : ownedElsewhere(object, owner, expected.projectId)
}

/** `ownershipProblem`, thrown: nothing is touched. */
function assertOwnedBy(
  object: LabelledObject,
  expected: { projectId: string; acceptUnlabelled?: boolean },
): void {
  const problem = ownershipProblem(object, expected)
  if (problem) throw problem
}

/**
 * The spec's own project, when it is a dedicated server's: its objects must belong to it. The callers
 * (postgres/server) only pass specs of this project; a volume the spec names without a project label is one
 * the project recorded (adopted with its data).
 */
export function assertProjectOf(spec: PostgresServerSpec, object: LabelledObject): void {
  if (spec.kind !== 'dedicated' || spec.projectId === undefined) return
  assertOwnedBy(object, { projectId: spec.projectId, acceptUnlabelled: true })
}

/** Says whose an object is: "project 1a2b3c4d (/home/me/other)", "the shared server", "no project". */
function describeOwner(owner: ObjectOwner): string {
  if (owner.projectId !== undefined)
    return `project ${owner.projectId}${owner.projectDir ? ` (${owner.projectDir})` : ''}`
  if (owner.role !== undefined && owner.role !== ROLE_DEDICATED) return `a ${owner.role} server`
  return 'no project of systemprompt (it carries no systemprompt.project label)'
}

function ownedElsewhere(object: LabelledObject, owner: ObjectOwner, projectId: string): SystempromptError {
  const elsewhere = owner.projectDir
    ? `Manage it from that project (\`cd ${owner.projectDir}\`)`
    : 'Remove it yourself if it is really not needed'
  return new SystempromptError({
    code: 'SERVER_OWNED_ELSEWHERE',
    category: 'conflict',
    message: `${object.kind === 'container' ? 'Container' : 'Volume'} ${object.name} belongs to ${describeOwner(owner)}, not to this project (${projectId}); it is left as it is`,
    fix: `${elsewhere}, or point this project's compose file at its own server (delete the file to have it generated again)`,
    details: { [object.kind]: object.name, owner, projectId },
  })
}
