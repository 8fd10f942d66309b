export type { PostgresServerSpec, ServerKind } from './spec.js'
export * from './file/index.js'
