import type { PgClient } from '@systemprompt/pg'
import { mapPgError } from '@systemprompt/pg'

export interface ServerDatabase {
  name: string
  owner: string
  /** On-disk size in bytes (pg_database_size). */
  sizeBytes: number
  /** False when PUBLIC may connect (the database is open to every role). */
  closedToPublic: boolean
}

export interface ServerRole {
  name: string
  canLogin: boolean
  superuser: boolean
}

/**
 * Every non-template database of the server with owner and size, in one round trip. The ACL test reads
 * aclexplode: a database is closed when no ACL entry grants CONNECT to PUBLIC (grantee 0); a NULL ACL
 * means the defaults, which include PUBLIC CONNECT.
 */
export async function listServerDatabases(client: PgClient): Promise<ServerDatabase[]> {
  try {
    const res = await client.query<{ name: string; owner: string; size: string; closed: boolean }>(`
      SELECT d.datname AS name,
             pg_get_userbyid(d.datdba) AS owner,
             pg_database_size(d.oid)::text AS size,
             (d.datacl IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT'
             )) AS closed
        FROM pg_database d
       WHERE NOT d.datistemplate
       ORDER BY d.datname`)
    return res.rows.map((r) => ({
      name: r.name,
      owner: r.owner,
      sizeBytes: Number(r.size),
      closedToPublic: r.closed,
    }))
  } catch (error) {
    throw mapPgError(error, { action: 'listing databases' })
  }
}

/** Roles whose name starts with `prefix` (LIKE metacharacters in the prefix are escaped). */
export async function listServerRoles(client: PgClient, prefix = ''): Promise<ServerRole[]> {
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  try {
    const res = await client.query<{ name: string; can_login: boolean; superuser: boolean }>(
      'SELECT rolname AS name, rolcanlogin AS can_login, rolsuper AS superuser FROM pg_roles WHERE rolname LIKE $1 ORDER BY rolname',
      [pattern],
    )
    return res.rows.map((r) => ({ name: r.name, canLogin: r.can_login, superuser: r.superuser }))
  } catch (error) {
    throw mapPgError(error, { action: 'listing roles' })
  }
}
