import { isSea } from 'node:sea'

/** Whether this process is the release binary (a Node single executable), not `node bin/run.cjs`. */
export function isSingleExecutable(): boolean {
  return isSea()
}

/**
 * RELEASE_UNSUPPORTED when run by the release binary: `build release` and `build mcp` need Node and
 * node_modules (node to copy, esbuild to spawn), which a single executable does not have. `because` ends the
 * message; `command` is what to run with the Node-installed CLI instead.
 */
export async function refuseInsideBinary(what: string, because: string, command: string): Promise<void> {
  if (!isSea()) return
  const { ErrorCode, SystempromptError } = await import('@systemprompt/config/core')
  throw new SystempromptError({
    code: ErrorCode.RELEASE_UNSUPPORTED,
    category: 'user',
    message: `${what} cannot run inside the release binary: ${because}`,
    fix: `Run it with the CLI installed with Node (${command}), not with target/release/systemprompt`,
  })
}
