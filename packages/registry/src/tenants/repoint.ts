// After `db up --port N` moved the machine-wide shared server, this project's shared tenants still name the
// old port in their profiles' DATABASE_URL. This rewrites exactly those URLs (through config's profile store:
// only the value of `database_url` changes, atomically, under the profile's lock). Other projects' URLs
// are theirs: `systemprompt db doctor --fix` there repoints them.
import {
  projectLayout,
  readProfileSecrets,
  readTenantsFile,
  setProfileDatabaseUrl,
} from '@systemprompt/config'
import { repointLocalUrl } from '@systemprompt/pg'

interface RepointedProfile {
  tenant: string
  profile: string
}

export interface RepointResult {
  /** Profiles whose DATABASE_URL now names the new port. */
  rewritten: RepointedProfile[]
  /** Profiles left as they were, and why (another address, no secrets.json, a file that does not load). */
  skipped: (RepointedProfile & { reason: string })[]
}

/**
 * Rewrites the DATABASE_URL of every shared tenant's profile of the project at `root` that points at the
 * shared server's old address (127.0.0.1:`from`) to `to`. URLs that point elsewhere are left alone.
 */
export async function repointSharedTenantUrls(
  root: string,
  ports: { from: number; to: number },
): Promise<RepointResult> {
  const layout = projectLayout(root)
  const result: RepointResult = { rewritten: [], skipped: [] }
  if (ports.from === ports.to) return result
  const tenants = (await readTenantsFile(layout))?.tenants.filter((t) => t.database === 'shared') ?? []
  for (const tenant of tenants) {
    const which = { tenant: tenant.name, profile: tenant.profile }
    try {
      const url = (await readProfileSecrets(layout, tenant.profile))?.database_url
      if (url === undefined) {
        result.skipped.push({ ...which, reason: 'no secrets.json' })
        continue
      }
      const next = repointLocalUrl(url, ports.to, ports.from)
      if (next === undefined) {
        result.skipped.push({
          ...which,
          reason: `its DATABASE_URL does not point at this machine (127.0.0.1, localhost, ::1) on port ${ports.from}`,
        })
        continue
      }
      await setProfileDatabaseUrl(layout, tenant.profile, next)
      result.rewritten.push(which)
    } catch (error) {
      result.skipped.push({ ...which, reason: error instanceof Error ? error.message : String(error) })
    }
  }
  return result
}
