// How the registry reaches a server as admin: the default provider, and the shared server's fast path.
// Kept apart from servers.ts (the types) so the provider and live.ts can use those without a cycle.
import { projectLayout } from '@systemprompt/config'
import { connect, endClient, type PgClient, withClient } from '@systemprompt/pg'
import { recordedSharedServer } from './live.js'
import { type AdminServer, adminTarget, type ServerProvider, type ServerRequest } from './servers.js'

/** The compose-backed provider (loaded lazily: it pulls in dockerode). */
async function defaultServerProvider(): Promise<ServerProvider> {
  const { composeServerProvider } = await import('./compose-servers.js')
  return composeServerProvider
}

/** The given provider, else the default one, loaded on first use only (most calls never need Docker). */
export function lazyServerProvider(given: ServerProvider | undefined): () => Promise<ServerProvider> {
  let servers = given
  return async () => {
    servers ??= await defaultServerProvider()
    return servers
  }
}

/**
 * Runs `fn` with an admin connection to the shared server. Fast path: the server recorded in
 * shared_config.json answers a login, so it is up and nothing needs Docker (this keeps `tenant create` on a
 * running server free of engine round trips and of loading dockerode). Otherwise the provider makes sure it
 * is up (start, create, adopt, explain a password mismatch) and we connect to what it returns.
 */
export async function withSharedAdmin<T>(
  request: ServerRequest,
  servers: () => Promise<ServerProvider>,
  fn: (client: PgClient, server: AdminServer) => Promise<T>,
): Promise<T> {
  const recorded = await recordedSharedServer(projectLayout(request.root))
  if (recorded) {
    const client = await connect(adminTarget(recorded), { timeoutMs: 1500 }).catch(() => undefined)
    if (client) {
      try {
        return await fn(client, recorded)
      } finally {
        await endClient(client)
      }
    }
  }
  const server = await (await servers()).shared(request)
  return withClient(adminTarget(server), (client) => fn(client, server))
}
