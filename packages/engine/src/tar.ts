/**
 * Reads the first regular file out of a tar archive (what `GET /containers/{id}/archive` returns for a
 * single path). Enough of ustar + pax to read one small file; not a general tar reader.
 */
export function firstFileFromTar(archive: Buffer): Buffer | undefined {
  let offset = 0
  let paxSize: number | undefined
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512)
    if (header.every((byte) => byte === 0)) return undefined
    const size = readOctal(header.subarray(124, 136))
    const type = String.fromCharCode(header[156] ?? 0)
    const dataStart = offset + 512
    const dataSize = type === '0' || type === '\0' ? (paxSize ?? size) : size
    if (type === 'x') {
      paxSize = readPaxSize(archive.subarray(dataStart, dataStart + size))
    } else if (type === '0' || type === '\0') {
      return archive.subarray(dataStart, dataStart + dataSize)
    } else {
      paxSize = undefined
    }
    offset = dataStart + Math.ceil(dataSize / 512) * 512
  }
  return undefined
}

function readOctal(field: Buffer): number {
  const text = field.toString('ascii').replace(/\0.*$/, '').trim()
  return text ? Number.parseInt(text, 8) : 0
}

function readPaxSize(records: Buffer): number | undefined {
  const match = /\d+ size=(\d+)\n/.exec(records.toString('utf8'))
  return match ? Number(match[1]) : undefined
}
