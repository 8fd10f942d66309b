export * from './inventory.js'
export * from './tenant-db.js'
