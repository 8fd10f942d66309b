// The docker target (SPEC 7): one host. The old container is kept until the new one is healthy; on failure
// the new one is removed and the old one started again. The port can be held by one container only, so this
// target has a short gap between stopping the old and the new one answering (Swarm has none).

import { createHmac } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { type DeploySettings, SystempromptError } from '@systemprompt/config'
import type { ContainerInfo, Engine } from '@systemprompt/engine'
import { httpStatus } from '@systemprompt/image'
import {
  DEPLOY_LABELS,
  type RolloutOptions,
  type RolloutResult,
  type RunningState,
  specHash,
} from './rollout.js'

const SECRETS_DIR = '/run/secrets'

/** The container's uid:gid from the image's USER (numeric only), for the secret files' owner. */
function imageUser(user: string | undefined): { uid: number; gid: number } {
  const [u, g] = (user ?? '').split(':')
  const uid = /^\d+$/.test(u ?? '') ? Number(u) : 0
  const gid = /^\d+$/.test(g ?? '') ? Number(g) : uid
  return { uid, gid }
}

async function tail(engine: Engine, id: string): Promise<string> {
  try {
    return (await engine.containers.logsText(id, 15)).trimEnd() || '(no output)'
  } catch {
    return '(the log cannot be read)'
  }
}

/** Waits until the new container is healthy: the published port answers 200 (local engine) or Docker says healthy. */
async function waitHealthy(options: RolloutOptions, id: string): Promise<void> {
  const { engine, settings } = options
  const deadline = Date.now() + settings.health_timeout * 1000
  const url =
    options.localEngine && settings.publish_port !== null
      ? `http://127.0.0.1:${settings.publish_port}${settings.health_path}`
      : undefined
  for (;;) {
    options.signal?.throwIfAborted()
    const info: ContainerInfo | undefined = await engine.containers.inspect(id)
    if (!info?.State.Running)
      throw new Error(
        `it exited with code ${info?.State.ExitCode ?? '?'}; its last lines:\n${await tail(engine, id)}`,
      )
    if (url !== undefined ? (await httpStatus(url, 1500)) === 200 : info.State.Health?.Status === 'healthy')
      return
    if (Date.now() > deadline)
      throw new Error(
        `it did not become healthy within ${settings.health_timeout} s; its last lines:\n${await tail(engine, id)}`,
      )
    await sleep(200, undefined, { signal: options.signal })
  }
}

/** Before anything changes: the name is ours (or free) and every network exists. */
export async function dockerPreflight(
  engine: Engine,
  settings: DeploySettings,
  service: string,
  projectId: string,
): Promise<void> {
  const existing = await engine.containers.inspect(service)
  if (existing && existing.Config.Labels?.[DEPLOY_LABELS.project] !== projectId)
    throw new SystempromptError({
      code: 'CONTAINER_NAME_TAKEN',
      category: 'conflict',
      message: `A container named ${service} exists and was not deployed by this project`,
      fix: "Name this profile's container differently (deploy.service), or remove the other one",
    })
  for (const name of settings.networks)
    if (!(await engine.networks.inspect(name)))
      throw new SystempromptError({
        code: 'DEPLOY_NETWORK_MISSING',
        category: 'user',
        keyPath: ['deploy', 'networks'],
        message: `deploy.networks names ${JSON.stringify(name)}, and no network of that name exists on the engine`,
        fix: `Create it (\`docker network create ${name}\`) or correct deploy.networks`,
      })
}

/** The container a deploy runs: the one of the service's name, or the good one a crashed deploy set aside. */
async function currentContainer(engine: Engine, service: string): Promise<ContainerInfo | undefined> {
  const named = await engine.containers.inspect(service)
  const previous = await engine.containers.inspect(`${service}-previous`)
  if (named && previous && !named.State.Running) {
    // A deploy died after setting the old one aside and before its new one was healthy: the old one wins.
    await engine.containers.remove(named.Id, { force: true, volumes: true })
    await engine.containers.rename(previous.Id, service)
    return engine.containers.inspect(previous.Id)
  }
  return named ?? previous
}

export async function rolloutDocker(options: RolloutOptions): Promise<RolloutResult> {
  const { engine, service, settings } = options
  const started = Date.now()
  const old = await currentContainer(engine, service)
  const imageInfo = await engine.images.inspect(options.image)
  if (!imageInfo)
    throw new SystempromptError({
      code: 'IMAGE_MISSING',
      category: 'user',
      message: `The image ${options.image} is not on the target engine`,
      fix: 'Deploy without --skip-push, or set deploy.registry so the target engine can pull it',
    })
  const env = [
    ...Object.keys(options.secretEnv).map((name) => `${name}_FILE=${SECRETS_DIR}/${name}`),
    ...Object.entries(options.plainEnv).map(([k, v]) => `${k}=${v}`),
  ].sort()
  const ports =
    settings.publish_port === null
      ? {}
      : {
          ExposedPorts: { [`${options.containerPort}/tcp`]: {} },
          PortBindings: {
            [`${options.containerPort}/tcp`]: [{ HostIp: '', HostPort: String(settings.publish_port) }],
          },
        }
  // The secrets are in the hash, keyed (the label is readable with docker inspect): a changed secret is a
  // changed deploy, and the label gives nobody a way to guess a weak value.
  const key = options.secretEnv.JWT_SECRET ?? options.auth
  const secrets = createHmac('sha256', key).update(JSON.stringify(options.secretEnv)).digest('hex')
  const hash = specHash({ image: imageInfo.Id, env, ports, networks: settings.networks, secrets })
  if (old?.State.Running && old.Config.Labels?.[DEPLOY_LABELS.spec] === hash)
    return { state: 'unchanged', ms: Date.now() - started, previousImage: old.Config.Image }

  // Renaming a running container on an overlay network fails in the engine (libnetwork keeps the old
  // endpoint), so only a stopped one is renamed: stop the old (the gap starts), set it aside, create the new
  // one under the service's name; on failure the old one gets its name back and starts again.
  const previous = `${service}-previous`
  if (old && old.Name.replace(/^\//, '') !== previous)
    await engine.containers.remove(previous, { force: true, volumes: true })
  if (old?.State.Running) {
    options.onProgress?.(`stopping ${service} (the old version) to free the port: a short gap`)
    await engine.containers.stop(old.Id, 10)
  }
  if (old && old.Name.replace(/^\//, '') !== previous) await engine.containers.rename(old.Id, previous)
  const restoreOld = async () => {
    if (!old) return
    await engine.containers.rename(old.Id, service).catch(() => undefined)
    await engine.containers.start(old.Id).catch(() => undefined)
  }

  const [firstNetwork, ...moreNetworks] = settings.networks
  let id: string
  try {
    id = await engine.containers.create({
      name: service,
      Image: options.image,
      Env: env,
      Labels: { ...options.labels, [DEPLOY_LABELS.spec]: hash },
      ...(ports.ExposedPorts ? { ExposedPorts: ports.ExposedPorts } : {}),
      // No restarts until it proved healthy: a new version that exits must fail the gate, not loop.
      HostConfig: {
        RestartPolicy: { Name: 'no' },
        // /app/storage (the image's VOLUME) outlives the container: one named volume per service.
        Mounts: [
          {
            Type: 'volume',
            Source: `${service}-storage`,
            Target: '/app/storage',
            VolumeOptions: {
              NoCopy: false,
              Labels: options.labels,
              DriverConfig: { Name: 'local', Options: {} },
            },
          },
        ],
        ...(ports.PortBindings ? { PortBindings: ports.PortBindings } : {}),
        ...(firstNetwork ? { NetworkMode: firstNetwork } : {}),
      },
    })
  } catch (error) {
    await restoreOld()
    throw error
  }
  const { uid, gid } = imageUser(imageInfo.Config?.User)
  const files = Object.entries(options.secretEnv).map(([name, value]) => ({
    name: `secrets/${name}`,
    content: value,
    mode: 0o400,
    uid,
    gid,
  }))
  try {
    if (files.length > 0) await engine.containers.putFiles(id, '/run', files)
    for (const network of moreNetworks) await engine.networks.connect(network, id)
    options.onProgress?.('starting the new version')
    await engine.containers.start(id)
    await waitHealthy(options, id)
    await engine.containers.setRestartPolicy(id, 'unless-stopped')
  } catch (error) {
    const reason = options.signal?.aborted ? 'interrupted' : (error as Error).message
    await engine.containers.remove(id, { force: true, volumes: true }).catch(() => undefined)
    await restoreOld()
    if (old) {
      if (options.signal?.aborted)
        throw new SystempromptError({
          code: 'INTERRUPTED',
          category: 'user',
          message: `Interrupted during the rollout: the new container was removed and ${service} (the old version) started again`,
          fix: 'Deploy again when ready',
        })
      throw new SystempromptError({
        code: 'DEPLOY_ROLLED_BACK',
        category: 'user',
        message: `The new version failed its health gate (${reason}); it was removed and the old container ${service} started again`,
        fix: 'Fix what the log names (a migration, DATABASE_URL, the health check), then deploy again',
        details: { rolled_back_to: old.Config.Image },
      })
    }
    if (options.signal?.aborted)
      throw new SystempromptError({
        code: 'INTERRUPTED',
        category: 'user',
        message: 'Interrupted during the first rollout: the new container was removed; nothing is deployed',
        fix: 'Deploy again when ready',
      })
    throw new SystempromptError({
      code: 'DEPLOY_FAILED',
      category: 'user',
      message: `The first deploy of ${service} did not become healthy (${reason}); its container was removed`,
      fix: 'Fix what the log names (a migration, DATABASE_URL, the health check), then deploy again',
    })
  }
  if (old) await engine.containers.remove(old.Id, { force: true, volumes: true })
  return { state: old ? 'updated' : 'created', ms: Date.now() - started, previousImage: old?.Config.Image }
}

/** What runs now on the docker target. */
export async function dockerStatus(engine: Engine, service: string): Promise<RunningState | undefined> {
  const info = await engine.containers.inspect(service)
  if (!info) return undefined
  return {
    image: info.Config.Image,
    running: info.State.Running ? 1 : 0,
    desired: 1,
    state: info.State.Health?.Status ?? info.State.Status,
    since: info.State.StartedAt,
  }
}
