import { randomBytes } from 'node:crypto'
import { readdir, rm, stat } from 'node:fs/promises'
import {
  assertProfileName,
  ErrorCode,
  loadProfile,
  loadSecrets,
  type Profile,
  type ProjectLayout,
  projectLayout,
  readOptionalJsonFile,
  SECRET_FILE_MODE,
  type Secrets,
  SecretsSchema,
  SystempromptError,
  writeFileAtomic,
} from '@systemprompt/config'
import { maskDatabaseUrl } from '@systemprompt/pg'
import { stringify } from 'yaml'

/** 64 hex characters from the OS CSPRNG (32 bytes of entropy). */
export function generateJwtSecret(): string {
  return randomBytes(32).toString('hex')
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/** The tenant a profile belongs to, read from its profile.yaml; undefined when there is no such profile. */
export async function readProfileIfExists(layout: ProjectLayout, name: string): Promise<Profile | undefined> {
  if (!(await exists(layout.profileYaml(name)))) return undefined
  return loadProfile(layout.profileYaml(name))
}

export interface WriteProfileInput {
  name: string
  tenant?: string
  target?: 'local' | 'cloud'
  databaseUrl: string
  /** Keep the jwt_secret and API keys of an existing secrets.json (a resumed create, a re-pointed profile). */
  keepSecrets?: boolean
}

/**
 * Writes profile.yaml (0644, only the keys that differ from the schema defaults) and secrets.json (0600:
 * a fresh 64-character jwt_secret, the database URL, provider keys null). Both atomically.
 */
export async function writeProfileFiles(layout: ProjectLayout, input: WriteProfileInput): Promise<void> {
  assertProfileName(input.name)
  const profile: Record<string, unknown> = { name: input.name }
  if (input.tenant !== undefined) profile.tenant = input.tenant
  profile.target = input.target ?? 'local'
  const yaml = `# systemprompt profile; see \`systemprompt config validate\` and the JSON Schema for every key.\n${stringify(profile)}`

  const previous = input.keepSecrets
    ? await readOptionalJsonFile(layout.profileSecrets(input.name), SecretsSchema)
    : undefined
  const secrets: Secrets = {
    jwt_secret: previous?.jwt_secret ?? generateJwtSecret(),
    database_url: input.databaseUrl,
    anthropic_api_key: previous?.anthropic_api_key ?? null,
    openai_api_key: previous?.openai_api_key ?? null,
    gemini_api_key: previous?.gemini_api_key ?? null,
  }
  // Secrets first: a profile.yaml without its secrets would look complete to a reader.
  await writeFileAtomic(layout.profileSecrets(input.name), `${JSON.stringify(secrets, null, 2)}\n`, {
    mode: SECRET_FILE_MODE,
  })
  await writeFileAtomic(layout.profileYaml(input.name), yaml, { mode: 0o644 })
}

export interface ProfileSummary {
  name: string
  tenant: string | undefined
  target: 'local' | 'cloud'
  /** DATABASE_URL with the password masked. */
  databaseUrl: string | undefined
  dir: string
}

export async function listProfiles(root: string): Promise<ProfileSummary[]> {
  const layout = projectLayout(root)
  let entries: string[]
  try {
    entries = (await readdir(layout.profilesDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
  } catch {
    return []
  }
  const out: ProfileSummary[] = []
  for (const name of entries.sort()) {
    if (!(await exists(layout.profileYaml(name)))) continue
    out.push(await summarize(layout, name))
  }
  return out
}

async function summarize(layout: ProjectLayout, name: string): Promise<ProfileSummary> {
  const profile = await loadProfile(layout.profileYaml(name))
  const secrets = await readOptionalJsonFile(layout.profileSecrets(name), SecretsSchema)
  return {
    name,
    tenant: profile.tenant,
    target: profile.target,
    databaseUrl: secrets ? maskDatabaseUrl(secrets.database_url) : undefined,
    dir: layout.profileDir(name),
  }
}

export interface ProfileDetails extends ProfileSummary {
  profile: Profile
  /** secrets.json with every value masked unless `showSecrets`. */
  secrets: Record<string, string | null> | undefined
}

export async function showProfile(
  root: string,
  name: string,
  options: { showSecrets?: boolean } = {},
): Promise<ProfileDetails> {
  assertProfileName(name)
  const layout = projectLayout(root)
  if (!(await exists(layout.profileYaml(name)))) throw profileNotFound(name)
  const summary = await summarize(layout, name)
  const profile = await loadProfile(layout.profileYaml(name))
  let secrets: Record<string, string | null> | undefined
  if (await exists(layout.profileSecrets(name))) {
    const raw = await loadSecrets(layout.profileSecrets(name))
    secrets = Object.fromEntries(
      Object.entries(raw).map(([key, value]) => {
        if (value === null || options.showSecrets) return [key, value]
        return [key, key === 'database_url' ? maskDatabaseUrl(value) : '********']
      }),
    )
  }
  return { ...summary, profile, secrets }
}

export async function deleteProfileFiles(layout: ProjectLayout, name: string): Promise<void> {
  assertProfileName(name)
  await rm(layout.profileDir(name), { recursive: true, force: true })
}

export function profileNotFound(name: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.PROFILE_NOT_FOUND,
    category: 'user',
    message: `Profile ${JSON.stringify(name)} does not exist`,
    fix: 'List profiles with `systemprompt cloud profile list`',
  })
}
