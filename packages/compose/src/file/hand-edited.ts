import { isSystempromptError } from '@systemprompt/config/core'
import { readComposeHeader } from './header.js'
import { parseComposeFile } from './parse.js'
import { renderComposeFile } from './render.js'

/**
 * Any directory works for the round trip: parse resolves the secret against it, render makes it relative
 * to it again, and the config hash ignores where the password file lives.
 */
const ANY_COMPOSE_FILE = '/systemprompt/docker/compose.yaml'

/**
 * True when the file is not exactly what the generator writes for the spec it declares: no header, a header
 * hash that does not match, any added/removed/reformatted line. (Generating again would lose the edit.)
 * A file that does not even parse as ours counts as hand-edited.
 */
export function isHandEdited(text: string): boolean {
  const header = readComposeHeader(text)
  if (!header) return true
  try {
    const spec = parseComposeFile(text, ANY_COMPOSE_FILE)
    const regenerated = renderComposeFile(spec, {
      generatorVersion: header.version,
      composeDir: '/systemprompt/docker',
    })
    return regenerated !== text.replace(/\r\n/g, '\n')
  } catch (error) {
    if (isSystempromptError(error)) return true
    throw error
  }
}
