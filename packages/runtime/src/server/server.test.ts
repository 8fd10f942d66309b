import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { httpUrl, localHealthUrl } from './address.js'

describe('addresses', () => {
  it('the health URL of a server bound to an unspecified address is on 127.0.0.1', () => {
    expect(localHealthUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080/api/v1/health')
    expect(localHealthUrl('::', 8080)).toBe('http://127.0.0.1:8080/api/v1/health')
    expect(localHealthUrl('[::]', 3000)).toBe('http://127.0.0.1:3000/api/v1/health')
    expect(localHealthUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000/api/v1/health')
    expect(localHealthUrl('::1', 3000)).toBe('http://[::1]:3000/api/v1/health')
  })

  it('an IPv6 bind address is bracketed in the URL', () => {
    expect(httpUrl('::', 8080)).toBe('http://[::]:8080')
    expect(httpUrl('0.0.0.0', 8080)).toBe('http://0.0.0.0:8080')
    expect(httpUrl('localhost', 1)).toBe('http://localhost:1')
  })
})

describe('light imports', () => {
  it('importing the package loads neither fastify, @fastify/static nor pg (the health command stays light)', () => {
    // A resolve hook that prints every module the import pulls in (dist/: the test task builds first).
    const hook = `export async function resolve(s, c, next) { const r = await next(s, c); if (!r.url.startsWith('node:')) process.stdout.write(r.url + '\\n'); return r }`
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)})`
    const index = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
    const result = spawnSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(register)}`,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(index)})`,
      ],
      { encoding: 'utf8' },
    )
    expect(result.status, result.stderr).toBe(0)
    const loaded = result.stdout.split('\n').filter(Boolean)
    expect(loaded.some((url) => url.endsWith('/runtime/dist/server/api.js'))).toBe(true)
    expect(loaded.filter((url) => /node_modules\/(fastify|@fastify|pg)\/|\/pg\/dist\//.test(url))).toEqual([])
  })
})
