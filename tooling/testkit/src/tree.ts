import { createHash } from 'node:crypto'
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * Everything under `root` (relative paths): type, mode, size, mtime and a content hash. Compare two
 * snapshots to prove that nothing was written, not even the same bytes again.
 */
export function snapshotTree(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      const s = lstatSync(path)
      const key = relative(root, path)
      const mode = (s.mode & 0o7777).toString(8)
      if (s.isSymbolicLink()) {
        out[key] = `link ${readlinkSync(path)}`
      } else if (s.isDirectory()) {
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
