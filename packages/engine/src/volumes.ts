import type Dockerode from 'dockerode'
import { engineCall } from './errors.js'
import { type LabelFilter, labelFilterArgs } from './labels.js'
import { requestJson, requestOptional, type Transport, toHttpError } from './transport.js'

export type VolumeInfo = Dockerode.VolumeInspectInfo & { CreatedAt?: string }

/** Named volumes: explicit names and labels, never anonymous. */
export class VolumesApi {
  constructor(private readonly transport: Transport) {}

  /** `undefined` when no volume has this name. */
  async inspect(name: string): Promise<VolumeInfo | undefined> {
    return engineCall(this.transport, `inspect volume ${name}`, () =>
      requestOptional<VolumeInfo>(this.transport, {
        method: 'GET',
        path: `/volumes/${encodeURIComponent(name)}`,
      }),
    )
  }

  /** Creates the volume (the engine returns the existing one unchanged if the name is taken). */
  async create(name: string, labels: Record<string, string> = {}): Promise<VolumeInfo> {
    return engineCall(this.transport, `create volume ${name}`, () =>
      requestJson<VolumeInfo>(this.transport, {
        method: 'POST',
        path: '/volumes/create',
        body: { Name: name, Driver: 'local', Labels: labels },
      }),
    )
  }

  /** Removes the volume; a missing one is not an error. 409 (in use) is. */
  async remove(name: string, options: { force?: boolean } = {}): Promise<void> {
    await engineCall(this.transport, `remove volume ${name}`, async () => {
      const res = await this.transport.request({
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
    return engineCall(this.transport, 'list volumes', async () => {
      const res = await requestJson<{ Volumes: VolumeInfo[] | null }>(this.transport, {
        method: 'GET',
        path: '/volumes',
        query: { filters: JSON.stringify(filters) },
      })
      return res.Volumes ?? []
    })
  }
}
