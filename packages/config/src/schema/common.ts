/** Small reusable zod types shared by the file schemas. Messages never echo the value: it may be a secret. */
import { z } from 'zod'
import { TENANT_NAME_PATTERN, TENANT_NAME_RULE } from '../names.js'
import {
  isDockerImageRef,
  isRegistryHost,
  POSTGRES_URL_MAX_LENGTH,
  POSTGRES_URL_RULE,
  postgresUrlProblem,
} from './formats.js'

/**
 * Upper bounds of free text in project files, so a runaway value (a 20 MB string pasted by accident) fails
 * the schema, and so every command that loads the file, instead of reaching PostgreSQL, Docker or the
 * environment of a container. Generous: real values are far shorter.
 */
export const TEXT_LIMITS = {
  /** Host names, timestamps, ids: one line. */
  short: 255,
  /** Passwords, tokens, API keys, paths. */
  secret: 4096,
  /** A custom secret becomes one environment variable; Linux caps one at 128 KiB. */
  envValue: 65_536,
} as const

/** Text of at most `max` characters; the message names the limit, never the value. */
export function boundedText(what: string, max: number) {
  return z
    .string({ error: `expected ${what} (text)` })
    .max(max, { error: `${what} must be at most ${max} characters` })
}

/**
 * Database and role names as we write them and as the commands use them: a letter or `_` first, then
 * letters, digits, `_`, `$` or `-`, at most 63 bytes (PostgreSQL's identifier limit). No quotes, spaces or
 * control characters.
 */
const PG_OBJECT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/

export function pgObjectNameSchema(what: 'database' | 'role') {
  return z.string({ error: `expected a ${what} name (text)` }).regex(PG_OBJECT_NAME_PATTERN, {
    error: `invalid ${what} name: a letter or '_' first, then letters, digits, '_', '$' or '-', at most 63 characters (no quotes or spaces)`,
  })
}

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
  .max(TEXT_LIMITS.short, { error: `registry must be at most ${TEXT_LIMITS.short} characters`, abort: true })
  .refine(isRegistryHost, {
    error:
      'invalid registry: expected host[:port] without scheme or path, e.g. registry.example.com or 127.0.0.1:5000',
  })

export const httpUrlSchema = z
  .url({
    protocol: /^https?$/,
    error: 'invalid URL: expected an http:// or https:// URL',
  })
  .max(TEXT_LIMITS.secret, { error: `URL must be at most ${TEXT_LIMITS.secret} characters` })

export const postgresUrlSchema = z
  .string({ error: 'expected a PostgreSQL URL (text)' })
  .max(POSTGRES_URL_MAX_LENGTH, {
    error: `invalid database URL: at most ${POSTGRES_URL_MAX_LENGTH} characters`,
    abort: true,
  })
  .superRefine((value, ctx) => {
    const problem = postgresUrlProblem(value)
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `invalid database URL: ${problem}; expected ${POSTGRES_URL_RULE}`,
      })
  })

/** Timestamps are written by us as ISO 8601; the original tool wrote RFC 3339 with offsets, also accepted. */
export const timestampSchema = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 timestamp' })

export const tenantStateSchema = z
  .enum(['pending', 'ready', 'deleting'], { error: "expected 'pending', 'ready' or 'deleting'" })
  .describe('pending: record written, database not yet created; ready: usable; deleting: removal in progress')
