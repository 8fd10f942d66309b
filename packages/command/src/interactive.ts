/**
 * Whether a human can answer a question: stdin and stderr (where prompts go) are terminals, and the
 * output is not `--json` (a script reads it). The one definition of "interactive" for every command.
 */
export function isInteractive(
  options: { json?: boolean; stdin?: { isTTY?: boolean }; stderr?: { isTTY?: boolean } } = {},
): boolean {
  const stdin = options.stdin ?? process.stdin
  const stderr = options.stderr ?? process.stderr
  return options.json !== true && stdin.isTTY === true && stderr.isTTY === true
}

/** Why no question may be asked: `json` (a script reads the output, terminal or not) or `no-terminal`. */
export type PromptBlocker = 'json' | 'no-terminal'

/** What stops a question in this run, or undefined when a human can answer (the reason behind isInteractive). */
export function promptBlocker(
  options: { json?: boolean; stdin?: { isTTY?: boolean }; stderr?: { isTTY?: boolean } } = {},
): PromptBlocker | undefined {
  if (options.json === true) return 'json'
  return isInteractive(options) ? undefined : 'no-terminal'
}
