// `cloud deploy` (SPEC 7): build release → build mcp → docker build → push → roll out → verify → record. Every
// check that can refuse runs before the first step, so bad input changes nothing. Steps whose inputs did not
// change are skipped and say so: an unchanged deploy builds, pushes and updates nothing.

import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type DeploySettings,
  ensureProjectId,
  type ProjectLayout,
  readOptionalYamlFile,
  readProfile,
  readProfileSecrets,
  SystempromptError,
  secretsEnvironment,
  withFileLock,
} from '@systemprompt/config'
import { type Engine, encodeRegistryAuth } from '@systemprompt/engine'
import { buildProfileImage, httpStatus } from '@systemprompt/image'
import { z } from 'zod'
import { type CredentialSources, type ResolvedCredentials, resolveCredentials } from './credentials.js'
import { dockerPreflight, dockerStatus, rolloutDocker } from './docker.js'
import { type DeployRecord, deployLockFile, readHistory, recordDeploy } from './history.js'
import { RegistryClient } from './registry.js'
import { DEPLOY_LABELS, type RolloutOptions, type RolloutResult, type RunningState } from './rollout.js'
import { rolloutSwarm, swarmPreflight, swarmStatus } from './swarm.js'

export const DEPLOY_STEPS = ['release', 'mcp', 'image', 'push', 'rollout', 'verify', 'record'] as const
export type DeployStep = (typeof DEPLOY_STEPS)[number]

export interface StepEvent {
  step: DeployStep
  state: 'start' | 'progress' | 'done' | 'skipped' | 'failed'
  detail?: string
}

interface StepResult {
  step: DeployStep
  state: 'done' | 'skipped' | 'planned' | 'failed'
  detail: string
  ms: number
}

export interface DeployOptions {
  layout: ProjectLayout
  profile: string
  /** The engine images are built on (this machine's). */
  buildEngine: () => Promise<Engine>
  /** The engine the app runs on: deploy.engine when set (the caller connects it), else the build engine. */
  targetEngine: (endpoint: string | undefined) => Promise<Engine>
  /** The CLI bundle the release binary is made from. */
  releaseBundle: string
  credentials: Omit<CredentialSources, 'username' | 'password'>
  skipPush?: boolean
  dryRun?: boolean
  /** Extra labels on what is made (tests mark theirs). */
  labels?: Record<string, string>
  /** How long a second deploy of the profile waits for the first; default 0 (fail at once, naming it). */
  lockWaitMs?: number
  onStep?: (event: StepEvent) => void
  onWarning?: (message: string) => void
  signal?: AbortSignal
}

export interface DeployResult {
  profile: string
  target: 'docker' | 'swarm'
  service: string
  /** What runs (or would): `registry/repo:tag@digest`, or the local image for a docker target without registry. */
  image: string
  tag: string
  digest: string | null
  result: 'deployed' | 'unchanged' | 'planned'
  steps: StepResult[]
  url: string | null
  record: DeployRecord | null
  ms: number
}

/** The profile's `deploy:` settings; a profile without the section is DEPLOY_NOT_CONFIGURED. */
export async function deploySettings(layout: ProjectLayout, profile: string): Promise<DeploySettings> {
  const file = layout.profileYaml(profile)
  const raw = await readOptionalYamlFile(file, z.looseObject({ deploy: z.unknown().optional() }))
  const parsed = raw === undefined ? undefined : await readProfile(layout, profile)
  if (!parsed)
    throw new SystempromptError({
      code: 'PROFILE_NOT_FOUND',
      category: 'user',
      message: `No profile ${JSON.stringify(profile)} (no ${file})`,
      fix: 'List the profiles with `systemprompt cloud profile list`; create one with `systemprompt cloud profile create`',
    })
  if (raw?.deploy === undefined || raw.deploy === null)
    throw new SystempromptError({
      code: 'DEPLOY_NOT_CONFIGURED',
      category: 'user',
      file,
      message: `Profile ${profile} has no deploy: section in ${file}: nothing says where it goes`,
      // One line: the terminal shows a fix's line breaks as \n escapes (printable.ts).
      fix: `Add one to ${file}, e.g. \`deploy: { target: swarm, registry: 127.0.0.1:5000, repository: team/app, publish_port: 8080 }\``,
    })
  return parsed.deploy
}

function serviceName(settings: DeploySettings, profile: string): string {
  return settings.service ?? `systemprompt-${profile}`
}

/** The plain (non-secret) environment of the app: RUST_LOG from the profile. */
async function plainEnvironment(layout: ProjectLayout, profile: string): Promise<Record<string, string>> {
  const parsed = await readProfile(layout, profile)
  return { RUST_LOG: parsed?.runtime.log_level ?? 'info', HOST: '0.0.0.0' }
}

function lockError(error: unknown, profile: string, lock: string): unknown {
  if (
    error instanceof SystempromptError &&
    error.code === 'LOCK_TIMEOUT' &&
    (error.details as { lockPath?: string } | undefined)?.lockPath === lock
  )
    return new SystempromptError({
      code: 'DEPLOY_IN_PROGRESS',
      category: 'conflict',
      message: `Another deploy of profile ${profile} is running: ${error.message.replace(/^.*held by /, 'held by ')}`,
      fix: 'Wait for it to finish (`systemprompt cloud deploy status` shows the result), then deploy again',
    })
  return error
}

/** The registry credentials of a profile (see credentials.ts) and their X-Registry-Auth form. */
async function registryAuth(
  settings: DeploySettings,
  secrets: Awaited<ReturnType<typeof readProfileSecrets>>,
  sources: DeployOptions['credentials'],
): Promise<{ creds: ResolvedCredentials | undefined; auth: string }> {
  if (!settings.registry) return { creds: undefined, auth: encodeRegistryAuth({ serveraddress: '' }) }
  const creds = await resolveCredentials(settings.registry, {
    ...sources,
    username: settings.registry_username,
    password: typeof secrets?.registry_password === 'string' ? secrets.registry_password : undefined,
  })
  return { creds, auth: encodeRegistryAuth(creds.auth) }
}

/** The labels on everything a deploy makes. */
function deployLabels(
  options: Pick<DeployOptions, 'labels'>,
  projectId: string,
  profile: string,
): Record<string, string> {
  return {
    ...options.labels,
    [DEPLOY_LABELS.project]: projectId,
    [DEPLOY_LABELS.profile]: profile,
    'systemprompt.managed': '1',
  }
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const started = Date.now()
  const { layout, profile } = options
  const settings = await deploySettings(layout, profile)
  const lock = deployLockFile(layout, profile)
  if (options.dryRun) return run(options, settings, started)
  try {
    return await withFileLock(
      lock,
      async () => {
        try {
          return await run(options, settings, started)
        } catch (error) {
          await recordFailure(options, settings, started, error)
          throw error
        }
      },
      // At least a moment: a lock a crashed deploy left is broken on the first try and taken on the next.
      { timeoutMs: Math.max(options.lockWaitMs ?? 0, 1500) },
    )
  } catch (error) {
    throw lockError(error, profile, lock)
  }
}

/** A rollout that failed or rolled back is history too (status shows it; rollback skips it). */
async function recordFailure(
  options: DeployOptions,
  settings: DeploySettings,
  started: number,
  error: unknown,
): Promise<void> {
  if (!(error instanceof SystempromptError)) return
  if (error.code !== 'DEPLOY_ROLLED_BACK' && error.code !== 'DEPLOY_FAILED' && error.code !== 'INTERRUPTED')
    return
  const details = (error.details ?? {}) as { image?: string; tag?: string }
  await recordDeploy(options.layout, options.profile, {
    at: new Date().toISOString(),
    target: settings.target,
    service: serviceName(settings, options.profile),
    image: details.image ?? '',
    tag: details.tag ?? '',
    digest: null,
    result: error.code === 'DEPLOY_ROLLED_BACK' ? 'rolled_back' : 'failed',
    ms: Date.now() - started,
    message: error.message.slice(0, 500),
  }).catch(() => undefined)
}

async function run(options: DeployOptions, settings: DeploySettings, started: number): Promise<DeployResult> {
  const { layout, profile } = options
  const steps: StepResult[] = []
  let rolledOut = false
  const emit = (event: StepEvent) => options.onStep?.(event)
  const service = serviceName(settings, profile)
  const projectId = await ensureProjectId(layout)
  const labels = deployLabels(options, projectId, profile)

  // Pre-flight: everything that can refuse, before anything changes.
  if (settings.target === 'swarm' && !settings.registry)
    throw new SystempromptError({
      code: 'DEPLOY_NOT_CONFIGURED',
      category: 'user',
      file: layout.profileYaml(profile),
      keyPath: ['deploy', 'registry'],
      message: `Profile ${profile} deploys to a Swarm but names no deploy.registry: every node pulls the image from one`,
      fix: 'Set deploy.registry (e.g. 127.0.0.1:5000 for a local registry) and deploy.repository',
    })
  const secrets = await readProfileSecrets(layout, profile)
  const secretEnv = secrets ? secretsEnvironment(secrets) : {}
  if (!secretEnv.DATABASE_URL)
    throw new SystempromptError({
      code: 'DATABASE_URL_MISSING',
      category: 'user',
      file: layout.profileSecrets(profile),
      message: `Profile ${profile} has no database_url (or internal_database_url) in its secrets.json: the app has no database`,
      fix: 'Set internal_database_url to the URL the deployed app reaches its database at (a host on deploy.networks)',
    })
  const targetEngine = await options.targetEngine(settings.engine)
  const localEngine = targetEngine.transport.endpoint.kind === 'unix'
  if (settings.target === 'swarm') await swarmPreflight(targetEngine, settings, service, projectId)
  else await dockerPreflight(targetEngine, settings, service, projectId)
  const repository = settings.repository ?? `systemprompt-${profile}`
  const { creds, auth } = await registryAuth(settings, secrets, options.credentials)
  const registry =
    settings.registry && creds ? new RegistryClient(settings.registry, creds.auth, creds.source) : undefined
  await registry?.check(repository)
  if (settings.publish_port !== null) await assertPortFree(targetEngine, settings, service, localEngine)
  const buildEngine = await options.buildEngine()

  const timed = async (
    step: DeployStep,
    fn: () => Promise<{ state: 'done' | 'skipped' | 'planned'; detail: string }>,
  ): Promise<void> => {
    // Once the rollout is done, Ctrl-C no longer stops anything: verify and record are quick and say what runs.
    if (!rolledOut && options.signal?.aborted)
      throw new SystempromptError({
        code: 'INTERRUPTED',
        category: 'user',
        message: `Interrupted before the rollout (at ${step}): nothing was deployed, what runs is unchanged`,
        fix: 'Deploy again when ready',
      })
    const at = Date.now()
    emit({ step, state: 'start' })
    try {
      const out = await fn()
      steps.push({ step, ...out, ms: Date.now() - at })
      emit({ step, state: out.state === 'skipped' ? 'skipped' : 'done', detail: out.detail })
    } catch (error) {
      steps.push({ step, state: 'failed', detail: (error as Error).message, ms: Date.now() - at })
      emit({ step, state: 'failed', detail: (error as Error).message })
      throw error
    }
  }
  const planned = (detail: string) => ({ state: 'planned' as const, detail })
  const skip = (detail: string) => ({ state: 'skipped' as const, detail })
  const build = await import('@systemprompt/build')

  await timed('release', async () => {
    if (options.skipPush) return skip('--skip-push: nothing is built')
    const state = await build.releaseState({ bundle: options.releaseBundle, output: layout.releaseBinary })
    if (state.state === 'current') return skip('unchanged: the release binary matches its inputs')
    if (options.dryRun) return planned(`would build ${layout.releaseBinary} (${state.state})`)
    const result = await build.buildRelease({
      bundle: options.releaseBundle,
      output: layout.releaseBinary,
      lockFile: join(layout.locksDir, 'build-release.lock'),
    })
    for (const warning of result.warnings) options.onWarning?.(warning)
    return { state: 'done', detail: `built (${result.reason}) in ${(result.ms / 1000).toFixed(1)} s` }
  })

  await timed('mcp', async () => {
    if (options.skipPush) return skip('--skip-push: nothing is built')
    if (options.dryRun) return planned('would build the MCP servers whose inputs changed')
    const result = await build.buildMcpServers({
      root: layout.root,
      sourcesDir: layout.mcpSourcesDir,
      artifactsDir: layout.mcpArtifactsDir,
      lockPath: join(layout.locksDir, 'build-mcp.lock'),
    })
    const failed = result.servers.filter((s) => s.status === 'failed')
    if (failed[0]?.error) throw failed[0].error
    const built = result.servers.filter((s) => s.status === 'built').length
    if (result.servers.length === 0) return skip('no MCP servers')
    if (built === 0 && result.removed.length === 0)
      return skip(`unchanged (${result.servers.length} servers)`)
    return { state: 'done', detail: `built ${built} of ${result.servers.length}` }
  })

  let localImage = ''
  let shaTag = ''
  await timed('image', async () => {
    const digestOnly = options.skipPush === true || options.dryRun === true
    let image: Awaited<ReturnType<typeof buildProfileImage>>
    try {
      image = await buildProfileImage({
        layout,
        profile,
        engine: async () => buildEngine,
        releaseBundle: options.releaseBundle,
        ...(options.labels ? { labels: options.labels } : {}),
        digestOnly,
        onEvent: (event) => {
          if (event.kind === 'warning') options.onWarning?.(event.message)
        },
      })
    } catch (error) {
      if (!(error instanceof SystempromptError) || error.code !== 'RELEASE_BINARY_MISSING') throw error
      if (options.dryRun) return planned('would build the image once the release binary is built')
      if (options.skipPush)
        throw new SystempromptError({
          code: 'DEPLOY_IMAGE_MISSING',
          category: 'user',
          message:
            '--skip-push: there is no release binary, so no image was ever built or pushed for these inputs',
          fix: 'Deploy without --skip-push (it builds the release binary and the image first)',
        })
      throw error
    }
    shaTag = (image.tags[1] as string).split(':').pop() as string
    localImage = image.tags[1] as string
    if (options.skipPush) return skip(`--skip-push: the image for these inputs is ${shaTag}`)
    if (options.dryRun) {
      const exists = await buildEngine.images.exists(localImage)
      return exists ? skip(`unchanged: ${localImage} exists`) : planned(`would build ${localImage}`)
    }
    return image.built
      ? { state: 'done', detail: `built ${localImage} in ${(image.ms / 1000).toFixed(1)} s` }
      : skip(`unchanged: ${localImage} exists for these inputs`)
  })

  let image = localImage
  let digest: string | null = null
  const remote = settings.registry ? `${settings.registry}/${repository}` : undefined
  await timed('push', async () => {
    if (!registry || !remote) {
      if (targetEngine !== buildEngine && !localEngine)
        throw new SystempromptError({
          code: 'DEPLOY_NOT_CONFIGURED',
          category: 'user',
          keyPath: ['deploy', 'registry'],
          message:
            'deploy.engine is another machine and no deploy.registry is set: it has no way to get the image',
          fix: 'Set deploy.registry (and deploy.repository)',
        })
      if (options.skipPush && !(await targetEngine.images.exists(localImage)))
        throw missing(localImage, 'on the engine')
      return skip('no registry: the docker target runs the image built on this engine')
    }
    if (shaTag === '') return planned('would push the image once it is built')
    const present = await registry.manifest(repository, shaTag)
    if (present.state === 'present') {
      digest = present.digest ?? null
      image = `${remote}:${shaTag}${digest ? `@${digest}` : ''}`
      return skip(`${remote}:${shaTag} is already in the registry`)
    }
    if (options.skipPush) throw missing(`${remote}:${shaTag}`, 'in the registry')
    if (options.dryRun) {
      image = `${remote}:${shaTag}`
      return planned(`would push ${remote}:${shaTag}`)
    }
    await buildEngine.images.tag(localImage, remote, shaTag)
    let layers = 0
    const pushed = await buildEngine.images.push(remote, shaTag, auth, (event) => {
      if (event.status === 'Pushed') {
        layers += 1
        emit({ step: 'push', state: 'progress', detail: `${layers} layers pushed` })
      }
    })
    const after = await registry.manifest(repository, shaTag)
    digest = (after.state === 'present' ? after.digest : undefined) ?? pushed.digest ?? null
    image = `${remote}:${shaTag}${digest ? `@${digest}` : ''}`
    return {
      state: 'done',
      detail: `pushed ${remote}:${shaTag} (${pushed.layersPushed} new layers, ${(pushed.uploadedBytes / 1024 / 1024).toFixed(1)} MB)`,
    }
  })

  const containerPort = 8080
  let rollout: RolloutResult | undefined
  await timed('rollout', async () => {
    if (options.dryRun) {
      const now =
        settings.target === 'swarm'
          ? await swarmStatus(targetEngine, service)
          : await dockerStatus(targetEngine, service)
      return planned(
        now
          ? `would update ${service} (now ${now.image ?? '?'})`
          : `would create ${service} (${settings.target})`,
      )
    }
    // docker target: on this engine the local image is the one pushed; another engine pulls it by digest.
    if (settings.target === 'docker' && registry && remote) {
      if (targetEngine === buildEngine) image = localImage
      else {
        image = digest ? `${remote}@${digest}` : `${remote}:${shaTag}`
        await targetEngine.images.pull(image, undefined, auth)
      }
    }
    const rolloutOptions: RolloutOptions = {
      engine: targetEngine,
      service,
      image,
      settings,
      containerPort,
      secretEnv,
      plainEnv: await plainEnvironment(layout, profile),
      labels,
      auth,
      localEngine,
      onProgress: (detail) => emit({ step: 'rollout', state: 'progress', detail }),
      signal: options.signal,
    }
    try {
      rollout =
        settings.target === 'swarm' ? await rolloutSwarm(rolloutOptions) : await rolloutDocker(rolloutOptions)
      rolledOut = true
    } catch (error) {
      if (error instanceof SystempromptError)
        Object.assign(error, { details: { ...(error.details as object), image, tag: shaTag } })
      throw error
    }
    if (rollout.state === 'unchanged') return skip(`unchanged: ${service} already runs this image and spec`)
    const gap =
      settings.target === 'docker' ? ' (this target has a short gap while the old container stops)' : ''
    return {
      state: 'done',
      detail: `${rollout.state} ${service}: ${settings.target === 'swarm' ? `${settings.replicas} ${settings.replicas === 1 ? 'replica' : 'replicas'}` : '1 container'} in ${(rollout.ms / 1000).toFixed(1)} s${gap}`,
    }
  })

  const url =
    settings.publish_port === null
      ? null
      : (settings.url ?? (localEngine ? `http://127.0.0.1:${settings.publish_port}` : null))
  await timed('verify', async () => {
    if (options.dryRun) return planned(`would probe ${settings.health_path}`)
    if (!localEngine || settings.publish_port === null)
      return skip('the engine is not this machine (or nothing is published): Swarm and Docker checked health')
    const target = `http://127.0.0.1:${settings.publish_port}${settings.health_path}`
    const deadline = Date.now() + 30_000
    let status: number | undefined
    for (;;) {
      status = await httpStatus(target)
      if (status === 200) return { state: 'done', detail: `${target} answered 200` }
      if (Date.now() > deadline) break
      await sleep(250)
    }
    throw new SystempromptError({
      code: 'DEPLOY_FAILED',
      category: 'user',
      message: `${service} runs, but ${target} answered ${status ?? 'nothing'} after the rollout`,
      fix: `Check the app's health (\`systemprompt cloud deploy status --profile ${profile}\`) and its logs`,
    })
  })

  let record: DeployRecord | null = null
  const unchanged = (rollout as RolloutResult | undefined)?.state === 'unchanged'
  await timed('record', async () => {
    if (options.dryRun) return planned('would record the deploy')
    record = await recordDeploy(layout, profile, {
      at: new Date().toISOString(),
      target: settings.target,
      service,
      image,
      tag: shaTag,
      digest,
      result: unchanged ? 'unchanged' : 'deployed',
      ms: Date.now() - started,
    })
    return { state: 'done', detail: `deploy #${record.id}` }
  })

  return {
    profile,
    target: settings.target,
    service,
    image,
    tag: shaTag,
    digest,
    result: options.dryRun ? 'planned' : unchanged ? 'unchanged' : 'deployed',
    steps,
    url,
    record,
    ms: Date.now() - started,
  }
}

function missing(ref: string, where: string): SystempromptError {
  return new SystempromptError({
    code: 'DEPLOY_IMAGE_MISSING',
    category: 'user',
    message: `--skip-push: ${ref} (the image for the current inputs) is not ${where}`,
    fix: 'Deploy without --skip-push to build and push it, or `systemprompt cloud deploy rollback` to an earlier deploy',
    details: { image: ref },
  })
}

/** A published port held by something else (not this service's own tasks or container) is PORT_IN_USE. */
async function assertPortFree(
  engine: Engine,
  settings: DeploySettings,
  service: string,
  localEngine: boolean,
): Promise<void> {
  const port = settings.publish_port as number
  const holders = (await engine.containers.list({ all: false })).filter((c) =>
    c.Ports.some((p) => p.PublicPort === port),
  )
  const others = holders.filter((c) => {
    const labels = c.Labels ?? {}
    const name = c.Names[0]?.replace(/^\//, '') ?? ''
    return labels['com.docker.swarm.service.name'] !== service && name !== service
  })
  const other = others[0]
  if (other)
    throw new SystempromptError({
      code: 'PORT_IN_USE',
      category: 'conflict',
      keyPath: ['deploy', 'publish_port'],
      message: `deploy.publish_port ${port} is held by container ${other.Names[0]?.replace(/^\//, '') ?? other.Id.slice(0, 12)}`,
      fix: 'Choose another deploy.publish_port, or stop that container',
      details: { port },
    })
  if (settings.target === 'swarm' && settings.publish_mode === 'ingress') {
    const services = await engine.swarm.servicesPublishing(port)
    const taken = services.find((s) => s !== service)
    if (taken)
      throw new SystempromptError({
        code: 'PORT_IN_USE',
        category: 'conflict',
        keyPath: ['deploy', 'publish_port'],
        message: `deploy.publish_port ${port} is published by the Swarm service ${taken}`,
        fix: 'Choose another deploy.publish_port, or remove that service',
        details: { port },
      })
  }
  const ownIngress =
    settings.target === 'swarm' && (await engine.swarm.servicesPublishing(port)).includes(service)
  if (holders.length === 0 && !ownIngress && localEngine) {
    const free = await new Promise<boolean>((resolve) => {
      import('node:net').then(({ createServer }) => {
        const server = createServer()
        server.once('error', () => resolve(false))
        server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)))
      })
    })
    if (!free)
      throw new SystempromptError({
        code: 'PORT_IN_USE',
        category: 'conflict',
        keyPath: ['deploy', 'publish_port'],
        message: `deploy.publish_port ${port} is in use by a program on this machine`,
        fix: `Choose another deploy.publish_port, or stop what listens on ${port} (\`ss -ltnp 'sport = :${port}'\`)`,
        details: { port },
      })
  }
}

export interface DeployStatus {
  profile: string
  target: 'docker' | 'swarm'
  service: string
  running: RunningState | null
  deploys: DeployRecord[]
}

export async function deployStatus(
  options: Pick<DeployOptions, 'layout' | 'profile' | 'targetEngine'> & { limit?: number },
): Promise<DeployStatus> {
  const settings = await deploySettings(options.layout, options.profile)
  const service = serviceName(settings, options.profile)
  const engine = await options.targetEngine(settings.engine)
  const running =
    settings.target === 'swarm' ? await swarmStatus(engine, service) : await dockerStatus(engine, service)
  return {
    profile: options.profile,
    target: settings.target,
    service,
    running: running ?? null,
    deploys: (await readHistory(options.layout, options.profile)).slice(0, options.limit ?? 10),
  }
}

/** Redeploys the image of an earlier deploy (`--to N`, default the last successful one before what runs). */
export async function rollbackDeploy(
  options: Omit<DeployOptions, 'skipPush' | 'dryRun'> & { to?: number },
): Promise<DeployResult> {
  const { layout, profile } = options
  const started = Date.now()
  const settings = await deploySettings(layout, profile)
  const history = (await readHistory(layout, profile)).filter(
    (r) => r.result !== 'failed' && r.result !== 'rolled_back',
  )
  const currentImage = history[0]?.image
  const target =
    options.to === undefined
      ? history.find((r) => r.image !== currentImage)
      : history.find((r) => r.id === options.to)
  if (!target)
    throw new SystempromptError({
      code: 'DEPLOY_HISTORY_EMPTY',
      category: 'user',
      message:
        options.to === undefined
          ? `Profile ${profile} has no earlier deploy of another image to go back to`
          : `Profile ${profile} has no successful deploy #${options.to}`,
      fix: `List the deploys with \`systemprompt cloud deploy status --profile ${profile}\``,
    })
  try {
    return await withFileLock(
      deployLockFile(layout, profile),
      async () => {
        const service = serviceName(settings, profile)
        const engine = await options.targetEngine(settings.engine)
        const secrets = await readProfileSecrets(layout, profile)
        const projectId = await ensureProjectId(layout)
        const { auth } = await registryAuth(settings, secrets, options.credentials)
        if (settings.target === 'swarm') await swarmPreflight(engine, settings, service, projectId)
        else if (!(await engine.images.exists(target.image)))
          await engine.images.pull(target.image, undefined, auth)
        options.onStep?.({ step: 'rollout', state: 'start' })
        const rolloutOptions: RolloutOptions = {
          engine,
          service,
          image: target.image,
          settings,
          containerPort: 8080,
          secretEnv: secrets ? secretsEnvironment(secrets) : {},
          plainEnv: await plainEnvironment(layout, profile),
          labels: deployLabels(options, projectId, profile),
          auth,
          localEngine: engine.transport.endpoint.kind === 'unix',
          onProgress: (detail) => options.onStep?.({ step: 'rollout', state: 'progress', detail }),
          signal: options.signal,
        }
        const rollout =
          settings.target === 'swarm'
            ? await rolloutSwarm(rolloutOptions)
            : await rolloutDocker(rolloutOptions)
        options.onStep?.({ step: 'rollout', state: 'done', detail: rollout.state })
        const record = await recordDeploy(layout, profile, {
          at: new Date().toISOString(),
          target: settings.target,
          service,
          image: target.image,
          tag: target.tag,
          digest: target.digest,
          result: rollout.state === 'unchanged' ? 'unchanged' : 'deployed',
          ms: Date.now() - started,
          message: `rollback to #${target.id}`,
        })
        return {
          profile,
          target: settings.target,
          service,
          image: target.image,
          tag: target.tag,
          digest: target.digest,
          result: rollout.state === 'unchanged' ? 'unchanged' : 'deployed',
          steps: [
            { step: 'rollout', state: 'done', detail: `${rollout.state} to #${target.id}`, ms: rollout.ms },
          ],
          url:
            settings.publish_port === null
              ? null
              : (settings.url ?? `http://127.0.0.1:${settings.publish_port}`),
          record,
          ms: Date.now() - started,
        } satisfies DeployResult
      },
      { timeoutMs: Math.max(options.lockWaitMs ?? 0, 1500) },
    )
  } catch (error) {
    throw lockError(error, profile, deployLockFile(layout, profile))
  }
}
