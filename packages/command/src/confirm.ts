import { SystempromptError } from '@systemprompt/config/core'
import { isInteractive } from './interactive.js'
import { printable } from './printable.js'
import { loadPrompts, type Prompts } from './prompts.js'

export interface ConfirmOptions {
  /** What will happen, e.g. "Delete tenant acme and its database". */
  message: string
  /** When set, the user must type exactly this text (a name) instead of answering y/N. */
  typed?: string
  /** --yes was given: skip the question. */
  yes?: boolean
  /** Whether a human can answer (stdin and stderr are TTYs, not --json). */
  interactive?: boolean
  /** --json was given: nothing is asked even on a terminal, and the refusal says so. */
  json?: boolean
}

/**
 * Asks before a destructive step. Under --json (machine output, terminal or not) and without a TTY (CI,
 * pipes) it refuses with CONFIRMATION_REQUIRED unless --yes, rather than hanging or assuming yes.
 */
export async function confirmAction(options: ConfirmOptions): Promise<void> {
  if (options.yes) return
  if (options.json) {
    throw new SystempromptError({
      code: 'CONFIRMATION_REQUIRED',
      category: 'user',
      message: `${options.message}: --json needs --yes to confirm (nothing is asked under --json).`,
      fix: 'Add --yes to confirm, or run without --json to be asked.',
    })
  }
  const interactive = options.interactive ?? isInteractive()
  if (!interactive) {
    throw new SystempromptError({
      code: 'CONFIRMATION_REQUIRED',
      category: 'user',
      message: `${options.message}: confirmation required, and no terminal is attached to ask.`,
      fix: 'Pass --yes to confirm non-interactively.',
    })
  }
  const prompts = await loadPrompts()
  const context = { output: process.stderr }
  try {
    await ask(prompts, context, options)
  } catch (error) {
    // Ctrl-C / Ctrl-D inside the prompt: a "no", not a crash.
    if (error instanceof Error && error.name === 'ExitPromptError') {
      throw new SystempromptError({
        code: 'CONFIRMATION_DECLINED',
        category: 'user',
        message: 'Not confirmed (prompt closed); nothing was changed.',
        fix: 'Run the command again and confirm, or pass --yes.',
      })
    }
    throw error
  }
}

async function ask(
  prompts: Prompts,
  context: { output: NodeJS.WritableStream },
  options: ConfirmOptions,
): Promise<void> {
  if (options.typed !== undefined) {
    const answer = await prompts.input(
      { message: `${printable(options.message)}. Type "${printable(options.typed)}" to confirm:` },
      context,
    )
    if (answer.trim() !== options.typed) {
      throw new SystempromptError({
        code: 'CONFIRMATION_DECLINED',
        category: 'user',
        message: `Not confirmed: you typed ${JSON.stringify(answer.trim())}, expected ${JSON.stringify(options.typed)}.`,
        fix: `Run the command again and type "${options.typed}", or pass --yes.`,
      })
    }
    return
  }
  const ok = await prompts.confirm({ message: `${printable(options.message)}?`, default: false }, context)
  if (!ok) {
    throw new SystempromptError({
      code: 'CONFIRMATION_DECLINED',
      category: 'user',
      message: 'Not confirmed; nothing was changed.',
      fix: 'Run the command again and answer yes, or pass --yes.',
    })
  }
}
