// The naming rule of tenant databases and roles lives in @systemprompt/config (object-names.ts): the
// postgres package reads project ids out of a shared server's database names with the same rule.
export { tenantFromObjectName, tenantObjectName } from '@systemprompt/config/core'
