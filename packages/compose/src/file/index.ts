export { configHash, sha256Hex } from './config-hash.js'

export { writeComposeProjectEnv } from './env-file.js'
export { readComposeHeader } from './header.js'
export { composeContainerLabels, composeVolumeLabels, containerLabels, volumeLabels } from './labels.js'
export * from './names.js'
export { parseComposeFile } from './parse.js'
export {
  HEALTHCHECK_TIMING,
  healthcheckTest,
  renderComposeFile,
} from './render.js'

export { dedicatedServerSpec, sharedServerSpec } from './server-spec.js'

export { writeComposeFile } from './write.js'
