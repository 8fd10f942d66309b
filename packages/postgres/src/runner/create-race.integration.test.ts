import { connectEngine, type Engine } from '@systemprompt/engine'
import { childEnv, newRunId } from '@systemprompt/testkit'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { upServer } from './index.js'
import { adminQuery, cleanupRun, makeTestServer } from './test-support.js'

const run = newRunId()
const dirs: string[] = []
let engine: Engine

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
})
afterAll(() => {
  cleanupRun(run, dirs)
})

/**
 * The real engine, except that its first container inspect answers "no such container": what a process
 * sees when another one creates the container right after its inspect (two projects starting one server).
 */
function staleOnce(real: Engine): Engine {
  let stale = true
  const containers = new Proxy(real.containers, {
    get(target, key) {
      if (key === 'inspect' && stale) {
        stale = false
        return async () => undefined
      }
      const value = Reflect.get(target, key, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return new Proxy(real, {
    get: (target, key) => (key === 'containers' ? containers : Reflect.get(target, key, target)),
  })
}

it('a create refused with a conflict (the container appeared after our inspect) goes round once more', async () => {
  const { spec, password, dir } = await makeTestServer(run, 'race')
  dirs.push(dir)
  const first = await upServer(engine, spec, { password })
  expect(first.action).toBe('created')
  await engine.containers.stop(first.containerId)

  // The real engine refuses the create with 409; the retry finds the container and starts it.
  const second = await upServer(staleOnce(engine), spec, { password })
  expect(second).toMatchObject({ action: 'started', containerId: first.containerId })
  expect(await adminQuery(spec, password, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
})
