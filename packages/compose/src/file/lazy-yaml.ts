import { createRequire } from 'node:module'

type YamlModule = typeof import('yaml')
let loaded: YamlModule | undefined

/**
 * The yaml package, loaded on first use (synchronously, like the ajv validator): importing this package
 * must stay cheap, because `db up` on a running server never parses or renders YAML.
 */
export function yaml(): YamlModule {
  loaded ??= createRequire(import.meta.url)('yaml') as YamlModule
  return loaded
}
