// Listing and showing profiles; the files themselves belong to the profiles store in @systemprompt/config.
import { readdir } from 'node:fs/promises'
import {
  assertProfileName,
  ErrorCode,
  type Profile,
  type ProjectLayout,
  pathExists,
  projectLayout,
  readProfile,
  readProfileSecrets,
  SystempromptError,
} from '@systemprompt/config'

export interface ProfileSummary {
  name: string
  tenant: string | undefined
  target: 'local' | 'cloud'
  /** DATABASE_URL with its password: the caller masks it for display. */
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
  // All profiles are read at once (each read is a few file-system calls waiting on the thread pool); the error
  // reported is still the one of the first broken profile in name order, as when they were read one by one.
  const read = await Promise.allSettled(
    entries
      .sort()
      .map(async (name) =>
        (await pathExists(layout.profileYaml(name))) ? summarize(layout, name) : undefined,
      ),
  )
  const out: ProfileSummary[] = []
  for (const result of read) {
    if (result.status === 'rejected') throw result.reason
    if (result.value) out.push(result.value)
  }
  return out
}

async function summarize(layout: ProjectLayout, name: string): Promise<ProfileSummary> {
  // Both files at once; a broken profile.yaml is reported before a broken secrets.json, as before.
  const secretsRead = readProfileSecrets(layout, name)
  secretsRead.catch(() => undefined)
  const profile = await requireProfile(layout, name)
  const secrets = await secretsRead
  return {
    name,
    tenant: profile.tenant,
    target: profile.target,
    databaseUrl: secrets?.database_url,
    dir: layout.profileDir(name),
  }
}

export interface ProfileDetails extends ProfileSummary {
  profile: Profile
  /** secrets.json as written (real values: the caller masks them for display). */
  secrets: Record<string, string | null> | undefined
}

export async function showProfile(root: string, name: string): Promise<ProfileDetails> {
  assertProfileName(name)
  const layout = projectLayout(root)
  if (!(await pathExists(layout.profileYaml(name)))) throw profileNotFound(name)
  const summary = await summarize(layout, name)
  const profile = await requireProfile(layout, name)
  let secrets: Record<string, string | null> | undefined
  const raw = await readProfileSecrets(layout, name)
  if (raw) {
    secrets = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value ?? null]))
  }
  return { ...summary, profile, secrets }
}

async function requireProfile(layout: ProjectLayout, name: string): Promise<Profile> {
  const profile = await readProfile(layout, name)
  if (!profile) throw profileNotFound(name)
  return profile
}

function profileNotFound(name: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.PROFILE_NOT_FOUND,
    category: 'user',
    message: `Profile ${JSON.stringify(name)} does not exist`,
    fix: 'List profiles with `systemprompt cloud profile list`',
  })
}
