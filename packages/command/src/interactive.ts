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
