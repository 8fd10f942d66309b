import { describe, expect, it } from 'vitest'
import { lineOfPosition, splitStatements } from './split.js'

const texts = (sql: string): string[] => splitStatements(sql).map((s) => s.text.trim())

describe('splitStatements', () => {
  it('splits at top-level semicolons and drops empty statements', () => {
    expect(texts('CREATE TABLE a (x int);\n\n;  ;\nCREATE INDEX CONCURRENTLY i ON a (x)\n')).toEqual([
      'CREATE TABLE a (x int)',
      'CREATE INDEX CONCURRENTLY i ON a (x)',
    ])
  })

  it('keeps semicolons inside strings, identifiers, comments and dollar quotes', () => {
    const sql = [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine');",
      'SELECT 1 AS "x;y""z";',
      '-- a comment; with a semicolon',
      '/* block; /* nested; */ still; */ SELECT 2;',
      "SELECT E'back\\'slash;';",
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;',
      'DO $body$ BEGIN PERFORM 1; END $body$;',
      'SELECT $1, a$b FROM t;',
    ].join('\n')
    expect(texts(sql)).toEqual([
      "INSERT INTO t VALUES ('a;b', 'it''s; fine')",
      'SELECT 1 AS "x;y""z"',
      '-- a comment; with a semicolon\n/* block; /* nested; */ still; */ SELECT 2',
      "SELECT E'back\\'slash;'",
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$',
      'DO $body$ BEGIN PERFORM 1; END $body$',
      'SELECT $1, a$b FROM t',
    ])
  })

  it('a trailing comment alone is no statement; offsets and begin point into the file', () => {
    const sql = '-- systemprompt:no-transaction\nSELECT 1;\n  SELECT 2; -- end\n'
    const statements = splitStatements(sql)
    expect(statements).toHaveLength(2)
    const [a, b] = statements as [(typeof statements)[0], (typeof statements)[0]]
    expect(sql.slice(a.offset, a.offset + a.text.length)).toBe(a.text)
    expect(sql.slice(b.begin, b.begin + 8)).toBe('SELECT 2')
    expect(lineOfPosition(sql, a.begin, 1)).toBe(2)
    expect(lineOfPosition(sql, b.begin, 1)).toBe(3)
  })

  it('an ordinary string after an identifier ending in e has no backslash escapes', () => {
    expect(texts("SELECT some'\\'; SELECT 2")).toEqual(["SELECT some'\\'", 'SELECT 2'])
  })
})

describe('lineOfPosition', () => {
  it('counts characters (not UTF-16 units) from the statement start', () => {
    const sql = "SELECT '😀';\nSELECT nope;"
    // position of "nope" in the second statement's text "\nSELECT nope"
    expect(lineOfPosition(sql, sql.indexOf(';') + 1, 9)).toBe(2)
    // a position after the emoji on line 1 (one character, two units)
    expect(lineOfPosition("SELECT '😀'\n, x", 0, 12)).toBe(2)
    expect(lineOfPosition("SELECT '😀'\n, x", 0, 11)).toBe(1)
  })
})
