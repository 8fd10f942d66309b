import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** apps/cli, whatever the test's working directory. */
export const CLI_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = join(CLI_ROOT, 'bin', 'run.js')

// biome-ignore lint/suspicious/noExplicitAny: tests check envelopes field by field; typing them adds nothing.
export type Envelope = Record<string, any>

export interface CliRun {
  status: number | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON (the --json envelope), or undefined when it isn't JSON. */
  json: Envelope | undefined
}

/** Runs the real built binary, as a user would, in `cwd`. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...cleanEnv(), ...options.env },
    timeout: 60_000,
  })
  let json: Envelope | undefined
  try {
    json = JSON.parse(result.stdout)
  } catch {
    json = undefined
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, json }
}

/** The test process's environment without what would change the CLI's output. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  for (const key of ['DEBUG', 'SYSTEMPROMPT_DEBUG', 'SYSTEMPROMPT_CONTENT_TYPE', 'FORCE_COLOR'])
    delete env[key]
  return env
}

export function tempDir(prefix = 'systemprompt-cli-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** Everything under `root`: type, mode, size, mtime and content hash, to prove "nothing written". */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      const s = statSync(path)
      const key = relative(root, path)
      const mode = (s.mode & 0o7777).toString(8)
      if (s.isDirectory()) {
        out[key] = `dir ${mode}`
        walk(path)
      } else {
        const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)
        out[key] = `file ${mode} ${s.size} ${s.mtimeMs} ${hash}`
      }
    }
  }
  walk(root)
  return out
}

/** A stack frame line as node prints them ("    at fn (file.js:1:2)"). */
export const STACK_FRAME = /^\s+at .+(\.js|\.ts|\.mjs|node:internal).*:\d+/m
