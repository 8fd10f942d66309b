import { readFile, realpath } from 'node:fs/promises'
import { join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { errnoOf, ROLE_DEDICATED, SystempromptError } from '@systemprompt/config/core'
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

/** Whom a dedicated object must belong to: a project, and (when known) one tenant of it. */
interface ExpectedOwner {
  projectId: string
  /** The tenant the caller acts for: a container or volume of another tenant of the project is not its. */
  tenant?: string | undefined
  /** A volume without a project label is accepted (one this project recorded as its own). */
  acceptUnlabelled?: boolean
}

/**
 * The one ownership rule, checked before anything of a dedicated server is changed, removed or shown: a
 * container must carry this project's id, the dedicated role and (when `tenant` is given) that tenant; a
 * volume must carry this project's id, or — `acceptUnlabelled`: one made before servers carried the project
 * id, that this project recorded as its own — no project label at all; its tenant label, when it has one,
 * must be the tenant too. Returns the SERVER_OWNED_ELSEWHERE that names the owner, or undefined.
 */
export function ownershipProblem(
  object: LabelledObject,
  expected: ExpectedOwner,
): SystempromptError | undefined {
  const owner = ownerOf(object.labels)
  const roleOk = owner.role === ROLE_DEDICATED || (object.kind === 'volume' && owner.role === undefined)
  const unlabelled =
    object.kind === 'volume' && owner.projectId === undefined && expected.acceptUnlabelled === true
  const projectOk = owner.projectId === expected.projectId || unlabelled
  if (!roleOk || !projectOk) return ownedElsewhere(object, owner, expected.projectId)
  const tenant = object.labels?.[LABELS.tenant]
  const tenantOk =
    expected.tenant === undefined || tenant === expected.tenant || (unlabelled && tenant === undefined)
  return tenantOk ? undefined : otherTenants(object, tenant, expected.tenant ?? '')
}

/** `ownershipProblem`, thrown: nothing is touched. */
function assertOwnedBy(object: LabelledObject, expected: ExpectedOwner): void {
  const problem = ownershipProblem(object, expected)
  if (problem) throw problem
}

/**
 * The spec's own project, when it is a dedicated server's: its objects must belong to it and to its tenant.
 * The callers (postgres/server) only pass specs of this project and of the tenant they act for; a volume the
 * spec names without a project label is one the project recorded (adopted with its data).
 */
export function assertProjectOf(spec: PostgresServerSpec, object: LabelledObject): void {
  if (spec.kind !== 'dedicated' || spec.projectId === undefined) return
  assertOwnedBy(object, { projectId: spec.projectId, tenant: spec.tenant, acceptUnlabelled: true })
}

/** The project a destructive action is run from: its id and its root directory. */
export interface ActingProject {
  projectId: string
  root: string
}

/**
 * A copy of a project (same project id, another directory) must not change the original's server: before a
 * destructive action (down, reset, remove, re-create) an object whose project-dir label names another
 * directory that still holds this project id (its .systemprompt/tenants.json says so, or cannot be read) is
 * refused. When that directory is gone or holds another project, the project moved: allowed (the re-create
 * labels it with the new directory).
 */
export async function copyProblem(
  object: LabelledObject,
  project: ActingProject,
): Promise<SystempromptError | undefined> {
  const labelledDir = object.labels?.[LABELS.projectDir]
  if (labelledDir === undefined || object.labels?.[LABELS.project] !== project.projectId) return undefined
  const there = await realpath(labelledDir).catch(() => undefined)
  if (there === undefined) return undefined
  const here = await realpath(project.root).catch(() => project.root)
  if (there === here || !(await holdsProject(there, project.projectId))) return undefined
  return new SystempromptError({
    code: 'SERVER_OWNED_ELSEWHERE',
    category: 'conflict',
    message: `${object.kind === 'container' ? 'Container' : 'Volume'} ${object.name} belongs to the project in ${labelledDir}, which has the same project id (${project.projectId}) as this one (${project.root}): this project is a copy of it, and the original's server is left as it is`,
    fix: `Give this copy its own id and servers with \`systemprompt config new-id\` (run in ${project.root}), or manage the server from the original (\`cd ${labelledDir}\`)`,
    details: { [object.kind]: object.name, projectDir: labelledDir, projectId: project.projectId },
  })
}

/** `copyProblem`, thrown. */
export async function assertNotCopy(
  object: LabelledObject,
  project: ActingProject | undefined,
): Promise<void> {
  if (project === undefined) return
  const problem = await copyProblem(object, project)
  if (problem) throw problem
}

/** The directory is a project with this id: its tenants.json says so, or cannot be read (assume it does). */
async function holdsProject(dir: string, projectId: string): Promise<boolean> {
  const text = await readFile(join(dir, '.systemprompt', 'tenants.json'), 'utf8').catch((error: unknown) =>
    errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR' ? null : undefined,
  )
  if (text === null) return false
  if (text === undefined) return true
  try {
    const parsed = JSON.parse(text) as { project_id?: unknown } | null
    return typeof parsed?.project_id !== 'string' || parsed.project_id === projectId
  } catch {
    return true
  }
}

/** Says whose an object is: "project 1a2b3c4d (/home/me/other)", "the shared server", "no project". */
function describeOwner(owner: ObjectOwner): string {
  if (owner.projectId !== undefined)
    return `project ${owner.projectId}${owner.projectDir ? ` (${owner.projectDir})` : ''}`
  if (owner.role !== undefined && owner.role !== ROLE_DEDICATED) return `a ${owner.role} server`
  return 'no project of systemprompt (it carries no systemprompt.project label)'
}

function otherTenants(
  object: LabelledObject,
  tenant: string | undefined,
  expected: string,
): SystempromptError {
  const whose = tenant === undefined ? 'no tenant' : `tenant ${tenant}`
  return new SystempromptError({
    code: 'SERVER_OWNED_ELSEWHERE',
    category: 'conflict',
    message: `${object.kind === 'container' ? 'Container' : 'Volume'} ${object.name} belongs to ${whose} of this project, not to tenant ${expected}; it is left as it is`,
    fix: `Point docker/${expected}.yaml at tenant ${expected}'s own server (delete the file to have it generated again)`,
    details: { [object.kind]: object.name, tenant: tenant ?? null, expected },
  })
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
