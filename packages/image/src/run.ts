// `docker run <profile>` (SPEC 6): the profile's image with its secrets as environment (never baked in), a
// 127.0.0.1 DATABASE_URL of one of our local servers made to work from inside the container, the port on
// 127.0.0.1 only, and a wait until the app answers its health check.
import { request } from 'node:http'
import {
  ensureProjectId,
  LABELS,
  type ProjectLayout,
  readProfileSecrets,
  SystempromptError,
  secretsEnvironment,
} from '@systemprompt/config'
import { profileDockerModel } from '@systemprompt/dockerfile'
import type { ContainerInfo, Engine } from '@systemprompt/engine'
import { localUrlPort, maskDatabaseUrl, rehostLocalUrl } from '@systemprompt/pg'
import { assertHostPortFree, localServerOnPort } from '@systemprompt/postgres'
import { appContainerName, appNetworkName, IMAGE_LABELS, imageRepository } from './names.js'

/** The port the image's app listens on (its ENV PORT). */
const APP_CONTAINER_PORT = 8080
const HEALTH_PATH = '/api/v1/health'
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

export interface StartAppOptions {
  layout: ProjectLayout
  profile: string
  engine: Engine
  /** Host port on 127.0.0.1 (default 8080). */
  port?: number
  /** More variables, over the profile's (`--env K=V`). */
  env?: Record<string, string>
  /** Extra labels on the container (tests mark theirs). */
  labels?: Record<string, string>
  onWarning?: (code: string, message: string) => void
}

export interface StartedApp {
  container: string
  containerId: string
  image: string
  url: string
  port: number
  /** The local server the app reaches by name on the project's network, when DATABASE_URL named one. */
  database?: { server: string; network: string; url: string }
}

function usage(message: string, fix: string): SystempromptError {
  return new SystempromptError({ code: 'USAGE', category: 'usage', message, fix })
}

/**
 * Creates and starts the app's container `systemprompt-<project>-<profile>` (one of ours of that name is
 * replaced; anyone else's is CONTAINER_NAME_TAKEN). Refuses before anything is created: unknown profile,
 * no image (IMAGE_MISSING with the build command), no DATABASE_URL, a bad variable name, a taken port
 * (PORT_IN_USE naming the holder).
 */
export async function startApp(options: StartAppOptions): Promise<StartedApp> {
  const { layout, profile, engine } = options
  const port = options.port ?? 8080
  const model = await profileDockerModel(layout, profile)
  for (const name of Object.keys(options.env ?? {}))
    if (!ENV_NAME.test(name))
      throw usage(
        `--env ${JSON.stringify(name)}: not a variable name (letters, digits and _, not starting with a digit)`,
        'Pass --env NAME=value',
      )
  const projectId = await ensureProjectId(layout)
  const imageRef = `${imageRepository(projectId)}:${profile}`
  const image = await engine.images.inspect(imageRef)
  if (!image)
    throw new SystempromptError({
      code: 'IMAGE_MISSING',
      category: 'user',
      message: `No image ${imageRef} on this engine: profile ${profile} was not built yet`,
      fix: `Build it with \`systemprompt docker build ${profile}\``,
    })
  const secrets = await readProfileSecrets(layout, profile)
  const env: Record<string, string> = { ...(secrets ? secretsEnvironment(secrets) : {}), ...options.env }
  const databaseUrl = env.DATABASE_URL
  if (databaseUrl === undefined || databaseUrl === '')
    throw new SystempromptError({
      code: 'DATABASE_URL_MISSING',
      category: 'user',
      file: layout.profileSecrets(profile),
      message: `Profile ${profile} has no database_url in ${layout.profileSecrets(profile)}, and no --env DATABASE_URL was given`,
      fix: `Give the profile a database: \`systemprompt cloud tenant create --profile ${profile}\`, or pass --env DATABASE_URL=postgres://...`,
    })

  const labels = {
    ...options.labels,
    [LABELS.managed]: '1',
    [LABELS.project]: projectId,
    [LABELS.projectDir]: layout.root,
    [IMAGE_LABELS.profile]: profile,
  }
  const name = appContainerName(projectId, profile)
  const existing = await engine.containers.inspect(name)
  if (existing && existing.Config.Labels?.[LABELS.project] !== projectId)
    throw new SystempromptError({
      code: 'CONTAINER_NAME_TAKEN',
      category: 'conflict',
      message: `A container named ${name} exists and is not this project's app`,
      fix: `Remove it yourself (\`docker rm -f ${name}\`) if it is not needed`,
    })
  const containerPort = env.PORT === undefined ? APP_CONTAINER_PORT : Number(env.PORT)
  if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535)
    throw usage(
      `PORT=${JSON.stringify(env.PORT)} (from --env or the profile's secrets) is not a port`,
      'Pass --env PORT=<1-65535>, or leave PORT out: the image listens on 8080',
    )
  // Our own app container of this name is about to be replaced: the port it holds is not taken.
  await assertHostPortFree(engine, port, '--port', existing ? { ignoreContainer: name } : {})

  let database: StartedApp['database']
  const localPort = localUrlPort(databaseUrl)
  if (localPort !== undefined) {
    const server = await localServerOnPort(engine, localPort)
    if (server) {
      const network = appNetworkName(projectId)
      await engine.networks.ensure(network, {
        [LABELS.managed]: '1',
        [LABELS.project]: projectId,
        ...options.labels,
      })
      await engine.networks.connect(network, server.containerId)
      const url = rehostLocalUrl(databaseUrl, server.containerName, 5432) as string
      env.DATABASE_URL = url
      database = { server: server.containerName, network, url: maskDatabaseUrl(url) }
      if (!server.running)
        options.onWarning?.(
          'SERVER_NOT_RUNNING',
          `The database server ${server.containerName} is stopped: start it with \`systemprompt db up\` (the app waits for it up to 60 s)`,
        )
    } else {
      options.onWarning?.(
        'DATABASE_URL_LOCAL',
        `DATABASE_URL points at 127.0.0.1:${localPort}, but no local server of ours publishes that port; inside the container 127.0.0.1 is the container itself, so the app will not reach it`,
      )
    }
  }

  if (existing) {
    options.onWarning?.('APP_REPLACED', `Replacing the running app container ${name}`)
    await engine.containers.remove(name, { force: true, volumes: true })
  }
  const containerId = await engine.containers.create({
    name,
    Image: image.Id,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: labels,
    ExposedPorts: { [`${containerPort}/tcp`]: {} },
    HostConfig: {
      PortBindings: { [`${containerPort}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      NetworkMode: database?.network ?? 'bridge',
      // The production image is made for a read-only root; /tmp is the one other writable place.
      ReadonlyRootfs: model.variant === 'production',
      Tmpfs: { '/tmp': 'rw,nosuid,nodev,size=64m' },
    },
  })
  try {
    await engine.containers.start(containerId)
  } catch (error) {
    // Nothing half-made stays: a container that did not start is removed.
    await engine.containers.remove(containerId, { force: true, volumes: true }).catch(() => undefined)
    throw error
  }
  return {
    container: name,
    containerId,
    image: imageRef,
    url: `http://127.0.0.1:${port}`,
    port,
    ...(database ? { database } : {}),
  }
}

/** One GET of the health URL: its status, or undefined when nothing answered within `timeoutMs`. */
/** GET `url` once: its status, or undefined when nothing answers within `timeoutMs`. */
export function httpStatus(url: string, timeoutMs = 1000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume()
      resolve(res.statusCode)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(undefined))
    req.end()
  })
}

/**
 * Waits until the app answers `/api/v1/health` with 200 (polled from the moment it starts, not at the image's
 * HEALTHCHECK interval). The container exiting, or no 200 within `timeoutMs`, is APP_START_FAILED with its
 * last log lines; the container is left for the caller to remove.
 */
export async function waitForApp(
  engine: Engine,
  app: StartedApp,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<{ ms: number }> {
  const started = performance.now()
  const deadline = started + (options.timeoutMs ?? 120_000)
  let last: number | undefined
  for (;;) {
    last = await httpStatus(`${app.url}${HEALTH_PATH}`)
    if (last === 200) return { ms: Math.round(performance.now() - started) }
    const info: ContainerInfo | undefined = await engine.containers.inspect(app.containerId)
    if (!info?.State.Running) {
      throw new SystempromptError({
        code: 'APP_START_FAILED',
        category: 'user',
        message: `The app container ${app.container} exited with code ${info?.State.ExitCode ?? '?'} before it was healthy. Its last lines:\n${await tail(engine, app.containerId)}`,
        fix: 'Correct what the log names (DATABASE_URL, a migration), then run it again',
      })
    }
    if (performance.now() > deadline)
      throw new SystempromptError({
        code: 'APP_START_FAILED',
        category: 'user',
        message: `The app in ${app.container} did not answer ${HEALTH_PATH} with 200 within ${Math.round((options.timeoutMs ?? 120_000) / 1000)} s (last answer: ${last ?? 'none'}). Its last lines:\n${await tail(engine, app.containerId)}`,
        fix: 'Look at its log for the reason (a database it cannot reach, a migration that waits for a lock); --timeout waits longer',
      })
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 150))
  }
}

async function tail(engine: Engine, container: string): Promise<string> {
  try {
    return (await engine.containers.logsText(container, 15)).trimEnd() || '(no output)'
  } catch {
    return '(the log cannot be read)'
  }
}

/** Stops (SIGTERM, then SIGKILL after `timeoutSeconds`) and removes the app container with its anonymous volumes. */
export async function removeApp(engine: Engine, app: StartedApp, timeoutSeconds = 10): Promise<void> {
  try {
    await engine.containers.stop(app.containerId, timeoutSeconds)
  } finally {
    await engine.containers.remove(app.containerId, { force: true, volumes: true })
  }
}
