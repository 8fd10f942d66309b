import type Dockerode from 'dockerode'
import type { Engine } from './engine.js'
import { toHttpError } from './http.js'
import { type LabelFilter, labelFilterArgs } from './labels.js'

export type VolumeInfo = Dockerode.VolumeInspectInfo & { CreatedAt?: string }

/** Named volumes: explicit names and labels, never anonymous. */
export class VolumesApi {
  constructor(private readonly engine: Engine) {}

  /** `undefined` when no volume has this name. */
  async inspect(name: string): Promise<VolumeInfo | undefined> {
    return this.engine.call(`inspect volume ${name}`, async () => {
      const res = await this.engine.http.request({
        method: 'GET',
        path: `/volumes/${encodeURIComponent(name)}`,
      })
      if (res.statusCode === 404) return undefined
      if (res.statusCode >= 400) throw toHttpError(res)
      return res.body as VolumeInfo
    })
  }

  /** Creates the volume (the engine returns the existing one unchanged if the name is taken). */
  async create(name: string, labels: Record<string, string> = {}): Promise<VolumeInfo> {
    return this.engine.call(`create volume ${name}`, () =>
      this.engine.http.json<VolumeInfo>({
        method: 'POST',
        path: '/volumes/create',
        body: { Name: name, Driver: 'local', Labels: labels },
      }),
    )
  }

  /** Removes the volume; a missing one is not an error. 409 (in use) is. */
  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.engine.call(`remove volume ${name}`, async () => {
      const res = await this.engine.http.request({
        method: 'DELETE',
        path: `/volumes/${encodeURIComponent(name)}`,
        query: { force: options.force ?? false },
      })
      if (res.statusCode === 404) return
      if (res.statusCode >= 400) throw toHttpError(res)
    })
  }

  async list(options: { labels?: LabelFilter; name?: string } = {}): Promise<VolumeInfo[]> {
    const filters: Record<string, string[]> = {}
    if (options.labels) filters.label = labelFilterArgs(options.labels)
    if (options.name) filters.name = [options.name]
    return this.engine.call('list volumes', async () => {
      const res = await this.engine.http.json<{ Volumes: VolumeInfo[] | null }>({
        method: 'GET',
        path: '/volumes',
        query: { filters: JSON.stringify(filters) },
      })
      return res.Volumes ?? []
    })
  }
}
