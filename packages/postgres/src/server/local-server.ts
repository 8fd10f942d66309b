// Which of our local PostgreSQL servers (shared or dedicated, any project) publishes a host port: `docker run`
// makes a profile's 127.0.0.1 DATABASE_URL work from inside the app's container through it.
import { LABELS, ROLE_DEDICATED, ROLE_SHARED } from '@systemprompt/config/core'
import type { Engine } from '@systemprompt/engine'
import { publishedPort } from '../runner/ownership.js'
import { findPortHolder, portInUseError, suggestFreePort } from '../runner/ports.js'

export interface LocalServerOnPort {
  containerName: string
  containerId: string
  role: typeof ROLE_SHARED | typeof ROLE_DEDICATED
  running: boolean
}

/** Our server container whose 5432 is published on `port` of the host (running or stopped); undefined if none. */
export async function localServerOnPort(
  engine: Engine,
  port: number,
): Promise<LocalServerOnPort | undefined> {
  const ours = await engine.containers.list({ labels: { [LABELS.role]: true }, all: true })
  const found: LocalServerOnPort[] = []
  for (const summary of ours) {
    const role = summary.Labels[LABELS.role]
    if (role !== ROLE_SHARED && role !== ROLE_DEDICATED) continue
    const info = await engine.containers.inspect(summary.Id)
    if (info && publishedPort(info) === port)
      found.push({
        containerName: info.Name.replace(/^\//, ''),
        containerId: info.Id,
        role,
        running: info.State.Running,
      })
  }
  // A running server holds the port; a stopped one with the same binding (another project's) does not.
  return found.find((s) => s.running) ?? found[0]
}

/**
 * PORT_IN_USE naming the holder (a container, a process, or someone we cannot see) and a free port to use
 * instead, when 127.0.0.1:`port` is taken; nothing when it is free. `ignoreContainer`: a container about to be
 * replaced (its port is about to be free).
 */
export async function assertHostPortFree(
  engine: Engine,
  port: number,
  portFlag = '--port',
  options: { ignoreContainer?: string } = {},
): Promise<void> {
  if (options.ignoreContainer !== undefined) {
    // The container about to be replaced holds the port through docker-proxy: that is not someone else.
    const running = await engine.containers.list({ all: false, name: options.ignoreContainer })
    const self = running.find((c) => c.Names.some((n) => n.replace(/^\//, '') === options.ignoreContainer))
    if (self?.Ports.some((p) => p.PublicPort === port)) return
  }
  const holder = await findPortHolder(engine, port, options)
  if (!holder) return
  throw portInUseError(holder, await suggestFreePort(engine, port + 1), portFlag)
}
