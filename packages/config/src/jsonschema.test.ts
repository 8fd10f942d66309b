import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { JSON_SCHEMA_FILES, jsonSchemas } from './jsonschema.js'

type JsonSchema = {
  properties?: Record<string, JsonSchema>
  items?: JsonSchema
  description?: string
  default?: unknown
  required?: string[]
}

/** Every property, at every depth, must carry a description (the issue asks for one per key). */
function undocumented(schema: JsonSchema, path = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([key, sub]) => [
    ...(sub.description ? [] : [`${path}${key}`]),
    ...undocumented(sub, `${path}${key}.`),
    ...(sub.items ? undocumented(sub.items, `${path}${key}[].`) : []),
  ])
}

describe('jsonSchemas', () => {
  const schemas = jsonSchemas() as Record<string, JsonSchema>

  it('exports one schema per config file, every key described', () => {
    expect(Object.keys(schemas).sort()).toEqual(Object.keys(JSON_SCHEMA_FILES).sort())
    for (const schema of Object.values(schemas)) expect(undocumented(schema)).toEqual([])
  })

  it('describes the input side: keys with defaults are optional and show the default', () => {
    const profile = schemas['profile.schema.json'] as JsonSchema
    expect(profile.required).toEqual(['name'])
    expect(profile.properties?.server?.properties?.port?.default).toBe(8080)
    expect(profile.properties?.docker?.properties?.postgres_image?.default).toBe('postgres:17-alpine')
    const shared = schemas['shared-config.schema.json'] as JsonSchema & { additionalProperties?: unknown }
    expect(shared.required).toEqual(['admin_password'])
  })

  it('matches the files written by the build (schemas/*.json)', async () => {
    for (const [file, schema] of Object.entries(schemas)) {
      const written = JSON.parse(await readFile(new URL(`../schemas/${file}`, import.meta.url), 'utf8'))
      expect(written).toEqual(schema)
    }
  })
})
