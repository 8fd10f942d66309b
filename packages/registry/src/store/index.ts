export * from './shared-config-file.js'
export * from './tenants-file.js'
