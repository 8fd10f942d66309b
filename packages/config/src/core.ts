// The light half of the package: errors, names, layout, atomic writes and locks. It loads neither zod
// nor yaml, so code on a hot path (the CLI's base command, the engine adapter, the runner) can import
// `@systemprompt/config/core` without paying for the schemas.

export * from './active-profile.js'
export * from './constants.js'
export * from './env.js'
export * from './errno.js'
export * from './error-codes.js'
export * from './errors.js'
export * from './fs.js'
export * from './layout.js'
export { locateYamlPath } from './load/yaml-locate.js'
export * from './lock.js'
export * from './names.js'
export * from './object-names.js'
export * from './password-file.js'
export * from './runtime-env.js'
// Pure syntax checks (no zod): the pg edge and the engine check URLs and image references with the same rules.
export { isDockerImageRef, POSTGRES_URL_RULE, postgresUrlProblem } from './schema/formats.js'
export * from './secrets-env.js'
// The project index is light (no zod): every command that changes a server checks it, `db up` included.
export * from './store/project-index.js'
export * from './store/shared-config-peek.js'
