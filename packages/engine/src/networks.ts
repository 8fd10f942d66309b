import type Dockerode from 'dockerode'
import { engineCall } from './errors.js'
import { requestJson, requestOptional, type Transport, toHttpError } from './transport.js'

export type NetworkInfo = Dockerode.NetworkInspectInfo

/** User-defined networks: where containers find each other by name (the default bridge has no DNS). */
export class NetworksApi {
  constructor(private readonly transport: Transport) {}

  /** `undefined` when no network has this name or id. */
  async inspect(name: string): Promise<NetworkInfo | undefined> {
    return engineCall(this.transport, `inspect network ${name}`, () =>
      requestOptional<NetworkInfo>(this.transport, {
        method: 'GET',
        path: `/networks/${encodeURIComponent(name)}`,
      }),
    )
  }

  /**
   * Creates a bridge network unless one of that name exists (then it is returned as it is: the engine
   * would otherwise make a second network of the same name). Returns its id.
   */
  async ensure(name: string, labels: Record<string, string> = {}): Promise<string> {
    const existing = await this.inspect(name)
    if (existing) return existing.Id
    return engineCall(this.transport, `create network ${name}`, async () => {
      const created = await requestJson<{ Id: string }>(this.transport, {
        method: 'POST',
        path: '/networks/create',
        body: { Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels },
      })
      return created.Id
    })
  }

  /** Connects a container (running or not); already connected is not an error. */
  async connect(network: string, container: string, aliases: string[] = []): Promise<void> {
    await engineCall(this.transport, `connect ${container} to network ${network}`, async () => {
      const res = await this.transport.request({
        method: 'POST',
        path: `/networks/${encodeURIComponent(network)}/connect`,
        body: { Container: container, EndpointConfig: aliases.length ? { Aliases: aliases } : {} },
      })
      if (res.statusCode === 403 && /already exists/i.test(res.text)) return
      if (res.statusCode >= 400) throw toHttpError(res)
    })
  }

  /** Removes the network; a missing one is not an error. */
  async remove(name: string): Promise<void> {
    await engineCall(this.transport, `remove network ${name}`, async () => {
      const res = await this.transport.request({
        method: 'DELETE',
        path: `/networks/${encodeURIComponent(name)}`,
      })
      if (res.statusCode >= 400 && res.statusCode !== 404) throw toHttpError(res)
    })
  }
}
