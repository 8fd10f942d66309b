export type { ContainerCreateOptions, ContainerInfo, ExecSession } from './containers.js'
export { connectEngine, type Engine } from './engine.js'
export { httpStatusOf } from './errors.js'
export { COMPOSE_LABELS, COMPOSE_VERSION, LABELS } from './labels.js'
export type { ProgressEvent } from './streams.js'
export {
  encodeRegistryAuth,
  type RegistryAuth,
  type ServiceInfo,
  type ServiceSpec,
  type TaskInfo,
} from './swarm.js'
export type { VolumeInfo } from './volumes.js'
