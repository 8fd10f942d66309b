/** @public */
export {
  type BuildEvent,
  type BuildProfileImageOptions,
  type BuildProfileImageResult,
  buildProfileImage,
} from './build.js'
/** @public */
export { type WriteAppComposeOptions, type WriteAppComposeResult, writeAppCompose } from './compose.js'
/** @public */
export {
  httpStatus,
  removeApp,
  type StartAppOptions,
  type StartedApp,
  startApp,
  waitForApp,
} from './run.js'
