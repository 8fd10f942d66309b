export {
  applyOverrides,
  generatorVersion,
  overridesFromEnv,
  type ProjectServerOptions,
  resolveImage,
  type ServerOverrides,
  sharedPasswordFile,
  userDataDir,
} from './context.js'
export { type DatabaseInfo, type ListDatabasesResult, listDatabases } from './databases.js'
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
export {
  type EnsureServerResult,
  type EnsureSharedServerOptions,
  ensurePasswordFile,
  ensureSharedServer,
  newPassword,
  sharedSpec,
} from './shared.js'
export {
  peekSharedConfig,
  readSharedConfig,
  recordSharedConfig,
  type SharedConfigChange,
  type SharedConfigPeek,
} from './shared-config.js'
export { tenantFromArgs } from './target.js'
export { type EnsureTenantServerOptions, ensureTenantServer, tenantSpec } from './tenant.js'
