// Servers through @systemprompt/postgres: the project's compose files realised by the Docker Engine API.
// Loaded lazily (it pulls in the engine adapter). Tests of the real CLI set SYSTEMPROMPT_TEST_NAME_SUFFIX /
// SYSTEMPROMPT_TEST_RUN; compose reads them and gives every Docker object a per-run name and test labels.
import { rm } from 'node:fs/promises'
import { projectLayout } from '@systemprompt/config'
import { ADMIN_USER, type AdminServer, type ServerProvider, type ServerRequest } from './servers.js'

function admin(server: { adminPassword: string; port: number }): AdminServer {
  return {
    host: '127.0.0.1',
    port: server.port,
    user: ADMIN_USER,
    password: server.adminPassword,
    database: 'postgres',
  }
}

function progress(request: ServerRequest) {
  const report = request.onProgress
  return report ? { onProgress: (event: { message: string }) => report(event.message) } : {}
}

export const composeServerProvider: ServerProvider = {
  async shared(request) {
    const { ensureSharedServer } = await import('@systemprompt/postgres')
    const result = await ensureSharedServer({
      root: request.root,
      env: request.env,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...progress(request),
    })
    return admin(result)
  },

  async dedicated(request) {
    const { ensureTenantServer } = await import('@systemprompt/postgres')
    const result = await ensureTenantServer(request.root, request.tenant, {
      env: request.env,
      ...(request.port !== undefined ? { port: request.port } : {}),
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...progress(request),
    })
    return admin(result)
  },

  /** Container and volume of the tenant's own server (what its compose file declares), then its files. */
  async removeDedicated(request) {
    const { declaredTarget } = await import('@systemprompt/postgres')
    const { connectEngine } = await import('@systemprompt/engine')
    const { spec } = await declaredTarget({ root: request.root, env: request.env, tenant: request.tenant })
    const engine = await connectEngine({ env: request.env })
    const container = await engine.containers.inspect(spec.containerName)
    if (container) await engine.containers.remove(container.Id, { force: true })
    if (await engine.volumes.inspect(spec.volumeName))
      await engine.volumes.remove(spec.volumeName, { force: true })
    const layout = projectLayout(request.root)
    await rm(layout.tenantCompose(request.tenant), { force: true })
    await rm(layout.tenantPasswordFile(request.tenant), { force: true })
  },
}
