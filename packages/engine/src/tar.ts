import type { Readable } from 'node:stream'

/**
 * The first regular file of a tar archive (what `GET /containers/{id}/archive` returns for one path), read
 * with tar-stream (ustar, pax, GNU long names). Loaded on first use: only adoption reads files this way.
 */
export async function firstFileFromTar(archive: Readable): Promise<Buffer | undefined> {
  const { extract } = await import('tar-stream')
  const entries = extract()
  archive.on('error', (error) => entries.destroy(error))
  archive.pipe(entries)
  try {
    for await (const entry of entries) {
      if (entry.header.type !== 'file') {
        entry.resume()
        continue
      }
      const chunks: Buffer[] = []
      for await (const chunk of entry) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    }
    return undefined
  } finally {
    archive.destroy()
  }
}

/** A tar of in-memory files (regular files only, mtime 0), for the archive endpoint. */
export async function tarOf(
  files: { name: string; content: string | Buffer; mode?: number; uid?: number; gid?: number }[],
): Promise<Buffer> {
  const { pack } = await import('tar-stream')
  const tar = pack()
  const chunks: Buffer[] = []
  tar.on('data', (chunk: unknown) => chunks.push(chunk as Buffer))
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve)
    tar.on('error', reject)
  })
  for (const file of files)
    tar.entry(
      {
        name: file.name,
        mode: file.mode ?? 0o400,
        uid: file.uid ?? 0,
        gid: file.gid ?? 0,
        mtime: new Date(0),
      },
      typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content,
    )
  tar.finalize()
  await done
  return Buffer.concat(chunks)
}
