import { Flags } from '@oclif/core'
import {
  BaseCommand,
  portFlag,
  tenantTargetArg,
  tenantTargetFlag,
  timeoutFlag,
  yesFlag,
} from '@systemprompt/command'
import type { EnsureServerResult, SharedServerUser } from '@systemprompt/postgres'
import { dbSettings, dedicatedProfileOf, guardProject, machineOptions } from '../../settings.js'

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
  /** The shared server moved from this port (`--port`); this project's tenant URLs were repointed. */
  previousPort?: number
  /** Profiles whose DATABASE_URL now names the new port. */
  repointedProfiles?: string[]
  /** What changed for every project that uses the shared server, and which other projects those are. */
  changed?: {
    changes: { what: string; from: string | number; to: string | number }[]
    otherProjects: SharedServerUser[]
  }
}

export default class DbUp extends BaseCommand<typeof DbUp> {
  static override summary =
    'Start the shared PostgreSQL server, or a tenant’s dedicated one, and wait until it accepts logins.'

  static override description =
    `Realises .systemprompt/docker/shared.yaml (or docker/<tenant>.yaml) through the Docker Engine API: volume, password file, container on 127.0.0.1. Waits until PostgreSQL accepts a login and answers SELECT 1.

Running it again on a running server changes nothing (a login still proves the recorded password). A changed compose file re-creates the container and keeps the data. A shared server made by another project is adopted (its admin password is read and kept, never changed).

The shared server is machine-wide: a change that other projects would feel (--port, another SYSTEMPROMPT_POSTGRES_IMAGE, another SYSTEMPROMPT_DATA_DIR) names the projects that use it and needs --yes or a confirmation. After a port move this project's tenant URLs are rewritten; the other projects repoint theirs with \`systemprompt db doctor --fix\`. A re-created server that does not come up is put back as it was.`

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
    {
      description: 'Move the shared server that other projects use too',
      command: '<%= config.bin %> <%= command.id %> --port 5460 --yes',
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
    // Confirms a change of the shared server that other projects use (port, image, password file).
    yes: yesFlag,
  }

  async run(): Promise<DbUpResult> {
    const tenant = this.tenantTarget()
    const compose = await import('@systemprompt/postgres')
    const layout = await this.project()
    await guardProject(this, layout, 'change')
    const { server, timeoutMs } = await dbSettings(layout, {
      fallbackProfile: await dedicatedProfileOf(layout, tenant),
      timeoutFlag: this.flags.timeout,
    })
    const port = this.flags.port
    const preferredPort = tenant ? undefined : server.sharedPort
    const what = tenant ? `PostgreSQL of tenant ${tenant}` : 'shared PostgreSQL'
    const spinner = this.spinner(`Starting ${what}`)
    const start = (asked: { resetVolume: boolean; allowAffectingOthers: boolean }) => {
      const common = {
        ...machineOptions(server),
        ...(server.image !== undefined ? { image: server.image } : {}),
        timeoutMs,
        // 'ready' is a state, not a step still running: the final line says it.
        onProgress: (event: { step: string; message: string }) => {
          if (event.step !== 'ready') spinner.update(event.message)
        },
        ...(port !== undefined ? { port } : {}),
        ...(asked.resetVolume ? { resetVolume: true } : {}),
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
            ...(asked.allowAffectingOthers ? { allowAffectingOthers: true } : {}),
            // This command's --yes is allowAffectingOthers: a refusal may say "rerun with --yes".
            yesApplies: true,
          })
    }
    const asked = { resetVolume: this.flags['reset-volume'], allowAffectingOthers: this.flags.yes }
    let result: EnsureServerResult | undefined
    while (!result) {
      try {
        result = await start(asked)
      } catch (error) {
        // On a terminal: ask instead of only explaining (a refusal without one says --yes).
        const code = (error as { code?: string }).code
        const details = (error as { details?: { volume?: string } }).details
        if (!this.interactive()) throw error
        if (code === 'VOLUME_ORPHANED' && details?.volume && !asked.resetVolume) {
          spinner.fail(`Volume ${details.volume} has no container and no record`)
          await this.confirm({
            message: `Delete the orphaned volume ${details.volume} and its data`,
            typed: details.volume,
            // --yes allows changes for other projects; it never deletes an orphaned volume's data.
            yes: false,
          })
          asked.resetVolume = true
        } else if (code === 'SHARED_SERVER_IN_USE' && !asked.allowAffectingOthers) {
          spinner.fail('The shared server is used by other projects')
          this.logToStderr((error as Error).message)
          await this.confirm({ message: 'Change it for every project that uses it' })
          asked.allowAffectingOthers = true
        } else throw error
      }
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
    const moved = tenant ? undefined : await this.repoint(layout.root, result)
    const others = result.changed?.others ?? []
    if (others.length > 0)
      this.warn(
        `Changed for every project that uses the shared server (${result.changed?.changes.map((c) => c.what).join(', ')}): ${compose.describeSharedServerUsers(others)}.${result.previousPort !== undefined ? ' Their DATABASE_URLs still name the old port: run `systemprompt db doctor --fix` in each of them.' : ''}`,
      )
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
      ...(result.previousPort !== undefined
        ? { previousPort: result.previousPort, repointedProfiles: moved ?? [] }
        : {}),
      ...(result.changed
        ? { changed: { changes: result.changed.changes, otherProjects: result.changed.others } }
        : {}),
    }
  }

  /** After a port move: this project's shared tenants' DATABASE_URLs follow the server (registry). */
  private async repoint(root: string, result: EnsureServerResult): Promise<string[] | undefined> {
    if (result.previousPort === undefined) return undefined
    const { repointSharedTenantUrls } = await import('@systemprompt/registry')
    const repointed = await repointSharedTenantUrls(root, { from: result.previousPort, to: result.port })
    const profiles = repointed.rewritten.map((p) => p.profile)
    if (profiles.length > 0)
      this.log(
        `Moved from port ${result.previousPort}: rewrote DATABASE_URL of profile(s) ${profiles.join(', ')} to 127.0.0.1:${result.port}.`,
      )
    for (const skipped of repointed.skipped)
      this.warn(`Profile ${skipped.profile} (tenant ${skipped.tenant}) was not repointed: ${skipped.reason}.`)
    return profiles
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
