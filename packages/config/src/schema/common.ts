/** Small reusable zod types shared by the file schemas. Messages never echo the value: it may be a secret. */
import { z } from 'zod'
import { TENANT_NAME_PATTERN, TENANT_NAME_RULE } from '../names.js'
import { isDockerImageRef, isPostgresUrl, isRegistryHost } from './formats.js'

export const portSchema = z
  .number({ error: 'expected a port number (1-65535)' })
  .int({ error: 'expected a whole port number (1-65535)' })
  .min(1, { error: 'port must be between 1 and 65535' })
  .max(65535, { error: 'port must be between 1 and 65535' })

// A regex (not a refine) so that the exported JSON Schema carries the rule as `pattern` for editors.
export const tenantNameSchema = z
  .string({ error: 'expected a tenant name (text)' })
  .regex(TENANT_NAME_PATTERN, { error: `invalid tenant name: ${TENANT_NAME_RULE}` })

export const profileNameSchema = z
  .string({ error: 'expected a profile name (text)' })
  .regex(TENANT_NAME_PATTERN, { error: `invalid profile name: ${TENANT_NAME_RULE}` })

export const imageRefSchema = z
  .string({ error: 'expected a Docker image reference (text)' })
  .refine(isDockerImageRef, {
    error:
      'invalid Docker image reference: expected [registry[:port]/]name[:tag][@digest], e.g. postgres:17-alpine',
  })

export const registryHostSchema = z
  .string({ error: 'expected a registry host (text)' })
  .refine(isRegistryHost, {
    error:
      'invalid registry: expected host[:port] without scheme or path, e.g. registry.example.com or 127.0.0.1:5000',
  })

export const httpUrlSchema = z.url({
  protocol: /^https?$/,
  error: 'invalid URL: expected an http:// or https:// URL',
})

export const postgresUrlSchema = z
  .string({ error: 'expected a PostgreSQL URL (text)' })
  .refine(isPostgresUrl, {
    error: 'invalid database URL: expected postgres://user:password@host:port/database',
  })

/** Timestamps are written by us as ISO 8601; the original tool wrote RFC 3339 with offsets, also accepted. */
export const timestampSchema = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 timestamp' })

export const tenantStateSchema = z
  .enum(['pending', 'ready', 'deleting'], { error: "expected 'pending', 'ready' or 'deleting'" })
  .describe('pending: record written, database not yet created; ready: usable; deleting: removal in progress')
