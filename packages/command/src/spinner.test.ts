import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createSpinner } from './spinner.js'

function fakeStream(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean }
  stream.isTTY = isTTY
  let text = ''
  stream.on('data', (chunk) => {
    text += chunk.toString()
  })
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text }
}

describe('createSpinner', () => {
  it('writes plain lines without a TTY, with the elapsed time at the end', async () => {
    let now = 1000
    const out = fakeStream(false)
    const s = createSpinner('Starting postgres', { stream: out.stream, now: () => now })
    s.update('Waiting for login')
    now = 2500
    s.succeed('Ready')
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toBe('Starting postgres ...\nWaiting for login ...\n✔ Ready (1.5s)\n')
    expect(out.text()).not.toContain('\r')
    expect(s.running).toBe(false)
  })

  it('redraws one line on a TTY and clears it at the end', async () => {
    const out = fakeStream(true)
    const s = createSpinner('Working', { stream: out.stream, now: () => 0 })
    s.fail('Failed')
    s.succeed('ignored after finish')
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toContain('\r\x1b[2K')
    expect(out.text().endsWith('✖ Failed (0.0s)\n')).toBe(true)
    expect(out.text()).not.toContain('ignored')
  })

  it('masks through format and is silent when asked', async () => {
    const out = fakeStream(false)
    createSpinner('postgres://a:b@h/d', { stream: out.stream, format: (t) => t.replace('b@', '***@') }).stop()
    const quiet = fakeStream(false)
    createSpinner('x', { stream: quiet.stream, silent: true }).succeed()
    await new Promise((r) => setImmediate(r))
    expect(out.text()).toBe('postgres://a:***@h/d ...\n')
    expect(quiet.text()).toBe('')
  })
})

describe('createSpinner and control characters', () => {
  it('shows ESC and line breaks in a step text as escapes, on a TTY and in plain lines', async () => {
    for (const tty of [false, true]) {
      const out = fakeStream(tty)
      const s = createSpinner('Creating tenant a\x1b[31m\nb', { stream: out.stream, now: () => 0 })
      s.update('Waiting for a\r\u009b2J')
      s.succeed()
      await new Promise((r) => setImmediate(r))
      // The spinner's own redraw (\r ESC[2K) is the only control sequence left.
      const text = out.text().replaceAll('\r\x1b[2K', '')
      expect(text).not.toMatch(/[\u001b\u009b\r]/)
      expect(text).toContain('Creating tenant a\\x1b[31m\\nb')
      expect(text).toContain('Waiting for a\\r\\x9b2J')
    }
  })
})
