import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { writeComposeFile } from '@systemprompt/compose'
import { connectEngine, type Engine } from '@systemprompt/engine'
import { childEnv, newRunId } from '@systemprompt/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { upServer } from './index.js'
import { cleanupRun, makeTestServer } from './test-support.js'

const run = newRunId()
const dirs: string[] = []
let engine: Engine

beforeAll(async () => {
  engine = await connectEngine({ env: childEnv() })
})
afterAll(() => {
  cleanupRun(run, dirs)
})

describe('a runner-made container is a compose container', () => {
  it('`docker-compose -f FILE ps` (Debian 1.29) lists it as running, and `ps -q` gives its id', async () => {
    const { spec, dir } = await makeTestServer(run, 'ps')
    dirs.push(dir)
    const file = join(dir, '.systemprompt', 'docker', 'shared.yaml')
    await writeComposeFile(file, spec, { generatorVersion: '0.0.0-test' })
    const result = await upServer(engine, spec, { composeFile: file })

    // The shared server's compose project is its own (`-p`, as the file's header says), not the directory's.
    const compose = (...args: string[]) =>
      promisify(execFile)('/usr/bin/docker-compose', ['-p', spec.project, '-f', file, ...args], {
        env: childEnv(),
      })
    const { stdout: ids } = await compose('ps', '-q')
    expect(ids.split('\n')).toContain(result.containerId)
    const { stdout: table } = await compose('ps')
    const line = table.split('\n').find((l) => l.startsWith(spec.containerName))
    expect(line).toMatch(/\bUp\b/)
    expect(line).toContain(`127.0.0.1:${spec.port}->5432/tcp`)
  })
})
