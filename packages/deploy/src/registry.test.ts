// The registry client against a real HTTP server on 127.0.0.1 that speaks the distribution API's auth:
// Basic (right and wrong password), Bearer with a token realm, 404 for a missing tag, nothing listening.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryClient, registryBaseUrl } from './registry.js'

const DIGEST = `sha256:${'a'.repeat(64)}`
let server: Server
let host = ''
const seen: string[] = []
const accepts: string[] = []

function handle(req: IncomingMessage, res: ServerResponse): void {
  const auth = req.headers.authorization ?? ''
  seen.push(`${req.method} ${req.url} ${auth.split(' ')[0] ?? ''}`)
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname === '/token') {
    if (auth !== `Basic ${Buffer.from('bob:right').toString('base64')}`) return void res.writeHead(401).end()
    return void res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: 'tok' }))
  }
  const bearer = url.pathname.includes('/bearer/')
  if (bearer && auth !== 'Bearer tok') {
    res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="test"` })
    return void res.end()
  }
  if (!bearer && auth !== `Basic ${Buffer.from('bob:right').toString('base64')}`) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' })
    return void res.end()
  }
  if (url.pathname === '/v2/') return void res.writeHead(200).end('{}')
  if (url.pathname.endsWith('/manifests/present')) {
    accepts.push(String(req.headers.accept))
    return void res.writeHead(200, { 'docker-content-digest': DIGEST }).end()
  }
  res.writeHead(404).end()
}

beforeAll(async () => {
  server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((resolve) => server.close(resolve)))

const client = (username?: string, password?: string) =>
  new RegistryClient(host, { serveraddress: host, ...(username ? { username, password } : {}) }, 'the test')

describe('RegistryClient', () => {
  it('plain HTTP for loopback registries only', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000')
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000')
    expect(registryBaseUrl('registry.example.com')).toBe('https://registry.example.com')
  })

  it('Basic: a present tag with its digest, a missing one, and a 401 said as auth (not missing)', async () => {
    const ok = client('bob', 'right')
    await ok.check('team/app')
    expect(await ok.manifest('team/app', 'present')).toEqual({ state: 'present', digest: DIGEST })
    expect(await ok.manifest('team/app', 'absent')).toEqual({ state: 'missing' })
    // The manifest types asked for: Docker's v2 and list, OCI's manifest and index.
    expect(accepts.at(-1)).toContain('application/vnd.oci.image.manifest.v1+json')
    expect(accepts.at(-1)).toContain('application/vnd.docker.distribution.manifest.list.v2+json')
    await expect(client('bob', 'wrong').manifest('team/app', 'present')).rejects.toMatchObject({
      code: 'DEPLOY_REGISTRY_AUTH',
      message: expect.stringContaining('refused the credentials from the test'),
    })
    await expect(client().check('team/app')).rejects.toMatchObject({
      code: 'DEPLOY_REGISTRY_AUTH',
      message: expect.stringContaining('none are configured'),
    })
  })

  it('Bearer: fetches a token from the realm with the credentials; a refused token request is auth', async () => {
    expect(await client('bob', 'right').manifest('bearer/app', 'present')).toMatchObject({ state: 'present' })
    expect(seen.some((line) => line.startsWith('GET /token?') && line.endsWith('Basic'))).toBe(true)
    await expect(client('bob', 'wrong').manifest('bearer/app', 'present')).rejects.toMatchObject({
      code: 'DEPLOY_REGISTRY_AUTH',
    })
  })

  it('nothing listening is DEPLOY_REGISTRY_UNREACHABLE naming the registry', async () => {
    const gone = new RegistryClient('127.0.0.1:1', { serveraddress: '127.0.0.1:1' }, 'none')
    await expect(gone.check('x')).rejects.toMatchObject({
      code: 'DEPLOY_REGISTRY_UNREACHABLE',
      message: expect.stringContaining('127.0.0.1:1'),
    })
  })
})
