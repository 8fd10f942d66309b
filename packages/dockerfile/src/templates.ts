// The root `.systemprompt/Dockerfile` and `entrypoint.sh` that `systemprompt init` writes, on a light entry
// (`@systemprompt/dockerfile/templates`): no parser, no diff, no schemas on init's path.
export { ROOT_ENTRYPOINT, renderRootDockerfile } from './render.js'
