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
