import { Flags } from '@oclif/core'
import { BaseCommand, portFlag, tenantTargetArg, tenantTargetFlag, timeoutFlag } from '@systemprompt/command'
import type { EnsureServerResult } from '@systemprompt/postgres'
import { dbSettings, dedicatedProfileOf, machineOptions } from '../../settings.js'

export interface DbUpResult {
  target: 'shared' | { tenant: string }
  action: EnsureServerResult['action']
  port: number
  container: string
  volume: string
  image: string
  composeFile: string
  adopted: boolean
  elapsedMs: number
}

export default class DbUp extends BaseCommand<typeof DbUp> {
  static override summary =
    'Start the shared PostgreSQL server, or a tenant’s dedicated one, and wait until it accepts logins.'

  static override description =
    `Realises .systemprompt/docker/shared.yaml (or docker/<tenant>.yaml) through the Docker Engine API: volume, password file, container on 127.0.0.1. Waits until PostgreSQL accepts a login and answers SELECT 1.

Running it again on a running server changes nothing. A changed compose file re-creates the container and keeps the data. A shared server made by another project is adopted (its admin password is read and kept, never changed).`

  static override examples = [
    { description: 'Start the shared server', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Start a tenant’s dedicated server',
      command: '<%= config.bin %> <%= command.id %> my-project',
    },
    {
      description: 'The form `just db-up TENANT="my-project"` passes',
      command: '<%= config.bin %> <%= command.id %> TENANT=my-project',
    },
    {
      description: 'Another port, a longer wait',
      command: '<%= config.bin %> <%= command.id %> --port 5442 --timeout 120',
    },
  ]

  static override args = {
    tenant: tenantTargetArg(
      'Tenant whose dedicated server to start (`x` or `TENANT=x`); the shared server when omitted.',
    ),
  }

  static override flags = {
    tenant: tenantTargetFlag('Tenant whose dedicated server to start.'),
    port: portFlag({
      char: 'p',
      description: 'Host port on 127.0.0.1 (default: the recorded one, else 5432 / first free from 5433).',
    }),
    timeout: timeoutFlag('Seconds to wait until PostgreSQL accepts a login.'),
    'reset-volume': Flags.boolean({
      description: 'Delete an orphaned data volume (no container, no record) and start fresh.',
    }),
  }

  async run(): Promise<DbUpResult> {
    const tenant = this.tenantTarget()
    const compose = await import('@systemprompt/postgres')
    const layout = await this.project()
    const { server, timeoutMs } = await dbSettings(layout, {
      fallbackProfile: await dedicatedProfileOf(layout, tenant),
      timeoutFlag: this.flags.timeout,
    })
    const port = this.flags.port
    const preferredPort = tenant ? undefined : server.sharedPort
    const what = tenant ? `PostgreSQL of tenant ${tenant}` : 'shared PostgreSQL'
    const spinner = this.spinner(`Starting ${what}`)
    const start = (resetVolume: boolean) => {
      const common = {
        ...machineOptions(server),
        ...(server.image !== undefined ? { image: server.image } : {}),
        timeoutMs,
        // 'ready' is a state, not a step still running: the final line says it.
        onProgress: (event: { step: string; message: string }) => {
          if (event.step !== 'ready') spinner.update(event.message)
        },
        ...(port !== undefined ? { port } : {}),
        ...(resetVolume ? { resetVolume: true } : {}),
      }
      return tenant
        ? compose.ensureTenantServer(layout.root, tenant, {
            ...common,
            ...(server.dedicatedPortStart !== undefined ? { portStart: server.dedicatedPortStart } : {}),
          })
        : compose.ensureSharedServer({
            root: layout.root,
            ...common,
            ...(preferredPort !== undefined ? { preferredPort } : {}),
          })
    }
    let result: EnsureServerResult
    try {
      result = await start(this.flags['reset-volume'])
    } catch (error) {
      // An orphaned volume on a terminal: ask (typing its name) instead of only explaining.
      const code = (error as { code?: string }).code
      const volume = (error as { details?: { volume?: string } }).details?.volume
      if (code !== 'VOLUME_ORPHANED' || !volume || !this.interactive()) throw error
      spinner.fail(`Volume ${volume} has no container and no record`)
      await this.confirm({ message: `Delete the orphaned volume ${volume} and its data`, typed: volume })
      result = await start(true)
    }
    const verb = {
      created: 'created',
      started: 'started',
      recreated: 're-created (config changed)',
      unchanged: 'already running',
    }[result.action]
    spinner.succeed(`${capitalize(what)} ${verb}: 127.0.0.1:${result.port}`)
    if (result.adopted)
      this.log(
        `Adopted the shared server ${result.spec.containerName} made by another project; its admin password was kept.`,
      )
    for (const warning of result.warnings) this.warn(warning)
    return {
      target: tenant ? { tenant } : 'shared',
      action: result.action,
      port: result.port,
      container: result.spec.containerName,
      volume: result.spec.volumeName,
      image: result.spec.image,
      composeFile: result.composeFile,
      adopted: result.adopted,
      elapsedMs: result.elapsedMs,
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
