import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The bundle this CLI runs from or ships: dist/bundle/systemprompt.cjs of the installed CLI (this module is
 * dist/bundle-path.js); inside the bundle, import.meta.url names the bundle itself. `build release` makes the
 * binary from it; `docker build` compares the binary with it.
 */
export function installedBundle(): string {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.cjs')) return here
  return join(dirname(here), 'bundle', 'systemprompt.cjs')
}
