import { execFile, spawn } from 'node:child_process'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { removeDir, tempDir } from '@systemprompt/testkit'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ErrorCode } from './error-codes.js'
import { withFileLock } from './lock.js'
import { updateJsonFile } from './update-json.js'

const run = promisify(execFile)
let dir: string
beforeEach(async () => {
  dir = tempDir('sp-config-').path
})
afterEach(async () => {
  removeDir(dir)
})

describe('withFileLock', () => {
  it('serialises critical sections in one process and removes the lock afterwards', async () => {
    const lock = join(dir, 'a.lock')
    let inside = 0
    let maxInside = 0
    await Promise.all(
      Array.from({ length: 10 }, () =>
        withFileLock(lock, async () => {
          inside++
          maxInside = Math.max(maxInside, inside)
          await new Promise((resolve) => setTimeout(resolve, 2))
          inside--
        }),
      ),
    )
    expect(maxInside).toBe(1)
    expect(await readdir(dir)).toEqual([])
  })

  it('releases the lock when the function throws', async () => {
    const lock = join(dir, 'b.lock')
    await expect(withFileLock(lock, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await withFileLock(lock, () => 'again')).toBe('again')
  })

  it('times out with LOCK_TIMEOUT naming the lock file and the holder pid', async () => {
    const lock = join(dir, 'c.lock')
    // A live holder: a child process that sleeps, recorded as the lock owner.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
    try {
      const owner = {
        pid: holder.pid,
        host: (await import('node:os')).hostname(),
        token: 't',
        acquired_at: 'now',
      }
      await writeFile(lock, JSON.stringify(owner))
      const attempt = withFileLock(lock, () => 'never', { timeoutMs: 200 })
      await expect(attempt).rejects.toMatchObject({
        code: ErrorCode.LOCK_TIMEOUT,
        file: lock,
        details: expect.objectContaining({ holderPid: holder.pid }),
      })
      await expect(attempt).rejects.toThrow(String(holder.pid))
    } finally {
      holder.kill()
    }
  })

  it('takes over a lock whose owner process is dead', async () => {
    const lock = join(dir, 'd.lock')
    const { stdout } = await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    const deadPid = Number(stdout)
    const owner = {
      pid: deadPid,
      host: (await import('node:os')).hostname(),
      token: 'dead',
      acquired_at: 'then',
    }
    await writeFile(lock, JSON.stringify(owner))
    expect(await withFileLock(lock, () => 'mine', { timeoutMs: 2000 })).toBe('mine')
  })

  it('takes over a lock older than staleMs even from another host', async () => {
    const lock = join(dir, 'e.lock')
    await writeFile(lock, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'old', acquired_at: 'then' }))
    const past = new Date(Date.now() - 60_000)
    const { utimes } = await import('node:fs/promises')
    await utimes(lock, past, past)
    expect(await withFileLock(lock, () => 'taken', { timeoutMs: 2000, staleMs: 10_000 })).toBe('taken')
  })
})

describe('updateJsonFile', () => {
  const Counter = z.strictObject({ count: z.number().int(), entries: z.array(z.string()) })

  it('creates the file (0600) when missing and returns the written value', async () => {
    const file = join(dir, 'state', 'counter.json')
    const written = await updateJsonFile(file, Counter, (current) => ({
      count: (current?.count ?? 0) + 1,
      entries: ['a'],
    }))
    expect(written).toEqual({ count: 1, entries: ['a'] })
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(written)
    const { stat } = await import('node:fs/promises')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  it('writes nothing when the mutation produces invalid data', async () => {
    const file = join(dir, 'counter.json')
    await writeFile(file, '{"count":1,"entries":[]}')
    await expect(
      updateJsonFile(file, Counter, () => ({ count: 'two' }) as unknown as z.infer<typeof Counter>),
    ).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID, keyPath: ['count'] })
    expect(await readFile(file, 'utf8')).toBe('{"count":1,"entries":[]}')
  })

  it('loses nothing when 16 processes update one file at once', async () => {
    const file = join(dir, 'counter.json')
    const barrier = join(dir, 'barrier')
    await mkdir(barrier)
    const distIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url))
    const child = fileURLToPath(new URL('./test-support/child-update.mjs', import.meta.url))
    const ids = Array.from({ length: 16 }, (_, i) => `p${i}`)
    const rounds = 3
    const children = ids.map((id) =>
      run(process.execPath, [child, distIndex, file, id, barrier, String(rounds)]),
    )
    // Release all children together once every one of them is ready.
    while ((await readdir(barrier)).length < ids.length)
      await new Promise((resolve) => setTimeout(resolve, 10))
    await writeFile(join(barrier, 'go'), '')
    await Promise.all(children)
    const result = Counter.parse(JSON.parse(await readFile(file, 'utf8')))
    expect(result.count).toBe(ids.length * rounds)
    // Every process's every round is there, and each entry saw the count it expected (no two read the same state).
    expect(result.entries).toHaveLength(ids.length * rounds)
    expect(new Set(result.entries.map((entry) => entry.split('-')[1])).size).toBe(ids.length * rounds)
    for (const id of ids)
      expect(result.entries.filter((entry) => entry.startsWith(`${id}-`))).toHaveLength(rounds)
    expect((await readdir(dir)).sort()).toEqual(['barrier', 'counter.json'])
  }, 120_000)
})
