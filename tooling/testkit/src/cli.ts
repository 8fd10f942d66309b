// The real `systemprompt` binary, run as a user would: a child process, its exit code, its --json envelope.
import { spawn, spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { childEnv } from './env.js'

/** apps/cli of this repository (testkit lives in tooling/testkit; src/ and dist/ are one level deep). */
export const CLI_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'apps', 'cli')

/** The binary under test; SYSTEMPROMPT_TEST_CLI_BIN points at another build of it (e.g. a private copy). */
export const CLI_BIN = process.env.SYSTEMPROMPT_TEST_CLI_BIN || join(CLI_ROOT, 'bin', 'run.cjs')

// biome-ignore lint/suspicious/noExplicitAny: tests check envelopes field by field; typing them adds nothing.
export type Envelope = Record<string, any>

export interface CliRun {
  status: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON (the --json envelope), or undefined when it isn't JSON. */
  json: Envelope | undefined
}

export interface CliOptions {
  cwd: string
  /** Added to `childEnv()`; a key set to undefined is removed. */
  env?: Record<string, string | undefined>
  timeoutMs?: number
}

function envelopeOf(stdout: string): Envelope | undefined {
  try {
    return JSON.parse(stdout)
  } catch {
    return undefined
  }
}

/** Runs the binary to its end. */
export function runCli(args: string[], options: CliOptions): CliRun {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: childEnv(options.env),
    timeout: options.timeoutMs ?? 120_000,
  })
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout,
    stderr: result.stderr,
    json: envelopeOf(result.stdout),
  }
}

/** The binary as a child process: many at once, and killed with SIGKILL after `killAfterMs` when given. */
export function spawnCli(args: string[], options: CliOptions & { killAfterMs?: number }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    const timer =
      options.killAfterMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs)
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolve({ status, signal, stdout, stderr, json: envelopeOf(stdout) })
    })
  })
}

/** A stack frame line as node prints them ("    at fn (file.js:1:2)"): no user-facing output has one. */
export const STACK_FRAME = /^\s+at .+(\.js|\.ts|\.mjs|node:internal).*:\d+/m
