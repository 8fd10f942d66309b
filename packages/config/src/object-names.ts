/**
 * Names of a tenant's objects on a PostgreSQL server. The server may be shared by several projects, so each
 * name carries the project's short id: `sp_<tenant>_<project_id>`, with the tenant's `-` written as `_`
 * (tenant names never contain `_`, and project ids are lowercase letters and digits only, so the mapping is
 * reversible and the last `_` always starts the project id). Role and database share the name.
 * 3 + 40 + 1 + project id stays under PostgreSQL's 63-byte identifier limit for ids up to 19 characters.
 */
const PREFIX = 'sp_'
const OBJECT_NAME = /^sp_([a-z][a-z0-9_]{0,39})_([a-z0-9]{4,16})$/

export function tenantObjectName(tenant: string, projectId: string): string {
  return `${PREFIX}${tenant.replaceAll('-', '_')}_${projectId}`
}

/** The tenant a database/role name belongs to in this project, or undefined when it is not one of ours. */
export function tenantFromObjectName(name: string, projectId: string): string | undefined {
  const suffix = `_${projectId}`
  if (!name.startsWith(PREFIX) || !name.endsWith(suffix)) return undefined
  const middle = name.slice(PREFIX.length, name.length - suffix.length)
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(middle)) return undefined
  return middle.replaceAll('_', '-')
}

/**
 * The project id a tenant database/role name carries, whichever project it is: how a shared server tells
 * which projects have databases in it. Undefined for a name that is not a tenant object name.
 */
export function projectIdOfObjectName(name: string): string | undefined {
  return OBJECT_NAME.exec(name)?.[2]
}
