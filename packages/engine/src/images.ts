import type { Readable } from 'node:stream'
import { isDockerImageRef, SystempromptError } from '@systemprompt/config/core'
import type Dockerode from 'dockerode'
import { EngineErrorCode, engineCall, pullError } from './errors.js'
import { type ProgressEvent, readProgress } from './streams.js'
import { requestJson, requestOptional, type Transport, toHttpError } from './transport.js'

export type ImageInfo = Dockerode.ImageInspectInfo

/** Longest silence of a pull (a registry can be slow to send the next layer). */
const PULL_TIMEOUT_MS = 120_000
/** Longest silence of a build (a RUN step such as apt-get may print nothing for minutes). */
const BUILD_IDLE_TIMEOUT_MS = 600_000

export interface BuildImageOptions {
  /** The first tag (`name:tag`); more are added with {@link ImagesApi.tag}. */
  tag: string
  /** Path of the Dockerfile inside the context. */
  dockerfile: string
  labels?: Record<string, string>
  noCache?: boolean
  /** Remove intermediate containers, also after a failed step (default true). */
  forceRemove?: boolean
}

export class ImagesApi {
  constructor(private readonly transport: Transport) {}

  /** `undefined` when the image is not present locally. */
  async inspect(ref: string): Promise<ImageInfo | undefined> {
    return engineCall(this.transport, `inspect image ${ref}`, () =>
      requestOptional<ImageInfo>(this.transport, { method: 'GET', path: `/images/${ref}/json` }),
    )
  }

  async exists(ref: string): Promise<boolean> {
    return (await this.inspect(ref)) !== undefined
  }

  /**
   * Pulls an image, reading the whole progress stream (a failed pull can still answer HTTP 200 and report
   * the failure as an event); `auth` is the X-Registry-Auth of a private registry. A reference outside Docker's grammar is refused before the call
   * (IMAGE_REFERENCE_INVALID); a failed pull is IMAGE_PULL_FAILED with the engine's reason in the message.
   */
  async pull(ref: string, onEvent?: (event: ProgressEvent) => void, auth?: string): Promise<void> {
    if (!isDockerImageRef(ref)) {
      throw new SystempromptError({
        code: EngineErrorCode.invalidReference,
        category: 'user',
        // JSON.stringify: the reference is user input and may hold anything.
        message: `Invalid image reference ${JSON.stringify(ref)}: expected [registry[:port]/]name[:tag][@digest] in lowercase`,
        fix: 'Correct the image reference, e.g. postgres:17-alpine or 127.0.0.1:5000/team/postgres:17',
        details: { image: ref },
      })
    }
    try {
      const stream = await this.transport.stream({
        method: 'POST',
        path: '/images/create',
        // Without a tag the engine pulls every tag of the repository: default to latest, like the docker CLI.
        query: splitReference(ref),
        ...(auth ? { headers: { 'X-Registry-Auth': auth } } : {}),
        timeoutMs: PULL_TIMEOUT_MS,
      })
      await readProgress(stream, `pull image ${ref}`, onEvent)
    } catch (error) {
      throw pullError(error, ref, this.transport.endpoint)
    }
  }

  /**
   * Builds an image from a context tar (the caller makes it: `POST /build` with the tar as the body). The
   * whole progress stream is read; a failed step arrives as an error event and fails the call
   * (ENGINE_STREAM_ERROR with the engine's words). Returns the image id.
   */
  async build(
    context: Readable | Buffer,
    options: BuildImageOptions,
    onEvent?: (event: ProgressEvent) => void,
  ): Promise<string> {
    return engineCall(this.transport, `build image ${options.tag}`, async () => {
      const stream = await this.transport.stream({
        method: 'POST',
        path: '/build',
        query: {
          t: options.tag,
          dockerfile: options.dockerfile,
          labels: options.labels ? JSON.stringify(options.labels) : undefined,
          nocache: options.noCache ?? false,
          rm: true,
          forcerm: options.forceRemove ?? true,
        },
        raw: { data: context, contentType: 'application/x-tar' },
        timeoutMs: BUILD_IDLE_TIMEOUT_MS,
        idleTimeoutMs: BUILD_IDLE_TIMEOUT_MS,
      })
      const events = await readProgress(stream, `build image ${options.tag}`, onEvent)
      const id = builtImageId(events)
      if (id === undefined)
        throw new SystempromptError({
          code: EngineErrorCode.stream,
          category: 'engine',
          message: `The engine finished building ${options.tag} without naming the image it built`,
          fix: 'Run the build again; if it persists, check the engine log',
        })
      return id
    })
  }

  /** Tags an image (`repo:tag`); an existing tag of that name moves to it. */
  async tag(image: string, repo: string, tag: string): Promise<void> {
    await engineCall(this.transport, `tag image ${image} as ${repo}:${tag}`, async () => {
      const res = await this.transport.request({
        method: 'POST',
        path: `/images/${encodeURIComponent(image)}/tag`,
        query: { repo, tag },
      })
      if (res.statusCode >= 400) throw toHttpError(res)
    })
  }

  /**
   * Pushes `repo:tag` with the registry credentials `auth` (base64url JSON, see `encodeRegistryAuth`; at
   * least `serveraddress`, or the engine answers 400). The whole stream is read: a refused push arrives as
   * an error event (ENGINE_STREAM_ERROR with the registry's words). Returns the pushed manifest's digest
   * and how many bytes of layers were sent (0 when the registry had every layer).
   */
  async push(
    repo: string,
    tag: string,
    auth: string,
    onEvent?: (event: ProgressEvent) => void,
  ): Promise<{ digest: string | undefined; uploadedBytes: number; layersPushed: number }> {
    return engineCall(this.transport, `push ${repo}:${tag}`, async () => {
      const stream = await this.transport.stream({
        method: 'POST',
        path: `/images/${encodeURIComponent(repo)}/push`,
        query: { tag },
        headers: { 'X-Registry-Auth': auth },
        timeoutMs: PULL_TIMEOUT_MS,
        idleTimeoutMs: PULL_TIMEOUT_MS,
      })
      const uploaded = new Map<string, number>()
      let layersPushed = 0
      const events = await readProgress(stream, `push ${repo}:${tag}`, (event) => {
        const id = (event as { id?: string }).id
        const detail = (event as { progressDetail?: { current?: number } }).progressDetail
        if (id && event.status === 'Pushing' && typeof detail?.current === 'number')
          uploaded.set(id, Math.max(uploaded.get(id) ?? 0, detail.current))
        if (id && event.status === 'Pushed') layersPushed += 1
        onEvent?.(event)
      })
      let digest: string | undefined
      for (const event of events) {
        const aux = event.aux as { Digest?: unknown } | undefined
        if (aux && typeof aux.Digest === 'string') digest = aux.Digest
        digest ??= /digest: (sha256:[0-9a-f]{64})/.exec(event.status ?? '')?.[1]
      }
      return { digest, uploadedBytes: [...uploaded.values()].reduce((a, b) => a + b, 0), layersPushed }
    })
  }

  /** Removes an image (or one of its tags); a missing one is not an error. */
  async remove(ref: string, options: { force?: boolean } = {}): Promise<void> {
    await engineCall(this.transport, `remove image ${ref}`, async () => {
      const res = await this.transport.request({
        method: 'DELETE',
        path: `/images/${encodeURIComponent(ref)}`,
        query: { force: options.force ?? false },
      })
      if (res.statusCode >= 400 && res.statusCode !== 404) throw toHttpError(res)
    })
  }

  /** The image's layers, newest first (`docker history`). */
  async history(ref: string): Promise<{ Id: string; CreatedBy: string; Size: number }[]> {
    return engineCall(this.transport, `read the history of ${ref}`, () =>
      requestJson(this.transport, { method: 'GET', path: `/images/${encodeURIComponent(ref)}/history` }),
    )
  }
}

/** A build's image id from its progress events: the last `aux.ID` (API 1.41), else the classic "Successfully built" line. */
function builtImageId(events: ProgressEvent[]): string | undefined {
  // The last one: a multi-stage build reports each stage's image, the final image comes last.
  for (const event of [...events].reverse()) {
    const aux = event.aux as { ID?: unknown } | undefined
    if (aux && typeof aux.ID === 'string') return aux.ID
  }
  for (const event of [...events].reverse()) {
    const match = /Successfully built ([0-9a-f]{12,64})/.exec(event.stream ?? '')
    if (match) return match[1]
  }
  return undefined
}

/** `registry:5000/name:tag` → fromImage + tag; a digest (`name@sha256:…`) is its own tag. */
function splitReference(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@')
  const colon = ref.lastIndexOf(':')
  const separator = at >= 0 ? at : colon
  if (separator < 0) return { fromImage: ref, tag: 'latest' }
  const tag = ref.slice(separator + 1)
  // A colon followed by a slash belongs to a registry port, not a tag.
  if (tag.includes('/')) return { fromImage: ref, tag: 'latest' }
  return { fromImage: ref.slice(0, separator), tag: tag || 'latest' }
}
