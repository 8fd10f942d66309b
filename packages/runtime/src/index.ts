export * from './log.js'
export {
  type MigrateEvent,
  type MigrateResult,
  type MigrationStatus,
  migrate,
  migrationStatus,
  statusError,
} from './migrate/migrate.js'
export { localHealthUrl } from './server/address.js'
export { type ApiServer, startApiServer } from './server/api.js'
export { type HealthProbe, probeHealth } from './server/probe.js'
export { type McpRunner, type Supervisor, startSupervisor } from './supervisor/supervisor.js'
