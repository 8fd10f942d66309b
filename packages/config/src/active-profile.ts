// Which profile's `docker:` settings apply: path logic only (no schemas), so the CLI's fast paths can use it.
import { isAbsolute, join, resolve } from 'node:path'
import type { ProjectLayout } from './layout.js'

/**
 * profile.yaml of the profile that applies: SYSTEMPROMPT_PROFILE (its directory or its profile.yaml,
 * relative to `cwd`) when set; otherwise the named fallback profile (a tenant's own profile for its
 * dedicated server); otherwise none.
 */
export function activeProfileFile(
  layout: ProjectLayout,
  fromEnv: string | undefined,
  fallback: string | undefined,
  cwd: string,
): string | undefined {
  if (fromEnv) {
    const path = isAbsolute(fromEnv) ? fromEnv : resolve(cwd, fromEnv)
    return /\.ya?ml$/.test(path) ? path : join(path, 'profile.yaml')
  }
  return fallback === undefined ? undefined : layout.profileYaml(fallback)
}
