import { printable } from './printable.js'

/**
 * A small progress reporter. On a TTY: one line that redraws with a spinner and the elapsed seconds.
 * Otherwise (CI, pipes, --json): plain lines, one per start/update/finish, so logs stay readable.
 * It writes to stderr so stdout stays clean for results and --json. A step's text is one line: control
 * characters in it (a name the user typed) are shown as escapes, never sent to the terminal.
 */
export interface Spinner {
  /** Change the text of the running step. */
  update(text: string): void
  /** Finish the step as done (✔ text (1.2s)). */
  succeed(text?: string): void
  /** Finish the step as failed (✖ text). */
  fail(text?: string): void
  /** Stop without a final line. */
  stop(): void
  readonly running: boolean
}

export interface SpinnerOptions {
  stream?: NodeJS.WriteStream
  /** Force plain lines (no redraw) even on a TTY. */
  plain?: boolean
  /** Print nothing at all (e.g. --json). */
  silent?: boolean
  /** Applied to every text before it is written (secret masking). */
  format?: (text: string) => string
  now?: () => number
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const INTERVAL_MS = 100

export function createSpinner(text: string, options: SpinnerOptions = {}): Spinner {
  const stream = options.stream ?? process.stderr
  const userFormat = options.format ?? ((t: string) => t)
  const format = (t: string) => printable(userFormat(t))
  const now = options.now ?? Date.now
  const live = !options.silent && !options.plain && stream.isTTY === true
  const started = now()
  let current = text
  let frame = 0
  let running = true
  let timer: NodeJS.Timeout | undefined

  const elapsed = () => `${((now() - started) / 1000).toFixed(1)}s`
  const write = (line: string) => {
    if (!options.silent) stream.write(line)
  }
  const draw = () => {
    frame = (frame + 1) % FRAMES.length
    write(`\r\x1b[2K${FRAMES[frame]} ${format(current)} (${elapsed()})`)
  }

  if (live) {
    draw()
    timer = setInterval(draw, INTERVAL_MS)
    // A spinner must never keep the process alive on its own.
    timer.unref()
  } else {
    write(`${format(current)} ...\n`)
  }

  const finish = (mark: string | undefined, finalText: string | undefined) => {
    if (!running) return
    running = false
    if (timer) clearInterval(timer)
    if (live) write('\r\x1b[2K')
    if (mark !== undefined) write(`${mark} ${format(finalText ?? current)} (${elapsed()})\n`)
  }

  return {
    update(next: string) {
      if (!running) return
      current = next
      if (live) draw()
      else write(`${format(current)} ...\n`)
    },
    succeed: (finalText?: string) => finish('✔', finalText),
    fail: (finalText?: string) => finish('✖', finalText),
    stop: () => finish(undefined, undefined),
    get running() {
      return running
    },
  }
}
