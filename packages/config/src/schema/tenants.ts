import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import {
  pgObjectNameSchema,
  portSchema,
  profileNameSchema,
  tenantNameSchema,
  tenantStateSchema,
  timestampSchema,
} from './common.js'

const PROJECT_ID_PATTERN = /^[a-z0-9]{4,16}$/

/** A fresh project id: 8 random hex characters (crypto RNG). */
export function newProjectId(): string {
  return randomBytes(4).toString('hex')
}

export const TenantRecordSchema = z
  .strictObject({
    name: tenantNameSchema.describe('Tenant name (also the default profile name).'),
    database: z
      .enum(['shared', 'dedicated', 'external'], { error: "expected 'shared', 'dedicated' or 'external'" })
      .describe('shared: a database in the shared server; dedicated: its own container; external: a URL.'),
    state: tenantStateSchema.default('pending'),
    database_name: pgObjectNameSchema('database')
      .optional()
      .describe('Database name (shared and dedicated).'),
    role_name: pgObjectNameSchema('role').optional().describe('Login role that owns the database.'),
    port: portSchema.optional().describe('Host port of the dedicated server on 127.0.0.1.'),
    volume_name: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/, { error: 'expected a Docker volume name' })
      .optional()
      .describe(
        'Dedicated: the data volume, when it is not the default one (a server made before names carried the project id, adopted with its data).',
      ),
    profile: profileNameSchema.describe('Profile that holds the DATABASE_URL of this tenant.'),
    created_at: timestampSchema.describe('When the record was created.'),
    updated_at: timestampSchema.describe('When the record last changed.'),
  })
  .describe('A tenant of this project')

/** .systemprompt/tenants.json (0600): the tenants of this project. */
export const TenantsFileSchema = z
  .strictObject({
    version: z
      .literal(1, { error: 'unsupported version: expected 1' })
      .default(1)
      .describe('File format version.'),
    project_id: z
      .string({ error: 'expected a project id (text)' })
      .regex(PROJECT_ID_PATTERN, { error: 'project_id must be 4-16 lowercase letters or digits' })
      .describe('Suffix of database and role names, so projects sharing one server never collide.'),
    tenants: z
      .array(TenantRecordSchema)
      .default([])
      .superRefine((tenants, ctx) => {
        const seen = new Set<string>()
        tenants.forEach((tenant, index) => {
          if (seen.has(tenant.name)) {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'name'],
              message: `duplicate tenant name "${tenant.name}"`,
            })
          }
          seen.add(tenant.name)
        })
      })
      .describe('Tenants of this project.'),
  })
  .describe('Tenants of a systemprompt project (.systemprompt/tenants.json)')

export type TenantRecord = z.infer<typeof TenantRecordSchema>
export type TenantRecordInput = z.input<typeof TenantRecordSchema>
export type TenantsFile = z.infer<typeof TenantsFileSchema>
export type TenantsFileInput = z.input<typeof TenantsFileSchema>
