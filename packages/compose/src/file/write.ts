import { mkdir } from 'node:fs/promises'
import { dirname, isAbsolute } from 'node:path'
import { SystempromptError, writeFileAtomic } from '@systemprompt/config/core'
import type { PostgresServerSpec } from '../spec.js'
import { renderComposeFile } from './render.js'
import { validateComposeDocument } from './schema-validation.js'
import { parseYamlSource } from './yaml-source.js'

export interface WriteComposeOptions {
  generatorVersion: string
}

/**
 * Renders the spec, checks the result against the Compose Specification, and writes it atomically
 * (0644: the file holds no secret, only the path of the password file). Creates the directory if needed.
 * Returns the text written.
 */
export async function writeComposeFile(
  file: string,
  spec: PostgresServerSpec,
  opts: WriteComposeOptions,
): Promise<string> {
  if (!isAbsolute(file)) {
    throw new SystempromptError({
      code: 'INTERNAL_RELATIVE_PATH',
      message: `Compose file path must be absolute, got "${file}".`,
      fix: 'Resolve the project root before writing compose files.',
      category: 'internal',
    })
  }
  const text = renderComposeFile(spec, { generatorVersion: opts.generatorVersion, composeDir: dirname(file) })
  const source = parseYamlSource(text, file)
  validateComposeDocument(source.data, file, source.locate)
  await writeGeneratedFile(file, text)
  return text
}

/** Writes a generated file (0644) atomically, its directory made; a failure is FILE_WRITE_FAILED naming it. */
export async function writeGeneratedFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  try {
    await writeFileAtomic(file, text, { mode: 0o644 })
  } catch (error) {
    throw new SystempromptError({
      code: 'FILE_WRITE_FAILED',
      message: `Could not write ${file}: ${(error as Error).message}`,
      fix: 'Check that the directory exists and is writable.',
      category: 'user',
      file,
      cause: error,
    })
  }
}
