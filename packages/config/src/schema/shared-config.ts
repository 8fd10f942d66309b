import { z } from 'zod'
import { DEFAULT_SHARED_PORT } from '../constants.js'
import {
  boundedText,
  imageRefSchema,
  pgObjectNameSchema,
  portSchema,
  TEXT_LIMITS,
  tenantStateSchema,
  timestampSchema,
} from './common.js'

/**
 * One tenant database in the shared server. tenant_id and database_name are the original tool's fields;
 * the rest is ours and optional so that files written by the original tool still load. Unknown keys are kept.
 */
export const SharedTenantDatabaseSchema = z
  .looseObject({
    tenant_id: boundedText('a tenant id', TEXT_LIMITS.short)
      .min(1, { error: 'tenant id must not be empty' })
      .describe('Tenant that owns the database.'),
    database_name: pgObjectNameSchema('database').describe('Database inside the shared server.'),
    role_name: pgObjectNameSchema('role')
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
    admin_password: boundedText('the admin password', TEXT_LIMITS.secret)
      .min(1, { error: 'admin password must not be empty' })
      .describe(
        'Password of systemprompt_admin in the shared server. Never change it: other projects share it.',
      ),
    port: portSchema.default(DEFAULT_SHARED_PORT).describe('Host port of the shared server on 127.0.0.1.'),
    created_at: boundedText('a timestamp', TEXT_LIMITS.short)
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
