import type { z } from 'zod'
import { ErrorCode } from './error-codes.js'
import { type ErrorLocationIssue, formatKeyPath, formatLocation, SystempromptError } from './errors.js'
import { zodIssuesToLocated } from './load/issues.js'
import { checkJsonSyntax } from './load/json-syntax.js'
import { yamlModule } from './load/lazy-modules.js'
import { positionAt } from './load/position.js'
import { missingFile, readConfigText, readConfigTextSync } from './load/read.js'
import { locateYamlPath } from './load/yaml-locate.js'
import { type Profile, ProfileSchema } from './schema/profile.js'
import { type Secrets, SecretsSchema } from './schema/secrets.js'
import { type SharedConfig, SharedConfigSchema } from './schema/shared-config.js'
import { type TenantsFile, TenantsFileSchema } from './schema/tenants.js'

type Locate = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined

function invalid(file: string, issues: ErrorLocationIssue[]): SystempromptError {
  const first = issues[0] as ErrorLocationIssue
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : ''
  const at = first.line === undefined ? file : `${file} at line ${first.line}`
  return new SystempromptError({
    code: ErrorCode.CONFIG_INVALID,
    category: 'user',
    file,
    keyPath: first.keyPath,
    line: first.line,
    column: first.column,
    message: `Invalid settings in ${at}: ${first.message}${more}.`,
    fix: first.fix,
    issues,
  })
}

function validate<T>(schema: z.ZodType<T>, data: unknown, file: string, locate: Locate): T {
  const result = schema.safeParse(data)
  if (result.success) return result.data
  throw invalid(file, zodIssuesToLocated(result.error, schema, data, file, locate))
}

/** Parses YAML text already read from `file`; errors carry file, key path and line. */
export function parseYamlText<T>(text: string, file: string, schema: z.ZodType<T>): T {
  const { LineCounter, parseDocument } = yamlModule()
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const syntax = doc.errors[0]
  if (syntax) {
    const pos = lineCounter.linePos(syntax.pos[0])
    // yaml's messages end in "at line N, column M"; we report the position in our own fields.
    const reason = syntax.message.replace(/\s*at line \d+, column \d+:?[\s\S]*$/, '')
    throw new SystempromptError({
      code: ErrorCode.CONFIG_YAML_SYNTAX,
      category: 'user',
      file,
      line: pos.line,
      column: pos.col,
      message: `Invalid YAML in ${file} at line ${pos.line}, column ${pos.col}: ${reason}.`,
      fix: `Fix the YAML syntax at line ${pos.line} of ${file} (check indentation, colons and quotes).`,
      issues: doc.errors.map((error) => {
        const at = lineCounter.linePos(error.pos[0])
        return {
          code: ErrorCode.CONFIG_YAML_SYNTAX,
          file,
          line: at.line,
          column: at.col,
          message: error.message.replace(/\s*at line \d+, column \d+:?[\s\S]*$/, ''),
        }
      }),
    })
  }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: 100 })
  } catch (error) {
    throw new SystempromptError({
      code: ErrorCode.CONFIG_YAML_SYNTAX,
      category: 'user',
      file,
      message: `${file} cannot be read as YAML data (too many or invalid aliases).`,
      fix: `Remove YAML anchors/aliases from ${file}.`,
      cause: error,
    })
  }
  if (data === null || data === undefined) {
    throw new SystempromptError({
      code: ErrorCode.CONFIG_INVALID,
      category: 'user',
      file,
      message: `${file} is empty.`,
      fix: `Write the settings into ${file}, or delete it and run \`systemprompt init\` to recreate it.`,
    })
  }
  return validate(schema, data, file, (path) => locateYamlPath(doc, lineCounter, path))
}

/** Parses JSON text already read from `file`; syntax errors carry a line, never the file's text. */
export function parseJsonText<T>(text: string, file: string, schema: z.ZodType<T>): T {
  const scan = checkJsonSyntax(text)
  if (scan.error) {
    const pos = positionAt(text, scan.error.offset)
    throw new SystempromptError({
      code: ErrorCode.CONFIG_JSON_SYNTAX,
      category: 'user',
      file,
      line: pos.line,
      column: pos.column,
      message: `Invalid JSON in ${file} at line ${pos.line}, column ${pos.column}: ${scan.error.message}.`,
      fix: `Fix the JSON syntax at line ${pos.line}, column ${pos.column} of ${file}.`,
    })
  }
  return validate(schema, scan.value, file, (path) => {
    const offset = scan.locate(path)
    return offset === undefined ? undefined : positionAt(text, offset)
  })
}

/** Reads, parses and validates a YAML file. Missing file: CONFIG_MISSING. */
export async function parseYamlFile<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  const text = await readConfigText(file)
  if (text === undefined) throw missingFile(file)
  return parseYamlText(text, file, schema)
}

/** Reads, parses and validates a JSON file. Missing file: CONFIG_MISSING. */
export async function parseJsonFile<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  const text = await readConfigText(file)
  if (text === undefined) throw missingFile(file)
  return parseJsonText(text, file, schema)
}

/** Like parseYamlFile, but a missing file gives `undefined`. */
export async function readOptionalYamlFile<T>(file: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const text = await readConfigText(file)
  return text === undefined ? undefined : parseYamlText(text, file, schema)
}

/** Like parseJsonFile, but a missing file gives `undefined`. */
export async function readOptionalJsonFile<T>(file: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const text = await readConfigText(file)
  return text === undefined ? undefined : parseJsonText(text, file, schema)
}

export function parseYamlFileSync<T>(file: string, schema: z.ZodType<T>): T {
  const text = readConfigTextSync(file)
  if (text === undefined) throw missingFile(file)
  return parseYamlText(text, file, schema)
}

export function parseJsonFileSync<T>(file: string, schema: z.ZodType<T>): T {
  const text = readConfigTextSync(file)
  if (text === undefined) throw missingFile(file)
  return parseJsonText(text, file, schema)
}

export function readOptionalJsonFileSync<T>(file: string, schema: z.ZodType<T>): T | undefined {
  const text = readConfigTextSync(file)
  return text === undefined ? undefined : parseJsonText(text, file, schema)
}

export const loadProfile = (file: string): Promise<Profile> => parseYamlFile(file, ProfileSchema)
export const loadSecrets = (file: string): Promise<Secrets> => parseJsonFile(file, SecretsSchema)
export const loadSharedConfig = (file: string): Promise<SharedConfig> =>
  parseJsonFile(file, SharedConfigSchema)
export const loadTenantsFile = (file: string): Promise<TenantsFile> => parseJsonFile(file, TenantsFileSchema)

/** One-line summary of a located issue, e.g. for `validate` output: "file:line key: message". */
export function formatIssue(issue: ErrorLocationIssue): string {
  const where = formatLocation(issue, { column: false }) ?? ''
  const key = formatKeyPath(issue.keyPath)
  return [where, key && !issue.message.startsWith(key) ? `${key}:` : '', issue.message]
    .filter(Boolean)
    .join(' ')
}

/**
 * Validates a value about to be written to `file` (no text yet, so no lines). Used by updateJsonFile so a
 * mutation that produces bad data fails before anything reaches the disk.
 */
export function validateConfigValue<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  return validate(schema, value, file, () => undefined)
}
