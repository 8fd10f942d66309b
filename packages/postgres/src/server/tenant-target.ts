// What a tenant's dedicated server is, before anything touches it: the tenant's record (which must say
// `database: dedicated`), this project's id, and the spec — names, labels and compose project scoped to it.
import { readFile } from 'node:fs/promises'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { dedicatedServerSpec, parseComposeFile } from '@systemprompt/compose'
import type { TenantRecord } from '@systemprompt/config'
import { errnoOf, LABELS, type ProjectLayout, SystempromptError } from '@systemprompt/config/core'
import { type ServerEnvironment, withInstance } from './context.js'

export interface DedicatedTenant {
  record: TenantRecord
  /** tenants.json `project_id`: in the server's names and labels. */
  projectId: string
}

/**
 * The tenant's record in tenants.json, which must say `database: dedicated`. TENANT_NOT_FOUND otherwise
 * (nothing is ever done for, or invented about, a tenant this project does not know — a leftover password
 * file or compose file without a record is never used), or TENANT_NOT_DEDICATED saying where its database is.
 */
export async function requireDedicatedTenant(
  layout: ProjectLayout,
  tenant: string,
): Promise<DedicatedTenant> {
  const { readTenantsFile } = await import('@systemprompt/config')
  const file = await readTenantsFile(layout)
  const record = file?.tenants.find((t) => t.name === tenant)
  if (!file || !record) {
    throw new SystempromptError({
      code: 'TENANT_NOT_FOUND',
      category: 'user',
      file: layout.tenantsFile,
      message: `There is no tenant ${tenant} in this project (${layout.tenantsFile}), so it has no dedicated PostgreSQL server`,
      fix: `Create it with \`systemprompt cloud tenant create --name ${tenant} --database dedicated\` (or leave out the tenant for the shared server); \`systemprompt cloud tenant list\` shows this project's tenants`,
      details: { tenant },
    })
  }
  if (record.database === 'dedicated') return { record, projectId: file.project_id }
  const where =
    record.database === 'shared'
      ? {
          message: `Tenant ${tenant} keeps its database in the shared PostgreSQL server; it has no dedicated server`,
          fix: 'Use the shared server: leave out the tenant (`systemprompt db up`, `db status`, ...)',
        }
      : {
          message: `Tenant ${tenant} uses an external database (its profile's DATABASE_URL); there is no local server`,
          fix: `Manage that database where it runs; \`systemprompt cloud tenant show ${tenant}\` shows the details`,
        }
  throw new SystempromptError({
    code: 'TENANT_NOT_DEDICATED',
    category: 'user',
    file: layout.tenantsFile,
    ...where,
    details: { tenant, database: record.database },
  })
}

/**
 * The dedicated spec of a tenant of this project, with the instance suffix and extra labels applied; the
 * volume the record names (a server adopted with its data) instead of the default one.
 */
export function tenantSpec(
  layout: ProjectLayout,
  owner: DedicatedTenant,
  machine: Pick<ServerEnvironment, 'instance' | 'labels'>,
  options: { image: string; port: number },
): PostgresServerSpec {
  const spec = withInstance(
    dedicatedServerSpec(owner.record.name, {
      dockerDir: layout.dockerDir,
      projectId: owner.projectId,
      projectDir: layout.root,
      image: options.image,
      port: options.port,
      ...(machine.labels ? { labels: machine.labels } : {}),
    }),
    machine.instance,
  )
  const volumeName = owner.record.volume_name
  return volumeName ? { ...spec, volumeName } : spec
}

/** What `docker/<tenant>.yaml` declares, or undefined when there is no such file. */
export async function readDeclared(file: string): Promise<PostgresServerSpec | undefined> {
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return undefined
    throw error
  })
  return text === undefined ? undefined : parseComposeFile(text, file)
}

/**
 * A hand-edited compose file is realised as it is, but only for this project and its tenant: one that
 * declares no project, another project's id or another tenant (a copy of a.yaml as b.yaml) would have us
 * create, change or remove what is not ours.
 */
export function assertDeclaresProject(
  spec: PostgresServerSpec,
  projectId: string,
  file: string,
  tenant: string,
): void {
  if (spec.projectId === projectId && spec.tenant === tenant) return
  if (spec.projectId === projectId) {
    throw new SystempromptError({
      code: 'COMPOSE_INVALID',
      category: 'user',
      file,
      keyPath: ['services', spec.service, 'labels', LABELS.tenant],
      message: `${file} was edited by hand and declares ${spec.tenant === undefined ? `no ${LABELS.tenant} label` : `${LABELS.tenant}: ${spec.tenant}`}, but it is tenant ${tenant}'s file`,
      fix: `Set the label ${LABELS.tenant}: "${tenant}" in ${file} and point it at tenant ${tenant}'s own container and volume, or delete the file to have it generated again`,
      details: { declared: spec.tenant ?? null, tenant },
    })
  }
  throw new SystempromptError({
    code: 'COMPOSE_INVALID',
    category: 'user',
    file,
    keyPath: ['services', spec.service, 'labels', LABELS.project],
    message: `${file} was edited by hand and declares ${spec.projectId === undefined ? `no ${LABELS.project} label` : `${LABELS.project}: ${spec.projectId}`}, but this project's id is ${projectId}`,
    fix: `Set the label ${LABELS.project}: "${projectId}" in ${file} (and in its volume's labels), or delete the file to have it generated again`,
    details: { declared: spec.projectId ?? null, projectId },
  })
}
