// Splitting a `-- systemprompt:no-transaction` file into statements. PostgreSQL runs a multi-statement simple
// query as one implicit transaction, so CREATE INDEX CONCURRENTLY (which refuses to run inside one) has to be
// sent on its own. A top-level `;` ends a statement; `;` inside quotes, dollar-quoted bodies, quoted
// identifiers and comments does not. Not handled: SQL-standard function bodies (`BEGIN ATOMIC ... END`),
// which belong in an ordinary (transactional) migration file.

/** One statement of a file: its text as sent and where it starts in the file. */
export interface Statement {
  text: string
  /** Index (UTF-16 code unit) in the file's SQL where `text` starts (server positions count from here). */
  offset: number
  /** Index of its first character that is not a blank or a comment (where the statement is said to be). */
  begin: number
}

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y

/** The statements of `sql`, without the empty ones (only blanks and comments between two `;`). */
export function splitStatements(sql: string): Statement[] {
  const out: Statement[] = []
  let start = 0
  let meaningful = false
  let begin = 0
  let i = 0
  const push = (end: number): void => {
    if (meaningful) out.push({ text: sql.slice(start, end), offset: start, begin })
    meaningful = false
  }
  while (i < sql.length) {
    const c = sql[i] as string
    const next = sql[i + 1]
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i)
      i = eol === -1 ? sql.length : eol + 1
      continue
    }
    if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i)
      continue
    }
    if (c === ';') {
      push(i)
      start = i + 1
      i++
      continue
    }
    if (/\s/.test(c)) {
      i++
      continue
    }
    if (!meaningful) begin = i
    meaningful = true
    if (c === "'") {
      const prev = sql[i - 1]
      const escapes = (prev === 'E' || prev === 'e') && !IDENT.test(sql[i - 2] ?? ' ')
      i = skipQuoted(sql, i, "'", escapes)
      continue
    }
    if (c === '"') {
      i = skipQuoted(sql, i, '"', false)
      continue
    }
    if (c === '$' && !IDENT.test(sql[i - 1] ?? ' ')) {
      DOLLAR_TAG.lastIndex = i
      const tag = DOLLAR_TAG.exec(sql)
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length)
        i = close === -1 ? sql.length : close + tag[0].length
        continue
      }
    }
    i++
  }
  push(sql.length)
  return out
}

/** Index after the closing quote (a doubled quote is one quote; with `escapes`, a backslash escapes). */
function skipQuoted(sql: string, open: number, quote: string, escapes: boolean): number {
  let i = open + 1
  while (i < sql.length) {
    const c = sql[i]
    if (escapes && c === '\\') {
      i += 2
      continue
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2
        continue
      }
      return i + 1
    }
    i++
  }
  return sql.length
}

/** Index after a block comment; PostgreSQL's nest. */
function skipBlockComment(sql: string, open: number): number {
  let depth = 0
  let i = open
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++
      i += 2
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else i++
  }
  return sql.length
}

/**
 * The 1-based line of a server error's `position` (1-based, in characters of the statement text that was
 * sent) within the file, given where that statement starts in the file.
 */
export function lineOfPosition(sql: string, statementOffset: number, position: number): number {
  let index = statementOffset
  // Characters, not UTF-16 units: step over surrogate pairs as one.
  for (let n = 1; n < position && index < sql.length; n++) {
    const code = sql.charCodeAt(index)
    index += code >= 0xd800 && code <= 0xdbff ? 2 : 1
  }
  let line = 1
  for (let k = 0; k < index && k < sql.length; k++) if (sql.charCodeAt(k) === 10) line++
  return line
}
