export * from './file/index.js'
export type { PostgresServerSpec, ServerKind } from './spec.js'
