// A profile's secrets.json as the app's environment (SPEC 8): what `docker run` passes with -e and what a
// deploy turns into <NAME>_FILE secrets. Never written into an image.
import type { Secrets } from './schema/secrets.js'

/** secrets.json keys with their environment names; the original tool's provider keys and ours both map. */
const KNOWN: readonly (readonly [key: string, env: string])[] = [
  ['jwt_secret', 'JWT_SECRET'],
  ['anthropic_api_key', 'ANTHROPIC_API_KEY'],
  ['anthropic', 'ANTHROPIC_API_KEY'],
  ['openai_api_key', 'OPENAI_API_KEY'],
  ['openai', 'OPENAI_API_KEY'],
  ['gemini_api_key', 'GEMINI_API_KEY'],
  ['gemini', 'GEMINI_API_KEY'],
  ['github', 'GITHUB_TOKEN'],
]

/** The name a custom secret's key becomes: upper case, anything outside [A-Z0-9_] as `_`. */
export function secretEnvName(key: string): string {
  const name = key.toUpperCase().replace(/[^A-Z0-9_]/g, '_')
  return /^[0-9]/.test(name) ? `_${name}` : name
}

/**
 * The environment of the app for a profile's secrets: `DATABASE_URL` (internal_database_url when set, the
 * URL the app uses from inside Docker; else database_url), `JWT_SECRET`, the provider keys, and each custom
 * secret under {@link secretEnvName}. Empty and null values are left out; the first key of a pair wins.
 */
export function secretsEnvironment(secrets: Secrets): Record<string, string> {
  const env: Record<string, string> = {}
  const put = (name: string, value: unknown) => {
    if (typeof value === 'string' && value !== '' && env[name] === undefined) env[name] = value
  }
  put('DATABASE_URL', secrets.internal_database_url ?? secrets.database_url)
  const record = secrets as Record<string, unknown>
  // registry_password is the deploy's registry login (profile deploy.registry_username), not the app's.
  const known = new Set(['database_url', 'internal_database_url', 'registry_password'])
  for (const [key, name] of KNOWN) {
    known.add(key)
    put(name, record[key])
  }
  for (const [key, value] of Object.entries(record)) if (!known.has(key)) put(secretEnvName(key), value)
  return env
}
