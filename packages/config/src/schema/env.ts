import { z } from 'zod'
import type { EnvSource } from '../env.js'
import { ErrorCode } from '../error-codes.js'
import { SystempromptError } from '../errors.js'
import { postgresUrlSchema } from './common.js'
import { isDockerHost, isDockerImageRef } from './formats.js'

const LOG_LEVELS = ['off', 'error', 'warn', 'info', 'debug', 'trace'] as const
const LOG_DIRECTIVE = new RegExp(`^(?:[A-Za-z_][A-Za-z0-9_:-]*=)?(?:${LOG_LEVELS.join('|')})$`)

/** A RUST_LOG value: a level word, or comma-separated `module=level` directives (env_logger syntax, no regex). */
export function isLogFilter(value: string): boolean {
  return value.split(',').every((part) => LOG_DIRECTIVE.test(part.trim().toLowerCase()))
}

/**
 * The application's environment variables (SPEC section 8), as strings from an environment record: what a
 * container of the app receives. The CLI's own variables are read by `readCliEnv` (../env.ts), which also
 * documents every variable.
 */
export const EnvSchema = z.object({
  DATABASE_URL: postgresUrlSchema.optional().describe('PostgreSQL connection string of the application.'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Bind address of the API server.'),
  PORT: z
    .string()
    .regex(/^[0-9]{1,5}$/, { error: 'expected a port number between 1 and 65535' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: 'expected a port number between 1 and 65535' })
        .max(65535, { error: 'expected a port number between 1 and 65535' }),
    )
    .default(8080)
    .describe('Port of the API server.'),
  RUST_LOG: z
    .string()
    .refine(isLogFilter, { error: 'expected a log level (info, debug, trace) or module=level directives' })
    .default('info')
    .describe('Log level: info, debug, trace (or module=level directives).'),
  SYSTEMPROMPT_PROFILE: z
    .string()
    .min(1)
    .optional()
    .describe('Path of the active profile (directory or profile.yaml).'),
  SYSTEMPROMPT_SERVICES_PATH: z.string().min(1).optional().describe('Path of the services directory.'),
  SYSTEMPROMPT_POSTGRES_IMAGE: z
    .string()
    .refine(isDockerImageRef, { error: 'expected a Docker image reference like postgres:17-alpine' })
    .optional()
    .describe('PostgreSQL image for local servers; overrides the profile setting.'),
  DOCKER_HOST: z
    .string()
    .refine(isDockerHost, {
      error: 'expected unix:///path/docker.sock, tcp://host:port or npipe:////./pipe/name',
    })
    .optional()
    .describe('Docker engine to talk to; default /var/run/docker.sock.'),
})

export type Env = z.infer<typeof EnvSchema>

export const ENV_VARIABLES = Object.keys(EnvSchema.shape) as (keyof Env)[]

/**
 * Reads and validates the variables we know from `source` (the caller passes the environment; only
 * ../env.ts reads process.env); others are ignored. An empty variable counts as unset (shells often export
 * `VAR=`). Values are never put into error messages: DATABASE_URL holds a password.
 */
export function readEnv(source: EnvSource): Env {
  const picked: Record<string, string> = {}
  for (const key of ENV_VARIABLES) {
    const value = source[key]
    if (value !== undefined && value !== '') picked[key] = value
  }
  const result = EnvSchema.safeParse(picked)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? 'environment')
    return {
      code: ErrorCode.ENV_INVALID,
      keyPath: [variable],
      message: `Environment variable ${variable} is invalid: ${issue.message}.`,
      fix: `Set ${variable} to a valid value or unset it.`,
    }
  })
  const first = issues[0]
  throw new SystempromptError({
    code: ErrorCode.ENV_INVALID,
    category: 'user',
    message: first?.message ?? 'Invalid environment.',
    fix: first?.fix,
    keyPath: first?.keyPath,
    issues,
  })
}
