/**
 * Quoting for the few places where PostgreSQL does not accept bind parameters (DDL: CREATE ROLE,
 * CREATE DATABASE, GRANT ...). Every identifier and literal that reaches SQL text goes through here,
 * even when it was validated before: validation rules change, quoting stays correct.
 */

/** `"name"` with embedded double quotes doubled. Rejects NUL, which PostgreSQL cannot store. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new TypeError('empty SQL identifier')
  if (name.includes('\u0000')) throw new TypeError('SQL identifier contains NUL')
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * A standard-conforming string literal: `'...'` with single quotes doubled. Backslashes are ordinary
 * characters under standard_conforming_strings (on since 9.1); if one is present we use the E'' form
 * with backslashes doubled, which is correct whatever that setting says.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new TypeError('SQL literal contains NUL')
  const quoted = value.replaceAll("'", "''")
  if (!quoted.includes('\\')) return `'${quoted}'`
  return `E'${quoted.replaceAll('\\', '\\\\')}'`
}
