import { describe, expect, it } from 'vitest'
import { BaseCommand } from './base-command.js'
import {
  nameFromArgOrFlag,
  parseTenantTarget,
  portFlag,
  tenantTargetArg,
  tenantTargetFlag,
  timeoutFlag,
} from './flags.js'
import { isInteractive } from './interactive.js'

describe('parseTenantTarget', () => {
  it.each([
    [undefined, undefined, undefined],
    ['my-project', undefined, 'my-project'],
    ['TENANT=my-project', undefined, 'my-project'],
    ['TENANT="my-project"', undefined, 'my-project'],
    ["TENANT='my-project'", undefined, 'my-project'],
    ['TENANT=', undefined, undefined],
    [undefined, 'my-project', 'my-project'],
    ['my-project', 'my-project', 'my-project'],
  ])('%j + --tenant %j -> %j', (positional, flag, expected) => {
    expect(parseTenantTarget(positional, flag)).toBe(expected)
  })

  it('rejects two different tenants and bad names', () => {
    expect(() => parseTenantTarget('a', 'b')).toThrowError(
      expect.objectContaining({ code: 'USAGE', category: 'usage' }),
    )
    expect(() => parseTenantTarget('TENANT=../x', undefined)).toThrowError(
      expect.objectContaining({ code: 'TENANT_NAME_INVALID' }),
    )
  })
})

describe('nameFromArgOrFlag', () => {
  const options = { what: 'tenant', example: 'systemprompt cloud tenant create my-project' }
  it('takes the positional or --name, and both when they agree', () => {
    expect(nameFromArgOrFlag('a', undefined, options)).toBe('a')
    expect(nameFromArgOrFlag(undefined, 'a', options)).toBe('a')
    expect(nameFromArgOrFlag('a', 'a', options)).toBe('a')
    expect(nameFromArgOrFlag(undefined, undefined, options)).toBeUndefined()
  })

  it('a positional and --name that disagree are a usage error', () => {
    expect(() => nameFromArgOrFlag('a', 'b', options)).toThrowError(
      expect.objectContaining({
        code: 'USAGE',
        category: 'usage',
        message: 'Two different tenant names given: "a" and --name "b"',
      }),
    )
  })
})

// A command declared with the shared flags, run in-process through oclif (stdout captured).
class Target extends BaseCommand<typeof Target> {
  static override args = { tenant: tenantTargetArg('Tenant.') }
  static override flags = {
    tenant: tenantTargetFlag('Tenant.'),
    port: portFlag({ description: 'Port.', char: 'p' }),
    timeout: timeoutFlag('Seconds.'),
  }

  async run() {
    return {
      tenant: this.tenantTarget() ?? null,
      port: this.flags.port ?? null,
      timeout: this.flags.timeout ?? null,
    }
  }
}
Target.id = 'target'

async function run(argv: string[]) {
  let stdout = ''
  const write = process.stdout.write
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString()
    return true
  }) as typeof process.stdout.write
  try {
    await Target.run([...argv, '--json'], import.meta.url)
  } finally {
    process.stdout.write = write
  }
  const exitCode = process.exitCode
  process.exitCode = undefined
  return { exitCode, json: JSON.parse(stdout) }
}

describe('the shared flags on a command', () => {
  it('read the tenant from `x`, `TENANT=x` or --tenant; --timeout absent unless typed', async () => {
    expect((await run([])).json.result).toEqual({ tenant: null, port: null, timeout: null })
    expect((await run(['TENANT=acme'])).json.result.tenant).toBe('acme')
    expect((await run(['-t', 'acme', '-p', '5440', '--timeout', '5'])).json.result).toEqual({
      tenant: 'acme',
      port: 5440,
      timeout: 5,
    })
  })

  it('refuse a port or timeout out of range and two tenants, as usage errors (exit 2)', async () => {
    for (const argv of [
      ['--port', '0'],
      ['--port', '65536'],
      ['--timeout', '0'],
      ['a', '--tenant', 'b'],
    ]) {
      const r = await run(argv)
      expect(r.exitCode, argv.join(' ')).toBe(2)
      expect(r.json).toMatchObject({ status: 2, error: { code: 'USAGE' } })
    }
  })
})

describe('isInteractive', () => {
  const tty = { isTTY: true }
  it('needs both terminals and no --json', () => {
    expect(isInteractive({ stdin: tty, stderr: tty })).toBe(true)
    expect(isInteractive({ stdin: tty, stderr: tty, json: true })).toBe(false)
    expect(isInteractive({ stdin: {}, stderr: tty })).toBe(false)
    expect(isInteractive({ stdin: tty, stderr: { isTTY: false } })).toBe(false)
  })
})
