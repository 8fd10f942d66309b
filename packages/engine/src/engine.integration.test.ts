import {
  childEnv,
  freePort,
  newRunId,
  RUN_LABEL,
  removeRun,
  testImage,
  testLabels,
} from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectEngine, type Engine } from './index.js'

// Real engine (tooling/testbed/up.sh). Everything made here carries systemprompt.test=1 and this run's id.
const RUN = newRunId()
const TEST_LABELS = testLabels(RUN)
const IMAGE = testImage()

let engine: Engine

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
})

afterAll(() => {
  removeRun(RUN)
})

describe('connectEngine', () => {
  it('pings the engine and reads its version', async () => {
    const version = await engine.version()
    expect(Number(version.ApiVersion)).toBeGreaterThanOrEqual(1.41)
  })

  it('fails with one line naming DOCKER_HOST when the socket does not exist', async () => {
    const error = await connectEngine({ env: { DOCKER_HOST: 'unix:///nonexistent' } }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({
      code: 'ENGINE_UNREACHABLE',
      category: 'engine',
      message: 'Docker engine not reachable at DOCKER_HOST=unix:///nonexistent (no such socket)',
    })
  })

  it('fails the same way for a tcp DOCKER_HOST nobody listens on', async () => {
    const port = await freePort()
    const error = await connectEngine({ env: { DOCKER_HOST: `tcp://127.0.0.1:${port}` } }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({
      code: 'ENGINE_UNREACHABLE',
      message: `Docker engine not reachable at DOCKER_HOST=tcp://127.0.0.1:${port} (connection refused)`,
    })
  })
})

describe('volumes', () => {
  it('creates with labels, finds by label, removes', async () => {
    const name = `sp-test-engine-vol-${RUN}`
    expect(await engine.volumes.inspect(name)).toBeUndefined()
    await engine.volumes.create(name, { ...TEST_LABELS, 'systemprompt.managed': '1' })
    expect((await engine.volumes.inspect(name))?.Labels).toMatchObject({ 'systemprompt.managed': '1' })
    const listed = await engine.volumes.list({
      labels: { [RUN_LABEL]: RUN, 'systemprompt.managed': true },
    })
    expect(listed.map((v) => v.Name)).toContain(name)
    await engine.volumes.remove(name)
    expect(await engine.volumes.inspect(name)).toBeUndefined()
    await engine.volumes.remove(name) // missing is fine
  })
})

describe('images', () => {
  it('tells a missing image from a present one', async () => {
    expect(await engine.images.exists(`systemprompt-test/does-not-exist-${RUN}:1`)).toBe(false)
    expect(await engine.images.exists(IMAGE)).toBe(true)
  })

  it("fails a pull from a registry that is not there, with the engine's reason", async () => {
    const port = await freePort()
    const ref = `127.0.0.1:${port}/nothing-${RUN}:latest`
    const error = await engine.images.pull(ref).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'IMAGE_PULL_FAILED', category: 'user', details: { httpStatus: 500 } })
    expect((error as Error).message).toContain(`Could not pull image ${ref}: `)
    expect((error as Error).message).toContain('connection refused')
    expect((error as { fix: string }).fix).toContain('reach the registry')
  })

  // The test bed's registry (tooling/testbed: 127.0.0.1:5000) answers; it has no such image.
  it("names the registry's reason for an image it does not have (manifest unknown)", async () => {
    const ref = `127.0.0.1:5000/nope-${RUN}:1`
    const error = await engine.images.pull(ref).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'IMAGE_PULL_FAILED', category: 'user', details: { httpStatus: 404 } })
    expect((error as Error).message).toMatch(
      new RegExp(`^Could not pull image ${ref.replaceAll('.', '\\.')}: .*manifest unknown`),
    )
    expect((error as Error).message).not.toContain('HTTP')
    expect((error as { fix: string }).fix).toContain('The registry has no')
  })

  it('refuses a malformed reference before asking the engine', async () => {
    for (const ref of ['Bad_Ref!!', 'a:b:c', `127.0.0.1:5000/UPPER-${RUN}:1`]) {
      const error = await engine.images.pull(ref).catch((e: unknown) => e)
      expect(error, ref).toMatchObject({ code: 'IMAGE_REFERENCE_INVALID', category: 'user' })
      expect((error as Error).message).toContain(JSON.stringify(ref))
    }
  })

  it("passes on the engine's reason when it refuses a reference our grammar lets through", async () => {
    const ref = `127.0.0.1:5000/nope-${RUN}@sha256:${'0'.repeat(32)}`
    const error = await engine.images.pull(ref).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'IMAGE_REFERENCE_INVALID',
      category: 'user',
      details: { httpStatus: 400 },
    })
    // The engine's words ("invalid tag format" on 20.10), whatever they are, end the message.
    const reason = (error as { details: { engineMessage: string } }).details.engineMessage
    expect(reason).toMatch(/invalid/i)
    expect((error as Error).message).toBe(`The engine refused the image reference ${ref}: ${reason}`)
  })
})

describe('containers', () => {
  const name = `sp-test-engine-ctr-${RUN}`

  it('creates, starts, execs, reads files and logs, lists, stops and removes', async () => {
    expect(await engine.containers.inspect(name)).toBeUndefined()
    const id = await engine.containers.create({
      name,
      Image: IMAGE,
      Entrypoint: [
        'sh',
        '-c',
        'echo hello-out; echo hello-err >&2; printf secret-file > /tmp/f; exec sleep 300',
      ],
      Labels: TEST_LABELS,
      StopSignal: 'SIGKILL',
    })
    await engine.containers.start(id)
    await engine.containers.start(id) // 304 is fine

    const info = await engine.containers.inspect(name)
    expect(info?.State.Running).toBe(true)

    const result = await engine.containers.exec(name, ['sh', '-c', 'echo out; echo err >&2; exit 3'])
    expect(result).toEqual({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' })

    // the shell writes /tmp/f right after the echos; poll briefly for it
    let file: Buffer | undefined
    for (let i = 0; i < 50 && !file; i++) {
      file = await engine.containers.readFile(name, '/tmp/f')
      if (!file) await new Promise((r) => setTimeout(r, 100))
    }
    expect(file?.toString()).toBe('secret-file')
    expect(await engine.containers.readFile(name, '/no/such/file')).toBeUndefined()

    const text = await engine.containers.logsText(name, 10)
    expect(text).toContain('hello-out')
    expect(text).toContain('hello-err')

    const stream = await engine.containers.logs(name, { tail: 10 })
    let streamed = ''
    for await (const chunk of stream) streamed += chunk.toString()
    expect(streamed).toContain('hello-out')

    const follow = await engine.containers.logs(name, { follow: true, tail: 10 })
    const first = await new Promise<string>((resolve) =>
      follow.once('data', (c: Buffer) => resolve(c.toString())),
    )
    expect(first).toContain('hello')
    follow.destroy()

    const listed = await engine.containers.list({ labels: { [RUN_LABEL]: RUN } })
    expect(listed.map((c) => c.Id)).toContain(id)

    await engine.containers.stop(name, 1)
    expect((await engine.containers.inspect(name))?.State.Running).toBe(false)
    await engine.containers.remove(name)
    expect(await engine.containers.inspect(name)).toBeUndefined()
  })

  it('maps a name collision to ENGINE_CONFLICT', async () => {
    const other = `${name}-dup`
    await engine.containers.create({ name: other, Image: IMAGE, Entrypoint: ['true'], Labels: TEST_LABELS })
    const error = await engine.containers
      .create({ name: other, Image: IMAGE, Entrypoint: ['true'], Labels: TEST_LABELS })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'ENGINE_CONFLICT', category: 'conflict' })
    await engine.containers.remove(other, { force: true })
  })
})
