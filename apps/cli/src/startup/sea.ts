import { isSea } from 'node:sea'

/** Whether this process is the release binary (a Node single executable), not `node bin/run.js`. */
export function isSingleExecutable(): boolean {
  return isSea()
}
