export * from './names.js'
export * from './profiles/index.js'
export * from './server/index.js'
export * from './tenants/index.js'
