import { availableParallelism } from 'node:os'
import type { PgClient, PgTarget } from '@systemprompt/pg'
import { mapPgError, withClient } from '@systemprompt/pg'

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

/** Below this many databases one connection measures them all; above, sizes are measured in parallel. */
const PARALLEL_SIZES_FROM = 50
const MAX_SIZE_LANES = 4

/**
 * Every non-template database of the server with owner and size. The ACL test reads aclexplode: a database is
 * closed when no ACL entry grants CONNECT to PUBLIC (grantee 0); a NULL ACL means the defaults, which include
 * PUBLIC CONNECT.
 *
 * pg_database_size walks the database's directory: ~1 ms per database, 400-600 ms for 500 of them on one
 * backend (bench/tenants.mjs), while the rest of the query takes 3 ms. With `target` (the same server and
 * login as `client`) and more than PARALLEL_SIZES_FROM databases, the sizes are measured over up to 4
 * connections at once (one per CPU, `client` being one): 2 lanes on 2 CPUs halve it.
 */
export async function listServerDatabases(client: PgClient, target?: PgTarget): Promise<ServerDatabase[]> {
  try {
    // Up to PARALLEL_SIZES_FROM databases the sizes come with the list, in the same round trip.
    const res = await client.query<{
      oid: number
      name: string
      owner: string
      closed: boolean
      size: string | null
    }>(
      `
      SELECT d.oid, d.datname AS name,
             pg_get_userbyid(d.datdba) AS owner,
             (d.datacl IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT'
             )) AS closed,
             CASE WHEN (SELECT count(*) FROM pg_database WHERE NOT datistemplate) <= $1
                  THEN pg_database_size(d.oid)::text END AS size
        FROM pg_database d
       WHERE NOT d.datistemplate
       ORDER BY d.datname`,
      [PARALLEL_SIZES_FROM],
    )
    const sized = res.rows.every((r) => r.size !== null)
    const sizes = sized
      ? new Map(res.rows.map((r) => [r.oid, Number(r.size)]))
      : await databaseSizes(
          client,
          res.rows.map((r) => r.oid),
          target,
        )
    return res.rows.map((r) => ({
      name: r.name,
      owner: r.owner,
      sizeBytes: sizes.get(r.oid) ?? 0,
      closedToPublic: r.closed,
    }))
  } catch (error) {
    throw mapPgError(error, { action: 'listing databases' })
  }
}

/** oid -> pg_database_size, split into lanes of interleaved oids (one query per lane). */
async function databaseSizes(
  client: PgClient,
  oids: number[],
  target?: PgTarget,
): Promise<Map<number, number>> {
  const lanes =
    target && oids.length > PARALLEL_SIZES_FROM
      ? Math.min(MAX_SIZE_LANES, Math.max(2, availableParallelism()))
      : 1
  const query = (c: PgClient, part: number[]) =>
    c.query<{ oid: number; size: string }>(
      // A database dropped since the list was read has no size any more: NULL, not an error.
      `SELECT o AS oid, (SELECT pg_database_size(d.oid) FROM pg_database d WHERE d.oid = o)::text AS size
         FROM unnest($1::oid[]) AS o`,
      [part],
    )
  const parts = Array.from({ length: lanes }, (_, lane) => oids.filter((_, i) => i % lanes === lane))
  const results = await Promise.all(
    parts.map((part, lane) =>
      lane === 0 || !target
        ? query(client, part)
        : // A lane that cannot have its own connection (max_connections reached, a slow server) is not an error:
          // its databases are measured on `client` afterwards.
          withClient(target, (c) => query(c, part), {
            timeoutMs: 2000,
            action: 'measuring database sizes',
          }).catch(() => undefined),
    ),
  )
  const sizes = new Map<number, number>()
  for (const [lane, res] of results.entries()) {
    const rows = (res ?? (await query(client, parts[lane] ?? []))).rows
    for (const row of rows) sizes.set(Number(row.oid), Number(row.size ?? 0))
  }
  return sizes
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
