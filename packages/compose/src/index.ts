export * from './file/index.js'
export * from './runner/index.js'
export * from './server/index.js'
export type { PostgresServerSpec, ServerKind } from './spec.js'
