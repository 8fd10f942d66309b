/**
 * The command line as oclif should see it, before anything else runs (the bundle's start included). Node builtins
 * only: this runs on every start.
 *
 * - `-h` is `--help`, wherever `--help` works (`systemprompt -h`, `systemprompt db up -h`), so oclif sees one spelling and prints one text.
 * - Global flags typed before the command (`systemprompt --json db status`, `--json foo`) move after it:
 *   oclif takes the first word as the command id, and would report "Unknown command: --json".
 *
 * Nothing after `--` is touched: it belongs to another program (`db psql t -- -h host`).
 */

/** Flags every command takes, which people put first as with git or docker. */
const GLOBAL_FLAGS = new Set(['--json', '--show-secrets'])

export function normalizeArgv(argv: readonly string[]): string[] {
  const end = argv.indexOf('--')
  const own = (end === -1 ? argv : argv.slice(0, end)).map((arg) => (arg === '-h' ? '--help' : arg))
  const rest = end === -1 ? [] : argv.slice(end)
  let leading = 0
  while (leading < own.length && GLOBAL_FLAGS.has(own[leading] as string)) leading++
  // Only when a command follows: `systemprompt --json` alone stays as typed.
  if (leading === 0 || leading === own.length || (own[leading] as string).startsWith('-'))
    return [...own, ...rest]
  return [...own.slice(leading), ...own.slice(0, leading), ...rest]
}
