// The build context of a profile's image: the project root filtered by the profile's Dockerfile.dockerignore
// (the classic builder reads only <context>/.dockerignore, so the context is made here), walked once into a
// sorted list, hashed into a digest that names the image, and packed as a tar with fixed owners and times
// so that equal inputs give an equal context.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { SystempromptError } from '@systemprompt/config/core'
import type { DockerignoreMatcher } from '@systemprompt/dockerfile'

/**
 * Never in a context, whatever the dockerignore says (a hand-edited one may have lost a pattern): the
 * project's records and secrets, env files, password files and the `.secrets` directories.
 */
const SECRET_BASENAMES = new Set(['secrets.json', 'tenants.json', 'shared_config.json'])
export function isSecretPath(path: string): boolean {
  const parts = path.split('/')
  const base = parts[parts.length - 1] as string
  return (
    SECRET_BASENAMES.has(base) ||
    base.startsWith('.env') ||
    base.endsWith('.password') ||
    parts.includes('.secrets')
  )
}

function unreadable(root: string, path: string, error: unknown): SystempromptError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error'
  return new SystempromptError({
    code: 'CONFIG_UNREADABLE',
    category: 'user',
    file: join(root, path),
    message: `Cannot read ${path || '.'} for the build context (${code})`,
    fix: "Make it readable, or keep it out of the image with the profile's Dockerfile.dockerignore",
    cause: error,
  })
}

export interface ContextEntry {
  /** Relative to the context root, `/`-separated. */
  path: string
  type: 'file' | 'directory' | 'symlink'
  /** 0o755 or 0o644 for files (the owner's execute bit decides), 0o755 for directories. */
  mode: number
  size: number
  /** The link's target, for symlinks. */
  target?: string
}

export interface BuildContext {
  root: string
  entries: ContextEntry[]
  /** Bytes of the files (what the tar mostly is). */
  bytes: number
}

/**
 * The entries of the context, sorted by path. `always` holds paths that go in even when the dockerignore
 * keeps them out (the Dockerfile itself: `docker build` sends it whatever the ignore file says).
 */
export async function walkContext(
  root: string,
  matcher: DockerignoreMatcher,
  always: readonly string[] = [],
): Promise<BuildContext> {
  const entries: ContextEntry[] = []
  const forced = new Set(always)
  const visit = async (dir: string): Promise<void> => {
    const names = (
      await readdir(join(root, dir)).catch((error: unknown) => {
        throw unreadable(root, dir, error)
      })
    ).sort()
    for (const name of names) {
      const path = dir === '' ? name : `${dir}/${name}`
      if (isSecretPath(path)) continue
      const stats = await lstat(join(root, path)).catch((error: unknown) => {
        throw unreadable(root, path, error)
      })
      if (stats.isDirectory()) {
        if (matcher.prunes(path) && ![...forced].some((f) => f.startsWith(`${path}/`))) continue
        if (!matcher.ignores(path)) entries.push({ path, type: 'directory', mode: 0o755, size: 0 })
        await visit(path)
        continue
      }
      if (matcher.ignores(path) && !forced.has(path)) continue
      if (stats.isSymbolicLink()) {
        entries.push({
          path,
          type: 'symlink',
          mode: 0o777,
          size: 0,
          target: await readlink(join(root, path)),
        })
      } else if (stats.isFile()) {
        entries.push({ path, type: 'file', mode: stats.mode & 0o100 ? 0o755 : 0o644, size: stats.size })
      }
      // Sockets, fifos and devices have no place in an image.
    }
  }
  await visit('')
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { root, entries, bytes: entries.reduce((sum, e) => sum + e.size, 0) }
}

/** sha256 of a file, streamed. */
function fileDigest(root: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(join(root, path))
      .on('data', (chunk) => hash.update(chunk))
      .on('error', (error) => reject(unreadable(root, path, error)))
      .on('end', () => resolve(hash.digest('hex')))
  })
}

/**
 * The digest of the context: every entry's path, type, mode and content (or link target), plus `extra`
 * (the Dockerfile's path and the image's labels). Equal digests build equal images.
 */
export async function contextDigest(context: BuildContext, extra: string): Promise<string> {
  const hash = createHash('sha256').update(`systemprompt-context 1\n${extra}\n`)
  for (const entry of context.entries) {
    const content =
      entry.type === 'file'
        ? await fileDigest(context.root, entry.path)
        : entry.type === 'symlink'
          ? `-> ${entry.target}`
          : ''
    hash.update(`${entry.type} ${entry.mode.toString(8)} ${JSON.stringify(entry.path)} ${content}\n`)
  }
  return hash.digest('hex')
}

/** The context as a tar stream (uid/gid 0, mtime 0); files are read one at a time as the engine takes them. */
export async function packContext(context: BuildContext): Promise<Readable> {
  const { pack } = await import('tar-stream')
  const tar = pack()
  const epoch = new Date(0)
  // When the consumer goes away (the engine closed the request), stop reading files at once.
  let closed = false
  let current: ReturnType<typeof createReadStream> | undefined
  tar.on('close', () => {
    closed = true
    current?.destroy()
  })
  const write = async (): Promise<void> => {
    for (const entry of context.entries) {
      if (closed) return
      const header = { name: entry.path, mode: entry.mode, uid: 0, gid: 0, mtime: epoch }
      if (entry.type === 'directory') {
        tar.entry({ ...header, type: 'directory' })
      } else if (entry.type === 'symlink') {
        tar.entry({ ...header, type: 'symlink', linkname: entry.target as string })
      } else {
        await new Promise<void>((resolve, reject) => {
          const sink = tar.entry({ ...header, type: 'file', size: entry.size }, (error) =>
            error ? reject(error) : resolve(),
          )
          current = createReadStream(join(context.root, entry.path))
          current.on('error', (error) => reject(unreadable(context.root, entry.path, error)))
          current.on('close', () => {
            if (closed) resolve()
          })
          current.pipe(sink)
        })
      }
    }
    tar.finalize()
  }
  write().catch((error: unknown) => tar.destroy(error as Error))
  return tar as unknown as Readable
}

/** The largest files of the context, biggest first: what a warning about a large context names. */
export function largestEntries(context: BuildContext, count = 5): ContextEntry[] {
  return [...context.entries]
    .filter((e) => e.type === 'file')
    .sort((a, b) => b.size - a.size)
    .slice(0, count)
}
