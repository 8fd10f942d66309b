import { createRequire } from 'node:module'

let version: string | undefined
/** Version written into generated file headers: this package's version (0.0.0 when bundled without it). */
export function generatorVersion(): string {
  if (version) return version
  try {
    version = (createRequire(import.meta.url)('../package.json') as { version: string }).version
  } catch {
    version = '0.0.0'
  }
  return version
}
