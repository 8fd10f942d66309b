// One store module per project file: each reads, locks (it owns the lock's name) and writes its file. The
// per-user project index (project-index.ts) is light and exported from core.ts instead.
export * from './profiles.js'
export * from './shared-config.js'
export * from './tenants.js'
