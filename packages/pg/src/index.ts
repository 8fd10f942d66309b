export {
  type ConnectOptions,
  connect,
  endClient,
  formatDatabaseUrl,
  localUrlPort,
  maskDatabaseUrl,
  type PgClient,
  type PgTarget,
  parseDatabaseUrl,
  rehostLocalUrl,
  repointLocalUrl,
  withClient,
} from './connect.js'
export { isTransientLoginError, sqlstateOf, tryLogin } from './login.js'
export { isTransientPgError, mapPgError, type PgErrorContext } from './pg-errors.js'
export { createPool, type PgPool } from './pool.js'
export { generatePassword, scramSha256Verifier } from './scram.js'
export { quoteIdent, quoteLiteral } from './sql.js'
export { STARTING_SQLSTATES } from './sqlstate.js'
