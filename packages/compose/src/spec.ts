/**
 * The declared PostgreSQL server: what a compose file under `.systemprompt/docker/` says, in one plain
 * object. The file generator renders it to YAML and parses it back; the runner realises it through the
 * Docker Engine API. Both sides agree on this type only.
 */
export type ServerKind = 'shared' | 'dedicated'

export interface PostgresServerSpec {
  kind: ServerKind
  /** Tenant name for a dedicated server; undefined for the shared one. */
  tenant?: string
  /** Compose service name: `postgres` in shared.yaml. */
  service: string
  /** `systemprompt-postgres-shared` or `systemprompt-postgres-<tenant>-<projectId>`. */
  containerName: string
  /** Explicit volume name: `systemprompt-postgres-shared-data` or `systemprompt-postgres-<tenant>-<projectId>-data`. */
  volumeName: string
  image: string
  /** Host port, published on 127.0.0.1 only. */
  port: number
  /** `systemprompt_admin`. */
  adminUser: string
  /** `postgres` (POSTGRES_DB). */
  database: string
  /** Absolute path of the 0600 file that holds the admin password (compose `secrets:` entry). */
  passwordFile: string
  /**
   * Compose project name, so `docker-compose -f FILE ps` lists the container: `systemprompt-shared`, or
   * `systemprompt-<projectId>` for a project's dedicated servers (what the `.env` beside the file says).
   */
  project: string
  /**
   * Dedicated only: id of the project that owns the server (tenants.json `project_id`). Container and volume
   * carry it as a label; every change or removal checks it first. Undefined only for a file read back that
   * was generated before servers carried it.
   */
  projectId?: string
  /** Dedicated only: absolute root of that project (a label, so another project can say whose it is). */
  projectDir?: string
  /** Our own labels (role, tenant, project, config hash are added by the generator/runner). */
  labels: Record<string, string>
}
