// The registry's own API (distribution v2), asked before a push: the engine's /distribution endpoint answers
// 401 both for bad credentials and for a missing image (TESTBED.md), so it cannot tell "push" from "fix
// your password". Basic and Bearer (token service) challenges both work.
import { SystempromptError } from '@systemprompt/config/core'
import type { RegistryAuth } from '@systemprompt/engine'

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ')

const REQUEST_TIMEOUT_MS = 10_000

/** Plain HTTP for a loopback registry (the engine treats 127.0.0.0/8 as insecure), HTTPS otherwise. */
export function registryBaseUrl(registry: string): string {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
  return `${loopback ? 'http' : 'https'}://${registry}`
}

export type ManifestState = { state: 'present'; digest: string | undefined } | { state: 'missing' }

export class RegistryClient {
  private bearer: string | undefined
  private readonly base: string

  constructor(
    readonly registry: string,
    private readonly auth: RegistryAuth,
    private readonly credentialSource: string,
  ) {
    this.base = registryBaseUrl(registry)
  }

  /** `GET /v2/`: reachable and the credentials accepted (a 401 here is an auth error, said as such). */
  async check(repository: string): Promise<void> {
    const res = await this.send('GET', '/v2/', repository)
    if (res.status === 200) return
    throw this.unexpected(res.status, '/v2/')
  }

  /** `HEAD /v2/<repo>/manifests/<tag>`: present (with its digest) or missing; 401/403 is an auth error. */
  async manifest(repository: string, tag: string): Promise<ManifestState> {
    const path = `/v2/${repository}/manifests/${encodeURIComponent(tag)}`
    const res = await this.send('HEAD', path, repository)
    if (res.status === 200)
      return { state: 'present', digest: res.headers.get('docker-content-digest') ?? undefined }
    if (res.status === 404) return { state: 'missing' }
    throw this.unexpected(res.status, path)
  }

  /** The repository's tags (`GET /v2/<repo>/tags/list`); none when the repository does not exist. */
  async tags(repository: string): Promise<string[]> {
    const res = await this.send('GET', `/v2/${repository}/tags/list`, repository)
    if (res.status === 404) return []
    if (res.status !== 200) throw this.unexpected(res.status, `/v2/${repository}/tags/list`)
    const body = (await res.json()) as { tags?: string[] | null }
    return body.tags ?? []
  }

  private async send(method: 'GET' | 'HEAD', path: string, repository: string): Promise<Response> {
    let res = await this.fetch(method, path, this.authorization())
    if (res.status !== 401) return res
    const challenge = res.headers.get('www-authenticate') ?? ''
    await res.body?.cancel()
    // A token asked for earlier may have expired (Docker Hub's last 300 s; a build can take longer): ask again.
    if (/^bearer/i.test(challenge)) {
      this.bearer = await this.token(challenge, repository)
      res = await this.fetch(method, path, `Bearer ${this.bearer}`)
      if (res.status !== 401) return res
      await res.body?.cancel()
    }
    throw this.authError(path)
  }

  private authorization(): string | undefined {
    if (this.bearer) return `Bearer ${this.bearer}`
    if (this.auth.username !== undefined && this.auth.password !== undefined)
      return `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`
    return undefined
  }

  /** A token from the realm the challenge names (Docker's token protocol), with the credentials if any. */
  private async token(challenge: string, repository: string): Promise<string> {
    const params = Object.fromEntries(
      Array.from(challenge.matchAll(/([a-z]+)="([^"]*)"/gi)).map((m) => [m[1]?.toLowerCase(), m[2]]),
    ) as Record<string, string | undefined>
    if (!params.realm) throw this.authError('/v2/')
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', params.scope ?? `repository:${repository}:pull,push`)
    const basic =
      this.auth.username !== undefined && this.auth.password !== undefined
        ? `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`
        : undefined
    const res = await this.fetch('GET', url.toString(), basic, true)
    if (res.status === 401 || res.status === 403) throw this.authError(url.pathname)
    if (res.status !== 200) throw this.unexpected(res.status, url.pathname)
    const body = (await res.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token) throw this.authError(url.pathname)
    return token
  }

  private async fetch(
    method: 'GET' | 'HEAD',
    pathOrUrl: string,
    authorization: string | undefined,
    absolute = false,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: MANIFEST_TYPES }
    if (authorization) headers.Authorization = authorization
    try {
      return await fetch(absolute ? pathOrUrl : `${this.base}${pathOrUrl}`, {
        method,
        headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        redirect: 'follow',
      })
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause
      const reason = cause?.code ?? cause?.message ?? (error as Error).message
      throw new SystempromptError({
        code: 'DEPLOY_REGISTRY_UNREACHABLE',
        category: 'engine',
        message: `The registry ${this.registry} does not answer at ${this.base} (${reason})`,
        fix: `Check deploy.registry in the profile and that the registry runs (\`curl ${this.base}/v2/\`)`,
        details: { registry: this.registry, reason },
      })
    }
  }

  private authError(path: string): SystempromptError {
    const anonymous = this.auth.username === undefined && this.auth.identitytoken === undefined
    return new SystempromptError({
      code: 'DEPLOY_REGISTRY_AUTH',
      category: 'user',
      message: anonymous
        ? `The registry ${this.registry} wants credentials (401 on ${path}) and none are configured`
        : `The registry ${this.registry} refused the credentials from ${this.credentialSource} (401 on ${path})`,
      fix: `Log in with \`docker login ${this.registry}\` (or set DOCKER_AUTH_CONFIG, or deploy.registry_username with registry_password in secrets.json)`,
      details: { registry: this.registry, credentials: this.credentialSource },
    })
  }

  private unexpected(status: number, path: string): SystempromptError {
    if (status === 403) return this.authError(path)
    return new SystempromptError({
      code: 'DEPLOY_REGISTRY_UNREACHABLE',
      category: 'engine',
      message: `The registry ${this.registry} answered ${status} on ${path}`,
      fix: `Check that ${this.base} is a container registry (distribution v2) and that it is healthy`,
      details: { registry: this.registry, status },
    })
  }
}
