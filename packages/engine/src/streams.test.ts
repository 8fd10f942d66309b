import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { demuxBuffer, readStream } from './streams.js'
import { firstFileFromTar } from './tar.js'

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text)
  const header = Buffer.alloc(8)
  header[0] = type
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

describe('demuxBuffer', () => {
  it('splits stdout and stderr frames', () => {
    const { stdout, stderr } = demuxBuffer(
      Buffer.concat([frame(1, 'out1\n'), frame(2, 'err\n'), frame(1, 'out2\n')]),
    )
    expect(stdout.toString()).toBe('out1\nout2\n')
    expect(stderr.toString()).toBe('err\n')
  })

  it('passes through a TTY payload that has no frames', () => {
    expect(demuxBuffer(Buffer.from('plain text log line\n')).stdout.toString()).toBe('plain text log line\n')
  })
})

describe('readStream', () => {
  it('collects events across chunk borders', async () => {
    const events = await readStream(Readable.from(['{"status":"a"}\n{"sta', 'tus":"b"}\n']))
    expect(events.map((e) => e.status)).toEqual(['a', 'b'])
  })

  it('fails on an error event inside a successful stream', async () => {
    const stream = Readable.from([
      '{"status":"pushing"}\n',
      '{"errorDetail":{"message":"denied"},"error":"denied"}\n',
    ])
    await expect(readStream(stream, 'push image x')).rejects.toMatchObject({
      code: 'ENGINE_STREAM_ERROR',
      message: 'Could not push image x: denied',
    })
  })
})

function tarEntry(name: string, type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(512)
  header.write(name, 0)
  header.write(body.length.toString(8).padStart(11, '0'), 124)
  header.write(type, 156)
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512)
  body.copy(padded)
  return Buffer.concat([header, padded])
}

describe('firstFileFromTar', () => {
  it('reads the first regular file, honouring a pax size record', () => {
    const content = Buffer.from('s3cret-password')
    const pax = Buffer.from(`20 size=${content.length}\n`)
    const archive = Buffer.concat([
      tarEntry('pax', 'x', pax),
      tarEntry('password', '0', content),
      Buffer.alloc(1024),
    ])
    expect(firstFileFromTar(archive)?.toString()).toBe('s3cret-password')
  })

  it('returns undefined for an archive without files', () => {
    expect(firstFileFromTar(Buffer.alloc(1024))).toBeUndefined()
  })
})
