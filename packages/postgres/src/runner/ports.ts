import { createServer } from 'node:net'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { SystempromptError } from '@systemprompt/config/core'
import { COMPOSE_LABELS, type ContainerInfo, type Engine, LABELS } from '@systemprompt/engine'
import { publishedPort } from './ownership.js'
import { listeningInodes, processHoldingSocket } from './proc-net.js'

/** Who holds a host port: a container (by name and compose project), a host process, or someone we cannot see. */
export type PortHolder =
  | { kind: 'container'; port: number; containerName: string; containerId: string; composeProject?: string }
  | { kind: 'process'; port: number; pid: number; command: string }
  | { kind: 'unknown'; port: number }

/** Can we bind 127.0.0.1:port right now? (What the engine will try to do when it publishes the port.) */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/**
 * Finds the holder of a port, or `undefined` when the port is free. Containers first: a published port is
 * held on the host by docker-proxy, and naming that process would not help anyone.
 * `ignoreContainer` skips our own container (it may hold the port legitimately).
 */
export async function findPortHolder(
  engine: Engine,
  port: number,
  options: { ignoreContainer?: string } = {},
): Promise<PortHolder | undefined> {
  const running = await engine.containers.list({ all: false })
  for (const container of running) {
    const name = (container.Names[0] ?? container.Id).replace(/^\//, '')
    if (
      options.ignoreContainer &&
      (name === options.ignoreContainer || container.Id === options.ignoreContainer)
    ) {
      continue
    }
    if (container.Ports.some((p) => p.PublicPort === port)) {
      const composeProject = container.Labels[COMPOSE_LABELS.project]
      return {
        kind: 'container',
        port,
        containerName: name,
        containerId: container.Id,
        ...(composeProject ? { composeProject } : {}),
      }
    }
  }
  if (await isPortFree(port)) return undefined
  const process = await processHoldingSocket(await listeningInodes(port))
  return process ? { kind: 'process', port, ...process } : { kind: 'unknown', port }
}

/**
 * Pre-flight before anything is removed or created: PORT_IN_USE (holder named, free port suggested) when
 * someone else holds the spec's port. `current` is our container that is about to be replaced: when it
 * runs and already publishes that port, the port is ours and there is nothing to check.
 */
export async function assertPortAvailable(
  engine: Engine,
  spec: PostgresServerSpec,
  options: { current?: ContainerInfo | undefined; portFlag?: string | undefined } = {},
): Promise<void> {
  const current = options.current
  if (current?.State.Running && publishedPort(current) === spec.port) return
  const holder = await findPortHolder(engine, spec.port, { ignoreContainer: spec.containerName })
  if (!holder) return
  throw portInUseError(holder, await suggestFreePort(engine, spec.port + 1), options.portFlag)
}

/** The first port from `start` that is free on 127.0.0.1 and not published by any container. */
export async function suggestFreePort(
  engine: Engine,
  start: number,
  exclude: number[] = [],
): Promise<number> {
  const published = new Set<number>(exclude)
  for (const container of await engine.containers.list({ all: true })) {
    for (const p of container.Ports) if (p.PublicPort) published.add(p.PublicPort)
  }
  for (let port = Math.max(1024, start); port <= 65535; port++) {
    if (published.has(port)) continue
    if (await isPortFree(port)) return port
  }
  throw new SystempromptError({
    code: 'PORT_EXHAUSTED',
    category: 'conflict',
    message: `No free TCP port on 127.0.0.1 from ${start} to 65535`,
    fix: 'Stop something that listens on a local port, then retry',
  })
}

/**
 * Host ports of our stopped servers, every project's: a stopped container publishes nothing (so the engine
 * lists no port for it), but it starts on its port again, so a new server must not take it.
 */
export async function portsOfStoppedServers(engine: Engine): Promise<number[]> {
  const ours = await engine.containers.list({ all: true, labels: { [LABELS.managed]: '1' } })
  const ports: number[] = []
  for (const container of ours.filter((c) => c.State !== 'running')) {
    const port = publishedPort(await engine.containers.inspect(container.Id))
    if (port !== undefined) ports.push(port)
  }
  return ports
}

function describeHolder(holder: PortHolder): string {
  switch (holder.kind) {
    case 'container':
      return `container ${holder.containerName}${holder.composeProject ? ` (compose project ${holder.composeProject})` : ''}`
    case 'process':
      return `process ${holder.pid} (${truncate(holder.command, 120)})`
    default:
      return 'a process this user cannot see (run as root to name it)'
  }
}

/** PORT_IN_USE: names the holder and suggests a free port; never stops anything. */
export function portInUseError(
  holder: PortHolder,
  suggestion: number,
  portFlag = '--port',
): SystempromptError {
  return new SystempromptError({
    code: 'PORT_IN_USE',
    category: 'conflict',
    message: `Port 127.0.0.1:${holder.port} is already in use by ${describeHolder(holder)}`,
    fix: `Use a free port: ${portFlag} ${suggestion} (or stop the holder yourself)`,
    details: {
      port: holder.port,
      suggestedPort: suggestion,
      holder:
        holder.kind === 'container'
          ? {
              kind: 'container',
              name: holder.containerName,
              id: holder.containerId,
              project: holder.composeProject,
            }
          : holder.kind === 'process'
            ? { kind: 'process', pid: holder.pid, command: holder.command }
            : { kind: 'unknown' },
    },
  })
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}
