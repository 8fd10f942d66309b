/** @public */
export { type DockerignoreMatcher, dockerignoreMatcher } from './dockerignore.js'
export {
  checkProfileDockerFiles,
  type DockerFileState,
  type DockerFileWrite,
  type ProfileDockerCheck,
  writeProfileDockerFiles,
} from './files.js'
export { profileDockerModel } from './inputs.js'
export type { DockerfileModel } from './model.js'
export type { Finding } from './rules.js'
/**
 * For `docker build <profile>` (the next issue): it filters its own context tar with the profile's
 * Dockerfile.dockerignore and refuses a Dockerfile that breaks a rule.
 * @public
 */
export { checkDockerfile, dockerfileCopySources } from './rules.js'
