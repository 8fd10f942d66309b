import { z } from 'zod'
import { boundedText, postgresUrlSchema, TEXT_LIMITS } from './common.js'

/** Our earlier names of the provider keys: files this tool wrote hold them (null when unset). */
const ourApiKey = (provider: string) =>
  boundedText('an API key', TEXT_LIMITS.secret)
    .min(1, { error: 'API key must not be empty; use null when unset' })
    .nullable()
    .default(null)
    .describe(
      `${provider} API key, or null when the provider is not used (same as "${provider.toLowerCase()}").`,
    )

/** The original tool's names of the provider keys. */
const originalKey = (what: string) =>
  boundedText(`the ${what}`, TEXT_LIMITS.secret)
    .nullable()
    .optional()
    .describe(`${what}, as the original tool names it.`)

/**
 * Known keys of secrets.json. The original tool writes jwt_secret, database_url, gemini, anthropic, openai,
 * github and internal_database_url; we wrote `*_api_key` for the providers, and both keep working.
 */
const knownKeys = {
  jwt_secret: boundedText('a JWT secret', TEXT_LIMITS.secret)
    .min(32, { error: 'jwt_secret must be at least 32 characters' })
    .describe(
      'Secret used to sign session tokens; at least 32 characters (generated: 64 random characters).',
    ),
  database_url: postgresUrlSchema.describe(
    "DATABASE_URL of this profile: the tenant's own database and role, on 127.0.0.1 for local servers.",
  ),
  internal_database_url: postgresUrlSchema
    .optional()
    .describe(
      'DATABASE_URL the app uses from inside Docker (original tool), if it differs from database_url.',
    ),
  gemini: originalKey('Gemini API key'),
  anthropic: originalKey('Anthropic API key'),
  openai: originalKey('OpenAI API key'),
  github: originalKey('GitHub token'),
  anthropic_api_key: ourApiKey('Anthropic'),
  openai_api_key: ourApiKey('OpenAI'),
  gemini_api_key: ourApiKey('Gemini'),
}

/**
 * secrets.json of a profile (0600). Never logged; never baked into an image. Any key not listed above is a
 * custom secret (it becomes an environment variable of the app) and must be text.
 */
export const SecretsSchema = z
  .object(knownKeys)
  .catchall(
    z
      .string({ error: 'a custom secret must be text (it becomes an environment variable of the app)' })
      .max(TEXT_LIMITS.envValue, {
        error: `a custom secret must be at most ${TEXT_LIMITS.envValue} characters (it becomes an environment variable)`,
      })
      .describe('Custom secret: becomes an environment variable of the app.'),
  )
  .describe('Secrets of a systemprompt profile (.systemprompt/profiles/<name>/secrets.json)')

export type Secrets = z.infer<typeof SecretsSchema>
export type SecretsInput = z.input<typeof SecretsSchema>
