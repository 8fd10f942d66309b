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

/** `postgres://user:pw@127.0.0.1:<port>` up to the port; the rest of the URL is kept byte for byte. */
const LOCAL_AUTHORITY = /^(postgres(?:ql)?:\/\/(?:[^/?#@]*@)?127\.0\.0\.1):(\d+)(?=[/?#]|$)/

/** The URL with its port replaced, when it points at 127.0.0.1:`from`; undefined otherwise. */
function repointedUrl(url: string, from: number, to: number): string | undefined {
  const match = LOCAL_AUTHORITY.exec(url)
  if (!match || Number(match[2]) !== from) return undefined
  return `${match[1]}:${to}${url.slice(match[0].length)}`
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
      const next = repointedUrl(url, ports.from, ports.to)
      if (next === undefined) {
        result.skipped.push({
          ...which,
          reason: `its DATABASE_URL does not point at 127.0.0.1:${ports.from}`,
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
