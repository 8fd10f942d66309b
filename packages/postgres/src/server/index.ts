export {
  generatorVersion,
  type ProjectServerOptions,
  type ServerEnvironment,
  type ServerSettings,
  sharedPasswordFile,
} from './context.js'
export {
  commitServer,
  type DeclaredServer,
  declareServer,
  type PlannedServer,
  planServer,
} from './declare.js'
export {
  type DeclaredTarget,
  declaredTarget,
  type ProjectServerStatus,
  projectServerLogs,
  projectServerStatus,
  type ResetProjectServerOptions,
  type ResetProjectServerResult,
  resetProjectServer,
  type StopServerOptions,
  stopServer,
  type TargetOptions,
} from './manage.js'
export { ensurePasswordFile } from './passwords.js'
export type { EnsureServerResult } from './server-result.js'
export { ensureSharedServer } from './shared.js'
export type { EnsureSharedServerOptions } from './shared-options.js'
export { sharedSpec } from './shared-spec.js'
export { type EnsureTenantServerOptions, ensureTenantServer, tenantSpec } from './tenant.js'
