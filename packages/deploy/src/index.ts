export { type CredentialSources, type ResolvedCredentials, resolveCredentials } from './credentials.js'
export { type DeployRecord, historyFile, readHistory } from './history.js'
export {
  DEPLOY_STEPS,
  type DeployOptions,
  type DeployResult,
  type DeployStatus,
  type DeployStep,
  deploy,
  deploySettings,
  deployStatus,
  rollbackDeploy,
  type StepEvent,
  type StepResult,
} from './pipeline.js'
export { type ManifestState, RegistryClient, registryBaseUrl } from './registry.js'
export { swarmSecretName } from './swarm.js'
