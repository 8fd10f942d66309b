// Realising the shared server when one exists (or existed): the part of `db up` that other projects feel.
// Three rules live here. A change they would feel (port, image, password file) is allowed only when nobody
// else uses the server or the caller says so (SHARED_SERVER_IN_USE otherwise). The machine-wide password
// file is written only after a login proved the password (or when there is nothing to overwrite, or a
// fresh volume is about to be initialised with it). A re-created server that does not come up is put back
// as it was, so a bad image never leaves every project without its database.
import type { PostgresServerSpec } from '@systemprompt/compose'
import type { SharedConfig } from '@systemprompt/config'
import { isSystempromptError, readPasswordFile, SystempromptError } from '@systemprompt/config/core'
import { type ContainerInfo, LABELS } from '@systemprompt/engine'
import { adoptSharedServer } from '../runner/adopt.js'
import { publishedPort } from '../runner/ownership.js'
import { verifyLogin } from '../runner/probe.js'
import { waitReady } from '../runner/ready.js'
import { type UpAction, type UpServerResult, upServer } from '../runner/up.js'
import type { PlannedServer } from './declare.js'
import { ensurePasswordFile } from './passwords.js'
import type { SharedChangeReport } from './server-result.js'
import {
  describeChanges,
  differsFromDeclared,
  type SharedChange,
  secretSource,
  sharedChanges,
} from './shared-cases.js'
import type { SharedRun } from './shared-run.js'
import { describeSharedServerUsers, findSharedServerUsers, type SharedServerUsers } from './shared-users.js'

/** What is known about the admin password before the server was asked. */
export interface KnownPassword {
  password: string
  /** It was learnt from the server (adoption), not taken from this project's record. */
  adopted: boolean
  /** Adoption started the stopped server. */
  startedByAdoption: boolean
}

/** What `realiseExisting` leaves for `commitShared`: the proven password and what the call did. */
export interface Realised {
  password: string
  action: UpAction
  adopted: boolean
  previousPort: number | undefined
  changed: SharedChangeReport | undefined
}

/**
 * Realise `plan` for a server that may exist already (`container`) and that this project knows a password
 * for. The caller commits the files afterwards.
 */
export async function realiseExisting(
  run: SharedRun,
  plan: PlannedServer,
  container: ContainerInfo | undefined,
  config: SharedConfig | undefined,
  known: KnownPassword,
): Promise<Realised> {
  const changes = container ? sharedChanges(container, plan.spec, run.layout.dockerDir) : []
  if (container && changes.length === 0 && recreates(container, plan.spec)) {
    const kept = await keptAsItIs(run, plan, container, config, known)
    if (kept) return kept
  }
  const changed = await allowChanges(run, plan.spec, container, changes, known.password)
  // Before the start, the password file is written only when there is nothing to overwrite, or when a fresh
  // volume will be initialised from it; otherwise only once a login proved the password (below).
  const volume = await run.engine.volumes.inspect(plan.spec.volumeName)
  if (!volume || (await readPasswordFile(plan.spec.passwordFile)) === undefined)
    await ensurePasswordFile(plan.spec.passwordFile, known.password)
  let up: UpServerResult | undefined
  let rejected = false
  try {
    up = await upWithRollback(run, plan, known.password, container, changes)
  } catch (error) {
    if (!isCode(error, 'VOLUME_PASSWORD_MISMATCH')) throw error
    rejected = true
  }
  // Nothing to start: the runner only saw it answer. A login must still prove this password.
  if (up?.action === 'unchanged') rejected = !(await opens(run, plan.spec, known.password))
  let password = known.password
  if (rejected) {
    password = await learnServerPassword(run, plan.spec, known.password)
    run.warnings.push(
      `admin_password in ${run.layout.sharedConfig} did not open the shared server (SQLSTATE 28P01); this project now uses the password the server runs with (read from its password file and proven by a login).`,
    )
  }
  await ensurePasswordFile(plan.spec.passwordFile, password)
  const action: UpAction =
    up?.action ??
    (!container
      ? 'created'
      : changes.length > 0 || differsFromDeclared(container, plan.spec)
        ? 'recreated'
        : 'started')
  return {
    password,
    action: known.startedByAdoption && action === 'unchanged' ? 'started' : action,
    adopted: known.adopted || rejected,
    // What this project's tenant URLs name: its record, else where the joined server listened.
    previousPort: config?.port ?? (container ? publishedPort(container) : undefined),
    changed,
  }
}

/** Realising `spec` re-creates `container`: its config hash differs, or it mounts another password file. */
function recreates(container: ContainerInfo, spec: PostgresServerSpec): boolean {
  return differsFromDeclared(container, spec) || secretSource(container) !== spec.passwordFile
}

/**
 * Only details differ (labels, another CLI version, a hand-edited shared.yaml: the config hash), yet
 * realising them re-creates the server for everyone. With other users and without `allowAffectingOthers`,
 * it is adopted as it runs (as joining does: its password read from it and proven by a login) and a warning
 * says what differs and how to apply it. Undefined: nobody else uses it, or the caller allowed it.
 */
async function keptAsItIs(
  run: SharedRun,
  plan: PlannedServer,
  container: ContainerInfo,
  config: SharedConfig | undefined,
  known: KnownPassword,
): Promise<Realised | undefined> {
  if (run.options.allowAffectingOthers) return undefined
  const users = await usersOf(run, plan.spec, container, known.password)
  if (users.others.length === 0) return undefined
  const adoption = await adoptSharedServer(
    run.engine,
    { ...plan.spec, port: publishedPort(container) ?? plan.spec.port },
    {
      timeoutMs: run.timeoutMs,
      fallbackPassword: known.password,
      ...(run.options.onProgress ? { onProgress: run.options.onProgress } : {}),
    },
  )
  await ensurePasswordFile(plan.spec.passwordFile, adoption.password)
  const name = container.Name.replace(/^\//, '')
  run.warnings.push(
    `The shared server ${name} differs from what this project declares (${describeDrift(container, plan.spec)}); other projects use it (${describeSharedServerUsers(users.others)}), so it was not re-created and runs as it is. To re-create it for every project, run \`systemprompt db up --yes\`.`,
  )
  const started = known.startedByAdoption || adoption.started
  return {
    password: adoption.password,
    action: started ? 'started' : 'unchanged',
    adopted: known.adopted || adoption.password !== known.password,
    previousPort: config?.port ?? publishedPort(container),
    changed: undefined,
  }
}

/** What differs between the container and `spec` beyond port, image and password file, for the warning. */
function describeDrift(container: ContainerInfo, spec: PostgresServerSpec): string {
  const labels = container.Config.Labels ?? {}
  const keys = [...new Set([...Object.keys(spec.labels), ...Object.keys(labels)])]
    .filter((key) => key !== LABELS.configHash && spec.labels[key] !== labels[key])
    .sort()
  const parts = keys.map(
    (key) => `label ${key}: ${labels[key] ?? '(none)'} → ${spec.labels[key] ?? '(none)'}`,
  )
  if (secretSource(container) !== spec.passwordFile)
    parts.push(`password file ${secretSource(container) ?? '(none)'} → ${spec.passwordFile}`)
  return parts.length > 0
    ? parts.join(', ')
    : 'its configuration hash: another systemprompt version made it, or shared.yaml was edited'
}

/** The command that applies a change of the shared server for everyone (only `db up` takes --yes for it). */
function applyCommand(run: SharedRun): string {
  return run.options.yesApplies ? 'rerun with --yes' : 'run `systemprompt db up --yes`'
}

async function usersOf(
  run: SharedRun,
  spec: PostgresServerSpec,
  container: ContainerInfo | undefined,
  password: string,
): Promise<SharedServerUsers> {
  const mounted = container ? secretSource(container) : undefined
  return findSharedServerUsers({
    dataDir: run.options.dataDir,
    containerName: spec.containerName,
    projectId: await run.projectId(),
    container,
    adminUser: spec.adminUser,
    database: spec.database,
    passwords: [password, mounted ? await readPasswordFile(mounted) : undefined],
  })
}

/**
 * A change that other projects would feel goes ahead only when none uses the server, or the caller allowed
 * it (`allowAffectingOthers`: the user passed --yes or confirmed). SHARED_SERVER_IN_USE names them otherwise.
 */
async function allowChanges(
  run: SharedRun,
  spec: PostgresServerSpec,
  container: ContainerInfo | undefined,
  changes: SharedChange[],
  password: string,
): Promise<SharedChangeReport | undefined> {
  if (changes.length === 0) return undefined
  const users = await usersOf(run, spec, container, password)
  if (users.others.length > 0 && !run.options.allowAffectingOthers)
    throw sharedServerInUse(run, spec, changes, users)
  for (const change of changes)
    if (change.what === 'password-file')
      run.warnings.push(
        `The shared server mounted its password file from ${change.from} (another SYSTEMPROMPT_DATA_DIR); it now mounts ${change.to}.`,
      )
  return { changes, others: users.others }
}

/** The other way out of a SHARED_SERVER_IN_USE, per change: leave the server as it is. */
const ALTERNATIVE: Record<SharedChange['what'], (from: string) => string> = {
  port: (from) => `run without --port (it listens on 127.0.0.1:${from})`,
  image: (from) => `set SYSTEMPROMPT_POSTGRES_IMAGE to ${from} (the image it runs) or unset it`,
  'password-file': (from) => `run with the SYSTEMPROMPT_DATA_DIR the others use (the one that holds ${from})`,
}

function sharedServerInUse(
  run: SharedRun,
  spec: PostgresServerSpec,
  changes: SharedChange[],
  users: SharedServerUsers,
): SystempromptError {
  const alternatives = changes.map((change) => ALTERNATIVE[change.what](String(change.from)))
  const port = changes.find((change) => change.what === 'port')
  return new SystempromptError({
    code: 'SHARED_SERVER_IN_USE',
    category: 'conflict',
    message: `This would change the machine-wide shared PostgreSQL server ${spec.containerName} (${describeChanges(changes)}) and re-create it, which other projects use: ${describeSharedServerUsers(users.others)}. Their sessions would drop${port ? ` and their DATABASE_URLs would still name port ${port.from}` : ''}`,
    fix: `${capitalize(applyCommand(run))} to change it for every project${port ? ' (then run `systemprompt db doctor --fix` in each of them)' : ''}, or ${alternatives.join(', or ')}`,
    details: {
      container: spec.containerName,
      changes,
      projects: users.others,
      databasesListed: users.databasesListed,
    },
  })
}

/**
 * The runner's `upServer`, and when it re-created the server and the new one fails (an image that is no
 * PostgreSQL server, a port grabbed in between), the old one put back: same image, port and password file.
 * A refusal before anything changed (image missing, port in use) leaves the container as it was: nothing
 * to put back. A rejected password is not a failed server: the caller learns the right one.
 */
async function upWithRollback(
  run: SharedRun,
  plan: PlannedServer,
  password: string,
  container: ContainerInfo | undefined,
  changes: SharedChange[],
): Promise<UpServerResult> {
  try {
    return await upServer(run.engine, plan.spec, {
      timeoutMs: run.timeoutMs,
      password,
      composeFile: run.layout.sharedCompose,
      volumeKnown: true,
      // The config hash covers the password file's name only: a file in another directory needs a re-create.
      ...(container && secretSource(container) !== plan.spec.passwordFile ? { recreate: true } : {}),
      ...(run.options.resetVolume ? { resetVolume: true } : {}),
      ...(run.options.onProgress ? { onProgress: run.options.onProgress } : {}),
    })
  } catch (error) {
    if (!container || isCode(error, 'VOLUME_PASSWORD_MISMATCH')) throw error
    if (await run.engine.containers.inspect(container.Id)) throw error
    const previous = previousSpec(plan.spec, container)
    run.options.onProgress?.({
      step: 'recreate',
      message: `Putting ${previous.containerName} back as it was (image ${previous.image}, port ${previous.port})`,
    })
    try {
      await upServer(run.engine, previous, {
        timeoutMs: run.timeoutMs,
        password,
        volumeKnown: true,
        recreate: true,
      })
    } catch (rollbackError) {
      throw withNote(
        error,
        `. Putting the previous server back (image ${previous.image}, port ${previous.port}) failed too: ${rollbackError instanceof Error ? rollbackError.message : String(rollbackError)}`,
      )
    }
    throw withNote(
      error,
      `. The shared server was put back as it was (image ${previous.image}, port ${previous.port}${changes.length > 0 ? `; not changed: ${describeChanges(changes)}` : ''}); the project files were not changed`,
    )
  }
}

/** The server as the container was: its image, port and password file, with this project's names. */
function previousSpec(spec: PostgresServerSpec, container: ContainerInfo): PostgresServerSpec {
  return {
    ...spec,
    image: container.Config.Image,
    port: publishedPort(container) ?? spec.port,
    passwordFile: secretSource(container) ?? spec.passwordFile,
  }
}

function withNote(error: unknown, note: string): unknown {
  if (!isSystempromptError(error)) return error
  return new SystempromptError({
    code: error.code,
    category: error.category,
    message: `${error.message}${note}`,
    ...(error.fix !== undefined ? { fix: error.fix } : {}),
    ...(error.details !== undefined ? { details: { ...error.details, rolledBack: true } } : {}),
    cause: error,
  })
}

/** A real login with `password` on the running server: true, false (rejected), or the runner's error. */
async function opens(run: SharedRun, spec: PostgresServerSpec, password: string): Promise<boolean> {
  const outcome = await verifyLogin(
    spec.port,
    { user: spec.adminUser, database: spec.database, password },
    3000,
  )
  if (outcome.kind !== 'unavailable') return outcome.kind === 'ok'
  // Not a plain answer (starting up, a method we do not speak): the runner's full wait decides.
  try {
    await waitReady(run.engine, spec, { password, timeoutMs: run.timeoutMs, volumeExisted: true })
    return true
  } catch (error) {
    if (isCode(error, 'VOLUME_PASSWORD_MISMATCH')) return false
    throw error
  }
}

/**
 * The server rejected this project's recorded password. The server's password is fixed by its volume and
 * every project that uses it depends on it, so the record is what is wrong: learn the server's own password
 * as joining does (read from the container, proven by a login). When nothing opens it, fail without
 * touching the machine-wide password file.
 */
async function learnServerPassword(
  run: SharedRun,
  spec: PostgresServerSpec,
  rejected: string,
): Promise<string> {
  const adoption = await adoptSharedServer(run.engine, spec, { timeoutMs: run.timeoutMs }).catch(
    () => undefined,
  )
  if (adoption && adoption.password !== rejected) return adoption.password
  throw new SystempromptError({
    code: 'VOLUME_PASSWORD_MISMATCH',
    category: 'conflict',
    file: run.layout.sharedConfig,
    message: `The shared PostgreSQL server ${spec.containerName} rejected admin_password of ${run.layout.sharedConfig} (SQLSTATE 28P01), and the password file it mounts does not open it either; the machine-wide password file ${spec.passwordFile} was left as it was`,
    fix: `Set admin_password in ${run.layout.sharedConfig} to the server's password (another project that uses it has it in its .systemprompt/docker/shared_config.json), then run \`systemprompt db up\`; or delete all its data with \`systemprompt db reset --yes\``,
    details: { container: spec.containerName, sqlstate: '28P01' },
  })
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function isCode(error: unknown, code: string): boolean {
  return isSystempromptError(error) && error.code === code
}
