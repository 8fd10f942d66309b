import { z } from 'zod'
import { DEFAULT_SHARED_PORT } from '../constants.js'
import { imageRefSchema, portSchema, tenantStateSchema, timestampSchema } from './common.js'

/**
 * One tenant database in the shared server. tenant_id and database_name are the original tool's fields;
 * the rest is ours and optional so that files written by the original tool still load. Unknown keys are kept.
 */
export const SharedTenantDatabaseSchema = z
  .looseObject({
    tenant_id: z
      .string({ error: 'expected a tenant id (text)' })
      .min(1)
      .describe('Tenant that owns the database.'),
    database_name: z
      .string({ error: 'expected a database name (text)' })
      .min(1, { error: 'database name must not be empty' })
      .max(63, { error: 'database name must be at most 63 bytes (PostgreSQL limit)' })
      .describe('Database inside the shared server.'),
    role_name: z
      .string()
      .min(1)
      .max(63, { error: 'role name must be at most 63 bytes (PostgreSQL limit)' })
      .optional()
      .describe('Login role that owns the database (ours; absent in files of the original tool).'),
    state: tenantStateSchema.optional(),
    created_at: timestampSchema.optional().describe('When the database was registered.'),
  })
  .describe('A tenant database in the shared server')

/** docker/shared_config.json (0600): admin credentials of the shared server and its tenant databases. */
export const SharedConfigSchema = z
  .looseObject({
    version: z
      .literal(1, { error: 'unsupported version: expected 1' })
      .default(1)
      .describe('File format version.'),
    admin_password: z
      .string({ error: 'expected the admin password (text)' })
      .min(1, { error: 'admin password must not be empty' })
      .describe(
        'Password of systemprompt_admin in the shared server. Never change it: other projects share it.',
      ),
    port: portSchema.default(DEFAULT_SHARED_PORT).describe('Host port of the shared server on 127.0.0.1.'),
    created_at: z
      .string()
      .min(1)
      .optional()
      .describe('When the shared server was first set up (original tool: RFC 3339 timestamp).'),
    image: imageRefSchema.optional().describe('Image the shared server was created with.'),
    tenant_databases: z
      .array(SharedTenantDatabaseSchema)
      .default([])
      .describe('Tenant databases inside the shared server.'),
  })
  .describe('Shared PostgreSQL server (.systemprompt/docker/shared_config.json)')

export type SharedConfig = z.infer<typeof SharedConfigSchema>
export type SharedConfigInput = z.input<typeof SharedConfigSchema>
export type SharedTenantDatabase = z.infer<typeof SharedTenantDatabaseSchema>
