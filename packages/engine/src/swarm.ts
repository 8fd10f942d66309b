import type Dockerode from 'dockerode'
import { engineCall } from './errors.js'
import { demuxBuffer } from './streams.js'
import { requestJson, requestOptional, type Transport, toHttpError } from './transport.js'

export type ServiceSpec = Dockerode.ServiceSpec
export type ServiceInfo = Dockerode.Service & {
  Spec: ServiceSpec
  PreviousSpec?: ServiceSpec
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string }
}

/** A Swarm task (one replica's container and its history). */
export interface TaskInfo {
  ID: string
  ServiceID: string
  Slot?: number
  NodeID?: string
  CreatedAt: string
  UpdatedAt: string
  DesiredState: string
  Spec: { ContainerSpec?: { Image?: string } }
  Status: {
    State: string
    Message?: string
    Err?: string
    Timestamp?: string
    ContainerStatus?: { ContainerID?: string; ExitCode?: number }
  }
}

export interface SecretInfo {
  ID: string
  Spec: { Name: string; Labels?: Record<string, string> }
  CreatedAt: string
}

/** What `GET /info` says of this engine's place in a Swarm. */
export interface SwarmState {
  /** inactive, pending, active, error, locked. */
  state: string
  /** A manager: it can create services and secrets. */
  manager: boolean
  nodeId: string | undefined
}

/**
 * Swarm services, tasks and secrets. Every create and update takes the registry auth as its own argument and
 * sends it as X-Registry-Auth: only the credentials go in that header, never the spec (dockerode's one-argument
 * `createService` sends the whole spec there, env included, and the engine stores it: TESTBED.md).
 */
export class SwarmApi {
  constructor(private readonly transport: Transport) {}

  async state(): Promise<SwarmState> {
    return engineCall(this.transport, 'read the engine info', async () => {
      const info = await requestJson<{
        Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string }
      }>(this.transport, { method: 'GET', path: '/info' })
      return {
        state: info.Swarm?.LocalNodeState ?? 'inactive',
        manager: info.Swarm?.ControlAvailable === true,
        nodeId: info.Swarm?.NodeID || undefined,
      }
    })
  }

  /** `undefined` when no service has this name or id. */
  async inspectService(name: string): Promise<ServiceInfo | undefined> {
    return engineCall(this.transport, `inspect service ${name}`, () =>
      requestOptional<ServiceInfo>(this.transport, {
        method: 'GET',
        path: `/services/${encodeURIComponent(name)}`,
        query: { insertDefaults: true },
      }),
    )
  }

  /** Creates a service; `auth` is the base64url registry auth (see {@link encodeRegistryAuth}). Returns its id. */
  async createService(auth: string, spec: ServiceSpec): Promise<string> {
    return engineCall(this.transport, `create service ${spec.Name ?? ''}`, async () => {
      const created = await requestJson<{ ID: string }>(this.transport, {
        method: 'POST',
        path: '/services/create',
        body: spec,
        headers: { 'X-Registry-Auth': auth },
      })
      return created.ID
    })
  }

  /**
   * Updates a service to `spec` at `version` (the engine refuses a stale version: someone else updated it in
   * between). `rollback: true` asks the engine to go back to the previous spec instead (`spec` is then the
   * current one, as the API wants). Returns the engine's warnings.
   */
  async updateService(
    id: string,
    version: number,
    spec: ServiceSpec,
    auth: string,
    options: { rollback?: boolean } = {},
  ): Promise<string[]> {
    return engineCall(this.transport, `update service ${spec.Name ?? id}`, async () => {
      const res = await requestJson<{ Warnings?: string[] | null }>(this.transport, {
        method: 'POST',
        path: `/services/${encodeURIComponent(id)}/update`,
        query: { version, ...(options.rollback ? { rollback: 'previous' } : {}) },
        body: spec,
        headers: { 'X-Registry-Auth': auth },
      })
      return res?.Warnings ?? []
    })
  }

  /** Names of the services that publish `port` (any mode). */
  async servicesPublishing(port: number): Promise<string[]> {
    return engineCall(this.transport, 'list services', async () => {
      const services = await requestJson<ServiceInfo[]>(this.transport, { method: 'GET', path: '/services' })
      return services
        .filter((s) =>
          ((s.Spec.EndpointSpec as { Ports?: { PublishedPort?: number }[] } | undefined)?.Ports ?? []).some(
            (p) => p.PublishedPort === port,
          ),
        )
        .map((s) => s.Spec.Name ?? s.ID)
    })
  }

  async removeService(name: string): Promise<void> {
    await engineCall(this.transport, `remove service ${name}`, async () => {
      const res = await this.transport.request({
        method: 'DELETE',
        path: `/services/${encodeURIComponent(name)}`,
      })
      if (res.statusCode >= 400 && res.statusCode !== 404) throw toHttpError(res)
    })
  }

  /** The service's tasks, newest first. */
  async tasks(service: string): Promise<TaskInfo[]> {
    return engineCall(this.transport, `list the tasks of ${service}`, async () => {
      const tasks = await requestJson<TaskInfo[]>(this.transport, {
        method: 'GET',
        path: '/tasks',
        query: { filters: JSON.stringify({ service: [service] }) },
      })
      return tasks.sort((a, b) => b.CreatedAt.localeCompare(a.CreatedAt))
    })
  }

  /** The last lines a task printed (stdout and stderr), as text. */
  async taskLogs(taskId: string, tail = 20): Promise<string> {
    return engineCall(this.transport, `read the logs of task ${taskId}`, async () => {
      const stream = await this.transport.stream({
        method: 'GET',
        path: `/tasks/${encodeURIComponent(taskId)}/logs`,
        query: { stdout: true, stderr: true, tail },
        timeoutMs: 15_000,
      })
      const chunks: Buffer[] = []
      for await (const chunk of stream) chunks.push(chunk as Buffer)
      const { stdout, stderr } = demuxBuffer(Buffer.concat(chunks))
      return Buffer.concat([stdout, stderr]).toString('utf8')
    })
  }

  async listSecrets(labels: Record<string, string> = {}): Promise<SecretInfo[]> {
    return engineCall(this.transport, 'list secrets', () =>
      requestJson<SecretInfo[]>(this.transport, {
        method: 'GET',
        path: '/secrets',
        query: {
          filters: JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) }),
        },
      }),
    )
  }

  /** Creates a secret (data is sent base64, never logged); an existing secret of that name is returned. */
  async ensureSecret(name: string, data: string, labels: Record<string, string> = {}): Promise<string> {
    return engineCall(this.transport, `create secret ${name}`, async () => {
      const res = await this.transport.request({
        method: 'POST',
        path: '/secrets/create',
        body: { Name: name, Labels: labels, Data: Buffer.from(data, 'utf8').toString('base64') },
      })
      if (res.statusCode === 409) {
        const existing = await requestJson<SecretInfo>(this.transport, {
          method: 'GET',
          path: `/secrets/${encodeURIComponent(name)}`,
        })
        return existing.ID
      }
      if (res.statusCode >= 400) throw toHttpError(res)
      return (res.body as { ID: string }).ID
    })
  }

  /** Removes a secret; a missing one is fine, one still in use is kept (the engine refuses) and reported false. */
  async removeSecret(id: string): Promise<boolean> {
    return engineCall(this.transport, `remove secret ${id}`, async () => {
      const res = await this.transport.request({
        method: 'DELETE',
        path: `/secrets/${encodeURIComponent(id)}`,
      })
      if (res.statusCode === 404) return true
      if (res.statusCode === 400 || res.statusCode === 409 || res.statusCode === 500) return false
      if (res.statusCode >= 400) throw toHttpError(res)
      return true
    })
  }
}

/** Registry credentials as the engine takes them (X-Registry-Auth). */
export interface RegistryAuth {
  serveraddress: string
  username?: string
  password?: string
  identitytoken?: string
}

/**
 * The X-Registry-Auth header: the credentials' JSON in base64 with the URL alphabet and its `=` padding (the
 * engine decodes with Go's padded URLEncoding and, on a decode error, quietly goes on without credentials).
 */
export function encodeRegistryAuth(auth: RegistryAuth): string {
  return Buffer.from(JSON.stringify(auth), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
}
