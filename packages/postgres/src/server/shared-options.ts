import type { RunnerProgress } from '../runner/progress.js'
import type { ProjectServerOptions } from './context.js'

export interface EnsureSharedServerOptions extends ProjectServerOptions {
  /** Host port (flag --port); default: recorded in shared_config.json, else 5432. */
  port?: number
  /** Image asked for by the profile's docker settings (SYSTEMPROMPT_POSTGRES_IMAGE still wins). */
  image?: string
  timeoutMs?: number
  onProgress?: RunnerProgress
  /** Delete an orphaned volume (the user confirmed or passed --reset-volume). */
  resetVolume?: boolean
}
