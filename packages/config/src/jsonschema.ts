import { z } from 'zod'
import { ProfileSchema } from './schema/profile.js'
import { SecretsSchema } from './schema/secrets.js'
import { SharedConfigSchema } from './schema/shared-config.js'
import { TenantsFileSchema } from './schema/tenants.js'

/** File name (under the package's schemas/ directory) -> the schema it is generated from. */
export const JSON_SCHEMA_FILES = {
  'profile.schema.json': ProfileSchema,
  'secrets.schema.json': SecretsSchema,
  'shared-config.schema.json': SharedConfigSchema,
  'tenants.schema.json': TenantsFileSchema,
} as const

/**
 * JSON Schemas for editors (YAML language server, VS Code json.schemas). Generated for the *input* side,
 * so keys with a default are optional. Checks zod cannot express (refinements) are left out: the loader
 * still enforces them.
 */
export function jsonSchemas(): Record<keyof typeof JSON_SCHEMA_FILES, object> {
  const out = {} as Record<keyof typeof JSON_SCHEMA_FILES, object>
  for (const [file, schema] of Object.entries(JSON_SCHEMA_FILES) as [
    keyof typeof JSON_SCHEMA_FILES,
    z.ZodType,
  ][]) {
    out[file] = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' })
  }
  return out
}
