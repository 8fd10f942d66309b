import { format } from 'node:util'
import { Command, Flags, type Interfaces } from '@oclif/core'
import { debugEnabled, type ProjectLayout } from '@systemprompt/config/core'
import { type ConfirmOptions, confirmAction } from './confirm.js'
import { errorEnvelope, successEnvelope } from './envelope.js'
import { exitCodeFor } from './exit-codes.js'
import { parseTenantTarget } from './flags.js'
import { isInteractive, type PromptBlocker, promptBlocker } from './interactive.js'
import { maskSecrets, maskString } from './mask.js'
import { isOclifExit, type NormalizedError, normalizeError } from './normalize.js'
import { printable, printableJson } from './printable.js'
import { renderError } from './render.js'
import { createSpinner, type Spinner } from './spinner.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Base of every systemprompt command (and of plugins' commands).
 *
 * - `run()` returns the result; the base prints `{status: 0, result, warnings}` for `--json`.
 * - Errors thrown anywhere (our SystempromptError, oclif parse errors, anything else) become
 *   `Error [CODE]: message / at FILE:LINE / Fix: ...` on stderr or the `{status, error, warnings}`
 *   envelope on stdout, and an exit code per category (EXIT_CODES). No stack trace unless
 *   SYSTEMPROMPT_DEBUG=1 or DEBUG=systemprompt*.
 * - Secrets are masked in every output unless `--show-secrets`.
 * - Control characters (ESC, CR, line breaks inside a value) never reach the terminal raw: human output shows
 *   them as escapes (`printable`), so a name or path the user typed cannot recolour or forge output.
 *
 * Subclasses get parsed `this.flags` and `this.args` (typed via `BaseCommand<typeof MyCommand>`).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    'show-secrets': Flags.boolean({
      description: 'Print passwords and keys instead of masking them.',
      default: false,
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** Warnings of this run: printed to stderr as they come, and listed in the --json envelope. */
  protected readonly warnings: string[] = []
  private activeSpinner: Spinner | undefined

  protected override async init(): Promise<void> {
    await super.init()
    const ctor = this.ctor as typeof BaseCommand
    const { args, flags } = await this.parse({
      args: ctor.args,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      flags: ctor.flags,
      strict: ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  /** Whether secrets may be printed: only with --show-secrets (also before parsing succeeded). */
  protected get showSecrets(): boolean {
    const parsed = (this.flags as Record<string, unknown> | undefined)?.['show-secrets']
    if (typeof parsed === 'boolean') return parsed
    return this.argv.includes('--show-secrets')
  }

  /** Masks secrets unless --show-secrets. Applied to every output path of the base. */
  protected mask<V>(value: V): V {
    return this.showSecrets ? value : maskSecrets(value)
  }

  // The envelope is printed here rather than in oclif's _run, which skips falsy results
  // (a command returning 0, '' or undefined would print nothing under --json).
  protected override async _run<R>(): Promise<R> {
    let result: unknown
    let error: unknown
    let failed = false
    try {
      await this.init()
      result = await this.run()
    } catch (err) {
      failed = true
      error = err
      await this.catch(err as Error)
    } finally {
      await this.finally(failed ? (error as Error) : undefined)
    }
    if (!failed && this.jsonEnabled()) this.writeJson(successEnvelope(result, this.warnings))
    return result as R
  }

  protected override async catch(err: Error): Promise<void> {
    this.stopSpinner(false)
    if (isOclifExit(err)) {
      // this.exit(n): a deliberate stop, not an error to render.
      process.exitCode = err.oclif.exit
      return
    }
    const normalized = normalizeError(err)
    const exitCode = this.exitCodeOf(normalized) ?? exitCodeFor(normalized.category)
    process.exitCode = exitCode
    if (this.jsonEnabled()) {
      // The envelope's status is the process exit code, also when the command maps its own.
      this.writeJson({ ...errorEnvelope(normalized, this.warnings), status: exitCode })
      return
    }
    const text = renderError(normalized, { debug: debugEnabled() })
    process.stderr.write(`${this.showSecrets ? text : maskString(text)}\n`)
  }

  /**
   * A command with its own documented exit codes (`infra db migrate`: 0 / 2 pending / 3 drift or failed /
   * 1 unreachable; `infra services health`: 0 / 1) maps an error here; undefined keeps the category's code.
   */
  protected exitCodeOf(_error: NormalizedError): number | undefined {
    return undefined
  }

  /** Human text as it is printed: masked unless --show-secrets, every control character escaped. */
  private human(text: string): string {
    return printable(this.showSecrets ? text : maskString(text))
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.stopSpinner(err === undefined)
    await super.finally(err)
  }

  /**
   * One line of human output on stdout (suppressed under --json), secrets masked. A line break inside the
   * text is a value's (a name, a path), not a line: it is shown as `\n`. Several lines: `logLines`.
   */
  override log(message = '', ...args: unknown[]): void {
    if (this.jsonEnabled()) return
    process.stdout.write(`${this.human(format(message, ...args))}\n`)
  }

  /** Several lines of human output (a table), each as `log` prints one. */
  protected logLines(lines: readonly string[]): void {
    if (this.jsonEnabled()) return
    process.stdout.write(lines.map((line) => `${this.human(line)}\n`).join(''))
  }

  /** One line of human output on stderr (suppressed under --json), secrets masked, controls escaped. */
  override logToStderr(message = '', ...args: unknown[]): void {
    if (this.jsonEnabled()) return
    const text = this.human(format(message, ...args))
    this.pauseSpinnerLine()
    process.stderr.write(`${text}\n`)
  }

  /** Records a warning: stderr now for humans, `warnings` in the --json envelope. */
  override warn(input: string | Error): string | Error {
    const text = this.mask(typeof input === 'string' ? input : input.message)
    this.warnings.push(text)
    if (!this.jsonEnabled()) {
      this.pauseSpinnerLine()
      // One line per warning: a line break inside it is shown as \n.
      process.stderr.write(`Warning: ${printable(text)}\n`)
    }
    return input
  }

  /**
   * Progress for a wait: an elapsed-time spinner on a TTY, plain lines otherwise, nothing under --json.
   * Only one at a time: starting a new one finishes the previous one as done.
   */
  protected spinner(text: string): Spinner {
    this.stopSpinner(true)
    const spinner = createSpinner(text, {
      silent: this.jsonEnabled(),
      format: (t) => (this.showSecrets ? t : maskString(t)),
    })
    this.activeSpinner = spinner
    return spinner
  }

  /** Runs `work` under a spinner: ✔ on success, ✖ on failure (the error still propagates). */
  protected async withSpinner<R>(text: string, work: (spinner: Spinner) => Promise<R>): Promise<R> {
    const spinner = this.spinner(text)
    try {
      const result = await work(spinner)
      spinner.succeed()
      return result
    } catch (err) {
      spinner.fail()
      throw err
    }
  }

  /**
   * Asks before a destructive step: typed confirmation on a TTY, CONFIRMATION_REQUIRED without one
   * (and under --json, which is for scripts even on a TTY: "--json needs --yes") unless --yes was given.
   */
  protected async confirm(
    options: Omit<ConfirmOptions, 'interactive'> & { interactive?: boolean },
  ): Promise<void> {
    const yes = options.yes ?? (this.flags as Record<string, unknown> | undefined)?.yes === true
    const interactive = options.interactive ?? this.interactive()
    this.pauseSpinnerLine()
    await confirmAction({ ...options, yes, interactive, json: this.jsonEnabled() })
  }

  /** Whether a human can answer questions: stdin and stderr are terminals and the output is not --json. */
  protected interactive(): boolean {
    return isInteractive({ json: this.jsonEnabled() })
  }

  /**
   * Why this run may not ask a question, for the error that replaces the question: `json` (--json output is
   * for a script, even on a terminal), `no-terminal`; undefined when it may ask.
   */
  protected promptBlocker(): PromptBlocker | undefined {
    return promptBlocker({ json: this.jsonEnabled() })
  }

  /**
   * The tenant of a command declared with `tenantTargetArg` / `tenantTargetFlag` (`args.tenant`,
   * `flags.tenant`): `x`, `TENANT=x` or `--tenant x`; undefined for the shared server.
   */
  protected tenantTarget(): string | undefined {
    const args = this.args as Record<string, unknown> | undefined
    const flags = this.flags as Record<string, unknown> | undefined
    return parseTenantTarget(args?.tenant as string | undefined, flags?.tenant as string | undefined)
  }

  /** The project this command runs in (nearest `.systemprompt/` upward), or PROJECT_NOT_FOUND. */
  protected async project(cwd: string = process.cwd()): Promise<ProjectLayout> {
    // Loaded here, not at the top: the config package pulls in zod and yaml.
    const { requireProjectRoot, projectLayout } = await import('@systemprompt/config/core')
    return projectLayout(requireProjectRoot(cwd))
  }

  private writeJson(envelope: unknown): void {
    process.stdout.write(`${printableJson(JSON.stringify(this.mask(envelope), null, 2))}\n`)
  }

  private stopSpinner(ok: boolean): void {
    const spinner = this.activeSpinner
    this.activeSpinner = undefined
    if (!spinner?.running) return
    if (ok) spinner.succeed()
    else spinner.fail()
  }

  // A warning or prompt in the middle of a redrawing spinner line would be overwritten; end the line first.
  private pauseSpinnerLine(): void {
    if (this.activeSpinner?.running && process.stderr.isTTY) process.stderr.write('\n')
  }
}
