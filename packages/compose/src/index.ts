export * from './file/index.js'
export type { PostgresServerSpec } from './spec.js'
