export * from './connect.js'
export * from './pg-errors.js'
export * from './scram.js'
export * from './sql.js'
