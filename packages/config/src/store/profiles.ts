// The one owner of a profile's files: `.systemprompt/profiles/<name>/profile.yaml` and `secrets.json`.
import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ErrorCode } from '../error-codes.js'
import { SystempromptError } from '../errors.js'
import { pathExists, SECRET_FILE_MODE, writeFileAtomic } from '../fs.js'
import type { ProjectLayout } from '../layout.js'
import { jsoncParser, yamlModule } from '../load/lazy-modules.js'
import { loadProfile, readOptionalJsonFile, validateConfigValue } from '../load.js'
import { withFileLock } from '../lock.js'
import { assertProfileName } from '../names.js'
import type { Profile } from '../schema/profile.js'
import { type Secrets, SecretsSchema } from '../schema/secrets.js'

/** How long a writer waits for the profile's lock. */
const LOCK_TIMEOUT_MS = 30_000

/** The only lock of a profile's files (profile.yaml, secrets.json, and docker/ written by @systemprompt/dockerfile), in .systemprompt/.locks (the profile directory may be deleted). */
export function profileLockPath(layout: ProjectLayout, name: string): string {
  return join(layout.locksDir, `profile-${name}.lock`)
}

/** 64 hex characters from the OS CSPRNG (32 bytes of entropy). */
function generateJwtSecret(): string {
  return randomBytes(32).toString('hex')
}

/** profile.yaml of `name`, validated; undefined when there is no such profile. */
export async function readProfile(layout: ProjectLayout, name: string): Promise<Profile | undefined> {
  if (!(await pathExists(layout.profileYaml(name)))) return undefined
  return loadProfile(layout.profileYaml(name))
}

/** secrets.json of `name`, validated; undefined when it does not exist. */
export async function readProfileSecrets(layout: ProjectLayout, name: string): Promise<Secrets | undefined> {
  return readOptionalJsonFile(layout.profileSecrets(name), SecretsSchema)
}

export interface WriteProfileInput {
  name: string
  tenant?: string
  target?: 'local' | 'cloud'
  databaseUrl: string
  /**
   * Keep every other key of an existing secrets.json (jwt_secret, provider keys, custom secrets, in the
   * names the file uses): a resumed create, a re-pointed profile. Only database_url changes.
   */
  keepSecrets?: boolean
}

/**
 * Writes profile.yaml (0644, only the keys that differ from the schema defaults) and secrets.json (0600:
 * a fresh 64-character jwt_secret, the database URL, provider keys null), both atomically, under the
 * profile's lock.
 */
export async function writeProfileFiles(layout: ProjectLayout, input: WriteProfileInput): Promise<void> {
  assertProfileName(input.name)
  const profile: Record<string, unknown> = { name: input.name }
  if (input.tenant !== undefined) profile.tenant = input.tenant
  profile.target = input.target ?? 'local'
  const yaml = `# systemprompt profile; see \`systemprompt config validate\` and the JSON Schema for every key.\n${yamlModule().stringify(profile)}`

  await withFileLock(
    profileLockPath(layout, input.name),
    async () => {
      const previous = input.keepSecrets ? await readRawSecrets(layout, input.name) : undefined
      const secrets: Record<string, unknown> = previous
        ? { ...previous, jwt_secret: previous.jwt_secret, database_url: input.databaseUrl }
        : {
            jwt_secret: generateJwtSecret(),
            database_url: input.databaseUrl,
            anthropic_api_key: null,
            openai_api_key: null,
            gemini_api_key: null,
          }
      // Secrets first: a profile.yaml without its secrets would look complete to a reader.
      await writeFileAtomic(layout.profileSecrets(input.name), `${JSON.stringify(secrets, null, 2)}\n`, {
        mode: SECRET_FILE_MODE,
      })
      await writeFileAtomic(layout.profileYaml(input.name), yaml, { mode: 0o644 })
    },
    { timeoutMs: LOCK_TIMEOUT_MS },
  )
}

/**
 * Points an existing profile at another database URL: in secrets.json only the value of `database_url`
 * changes (every other key, and the text around it, stays as it is); validated, written atomically under
 * the profile's lock. PROFILE_NOT_FOUND when the profile has no secrets.json.
 */
export async function setProfileDatabaseUrl(
  layout: ProjectLayout,
  name: string,
  databaseUrl: string,
  key: 'database_url' | 'internal_database_url' = 'database_url',
): Promise<void> {
  assertProfileName(name)
  const file = layout.profileSecrets(name)
  await withFileLock(
    profileLockPath(layout, name),
    async () => {
      if (!(await readProfileSecrets(layout, name))) {
        throw new SystempromptError({
          code: ErrorCode.PROFILE_NOT_FOUND,
          category: 'user',
          file,
          message: `Profile ${JSON.stringify(name)} has no secrets.json (${file})`,
          fix: 'Create the profile first (`systemprompt cloud tenant create` writes it)',
        })
      }
      const text = await readFile(file, 'utf8')
      const { applyEdits, modify } = jsoncParser()
      const next = applyEdits(
        text,
        modify(text, [key], databaseUrl, {
          formattingOptions: { insertSpaces: true, tabSize: 2 },
        }),
      )
      validateConfigValue(SecretsSchema, JSON.parse(next), file)
      await writeFileAtomic(file, next, { mode: SECRET_FILE_MODE })
    },
    { timeoutMs: LOCK_TIMEOUT_MS },
  )
}

/**
 * The existing secrets.json validated but with only the keys the file has (no defaults added), so a
 * rewrite keeps the original tool's file in the original tool's names.
 */
async function readRawSecrets(
  layout: ProjectLayout,
  name: string,
): Promise<Record<string, unknown> | undefined> {
  const parsed = await readProfileSecrets(layout, name)
  if (!parsed) return undefined
  const raw = JSON.parse(await readFile(layout.profileSecrets(name), 'utf8')) as Record<string, unknown>
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => Object.hasOwn(raw, key)))
}

/** Removes the profile's directory (both files and its docker/ directory) under the profile's lock. */
export async function deleteProfileFiles(layout: ProjectLayout, name: string): Promise<void> {
  assertProfileName(name)
  await withFileLock(
    profileLockPath(layout, name),
    () => rm(layout.profileDir(name), { recursive: true, force: true }),
    {
      timeoutMs: LOCK_TIMEOUT_MS,
    },
  )
}
