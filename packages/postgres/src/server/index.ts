export {
  type ServerSettings,
  sharedPasswordFile,
} from './context.js'

export { declaredPortOf } from './declare.js'
/** @public */
export type { LocalServerOnPort } from './local-server.js'
export { assertHostPortFree, localServerOnPort } from './local-server.js'
export {
  declaredTarget,
  type ProjectServerStatus,
  projectServerLogs,
  projectServerStatus,
  type RemovedTenantServer,
  removeTenantServer,
  resetProjectServer,
  stopServer,
} from './manage.js'
export type { EnsureServerResult } from './server-result.js'
export { ensureSharedServer } from './shared.js'
export { describeSharedServerUsers, type SharedServerUser, sharedServerUsers } from './shared-users.js'
export { ensureTenantServer } from './tenant.js'
