export { adoptSharedServer } from './adopt.js'

export { downServer, resetServer } from './down.js'

export { serverLogs } from './logs.js'

export { acceptsLogins } from './probe.js'

export { serverStatus } from './status.js'
export { upServer } from './up.js'
