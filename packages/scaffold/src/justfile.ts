// What a user's justfile already defines, so `init` never adds a second definition of a name (just refuses
// to parse a justfile that defines a recipe, alias or variable twice).
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { JUST_BLOCK_END, JUST_BLOCK_START } from './templates.js'

const NAME = '[A-Za-z_][A-Za-z0-9_-]*'
const ALIAS = new RegExp(`^alias\\s+(${NAME})\\s*:=`)
const VARIABLE = new RegExp(`^(?:export\\s+)?(${NAME})\\s*:=`)
const MODULE = new RegExp(`^mod\\??\\s+(${NAME})`)
const IMPORT = /^import\??\s+(['"])(.+)\1\s*(?:#.*)?$/
/** `name params:` or `@name:`, not `name := value`; `set`, `export` and the other keywords are not recipes. */
const RECIPE = new RegExp(`^@?(${NAME})\\b[^:]*:(?!=)`)
const KEYWORDS = new Set(['set', 'export', 'import', 'mod', 'alias', 'unexport'])

/** The text without our own block (between its markers), which `init` rewrites anyway. */
function withoutOurBlock(text: string): string {
  const start = text.indexOf(JUST_BLOCK_START)
  if (start === -1) return text
  const end = text.indexOf(JUST_BLOCK_END, start)
  if (end === -1) return text.slice(0, start)
  return text.slice(0, start) + text.slice(end + JUST_BLOCK_END.length)
}

/**
 * Names defined at the top level of a justfile: recipes, aliases, variables and modules, plus those of the
 * files it imports (followed relative to it; missing or unreadable ones are skipped, as `import?` allows).
 * Our own block is left out. A line-level reading of just's grammar: recipe bodies and continuation lines are
 * indented, so only unindented lines define names.
 */
export async function justfileNames(
  text: string,
  file: string,
  seen = new Set<string>(),
): Promise<Set<string>> {
  const names = new Set<string>()
  seen.add(resolve(file))
  for (const raw of withoutOurBlock(text).split(/\r?\n/)) {
    if (raw === '' || /^\s/.test(raw)) continue
    const line = raw.trimEnd()
    if (line.startsWith('#') || line.startsWith('[')) continue
    const imported = IMPORT.exec(line)
    if (imported?.[2]) {
      const path = resolve(dirname(file), imported[2])
      if (seen.has(path)) continue
      const inner = await readFile(path, 'utf8').catch(() => undefined)
      if (inner !== undefined) for (const name of await justfileNames(inner, path, seen)) names.add(name)
      continue
    }
    const match = ALIAS.exec(line) ?? MODULE.exec(line) ?? VARIABLE.exec(line)
    if (match?.[1]) {
      names.add(match[1])
      continue
    }
    const recipe = RECIPE.exec(line)
    if (recipe?.[1] && !KEYWORDS.has(recipe[1])) names.add(recipe[1])
  }
  return names
}
