import { describe, expect, it } from 'vitest'
import { confirmAction } from './confirm.js'
import { normalizeError } from './normalize.js'
import { printable, printableJson } from './printable.js'
import { renderError } from './render.js'

describe('printable', () => {
  it('shows ESC, line breaks, other C0, DEL, C1 and bidi overrides as escapes', () => {
    expect(printable('a\x1b[31mb\nc\r\td\x00\x7f\u009b\u202e!')).toBe(
      'a\\x1b[31mb\\nc\\r\\td\\x00\\x7f\\x9b\\u202e!',
    )
  })

  it('keeps line breaks when asked (composed multi-line output) and leaves ordinary text alone', () => {
    expect(printable('one\ntwo\x1b[2J', { keepNewlines: true })).toBe('one\ntwo\\x1b[2J')
    expect(printable('tenant ✔ münchen — 42 %s "q"')).toBe('tenant ✔ münchen — 42 %s "q"')
  })

  it('printableJson escapes what JSON.stringify leaves raw, and the value parses back the same', () => {
    const value = { name: 'a\u009bb\u202ec\x1b' }
    const text = printableJson(JSON.stringify(value))
    expect(text).not.toMatch(/[\u009b\u202e\u001b]/)
    expect(JSON.parse(text)).toEqual(value)
  })
})

describe('error rendering of user values', () => {
  it('an unknown command is named with spaces; one that is a flag says no command was given', () => {
    const unknown = normalizeError(new Error('command cloud:tenant:nope not found'))
    expect(unknown).toMatchObject({
      code: 'COMMAND_NOT_FOUND',
      message: 'Unknown command: cloud tenant nope.',
    })
    expect(normalizeError(new Error('command --json not found')).message).toBe(
      'No command given (--json is a flag).',
    )
  })

  it('a name with ESC and a line break cannot forge an error line', () => {
    const text = renderError(normalizeError(new Error('command x\x1b[31m\nError [FAKE]: y not found')))
    expect(text.split('\n')).toHaveLength(2)
    expect(text).toContain('x\\x1b[31m\\nError [FAKE]: y')
  })
})

describe('confirmAction', () => {
  it('under --json it asks for --yes, whether or not a terminal is attached', async () => {
    for (const interactive of [true, false]) {
      await expect(
        confirmAction({ message: 'Delete tenant acme', json: true, interactive }),
      ).rejects.toMatchObject({
        code: 'CONFIRMATION_REQUIRED',
        message: 'Delete tenant acme: --json needs --yes to confirm (nothing is asked under --json).',
      })
    }
    await expect(confirmAction({ message: 'Delete', json: true, yes: true })).resolves.toBeUndefined()
  })

  it('without a terminal (and without --json) it says there is no terminal', async () => {
    await expect(confirmAction({ message: 'Delete tenant acme', interactive: false })).rejects.toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      message: expect.stringContaining('no terminal is attached'),
    })
  })
})
