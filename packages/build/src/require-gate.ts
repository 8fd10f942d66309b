import { isBuiltin } from 'node:module'
import { ErrorCode, SystempromptError } from '@systemprompt/config/core'

/** The part of an esbuild metafile the gate reads: each output's imports, external ones marked. */
export interface BundleMetafile {
  outputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>
}

/**
 * The modules a bundle still loads at run time that are not Node built-ins (and not in `allow`): a single
 * executable's `require` loads built-ins only, so each of these would fail when its code path runs.
 */
function leftoverRequires(metafile: BundleMetafile, allow: readonly string[] = []): string[] {
  const left = new Set<string>()
  for (const output of Object.values(metafile.outputs))
    for (const item of output.imports)
      if (item.external && !isBuiltin(item.path) && !allow.includes(item.path)) left.add(item.path)
  return [...left].sort()
}

/** Throws `code` naming every leftover non-built-in module of the bundle `what` (see leftoverRequires). */
export function assertSelfContained(
  metafile: BundleMetafile,
  what: string,
  options: {
    allow?: readonly string[]
    code?: typeof ErrorCode.RELEASE_BUILD_FAILED | typeof ErrorCode.MCP_BUILD_FAILED
  } = {},
): void {
  const left = leftoverRequires(metafile, options.allow)
  if (left.length === 0) return
  throw new SystempromptError({
    code: options.code ?? ErrorCode.RELEASE_BUILD_FAILED,
    category: 'user',
    message: `${what} still loads ${left.length === 1 ? 'a module' : 'modules'} at run time that ${left.length === 1 ? 'is' : 'are'} not built into Node: ${left.join(', ')}`,
    fix: 'Bundle them (remove them from the externals) or make the import optional; a single executable can only load Node built-ins',
    details: { modules: left },
  })
}
