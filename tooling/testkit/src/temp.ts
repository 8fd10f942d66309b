// Real temporary directories and projects; the test removes them in afterEach/afterAll.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TempDir {
  path: string
  remove(): void
}

export function tempDir(prefix = 'sp-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => removeDir(path) }
}

export function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true })
}

export interface TempProjectOptions {
  prefix?: string
  /** Written as .systemprompt/tenants.json (0600) when given. */
  tenants?: unknown
  /** Written as .systemprompt/docker/shared_config.json (0600) when given. */
  sharedConfig?: unknown
}

export interface TempProject extends TempDir {
  /** `<path>/.systemprompt` */
  dir: string
}

/** A temp project root with `.systemprompt/docker/` and the given project files, as a test's starting point. */
export function tempProject(options: TempProjectOptions = {}): TempProject {
  const root = tempDir(options.prefix ?? 'sp-project-')
  const dir = join(root.path, '.systemprompt')
  mkdirSync(join(dir, 'docker'), { recursive: true })
  if (options.tenants !== undefined) writeSecretJson(join(dir, 'tenants.json'), options.tenants)
  if (options.sharedConfig !== undefined)
    writeSecretJson(join(dir, 'docker', 'shared_config.json'), options.sharedConfig)
  return { ...root, dir }
}

function writeSecretJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value), { mode: 0o600 })
}
