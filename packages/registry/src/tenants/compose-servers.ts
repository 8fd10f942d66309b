// Servers through @systemprompt/postgres: the project's compose files realised by the Docker Engine API.
// Loaded lazily (it pulls in the engine adapter). The request's `server` settings (data dir, engine,
// instance suffix, labels, images and ports) come from the CLI, which read them once from the environment.
import { ADMIN_DATABASE, ADMIN_USER } from '@systemprompt/config'
import type { ServerSettings } from '@systemprompt/postgres'
import type { AdminServer, ServerProvider, ServerRequest } from './servers.js'

function admin(server: { adminPassword: string; port: number }): AdminServer {
  return {
    host: '127.0.0.1',
    port: server.port,
    user: ADMIN_USER,
    password: server.adminPassword,
    database: ADMIN_DATABASE,
  }
}

function settings(request: ServerRequest): ServerSettings {
  if (request.server) return request.server
  // A programming error of the caller, not a user's: the CLI always passes them.
  throw new Error('The compose server provider needs `server` settings (at least dataDir)')
}

/** The machine part of the settings, as @systemprompt/postgres takes it. */
function machine(server: ServerSettings) {
  const { image: _image, sharedPort: _shared, dedicatedPortStart: _start, ...rest } = server
  return rest
}

function progress(request: ServerRequest) {
  const report = request.onProgress
  return report ? { onProgress: (event: { message: string }) => report(event.message) } : {}
}

export const composeServerProvider: ServerProvider = {
  async shared(request) {
    const { ensureSharedServer } = await import('@systemprompt/postgres')
    const server = settings(request)
    const result = await ensureSharedServer({
      root: request.root,
      ...machine(server),
      ...(server.image !== undefined ? { image: server.image } : {}),
      ...(server.sharedPort !== undefined ? { preferredPort: server.sharedPort } : {}),
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...progress(request),
    })
    return admin(result)
  },

  async dedicated(request) {
    const { ensureTenantServer } = await import('@systemprompt/postgres')
    const server = settings(request)
    const result = await ensureTenantServer(request.root, request.tenant, {
      ...machine(server),
      ...(server.image !== undefined ? { image: server.image } : {}),
      ...(server.dedicatedPortStart !== undefined ? { portStart: server.dedicatedPortStart } : {}),
      ...(request.port !== undefined ? { port: request.port } : {}),
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...progress(request),
    })
    return admin(result)
  },

  /**
   * Container and volume of the tenant's own server (what its compose file declares), then its files; what
   * is not this project's is skipped and reported.
   */
  async removeDedicated(request) {
    // The files and objects are the postgres package's: it removes them under its own lock.
    const { removeTenantServer } = await import('@systemprompt/postgres')
    return removeTenantServer(request.root, request.tenant, machine(settings(request)))
  },
}
