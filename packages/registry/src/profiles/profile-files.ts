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
  const out: ProfileSummary[] = []
  for (const name of entries.sort()) {
    if (!(await pathExists(layout.profileYaml(name)))) continue
    out.push(await summarize(layout, name))
  }
  return out
}

async function summarize(layout: ProjectLayout, name: string): Promise<ProfileSummary> {
  const profile = await requireProfile(layout, name)
  const secrets = await readProfileSecrets(layout, name)
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
