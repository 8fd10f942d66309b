export { type AdoptServerOptions, type AdoptServerResult, adoptSharedServer } from './adopt.js'
export {
  containerCreateOptions,
  durationNs,
  type RealiseOptions,
  volumeCreateLabels,
} from './create-options.js'
export { type DownServerOptions, type DownServerResult, downServer, resetServer } from './down.js'
export { ensureImage, imageMissing } from './image.js'
export { type ServerLogsOptions, serverLogs } from './logs.js'
export { assertOurs, isManaged, type OwnershipAction, publishedPort } from './ownership.js'
export {
  assertPortAvailable,
  describeHolder,
  findPortHolder,
  isPortFree,
  type PortHolder,
  portInUseError,
  suggestFreePort,
} from './ports.js'
export { acceptsLogins } from './probe.js'
export {
  COMMAND_MAX_LENGTH,
  listeningInodes,
  type PortListener,
  parseListeners,
  processHoldingSocket,
  summarizeCommand,
} from './proc-net.js'
export type { RunnerProgress, RunnerProgressEvent, RunnerStep } from './progress.js'
export { type WaitReadyOptions, waitReady } from './ready.js'
export { type DriftItem, type ServerState, type ServerStatus, serverStatus } from './status.js'
export {
  DEFAULT_READY_TIMEOUT_MS,
  type UpAction,
  type UpServerOptions,
  type UpServerResult,
  upServer,
  volumeOrphanedError,
} from './up.js'
