import type { Readable } from 'node:stream'
import type { PostgresServerSpec } from '@systemprompt/compose'
import type { Engine } from '@systemprompt/engine'
import { serverNotFound } from './errors.js'
import { assertProjectOf } from './ownership.js'

export interface ServerLogsOptions {
  follow?: boolean
  /** Lines from the end (all when undefined). */
  tail?: number
  timestamps?: boolean
}

/** The server's log as a readable stream; with `follow`, destroy the stream to stop. Never another project's. */
export async function serverLogs(
  engine: Engine,
  spec: PostgresServerSpec,
  options: ServerLogsOptions = {},
): Promise<Readable> {
  const info = await engine.containers.inspect(spec.containerName)
  if (!info) throw serverNotFound(spec)
  assertProjectOf(spec, { kind: 'container', name: spec.containerName, labels: info.Config.Labels })
  return engine.containers.logs(info.Id, options)
}
