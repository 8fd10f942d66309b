import { SystempromptError } from '@systemprompt/config'
import type { PgClient } from '@systemprompt/pg'
import {
  generatePassword,
  isTransientPgError,
  mapPgError,
  quoteIdent,
  scramSha256Verifier,
} from '@systemprompt/pg'

export interface TenantDatabaseNames {
  /** Login role that owns the database. */
  role: string
  database: string
}

export interface CreatedTenantDatabase extends TenantDatabaseNames {
  /** Clear-text password of the role, for the profile's DATABASE_URL only. */
  password: string
  /** False when the database already existed (a resumed create). */
  createdDatabase: boolean
  createdRole: boolean
}

const ROLE_OPTIONS = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT'

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

async function roleExists(client: PgClient, role: string): Promise<boolean> {
  const res = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])
  return res.rowCount === 1
}

/** Owner of the database, or undefined when it does not exist. */
async function databaseOwner(client: PgClient, database: string): Promise<string | undefined> {
  const res = await client.query<{ owner: string }>(
    'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
    [database],
  )
  return res.rows[0]?.owner
}

/**
 * Creates (or, for a resumed create, completes) a tenant's login role and its database on a server where
 * `client` is connected as a superuser. The role gets a fresh random password and no server-wide
 * powers; the database is owned by the role and closed to PUBLIC, so other tenants' roles cannot open it.
 * Idempotent: safe to run again after an interruption at any point.
 */
export async function createTenantDatabase(
  client: PgClient,
  names: TenantDatabaseNames,
  options: { password?: string } = {},
): Promise<CreatedTenantDatabase> {
  const password = options.password ?? generatePassword()
  const role = quoteIdent(names.role)
  const database = quoteIdent(names.database)
  const ctx = {
    action: `creating tenant database ${JSON.stringify(names.database)}`,
    database: names.database,
  }
  try {
    // The verifier, not the password, goes into the SQL text (see scram.ts).
    const verifier = scramSha256Verifier(password).replaceAll("'", "''")
    let createdRole = false
    if (await roleExists(client, names.role)) {
      // Ours from an interrupted create (the project suffix makes the name ours): reset it to a known state.
      await client.query(`ALTER ROLE ${role} WITH ${ROLE_OPTIONS} PASSWORD '${verifier}'`)
    } else {
      await client.query(`CREATE ROLE ${role} WITH ${ROLE_OPTIONS} PASSWORD '${verifier}'`)
      createdRole = true
    }

    let createdDatabase = false
    const owner = await databaseOwner(client, names.database)
    if (owner === undefined) {
      await createDatabaseWithRetry(client, `CREATE DATABASE ${database} WITH OWNER ${role}`)
      createdDatabase = true
    } else if (owner !== names.role) {
      throw new SystempromptError({
        code: 'DATABASE_OBJECT_EXISTS',
        category: 'conflict',
        message: `Database ${JSON.stringify(names.database)} already exists and belongs to ${JSON.stringify(owner)}, not to ${JSON.stringify(names.role)}`,
        fix: 'Pick another tenant name; this tool never takes over a database it did not create',
        details: { database: names.database, owner },
      })
    }
    // CONNECT and TEMPORARY are granted to PUBLIC by default: take them away so only the owner gets in.
    await client.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`)
    await client.query(`GRANT ALL ON DATABASE ${database} TO ${role}`)
    // ... and out of the maintenance databases, where it could list every project's databases and roles.
    await closeMaintenanceDatabases(client)
    return { ...names, password, createdDatabase, createdRole }
  } catch (error) {
    throw mapPgError(error, ctx)
  }
}

/** Every server has them; PUBLIC (so every tenant role) may connect to both and make TEMP tables by default. */
const MAINTENANCE_DATABASES = ['postgres', 'template1']

/** The maintenance databases of the server that PUBLIC may still connect to or make TEMP tables in. */
export async function openMaintenanceDatabases(client: PgClient): Promise<string[]> {
  try {
    const res = await client.query<{ name: string }>(
      `SELECT datname AS name FROM pg_database
        WHERE datname = ANY($1::text[])
          AND (has_database_privilege('public', oid, 'CONNECT') OR has_database_privilege('public', oid, 'TEMPORARY'))
        ORDER BY datname`,
      [MAINTENANCE_DATABASES],
    )
    return res.rows.map((r) => r.name)
  } catch (error) {
    throw mapPgError(error, { action: 'reading the privileges of the maintenance databases' })
  }
}

/**
 * Takes CONNECT and TEMPORARY on `postgres` and `template1` away from PUBLIC (the admin is a superuser and
 * keeps them), so a tenant role reaches its own database only. Idempotent and cheap when already done (one
 * catalog read). Concurrent GRANT/REVOKE on one database fail with "tuple concurrently updated", so the
 * REVOKEs of parallel creates (of any project on a shared server) are serialised by an advisory lock.
 * Returns the databases it closed.
 */
export async function closeMaintenanceDatabases(client: PgClient): Promise<string[]> {
  const open = await openMaintenanceDatabases(client)
  if (open.length === 0) return []
  try {
    await client.query('BEGIN')
    try {
      await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('systemprompt.maintenance-acl', 0))`)
      for (const name of open) {
        await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdent(name)} FROM PUBLIC`)
      }
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    }
  } catch (error) {
    throw mapPgError(error, { action: 'closing the maintenance databases to tenant roles' })
  }
  return open
}

/** CREATE DATABASE fails with 55006 while another session sits in template1; that passes, so retry briefly. */
async function createDatabaseWithRetry(client: PgClient, sql: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(sql)
      return
    } catch (error) {
      if (attempt >= 20 || !isTransientPgError(error)) throw error
      await sleep(50 + attempt * 25)
    }
  }
}

/** Gives an existing tenant role a new random password (never used for the admin role). */
export async function resetTenantPassword(client: PgClient, roleName: string): Promise<string> {
  const password = generatePassword()
  const verifier = scramSha256Verifier(password).replaceAll("'", "''")
  try {
    await client.query(`ALTER ROLE ${quoteIdent(roleName)} WITH PASSWORD '${verifier}'`)
  } catch (error) {
    throw mapPgError(error, { action: `resetting the password of role ${JSON.stringify(roleName)}` })
  }
  return password
}

export interface DroppedTenantDatabase {
  droppedDatabase: boolean
  droppedRole: boolean
  /** Sessions that were ended first. */
  terminatedSessions: number
}

/**
 * Ends the sessions of the tenant's database and role, drops the database, then the role. Refuses to drop a
 * database that exists but is owned by another role (not ours). Missing objects are fine (idempotent).
 */
export async function dropTenantDatabase(
  client: PgClient,
  names: TenantDatabaseNames,
): Promise<DroppedTenantDatabase> {
  const ctx = {
    action: `dropping tenant database ${JSON.stringify(names.database)}`,
    database: names.database,
  }
  try {
    // A create killed mid-way may leave its CREATE DATABASE running on the server; end it and wait, or the
    // database would appear after we looked.
    await endStatementsAbout(client, [quoteIdent(names.database), quoteIdent(names.role)])
    const owner = await databaseOwner(client, names.database)
    if (owner !== undefined && owner !== names.role) {
      throw new SystempromptError({
        code: 'DATABASE_OBJECT_EXISTS',
        category: 'conflict',
        message: `Database ${JSON.stringify(names.database)} belongs to ${JSON.stringify(owner)}, not to the tenant role ${JSON.stringify(names.role)}; not dropping it`,
        fix: 'Drop it by hand if it really is unused; this tool only drops databases it created',
        details: { database: names.database, owner },
      })
    }
    let terminatedSessions = 0
    let droppedDatabase = false
    if (owner !== undefined) {
      // No new sessions, then end the running ones; WITH (FORCE) (PG 13+) closes the last race window.
      await client.query(`ALTER DATABASE ${quoteIdent(names.database)} WITH ALLOW_CONNECTIONS false`)
      terminatedSessions += await terminate(client, 'datname', names.database)
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(names.database)} WITH (FORCE)`)
      droppedDatabase = true
    }
    let droppedRole = false
    if (await roleExists(client, names.role)) {
      terminatedSessions += await terminate(client, 'usename', names.role)
      await client.query(`DROP ROLE IF EXISTS ${quoteIdent(names.role)}`)
      droppedRole = true
    }
    return { droppedDatabase, droppedRole, terminatedSessions }
  } catch (error) {
    throw mapPgError(error, ctx)
  }
}

async function terminate(client: PgClient, column: 'datname' | 'usename', value: string): Promise<number> {
  const res = await client.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${column} = $1 AND pid <> pg_backend_pid()`,
    [value],
  )
  return res.rowCount ?? 0
}

/** Terminates other sessions whose running statement mentions one of `needles`, and waits until they are gone. */
async function endStatementsAbout(client: PgClient, needles: string[]): Promise<void> {
  const sql = `SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE pid <> pg_backend_pid() AND state <> 'idle' AND backend_type = 'client backend'
                  AND (strpos(query, $1) > 0 OR strpos(query, $2) > 0)`
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = await client.query(sql, [needles[0], needles[1] ?? needles[0]])
    if (res.rowCount === 0) return
    await sleep(100)
  }
}
