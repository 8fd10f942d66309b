// The swarm target (SPEC 7): secrets as Swarm secrets named by a hash of their value (<NAME>_FILE in the
// app), a health-gated rolling update with automatic rollback, and our own polling of UpdateStatus (docker's
// CLI exits 0 after a rollback; an update never times out by itself).

import { createHash, createHmac } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { type DeploySettings, SystempromptError } from '@systemprompt/config'
import type { Engine, ServiceInfo, ServiceSpec, TaskInfo } from '@systemprompt/engine'
import {
  DEPLOY_LABELS,
  type RolloutOptions,
  type RolloutResult,
  type RunningState,
  specHash,
} from './rollout.js'

const NS = 1_000_000_000
const SECRETS_DIR = '/run/secrets'
/** Task states that ended a task for good. */
const ENDED = new Set(['failed', 'rejected', 'shutdown', 'complete', 'orphaned', 'remove'])

/**
 * The Swarm secret of a value: named by a hash of it (secrets are immutable; a new value is a new secret).
 * Keyed with `key` (the profile's jwt_secret, random) when there is one, so a name gives nobody a way to
 * guess a weak value offline. Names allow [a-zA-Z0-9_.-], 64 at most.
 */
function swarmSecretName(service: string, envName: string, value: string, key?: string): string {
  const hash = (key ? createHmac('sha256', key) : createHash('sha256'))
    .update(`${envName}\0${value}`)
    .digest('hex')
    .slice(0, 12)
  return `${service.slice(0, 30)}_${envName.toLowerCase().slice(0, 20)}_${hash}`
}

/** Before anything changes: the engine is a manager, every network exists and services can join it. */
export async function swarmPreflight(
  engine: Engine,
  settings: DeploySettings,
  service: string,
  projectId: string,
): Promise<void> {
  const state = await engine.swarm.state()
  if (state.state !== 'active' || !state.manager)
    throw new SystempromptError({
      code: 'DEPLOY_NOT_SWARM_MANAGER',
      category: 'user',
      message:
        state.state === 'active'
          ? 'deploy.target is swarm, but this engine is a Swarm worker: services are created on a manager'
          : `deploy.target is swarm, but this engine is not in a Swarm (state ${state.state})`,
      fix:
        state.state === 'active'
          ? 'Point deploy.engine (or DOCKER_HOST) at a manager node'
          : 'Run `docker swarm init` on it (or point deploy.engine at a manager), or use deploy.target: docker',
      details: { swarm: state.state },
    })
  const current = await engine.swarm.inspectService(service)
  if (current && current.Spec.Labels?.[DEPLOY_LABELS.project] !== projectId)
    throw new SystempromptError({
      code: 'CONTAINER_NAME_TAKEN',
      category: 'conflict',
      message: `A Swarm service named ${service} exists and was not deployed by this project`,
      fix: "Name this profile's service differently (deploy.service), or remove the other one",
    })
  for (const name of settings.networks) {
    const network = await engine.networks.inspect(name)
    if (!network)
      throw new SystempromptError({
        code: 'DEPLOY_NETWORK_MISSING',
        category: 'user',
        keyPath: ['deploy', 'networks'],
        message: `deploy.networks names ${JSON.stringify(name)}, and no network of that name exists on the engine`,
        fix: `Create it (\`docker network create --driver overlay --attachable ${name}\`) or correct deploy.networks`,
      })
    if (network.Scope !== 'swarm')
      throw new SystempromptError({
        code: 'DEPLOY_NETWORK_MISSING',
        category: 'user',
        keyPath: ['deploy', 'networks'],
        message: `deploy.networks names ${JSON.stringify(name)}, a ${network.Driver} network of scope ${network.Scope}: a Swarm service joins overlay networks only`,
        fix: `Use an overlay network (\`docker network create --driver overlay --attachable ${name}\`)`,
      })
  }
}

/** The service spec we want, and the secrets it needs (created before the service is). */
function desiredSpec(
  options: RolloutOptions,
  secrets: { envName: string; id: string; name: string }[],
): ServiceSpec {
  const { settings } = options
  const host = settings.publish_mode === 'host'
  const order = host && settings.publish_port !== null ? 'stop-first' : 'start-first'
  const update = {
    Parallelism: 1,
    Delay: 0,
    FailureAction: 'rollback',
    Monitor: settings.monitor * NS,
    MaxFailureRatio: 0,
    Order: order,
  }
  const spec = {
    Name: options.service,
    Labels: { ...options.labels },
    TaskTemplate: {
      ContainerSpec: {
        Image: options.image,
        Env: [
          ...secrets.map((s) => `${s.envName}_FILE=${SECRETS_DIR}/${s.envName}`),
          ...Object.entries(options.plainEnv).map(([k, v]) => `${k}=${v}`),
        ].sort(),
        Secrets: secrets.map((s) => ({
          SecretID: s.id,
          SecretName: s.name,
          File: { Name: s.envName, UID: '0', GID: '0', Mode: 0o444 },
        })),
        Labels: { ...options.labels },
        // /app/storage (the image's VOLUME) outlives the tasks: one named volume per service on each node.
        Mounts: [
          {
            Type: 'volume',
            Source: `${options.service}-storage`,
            Target: '/app/storage',
            VolumeOptions: { Labels: { ...options.labels } },
          },
        ],
        StopGracePeriod: 10 * NS,
      },
      RestartPolicy: { Condition: 'any', Delay: 2 * NS, MaxAttempts: 0 },
      Networks: settings.networks.map((target) => ({ Target: target })),
    },
    Mode: { Replicated: { Replicas: settings.replicas } },
    UpdateConfig: update,
    RollbackConfig: { ...update, FailureAction: 'pause' },
    EndpointSpec:
      settings.publish_port === null
        ? { Mode: 'dnsrr' }
        : {
            Mode: host ? 'dnsrr' : 'vip',
            Ports: [
              {
                Protocol: 'tcp',
                TargetPort: options.containerPort,
                PublishedPort: settings.publish_port,
                PublishMode: host ? 'host' : 'ingress',
              },
            ],
          },
  }
  return spec as unknown as ServiceSpec
}

/** Secret ids by name: each one made unless it exists (the name is a hash of the value: same value, same secret). */
async function ensureSecrets(
  options: RolloutOptions,
): Promise<{ envName: string; id: string; name: string }[]> {
  const out: { envName: string; id: string; name: string }[] = []
  for (const [envName, value] of Object.entries(options.secretEnv).sort(([a], [b]) => a.localeCompare(b))) {
    const name = swarmSecretName(options.service, envName, value, options.secretEnv.JWT_SECRET)
    const id = await options.engine.swarm.ensureSecret(name, value, {
      ...options.labels,
      [DEPLOY_LABELS.service]: options.service,
    })
    out.push({ envName, id, name })
  }
  return out
}

/** Removes this service's secrets that the current spec does not use (in-use ones are left by the engine). */
async function pruneSecrets(engine: Engine, service: string, keep: Set<string>): Promise<number> {
  let removed = 0
  for (const secret of await engine.swarm.listSecrets({ [DEPLOY_LABELS.service]: service })) {
    if (keep.has(secret.Spec.Name)) continue
    if (await engine.swarm.removeSecret(secret.ID)) removed += 1
  }
  return removed
}

/** The newest task of `image` that failed (its error and log tail); a task Swarm only shut down comes last. */
async function failureOf(engine: Engine, service: string, image: string): Promise<string> {
  const tasks = (await engine.swarm.tasks(service).catch(() => [] as TaskInfo[])).filter(
    (t) => t.Spec.ContainerSpec?.Image === image,
  )
  const failed =
    tasks.find((t) => t.Status.State === 'failed' || t.Status.State === 'rejected') ??
    tasks.find((t) => t.Status.Err) ??
    tasks.find((t) => ENDED.has(t.Status.State) && t.Status.State !== 'complete')
  if (!failed) return 'no task of the new version reported an error'
  const code = failed.Status.ContainerStatus?.ExitCode
  const error = `${failed.Status.Err ?? failed.Status.Message ?? failed.Status.State}${code ? ` (exit code ${code})` : ''}`
  let logs = ''
  try {
    logs = (await engine.swarm.taskLogs(failed.ID, 15)).trimEnd()
  } catch {
    logs = ''
  }
  return `task ${failed.ID.slice(0, 12)}: ${error}${logs ? `; its last lines:\n${logs}` : ''}`
}

function runningTasks(tasks: TaskInfo[], image: string): number {
  return tasks.filter(
    (t) =>
      t.DesiredState === 'running' && t.Status.State === 'running' && t.Spec.ContainerSpec?.Image === image,
  ).length
}

/** Waits until `replicas` tasks of `image` run (healthy: Swarm counts a task with a HEALTHCHECK as running once healthy). */
async function waitRunning(options: RolloutOptions, deadline: number): Promise<void> {
  const { engine, service, image } = options
  let failures = 0
  const seen = new Set<string>()
  for (;;) {
    options.signal?.throwIfAborted()
    const tasks = await engine.swarm.tasks(service)
    const running = runningTasks(tasks, image)
    options.onProgress?.(`${running}/${options.settings.replicas} replicas running`)
    if (running >= options.settings.replicas) return
    for (const t of tasks)
      if (
        t.Spec.ContainerSpec?.Image === image &&
        (t.Status.State === 'failed' || t.Status.State === 'rejected')
      )
        if (!seen.has(t.ID)) {
          seen.add(t.ID)
          failures += 1
        }
    if (failures >= Math.max(2, options.settings.replicas))
      throw new Error(await failureOf(engine, service, image))
    if (Date.now() > deadline)
      throw new Error(
        `${running} of ${options.settings.replicas} replicas healthy after ${options.settings.health_timeout} s${failures > 0 ? `; ${await failureOf(engine, service, image)}` : ''}`,
      )
    await sleep(500, undefined, { signal: options.signal })
  }
}

type UpdateOutcome = { ok: true } | { ok: false; state: string; reason: string }

/** Polls UpdateStatus after our update until it completes, rolls back or pauses, or `deadline` passes. */
async function waitUpdate(
  options: RolloutOptions,
  previous: ServiceInfo,
  deadline: number,
): Promise<UpdateOutcome | 'timeout'> {
  const { engine, service } = options
  const before = previous.UpdateStatus?.StartedAt
  let sawOurs = false
  for (;;) {
    options.signal?.throwIfAborted()
    const now = await engine.swarm.inspectService(service)
    const status = now?.UpdateStatus
    if (status && (status.StartedAt !== before || status.State === 'updating')) sawOurs = true
    const state = sawOurs ? (status?.State ?? 'updating') : 'updating'
    const tasks = await engine.swarm.tasks(service)
    options.onProgress?.(
      `${state}: ${runningTasks(tasks, options.image)}/${options.settings.replicas} replicas on the new version`,
    )
    if (state === 'completed') return { ok: true }
    if (state === 'rollback_completed' || state === 'rollback_paused' || state === 'paused')
      return { ok: false, state, reason: status?.Message ?? state }
    if (Date.now() > deadline) return 'timeout'
    await sleep(500, undefined, { signal: options.signal })
  }
}

/** Waits (bounded) for a rollback Swarm runs to finish, so the old version serves again when we return. */
async function waitRollback(options: RolloutOptions, deadlineMs: number): Promise<string> {
  const end = Date.now() + deadlineMs
  for (;;) {
    const status = (await options.engine.swarm.inspectService(options.service))?.UpdateStatus
    if (status?.State === 'rollback_completed' || status?.State === 'rollback_paused') return status.State
    if (Date.now() > end) return status?.State ?? 'unknown'
    await sleep(500)
  }
}

export async function rolloutSwarm(options: RolloutOptions): Promise<RolloutResult> {
  const { engine, service, settings } = options
  const started = Date.now()
  const current = await engine.swarm.inspectService(service)
  const secrets = await ensureSecrets(options)
  const spec = desiredSpec(options, secrets)
  const hash = specHash(spec)
  // The endpoint too: Swarm replaces every task when the published ports or their mode change.
  const taskHash = specHash({ task: spec.TaskTemplate, endpoint: spec.EndpointSpec })
  ;(spec.Labels as Record<string, string>)[DEPLOY_LABELS.spec] = hash
  ;(spec.Labels as Record<string, string>)[DEPLOY_LABELS.task] = taskHash
  const keep = new Set(secrets.map((s) => s.name))
  const previousImage = (current?.Spec.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined)
    ?.ContainerSpec?.Image
  const state = current?.UpdateStatus?.State
  if (
    current &&
    current.Spec.Labels?.[DEPLOY_LABELS.spec] === hash &&
    state !== 'paused' &&
    state !== 'rollback_paused' &&
    runningTasks(await engine.swarm.tasks(service), options.image) >= settings.replicas
  ) {
    return { state: 'unchanged', ms: Date.now() - started, previousImage }
  }
  const healthDeadline = Date.now() + settings.health_timeout * 1000

  // The last moment Ctrl-C leaves everything as it was.
  options.signal?.throwIfAborted()
  if (!current) {
    options.onProgress?.('creating the service')
    await engine.swarm.createService(options.auth, spec)
    try {
      await waitRunning(options, Math.min(healthDeadline, started + settings.rollout_timeout * 1000))
    } catch (error) {
      // A first deploy that never became healthy leaves nothing behind: no old version to keep serving.
      await engine.swarm.removeService(service).catch(() => undefined)
      await sleep(1000)
      await pruneSecrets(engine, service, new Set()).catch(() => 0)
      if (options.signal?.aborted)
        throw new SystempromptError({
          code: 'INTERRUPTED',
          category: 'user',
          message: `Interrupted during the first rollout of ${service}: the service was removed; nothing is deployed`,
          fix: 'Deploy again when ready',
        })
      throw new SystempromptError({
        code: 'DEPLOY_FAILED',
        category: 'user',
        message: `The first deploy of ${service} did not become healthy; the service was removed. ${(error as Error).message}`,
        fix: 'Fix what the task error and log name (a migration, DATABASE_URL, the health check), then deploy again',
      })
    }
    await pruneSecrets(engine, service, keep).catch(() => 0)
    return { state: 'created', ms: Date.now() - started }
  }

  options.onProgress?.(`updating from ${previousImage ?? 'the current version'}`)
  // Only the replicas or labels changed: Swarm scales, no rolling update (UpdateStatus stays as it was).
  const sameTasks = current.Spec.Labels?.[DEPLOY_LABELS.task] === taskHash
  await engine.swarm.updateService(current.ID, current.Version?.Index ?? 0, spec, options.auth)
  let outcome: UpdateOutcome | 'timeout'
  try {
    outcome = sameTasks
      ? { ok: true }
      : await waitUpdate(options, current, started + settings.rollout_timeout * 1000)
    if (outcome !== 'timeout' && outcome.ok)
      await waitRunning(options, Math.max(healthDeadline, Date.now() + 30_000))
  } catch (error) {
    if (!options.signal?.aborted) throw error
    // Ctrl-C in the middle: go back to the old version rather than leave a half-updated service.
    const asked = await manualRollback(options).then(
      () => true,
      () =>
        manualRollback(options).then(
          () => true,
          () => false,
        ),
    )
    throw new SystempromptError({
      code: 'INTERRUPTED',
      category: 'user',
      message: asked
        ? `Interrupted during the rollout: ${service} is being rolled back to ${previousImage ?? 'its previous version'} (Swarm finishes that on its own)`
        : `Interrupted during the rollout, and the rollback of ${service} could not be started: Swarm goes on updating it to ${options.image}`,
      fix: asked
        ? 'Check it with `systemprompt cloud deploy status`; deploy again when ready'
        : `Roll it back yourself (\`docker service rollback ${service}\`) or let the update finish; \`systemprompt cloud deploy status\` shows it`,
    })
  }
  if (outcome === 'timeout') {
    const reason = await failureOf(engine, service, options.image)
    const final = await manualRollback(options).then(
      () => waitRollback(options, settings.health_timeout * 1000),
      (error: unknown) => `the rollback could not be started: ${(error as Error).message}`,
    )
    await pruneSecrets(engine, service, new Set()).catch(() => 0)
    throw new SystempromptError({
      code: final === 'rollback_completed' ? 'DEPLOY_ROLLED_BACK' : 'DEPLOY_FAILED',
      category: 'user',
      message: `The rollout of ${service} did not finish within ${settings.rollout_timeout} s: rolled back to ${previousImage ?? 'the previous version'} (${final}). Last failure: ${reason}`,
      fix: 'Fix what the log names, or raise deploy.rollout_timeout; `systemprompt cloud deploy status` shows what runs',
      details: { rolled_back_to: previousImage ?? null, state: final },
    })
  }
  if (!outcome.ok) {
    const bad = outcome as { ok: false; state: string; reason: string }
    const reason = await failureOf(engine, service, options.image)
    let final = bad.state
    if (bad.state === 'paused')
      final = await manualRollback(options).then(
        () => waitRollback(options, settings.health_timeout * 1000),
        (error: unknown) => `the rollback could not be started: ${(error as Error).message}`,
      )
    // The new secrets are unused again once the old tasks run.
    await pruneSecrets(engine, service, new Set()).catch(() => 0)
    throw new SystempromptError({
      code: final === 'rollback_completed' ? 'DEPLOY_ROLLED_BACK' : 'DEPLOY_FAILED',
      category: 'user',
      message: `The new version of ${service} failed its health gate and Swarm rolled back to ${previousImage ?? 'the previous version'} (${final}: ${bad.reason}). Why: ${reason}`,
      fix: 'Fix what the task error and log name (a migration, DATABASE_URL, the health check), then deploy again',
      details: { rolled_back_to: previousImage ?? null, state: final },
    })
  }
  const removed = await pruneSecrets(engine, service, keep).catch(() => 0)
  return { state: 'updated', ms: Date.now() - started, previousImage, secretsRemoved: removed }
}

async function manualRollback(options: RolloutOptions): Promise<void> {
  const now = await options.engine.swarm.inspectService(options.service)
  if (!now?.PreviousSpec) return
  await options.engine.swarm.updateService(now.ID, now.Version?.Index ?? 0, now.Spec, options.auth, {
    rollback: true,
  })
}

/** What runs now: image, replicas running, update state. */
export async function swarmStatus(engine: Engine, service: string): Promise<RunningState | undefined> {
  const info = await engine.swarm.inspectService(service)
  if (!info) return undefined
  const image = (info.Spec.TaskTemplate as { ContainerSpec?: { Image?: string } }).ContainerSpec?.Image
  const tasks = await engine.swarm.tasks(service)
  return {
    image,
    running: tasks.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running').length,
    desired:
      (info.Spec.Mode as { Replicated?: { Replicas?: number } } | undefined)?.Replicated?.Replicas ?? 0,
    state: info.UpdateStatus?.State,
    since: info.UpdateStatus?.CompletedAt ?? info.UpdatedAt,
  }
}
