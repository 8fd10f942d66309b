/**
 * Terminal-safe text. A value the user typed (a tenant name, a path, a URL) or a file supplied can hold
 * ESC sequences, carriage returns or line breaks; printed raw they recolour the terminal, move the cursor
 * or forge lines of our output. Every human output path of the base command passes its text through here:
 * C0 controls, DEL, C1 controls and the bidirectional overrides are shown as visible escapes (`\x1b`, `\n`,
 * `\u202e`), so what is printed is exactly what was there, and nothing more happens.
 */

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

// C0 (U+0000-U+001F), DEL, C1 (U+0080-U+009F), and the bidi embeddings/overrides/isolates that reorder text.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const CONTROL_KEEP_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

function escapeChar(char: string): string {
  const named = NAMED[char]
  if (named !== undefined) return named
  const code = char.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`
}

/**
 * `text` with every control character as a visible escape. `keepNewlines`: line breaks stay (multi-line
 * output a command composed itself, such as a table); everything else is still escaped.
 */
export function printable(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? CONTROL_KEEP_NEWLINE : CONTROL, escapeChar)
}

// JSON.stringify escapes C0 but leaves C1 and the bidi controls raw; \uXXXX keeps the value identical.
const JSON_UNSAFE = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** JSON text for a terminal: the same value, with the controls JSON.stringify leaves raw escaped as \uXXXX. */
export function printableJson(json: string): string {
  return json.replace(JSON_UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
