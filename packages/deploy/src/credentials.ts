// Registry credentials, found the way the docker CLI finds them (SPEC 7): DOCKER_AUTH_CONFIG, then the docker
// config.json (credHelpers, credsStore, auths), then the profile's registry_username with registry_password
// from secrets.json. The values are only ever handed to the engine and the registry, never printed.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SystempromptError } from '@systemprompt/config/core'
import type { RegistryAuth } from '@systemprompt/engine'

export interface CredentialSources {
  /** DOCKER_AUTH_CONFIG: a config.json as text. */
  authConfig?: string | undefined
  /** The directory of the docker CLI's config.json (DOCKER_CONFIG, else ~/.docker). */
  configDir?: string | undefined
  /** PATH, to find `docker-credential-<helper>`. */
  path?: string | undefined
  /** The environment a credential helper runs with (HOME, DBUS_SESSION_BUS_ADDRESS, GNUPGHOME, AWS_*...). */
  helperEnv?: Record<string, string> | undefined
  /** The profile's deploy.registry_username and secrets.json registry_password. */
  username?: string | undefined
  password?: string | undefined
}

export interface ResolvedCredentials {
  auth: RegistryAuth
  /** Where they came from, for messages ("DOCKER_AUTH_CONFIG", "~/.docker/config.json (credsStore pass)", ...). */
  source: string
  anonymous: boolean
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>
  credHelpers?: Record<string, string>
  credsStore?: string
}

/** `https://host:5000/v1/` and `host:5000` name the same registry. */
function registryKey(value: string): string {
  return value
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/.*$/, '')
    .toLowerCase()
}

function entryFor<T>(map: Record<string, T> | undefined, registry: string): T | undefined {
  if (!map) return undefined
  const want = registryKey(registry)
  for (const [key, value] of Object.entries(map)) if (registryKey(key) === want) return value
  // Docker Hub is recorded as https://index.docker.io/v1/.
  if (want === 'docker.io' || want === 'registry-1.docker.io') return entryFor(map, 'index.docker.io')
  return undefined
}

function fromAuthEntry(
  registry: string,
  entry: { auth?: string; username?: string; password?: string; identitytoken?: string },
): RegistryAuth | undefined {
  if (entry.identitytoken) return { serveraddress: registry, identitytoken: entry.identitytoken }
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0)
      return {
        serveraddress: registry,
        username: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
      }
  }
  if (entry.username && entry.password)
    return { serveraddress: registry, username: entry.username, password: entry.password }
  return undefined
}

/** `docker-credential-<helper> get` with the registry on stdin: `{Username, Secret}`. */
async function fromHelper(
  helper: string,
  registry: string,
  path: string | undefined,
  helperEnv: Record<string, string> | undefined,
): Promise<RegistryAuth> {
  const program = `docker-credential-${helper}`
  const output = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      program,
      ['get'],
      {
        env: { ...helperEnv, PATH: path ?? helperEnv?.PATH ?? '/usr/local/bin:/usr/bin:/bin' },
        timeout: 15_000,
      },
      (error, stdout, stderr) => (error ? reject(Object.assign(error, { stderr })) : resolve(stdout)),
    )
    child.stdin?.end(registry)
  }).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
    throw new SystempromptError({
      code: 'DEPLOY_REGISTRY_AUTH',
      category: 'user',
      message:
        error.code === 'ENOENT'
          ? `The docker config names the credential helper ${program}, which is not on PATH`
          : `The credential helper ${program} has no credentials for ${registry} (${
              String(error.stderr ?? error.message)
                .trim()
                .split('\n')[0]
            })`,
      fix: `Log in with \`docker login ${registry}\`, or install ${program}`,
    })
  })
  let parsed: { Username?: string; Secret?: string }
  try {
    parsed = JSON.parse(output) as { Username?: string; Secret?: string }
  } catch {
    throw new SystempromptError({
      code: 'DEPLOY_REGISTRY_AUTH',
      category: 'user',
      message: `The credential helper ${program} answered something that is not JSON`,
      fix: `Check ${program} (\`echo ${registry} | ${program} get\`)`,
    })
  }
  // A helper returns the identity token under the user name <token>.
  if (parsed.Username === '<token>') return { serveraddress: registry, identitytoken: parsed.Secret ?? '' }
  return { serveraddress: registry, username: parsed.Username ?? '', password: parsed.Secret ?? '' }
}

function parseConfig(text: string, where: string): DockerConfig {
  try {
    const value = JSON.parse(text) as unknown
    if (value && typeof value === 'object') return value as DockerConfig
  } catch {
    // Reported below.
  }
  throw new SystempromptError({
    code: 'DEPLOY_REGISTRY_AUTH',
    category: 'user',
    message: `${where} is not a docker config (expected JSON like {"auths": {"registry:5000": {"auth": "..."}}})`,
    fix: `Correct ${where}, or unset it`,
  })
}

/** The credentials for `registry`; anonymous ({serveraddress} only) when none are configured. */
export async function resolveCredentials(
  registry: string,
  sources: CredentialSources,
): Promise<ResolvedCredentials> {
  const found = (auth: RegistryAuth, source: string): ResolvedCredentials => ({
    auth,
    source,
    anonymous: false,
  })
  if (sources.authConfig) {
    const config = parseConfig(sources.authConfig, 'DOCKER_AUTH_CONFIG')
    const entry = entryFor(config.auths, registry)
    const auth = entry && fromAuthEntry(registry, entry)
    if (auth) return found(auth, 'DOCKER_AUTH_CONFIG')
  }
  if (sources.configDir) {
    const file = join(sources.configDir, 'config.json')
    const text = await readFile(file, 'utf8').catch(() => undefined)
    if (text !== undefined) {
      const config = parseConfig(text, file)
      const helper = entryFor(config.credHelpers, registry)
      if (helper)
        return found(
          await fromHelper(helper, registry, sources.path, sources.helperEnv),
          `${file} (credHelpers ${helper})`,
        )
      const entry = entryFor(config.auths, registry)
      if (entry) {
        const auth = fromAuthEntry(registry, entry)
        if (auth) return found(auth, file)
        if (config.credsStore)
          return found(
            await fromHelper(config.credsStore, registry, sources.path, sources.helperEnv),
            `${file} (credsStore ${config.credsStore})`,
          )
      }
    }
  }
  if (sources.username) {
    if (!sources.password)
      throw new SystempromptError({
        code: 'DEPLOY_REGISTRY_AUTH',
        category: 'user',
        message: `deploy.registry_username is ${JSON.stringify(sources.username)} but secrets.json has no registry_password`,
        fix: 'Add "registry_password" to the profile\'s secrets.json, or log in with `docker login`',
      })
    return found(
      { serveraddress: registry, username: sources.username, password: sources.password },
      'the profile (registry_username, registry_password)',
    )
  }
  return { auth: { serveraddress: registry }, source: 'none (anonymous)', anonymous: true }
}
