// Helpers for tests: real temporary directories, removed after each test.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

export async function makeTempDir(prefix = 'sp-config-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix))
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** Every path under `dir` with its content (files) or '<dir>' — to prove that nothing was written. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (current: string) => {
    for (const entry of (await readdir(current)).sort()) {
      const path = join(current, entry)
      const info = await stat(path).catch(() => undefined)
      const key = relative(dir, path)
      if (info?.isDirectory()) {
        out[key] = '<dir>'
        await walk(path)
      } else {
        out[key] = await readFile(path, 'base64').catch(() => '<unreadable>')
      }
    }
  }
  await walk(dir)
  return out
}
