// buildRelease with the real node, strip and postject on a tiny bundle: a single executable that runs with a
// silent stderr, 0755, atomically in place; kept when nothing changed (fast), rebuilt when the bundle or the
// binary changed. No Docker objects (the CLI's release test runs the real CLI binary in a container).
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '@systemprompt/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { CHUNK_LOADER } from './chunks.js'
import { buildRelease, releaseState } from './sea.js'

const dir = tempDir('sp-sea-')
afterAll(() => dir.remove())
const bundle = join(dir.path, 'hello.cjs')
const output = join(dir.path, 'release', 'hello')

function writeBundle(greeting: string): void {
  writeFileSync(
    bundle,
    `console.log(${JSON.stringify(greeting)}, process.argv.slice(2).join(' '), require('node:sea').isSea())\n`,
  )
}

function runBinary(...args: string[]) {
  return spawnSync(output, args, { encoding: 'utf8', env: { PATH: '/nonexistent' } })
}

describe('buildRelease', () => {
  it('makes a single executable of the bundle: 0755, silent on stderr, argv as given; a stamp next to it', async () => {
    writeBundle('hello')
    const result = await buildRelease({ bundle, output })
    expect(result).toMatchObject({
      binary: output,
      built: true,
      reason: 'no binary yet',
      stripped: true,
      warnings: [],
    })
    expect(statSync(output).mode & 0o777).toBe(0o755)
    expect(result.bytes).toBe(statSync(output).size)
    // stripped before the blob went in: well under the node binary's size
    expect(result.bytes).toBeLessThan(statSync(process.execPath).size)
    const ran = runBinary('a', 'b c')
    expect(ran).toMatchObject({ status: 0, stdout: 'hello a b c true\n', stderr: '' })
    // nothing else is left next to it (temp files, blob, sea config, lock)
    expect(readdirSync(join(dir.path, 'release')).sort()).toEqual(['.hello.stamp.json', 'hello'])
  }, 120_000)

  it('keeps an up-to-date binary in well under 0.5 s, and says why', async () => {
    const before = statSync(output).mtimeMs
    const started = performance.now()
    const result = await buildRelease({ bundle, output })
    expect(performance.now() - started).toBeLessThan(500)
    expect(result).toMatchObject({ built: false, reason: 'inputs unchanged', stripped: true })
    expect(statSync(output).mtimeMs).toBe(before)
  })

  it('rebuilds when the bundle changed, and when the binary was changed since it was built', async () => {
    writeBundle('changed')
    const first = await buildRelease({ bundle, output })
    expect(first).toMatchObject({ built: true, reason: 'inputs changed' })
    expect(runBinary().stdout).toBe('changed  true\n')

    appendFileSync(output, 'x')
    const second = await buildRelease({ bundle, output })
    expect(second).toMatchObject({ built: true, reason: 'the binary was changed since it was built' })
    expect(runBinary('ok')).toMatchObject({ status: 0, stdout: 'changed ok true\n', stderr: '' })
    expect((await buildRelease({ bundle, output })).built).toBe(false)
  }, 240_000)

  it('embeds the chunks the bundle names as assets, loaded from inside the binary; a chunk changed or missing counts', async () => {
    const chunked = join(dir.path, 'chunked', 'bundle.cjs')
    const chunkName = 'chunks/greeting-0123456789abcdef.cjs'
    const chunk = join(dir.path, 'chunked', chunkName)
    const binary = join(dir.path, 'release', 'chunked')
    mkdirSync(join(dir.path, 'chunked', 'chunks'), { recursive: true })
    writeFileSync(
      chunked,
      `${CHUNK_LOADER}\nconst c = __systemprompt_chunk(${JSON.stringify(chunkName)}); console.log(c.greeting, c.file, c === __systemprompt_chunk(${JSON.stringify(chunkName)}))\n`,
    )
    writeFileSync(
      chunk,
      `module.exports = { greeting: 'from the chunk', file: __filename.endsWith(${JSON.stringify(chunkName)}) }\n`,
    )
    expect((await buildRelease({ bundle: chunked, output: binary })).built).toBe(true)
    // run from elsewhere, with the chunk file gone: the binary has its own copy
    rmSync(join(dir.path, 'chunked', 'chunks'), { recursive: true })
    const ran = spawnSync(binary, [], { encoding: 'utf8', cwd: dir.path, env: { PATH: '/nonexistent' } })
    expect(ran).toMatchObject({ status: 0, stdout: 'from the chunk true true\n', stderr: '' })

    expect(await releaseState({ bundle: chunked, output: binary })).toMatchObject({
      state: 'stale',
      reason: 'a chunk of the CLI bundle is missing',
    })
    await expect(buildRelease({ bundle: chunked, output: binary })).rejects.toMatchObject({
      code: 'RELEASE_BUILD_FAILED',
      message: `The CLI bundle ${chunked} needs ${chunk}, which is missing`,
    })
    mkdirSync(join(dir.path, 'chunked', 'chunks'))
    writeFileSync(chunk, `module.exports = { greeting: 'changed', file: true }\n`)
    expect(await releaseState({ bundle: chunked, output: binary })).toMatchObject({
      state: 'stale',
      reason: 'inputs changed',
    })
    expect(await buildRelease({ bundle: chunked, output: binary })).toMatchObject({
      built: true,
      reason: 'inputs changed',
    })
    expect(spawnSync(binary, [], { encoding: 'utf8' }).stdout).toBe('changed true true\n')
  }, 240_000)

  it('says which bundle is missing', async () => {
    await expect(buildRelease({ bundle: join(dir.path, 'nope.cjs'), output })).rejects.toMatchObject({
      code: 'RELEASE_BUILD_FAILED',
      message: `The CLI bundle ${join(dir.path, 'nope.cjs')} cannot be read (ENOENT)`,
      fix: 'Build the CLI (pnpm build): its build writes dist/bundle/systemprompt.cjs',
    })
  })
})
