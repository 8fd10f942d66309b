import type Dockerode from 'dockerode'
import type { Engine } from './engine.js'
import { toHttpError } from './http.js'
import { followProgress, type ProgressEvent } from './streams.js'

export type ImageInfo = Dockerode.ImageInspectInfo

export class ImagesApi {
  constructor(private readonly engine: Engine) {}

  /** `undefined` when the image is not present locally. */
  async inspect(ref: string): Promise<ImageInfo | undefined> {
    return this.engine.call(`inspect image ${ref}`, async () => {
      const res = await this.engine.http.request({ method: 'GET', path: `/images/${ref}/json` })
      if (res.statusCode === 404) return undefined
      if (res.statusCode >= 400) throw toHttpError(res)
      return res.body as ImageInfo
    })
  }

  async exists(ref: string): Promise<boolean> {
    return (await this.inspect(ref)) !== undefined
  }

  /**
   * Pulls an image, reading the whole progress stream (a failed pull can still answer HTTP 200 and report
   * the failure as an event). Throws the mapped engine error; callers turn it into their own message.
   */
  async pull(ref: string, onEvent?: (event: ProgressEvent) => void): Promise<void> {
    await this.engine.call(`pull image ${ref}`, async () => {
      const docker = await this.engine.dockerode()
      const stream = await docker.pull(ref)
      await followProgress(docker, stream, onEvent, `pull image ${ref}`)
    })
  }
}
