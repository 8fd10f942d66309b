import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { parseDockerHost } from './endpoint.js'
import { ImagesApi } from './images.js'
import { EngineHttpError, type Transport } from './transport.js'

const endpoint = parseDockerHost('unix:///var/run/docker.sock', {})

/** A transport whose pull answers with `answer` (a progress stream, or an HTTP error). */
function transport(answer: () => Promise<Readable>): Transport & { pulls: number } {
  const t = {
    endpoint,
    pulls: 0,
    request: async () => ({ statusCode: 200, body: undefined, text: '' }),
    stream: async () => {
      t.pulls += 1
      return answer()
    },
  }
  return t
}

const events =
  (...lines: object[]) =>
  async () =>
    Readable.from(lines.map((l) => `${JSON.stringify(l)}\n`))

async function pullError(
  t: Transport,
  ref = 'registry.example.com/team/app:1',
): Promise<Record<string, unknown>> {
  return new ImagesApi(t).pull(ref).then(
    () => {
      throw new Error('the pull succeeded')
    },
    (e: unknown) => e as Record<string, unknown>,
  )
}

describe('ImagesApi.pull', () => {
  it("an error event inside an HTTP 200 stream: IMAGE_PULL_FAILED with the engine's words", async () => {
    const denied =
      'pull access denied for registry.example.com/team/app, repository does not exist or may require docker login'
    const error = await pullError(
      transport(
        events(
          { status: 'Pulling from team/app', id: '1' },
          { errorDetail: { message: denied }, error: denied },
        ),
      ),
    )
    expect(error).toMatchObject({ code: 'IMAGE_PULL_FAILED', category: 'user' })
    expect(error.message).toBe(`Could not pull image registry.example.com/team/app:1: ${denied}`)
    expect(String(error.fix)).toContain('docker login')
  })

  it.each([
    [
      500,
      'Get "https://registry.example.com/v2/": dial tcp: lookup registry.example.com: no such host',
      'reach the registry',
    ],
    [
      404,
      'manifest for registry.example.com/team/app:1 not found: manifest unknown: manifest unknown',
      'The registry has no',
    ],
  ])('an HTTP %i: the engine message, not the status, and a fix for that case', async (status, text, fix) => {
    const error = await pullError(
      transport(async () => {
        throw new EngineHttpError(status, { message: text }, text)
      }),
    )
    expect(error).toMatchObject({
      code: 'IMAGE_PULL_FAILED',
      details: { httpStatus: status, engineMessage: text },
    })
    expect(error.message).toBe(`Could not pull image registry.example.com/team/app:1: ${text}`)
    expect(String(error.fix)).toContain(fix)
  })

  it('refuses a reference outside Docker grammar without calling the engine', async () => {
    const t = transport(events())
    const error = await pullError(t, 'Bad_Ref!!')
    expect(error).toMatchObject({ code: 'IMAGE_REFERENCE_INVALID', category: 'user' })
    expect(t.pulls).toBe(0)
  })

  it('a socket failure stays an unreachable engine', async () => {
    const error = await pullError(
      transport(async () => {
        throw Object.assign(new Error('connect ENOENT'), { code: 'ENOENT' })
      }),
    )
    expect(error.code).toBe('ENGINE_UNREACHABLE')
  })
})
