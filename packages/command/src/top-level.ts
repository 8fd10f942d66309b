import { debugEnabled } from '@systemprompt/config/core'
import { errorEnvelope } from './envelope.js'
import { exitCodeFor } from './exit-codes.js'
import { maskSecrets, maskString } from './mask.js'
import { isOclifExit, normalizeError } from './normalize.js'
import { printableJson } from './printable.js'
import { renderError } from './render.js'

/**
 * For errors that escape before a command runs (unknown command, broken plugin, config load failure):
 * the same rendering, envelope and exit codes as inside a BaseCommand. Used by the CLI's bin script.
 */
export function reportTopLevelError(err: unknown, argv: string[] = process.argv.slice(2)): number {
  if (isOclifExit(err)) return err.oclif.exit
  const normalized = normalizeError(err)
  // Flags end at `--`: what follows belongs to another program (`db psql t -- --json` is psql's).
  const end = argv.indexOf('--')
  const flags = end === -1 ? argv : argv.slice(0, end)
  const showSecrets = flags.includes('--show-secrets')
  if (flags.includes('--json')) {
    const envelope = errorEnvelope(normalized, [])
    const json = JSON.stringify(showSecrets ? envelope : maskSecrets(envelope), null, 2)
    process.stdout.write(`${printableJson(json)}\n`)
  } else {
    const text = renderError(normalized, { debug: debugEnabled() })
    process.stderr.write(`${showSecrets ? text : maskString(text)}\n`)
  }
  return exitCodeFor(normalized.category)
}
