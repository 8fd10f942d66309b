export { type BaseArgs, BaseCommand, type BaseFlags } from './base-command.js'
export { type ConfirmOptions, confirmAction } from './confirm.js'
export { type ErrorEnvelope, errorEnvelope, type SuccessEnvelope, successEnvelope } from './envelope.js'
export { EXIT_CODES, type ExitCode, exitCodeFor } from './exit-codes.js'
export {
  nameFromArgOrFlag,
  parseTenantTarget,
  portFlag,
  tenantTargetArg,
  tenantTargetFlag,
  timeoutFlag,
  yesFlag,
} from './flags.js'
export { isInteractive } from './interactive.js'
export { isSecretKey, MASK, maskSecrets, maskString, SECRET_KEYS } from './mask.js'
export { isOclifExit, type NormalizedError, normalizeError } from './normalize.js'
export { printable } from './printable.js'
export { loadPrompts, type Prompts } from './prompts.js'
export { renderError } from './render.js'
export { createSpinner, type Spinner, type SpinnerOptions } from './spinner.js'
export { reportTopLevelError } from './top-level.js'
