import { isDockerImageRef, SystempromptError } from '@systemprompt/config/core'
import type Dockerode from 'dockerode'
import { EngineErrorCode, engineCall, pullError } from './errors.js'
import { type ProgressEvent, readProgress } from './streams.js'
import { requestOptional, type Transport } from './transport.js'

export type ImageInfo = Dockerode.ImageInspectInfo

/** Longest silence of a pull (a registry can be slow to send the next layer). */
const PULL_TIMEOUT_MS = 120_000

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
   * the failure as an event). A reference outside Docker's grammar is refused before the call
   * (IMAGE_REFERENCE_INVALID); a failed pull is IMAGE_PULL_FAILED with the engine's reason in the message.
   */
  async pull(ref: string, onEvent?: (event: ProgressEvent) => void): Promise<void> {
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
        timeoutMs: PULL_TIMEOUT_MS,
      })
      await readProgress(stream, `pull image ${ref}`, onEvent)
    } catch (error) {
      throw pullError(error, ref, this.transport.endpoint)
    }
  }
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
