import type { RunnerProgress } from '../runner/progress.js'
import type { ProjectServerOptions } from './context.js'

export interface EnsureSharedServerOptions extends ProjectServerOptions {
  /** Host port (flag --port): moves this project's server. Default: recorded in shared_config.json, else `preferredPort`, else 5432. */
  port?: number
  /**
   * The profile's docker.shared_port: where a server this project creates listens. Never moves a server that
   * is already recorded and never re-declares one this project joins (the server is machine-wide).
   */
  preferredPort?: number
  /**
   * The profile's docker.postgres_image: the image of a server this project creates; a recorded server keeps
   * its image (SYSTEMPROMPT_POSTGRES_IMAGE still wins, as before).
   */
  image?: string
  timeoutMs?: number
  onProgress?: RunnerProgress
  /** Delete an orphaned volume (the user confirmed or passed --reset-volume). */
  resetVolume?: boolean
  /**
   * The user allowed (--yes, or confirmed) a change of the machine-wide server that other projects use: its
   * port, image or password file. Without it such a change throws SHARED_SERVER_IN_USE naming them.
   */
  allowAffectingOthers?: boolean
  /**
   * The caller passes --yes as `allowAffectingOthers` (`db up`): a refusal says "rerun with --yes". Other
   * callers (tenant creation) get the command that can apply it: `systemprompt db up --yes`.
   */
  yesApplies?: boolean
}
