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
} from './pipeline.js'
