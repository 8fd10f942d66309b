export {
  type ContainerCreateOptions,
  type ContainerInfo,
  type ContainerSummary,
  ContainersApi,
  type ExecResult,
  type LogsOptions,
} from './containers.js'
export {
  DEFAULT_SOCKET,
  discoverEndpoints,
  type EndpointSource,
  type EngineEndpoint,
  parseDockerHost,
} from './endpoint.js'
export { type ConnectEngineOptions, connectEngine, DEFAULT_PING_TIMEOUT_MS, Engine } from './engine.js'
export {
  EngineErrorCode,
  type EngineErrorContext,
  engineMessage,
  errnoCode,
  httpStatusOf,
  toEngineError,
  unreachableError,
} from './errors.js'
export { EngineHttpClient, EngineHttpError, type EngineRequest, type EngineResponse } from './http.js'
export { type ImageInfo, ImagesApi } from './images.js'
export { COMPOSE_LABELS, COMPOSE_VERSION, LABELS, type LabelFilter, labelFilterArgs } from './labels.js'
export { demuxBuffer, demuxToSingle, followProgress, type ProgressEvent, readStream } from './streams.js'
export { firstFileFromTar } from './tar.js'
export { type VolumeInfo, VolumesApi } from './volumes.js'
