import { z } from 'zod'
import { postgresUrlSchema } from './common.js'

const apiKey = (provider: string) =>
  z
    .string()
    .min(1, { error: 'API key must not be empty; use null when unset' })
    .nullable()
    .default(null)
    .describe(`${provider} API key, or null when the provider is not used.`)

/** secrets.json of a profile (0600). Never logged; never baked into an image. */
export const SecretsSchema = z
  .strictObject({
    jwt_secret: z
      .string({ error: 'expected a JWT secret (text)' })
      .min(32, { error: 'jwt_secret must be at least 32 characters' })
      .describe(
        'Secret used to sign session tokens; at least 32 characters (generated: 64 random characters).',
      ),
    database_url: postgresUrlSchema.describe(
      "DATABASE_URL of this profile: the tenant's own database and role, on 127.0.0.1 for local servers.",
    ),
    anthropic_api_key: apiKey('Anthropic'),
    openai_api_key: apiKey('OpenAI'),
    gemini_api_key: apiKey('Gemini'),
  })
  .describe('Secrets of a systemprompt profile (.systemprompt/profiles/<name>/secrets.json)')

export type Secrets = z.infer<typeof SecretsSchema>
export type SecretsInput = z.input<typeof SecretsSchema>
