import { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import { describe, expect, it } from 'vitest'
import { demuxBuffer, FrameDecoder, readProgress } from './streams.js'
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

  it('reads frames that span chunk borders', () => {
    const got: string[] = []
    const decoder = new FrameDecoder((stream, payload) => got.push(`${stream}:${payload}`))
    const bytes = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n')])
    // Cuts inside the first header, inside the first payload, and inside the second header.
    const cuts = [0, 3, 10, 17, bytes.length]
    for (let i = 0; i + 1 < cuts.length; i++) decoder.push(bytes.subarray(cuts[i], cuts[i + 1]))
    expect(got).toEqual(['stdout:hello\n', 'stderr:oops\n'])
  })

  it('passes through a TTY payload that has no frames', () => {
    expect(demuxBuffer(Buffer.from('plain text log line\n')).stdout.toString()).toBe('plain text log line\n')
  })
})

describe('readProgress', () => {
  it('collects events across chunk borders', async () => {
    const seen: string[] = []
    const events = await readProgress(
      Readable.from(['{"status":"a"}\n{"sta', 'tus":"b"}\n']),
      'pull image x',
      (e) => seen.push(e.status ?? ''),
    )
    expect(seen).toEqual(['a', 'b'])
    expect(events.map((e) => e.status)).toEqual(['a', 'b'])
  })

  it('fails on an error event inside a successful stream', async () => {
    const stream = Readable.from([
      '{"status":"pushing"}\n',
      '{"errorDetail":{"message":"denied"},"error":"denied"}\n',
    ])
    await expect(readProgress(stream, 'push image x')).rejects.toMatchObject({
      code: 'ENGINE_STREAM_ERROR',
      message: 'Could not push image x: denied',
    })
  })
})

/** A real archive, written by tar-stream's packer: a directory, then a file whose long name needs pax. */
async function archiveOf(content: string): Promise<Buffer> {
  const packer = pack()
  packer.entry({ name: 'dir', type: 'directory' })
  packer.entry({ name: `${'d/'.repeat(60)}password`, pax: { comment: 'x' } }, content)
  packer.finalize()
  const chunks: Buffer[] = []
  for await (const chunk of packer) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

describe('firstFileFromTar', () => {
  it('reads the first regular file after a directory, through a pax header', async () => {
    const archive = await archiveOf('s3cret-password')
    expect((await firstFileFromTar(Readable.from([archive])))?.toString()).toBe('s3cret-password')
  })

  it('returns undefined for an archive without files', async () => {
    expect(await firstFileFromTar(Readable.from([Buffer.alloc(1024)]))).toBeUndefined()
  })
})
