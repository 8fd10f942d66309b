import { mkdtempSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HttpTransport } from './http.js'

// A socket that speaks just enough HTTP to go quiet at a chosen point: the transport's timeouts are ours to
// prove, and a real engine never goes silent on cue.
const servers: Server[] = []
const sockets: Socket[] = []

async function quietServer(answer: string): Promise<HttpTransport> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'sp-engine-http-')), 'quiet.sock')
  const server = createServer((socket) => {
    sockets.push(socket)
    socket.once('data', () => socket.write(answer))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return new HttpTransport({ kind: 'unix', socketPath, source: 'DOCKER_HOST', label: socketPath })
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

const STREAM_HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nfirst'

describe('HttpTransport timeouts', () => {
  it('fails a request the engine never answers with ENGINE_REQUEST_TIMEOUT', async () => {
    const transport = await quietServer('')
    await expect(transport.request({ method: 'GET', path: '/_ping', timeoutMs: 100 })).rejects.toMatchObject({
      code: 'ENGINE_REQUEST_TIMEOUT',
    })
  })

  it('fails a stream that goes silent after its first bytes', async () => {
    const transport = await quietServer(STREAM_HEAD)
    const stream = await transport.stream({ method: 'GET', path: '/logs', timeoutMs: 100 })
    const chunks: string[] = []
    const error = await (async () => {
      for await (const chunk of stream) chunks.push(String(chunk))
    })().catch((e: unknown) => e)
    expect(chunks.join('')).toBe('first')
    expect(error).toMatchObject({ code: 'ENGINE_REQUEST_TIMEOUT' })
  })

  it('lets a follow (idleTimeoutMs 0) stay quiet', async () => {
    const transport = await quietServer(STREAM_HEAD)
    const stream = await transport.stream({ method: 'GET', path: '/logs', timeoutMs: 100, idleTimeoutMs: 0 })
    const failed = new Promise((resolve) => stream.once('error', resolve))
    const quiet = new Promise((resolve) => setTimeout(() => resolve('still open'), 400))
    stream.resume()
    expect(await Promise.race([failed, quiet])).toBe('still open')
    stream.destroy()
  })
})
