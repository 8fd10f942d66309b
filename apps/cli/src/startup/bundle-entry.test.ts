// The bundle's require shim: oclif's loader require.resolve()s and require()s the explicit target by its path
// under the CLI root; a single executable's own require would refuse it (built-ins only).
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { requireShim } from './bundle-entry.js'

describe('requireShim', () => {
  const builtinOnly = Object.assign(
    (id: string) => {
      throw Object.assign(new Error(`No such built-in module: ${id}`), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' })
    },
    { main: undefined },
  ) as unknown as NodeJS.Require
  const commands = { hello: class {} }
  const shim = requireShim(builtinOnly, 'systemprompt-bundled-commands.cjs', commands)

  it('answers the explicit target, wherever oclif joined it to the root, with {COMMANDS}', () => {
    const target = '/app/bin/systemprompt-bundled-commands.cjs'
    expect(shim.resolve(target)).toBe(target)
    expect(shim(target)).toEqual({ COMMANDS: commands })
    expect(shim('./systemprompt-bundled-commands.cjs').COMMANDS).toBe(commands)
  })

  it('sends everything else to a require that loads from disk', () => {
    expect(shim('node:path')).toBe(createRequire(import.meta.url)('node:path'))
    expect(shim.resolve('vitest')).toBe(createRequire(import.meta.url).resolve('vitest'))
    expect(() => shim('definitely-not-installed-xyz')).toThrow(
      expect.objectContaining({ code: 'MODULE_NOT_FOUND' }),
    )
    expect(shim.main).toBe(builtinOnly.main)
  })
})
