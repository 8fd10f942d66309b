import { Flags } from '@oclif/core'
import { BaseCommand, maskString, yesFlag } from '@systemprompt/command'
import type { DeployResult } from '@systemprompt/deploy'
import { installedBundle } from '../../../bundle-path.js'
import { deployEngines, plainSteps, type StepPrinter, taskListSteps } from '../../../deploy-support.js'
import { stopSignal } from '../../../runtime-settings.js'
import { chooseProfile, guardProject } from '../../../settings.js'

export default class CloudDeploy extends BaseCommand<typeof CloudDeploy> {
  static override summary = "Build, push and roll out a profile's image (just deploy)."

  static override description =
    `The steps: build release, build mcp, docker build, push, roll out, verify, record. Each is skipped when its inputs did not change and says so: an unchanged deploy builds, pushes and updates nothing. Where it goes is the profile's deploy: section (target docker or swarm, engine, registry and repository, replicas, publish_port and publish_mode, networks, health_path, timeouts).

Push: the tag is the image's content digest (sha-<12 hex>); the registry is asked first (HEAD of the manifest: present means no push; 401 is an auth error, never "missing"); the app runs repo:tag@digest. Credentials: DOCKER_AUTH_CONFIG, then the docker config.json (credHelpers, credsStore, auths), then deploy.registry_username with registry_password from secrets.json.

swarm: the profile's secrets become Swarm secrets named by a hash of their value and reach the app as <NAME>_FILE; a rolling update (start-first; stop-first with host-mode ports) with FailureAction rollback, health-gated by the image's HEALTHCHECK. The deploy watches the update itself: a rollback is a failure (exit 1) with the failed task's error and log tail. docker: the old container keeps running while the new image is built and pushed; it is stopped to free the port (a short gap: Swarm has none), set aside, and started again if the new one fails its health check.

Every check that can refuse (the profile and its deploy: section, the engine, Swarm manager, networks, registry and credentials, the port) runs before anything changes. One deploy per profile at a time.`

  static override examples = [
    {
      description: 'Deploy the production profile',
      command: '<%= config.bin %> <%= command.id %> --profile production --yes',
    },
    {
      description: 'Redeploy the image already pushed for these inputs, without building',
      command: '<%= config.bin %> <%= command.id %> --profile production --yes --skip-push',
    },
    {
      description: 'Show what would happen',
      command: '<%= config.bin %> <%= command.id %> --profile production --dry-run',
    },
  ]

  static override flags = {
    profile: Flags.string({ char: 'p', description: 'Profile to deploy (default: the active profile).' }),
    yes: yesFlag,
    'skip-push': Flags.boolean({
      description: 'Build nothing; deploy the image the registry has for these inputs.',
      default: false,
    }),
    'dry-run': Flags.boolean({ description: 'Print the plan; change nothing.', default: false }),
    wait: Flags.integer({
      description: 'Seconds to wait for another deploy of this profile to finish (default: fail at once).',
      default: 0,
      min: 0,
    }),
  }

  async run(): Promise<DeployResult> {
    const layout = await this.project()
    await guardProject(this, layout, 'change')
    const profile = await chooseProfile(layout, this.flags.profile)
    const { deploy, deploySettings, DEPLOY_STEPS } = await import('@systemprompt/deploy')
    const settings = await deploySettings(layout, profile)
    const dryRun = this.flags['dry-run']
    if (!dryRun)
      await this.confirm({
        message: `Deploy profile ${profile} to ${settings.target}${settings.registry ? ` via ${settings.registry}` : ''}`,
      })
    const json = this.jsonEnabled()
    const printer: StepPrinter =
      !json && this.interactive()
        ? await taskListSteps(DEPLOY_STEPS, (text) => (this.flags['show-secrets'] ? text : maskString(text)))
        : plainSteps(this, json)
    const controller = new AbortController()
    const { stopped, release } = stopSignal('every')
    stopped.then((signal) => controller.abort(new Error(`interrupted by ${signal}`)))
    const warnings: string[] = []
    let result: DeployResult
    try {
      result = await deploy({
        layout,
        profile,
        ...(await deployEngines()),
        releaseBundle: installedBundle(),
        skipPush: this.flags['skip-push'],
        dryRun,
        lockWaitMs: this.flags.wait * 1000,
        onStep: (event) => printer.onStep(event),
        onWarning: (message) => warnings.push(message),
        signal: controller.signal,
      })
    } catch (error) {
      await printer.finish()
      throw error
    } finally {
      release()
    }
    await printer.finish()
    for (const warning of warnings) this.warn(warning)
    if (result.result === 'planned') this.log(`Plan for ${profile}: nothing was changed (--dry-run).`)
    else if (result.result === 'unchanged')
      this.log(
        `Unchanged: ${result.service} already runs ${result.image} (${(result.ms / 1000).toFixed(1)} s).`,
      )
    else
      this.log(
        `Deployed ${result.image} to ${result.service} (${settings.target}) in ${(result.ms / 1000).toFixed(1)} s${result.url ? `: ${result.url}` : ''}`,
      )
    return result
  }
}
