// Which profile's `docker:` settings apply to the local PostgreSQL servers, and what it sets explicitly.
import { readFile } from 'node:fs/promises'
import { errnoOf } from './errno.js'
import { yamlModule } from './load/lazy-modules.js'
import { parseYamlText } from './load.js'
import { type Profile, type ProfileDockerSettings, ProfileSchema } from './schema/profile.js'

/** The server keys of a profile's `docker:` section. */
const SERVER_KEYS = [
  'postgres_image',
  'shared_port',
  'dedicated_port_start',
  'ready_timeout_seconds',
] as const

/**
 * The server settings a profile writes down itself. Only those: the schema's defaults are the built-in
 * defaults, and counting them as the profile's wish would let `postgres:17-alpine` or port 5432 override
 * what a project recorded (a server started on another port or image would be moved or re-created).
 */
export type ProfileServerSettings = Partial<Pick<ProfileDockerSettings, (typeof SERVER_KEYS)[number]>>

/** Validates the profile (errors name file, key and line) and returns its explicit server settings; none when the file is missing. */
export async function readProfileServerSettings(file: string): Promise<ProfileServerSettings> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return {}
    throw error
  }
  const profile = parseYamlText(text, file, ProfileSchema)
  const written = (yamlModule().parse(text) as { docker?: Record<string, unknown> } | null)?.docker ?? {}
  const settings: Record<string, unknown> = {}
  for (const key of SERVER_KEYS) if (Object.hasOwn(written, key)) settings[key] = profile.docker[key]
  return settings as ProfileServerSettings
}

/**
 * What a profile asks of its application image (SPEC 6), only what it writes down itself: the schema's
 * defaults (`variant: local`, `log_level: info`) would turn every profile into a local one, while a profile
 * not named `local` is production unless it says otherwise.
 */
export interface ProfileImageSettings {
  variant?: ProfileDockerSettings['variant']
  baseImage?: string
  logLevel?: Profile['runtime']['log_level']
}

/** Validates the profile (errors name file, key and line) and returns its explicit image settings; undefined when the file is missing. */
export async function readProfileImageSettings(file: string): Promise<ProfileImageSettings | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    throw error
  }
  const profile = parseYamlText(text, file, ProfileSchema)
  const written = (yamlModule().parse(text) ?? {}) as {
    docker?: Record<string, unknown>
    runtime?: Record<string, unknown>
  }
  const has = (section: Record<string, unknown> | undefined, key: string) =>
    section !== null && typeof section === 'object' && Object.hasOwn(section, key)
  return {
    ...(has(written.docker, 'variant') ? { variant: profile.docker.variant } : {}),
    ...(has(written.docker, 'base_image') ? { baseImage: profile.docker.base_image } : {}),
    ...(has(written.runtime, 'log_level') ? { logLevel: profile.runtime.log_level } : {}),
  }
}
