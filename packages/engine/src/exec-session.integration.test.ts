import { childEnv, newRunId, removeRun, testImage, testLabels } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectEngine, type Engine } from './index.js'

// `execSession`: a command in a container with stdin attached over the upgraded connection (docker exec -i/-t).
const RUN = newRunId()
const name = `sp-test-exec-${RUN}`
let engine: Engine

function collect(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString()
    })
    stream.on('end', () => resolve(text))
    stream.on('error', reject)
  })
}

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
  const id = await engine.containers.create({
    name,
    Image: testImage(),
    Entrypoint: ['sleep', '300'],
    Labels: testLabels(RUN),
    StopSignal: 'SIGKILL',
  })
  await engine.containers.start(id)
})

afterAll(() => {
  removeRun(RUN)
})

describe('execSession', () => {
  it('without a TTY: stdin in (EOF ends it), stdout and stderr apart, the exit code, env not in argv', async () => {
    const session = await engine.containers.execSession(
      name,
      ['sh', '-c', 'tr a-z A-Z; echo "err $SECRET_VALUE" >&2; exit 7'],
      { env: ['SECRET_VALUE=s3cret'] },
    )
    const out = collect(session.stdout)
    const err = collect(session.stderr)
    session.stdin.write('hello ')
    session.stdin.end('world\n')
    expect(await out).toBe('HELLO WORLD\n')
    expect(await err).toBe('err s3cret\n')
    expect(await session.exitCode).toBe(7)
  })

  it('with a TTY: one raw stream at the given size, resizable', async () => {
    // Engines before API 1.42 ignore the size at create; it is applied right after the start (as docker's
    // CLI does), so the command looks a moment later.
    const session = await engine.containers.execSession(
      name,
      ['sh', '-c', 'sleep 0.5; stty size; read x; stty size'],
      {
        tty: true,
        size: { rows: 31, columns: 97 },
      },
    )
    const out = collect(session.stdout)
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await session.resize({ rows: 40, columns: 120 })
    session.stdin.write('go\r')
    const text = await out
    expect(text).toContain('31 97')
    expect(text).toContain('40 120')
    expect(await session.exitCode).toBe(0)
  })

  it('fails with ENGINE_NOT_FOUND for a container that does not exist', async () => {
    await expect(engine.containers.execSession(`${name}-missing`, ['true'])).rejects.toMatchObject({
      code: 'ENGINE_NOT_FOUND',
    })
  })
})
