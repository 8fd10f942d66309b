// One store module per project file: each reads, locks (it owns the lock's name) and writes its file.
export * from './profiles.js'
export * from './project-index.js'
export * from './shared-config.js'
export * from './tenants.js'
