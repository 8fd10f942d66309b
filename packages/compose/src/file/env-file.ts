import { readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { errnoOf, SystempromptError } from '@systemprompt/config/core'
import { writeGeneratedFile } from './write.js'

/** Compose (v1 and v2) reads this file from the directory of the compose file. */
const ENV_FILE = '.env'
const PROJECT_KEY = 'COMPOSE_PROJECT_NAME'
const PROJECT_LINE = new RegExp(`^\\s*(?:export\\s+)?${PROJECT_KEY}\\s*=`)

/**
 * Writes `COMPOSE_PROJECT_NAME=<project>` into `<dockerDir>/.env`, so `docker-compose -f <tenant>.yaml ...`
 * runs under the project's own compose project (Compose v1 rejects a top-level `name:` in the file). Only
 * that key is ours: every other line a user put there stays as it was. Atomic; the caller holds the lock.
 * Returns whether the file changed.
 */
export async function writeComposeProjectEnv(dockerDir: string, project: string): Promise<boolean> {
  if (!isAbsolute(dockerDir)) {
    throw new SystempromptError({
      code: 'INTERNAL_RELATIVE_PATH',
      message: `dockerDir must be an absolute path, got "${dockerDir}".`,
      fix: 'Resolve the project root before writing compose files.',
      category: 'internal',
    })
  }
  const file = join(dockerDir, ENV_FILE)
  const current = await readFile(file, 'utf8').catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return undefined
    throw error
  })
  const next = withProjectName(current ?? '', project)
  if (next === current) return false
  await writeGeneratedFile(file, next)
  return true
}

/** The text with exactly one `COMPOSE_PROJECT_NAME=<project>` line, where the first one was (else at the end). */
function withProjectName(text: string, project: string): string {
  const ours = `${PROJECT_KEY}=${project}`
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/)
  const out: string[] = []
  let placed = false
  for (const line of lines) {
    if (!PROJECT_LINE.test(line)) out.push(line)
    else if (!placed) {
      out.push(ours)
      placed = true
    }
  }
  if (!placed) out.push(ours)
  return `${out.join('\n')}\n`
}
