export { canonicalJson, configHash, sha256Hex } from './config-hash.js'
export { isHandEdited } from './hand-edited.js'
export { type ComposeHeader, GENERATOR_NAME, readComposeHeader } from './header.js'
export { composeContainerLabels, composeVolumeLabels, containerLabels, volumeLabels } from './labels.js'
export * from './names.js'
export { parseComposeFile } from './parse.js'
export {
  composeDocument,
  HEALTHCHECK_TIMING,
  healthcheckTest,
  portMapping,
  type RenderOptions,
  renderComposeFile,
} from './render.js'
export { validateComposeDocument } from './schema-validation.js'
export { dedicatedServerSpec, type ServerSpecOptions, sharedServerSpec } from './server-spec.js'
export { assertValidSpec, isValidImage, isValidPort, type SpecProblem, specProblems } from './spec-checks.js'
export { type WriteComposeOptions, writeComposeFile } from './write.js'
