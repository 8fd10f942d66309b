// The CLI as a library: `run(argv)` executes a command as the `systemprompt` binary would.
export { run } from '@oclif/core'
