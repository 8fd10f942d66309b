// Build step: writes the JSON Schemas of the config files to schemas/ (exported as ./schemas/*.json) for editors.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jsonSchemas, writeFileAtomic } from '../dist/index.js'

const outDir = fileURLToPath(new URL('../schemas/', import.meta.url))
for (const [file, schema] of Object.entries(jsonSchemas())) {
  await writeFileAtomic(join(outDir, file), `${JSON.stringify(schema, null, 2)}\n`)
}
