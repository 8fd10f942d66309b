import { Flags } from '@oclif/core'
import { BaseCommand, yesFlag } from '@systemprompt/command'
import type { DeployResult } from '@systemprompt/deploy'
import { installedBundle } from '../../../bundle-path.js'
import { deployEngines, plainSteps } from '../../../deploy-support.js'
import { stopSignal } from '../../../runtime-settings.js'
import { chooseProfile, guardProject } from '../../../settings.js'

export default class CloudDeployRollback extends BaseCommand<typeof CloudDeployRollback> {
  static override summary = 'Run an earlier deploy of a profile again (default: the one before what runs).'

  static override examples = [
    {
      description: 'Back to the previous image',
      command: '<%= config.bin %> <%= command.id %> --profile production --yes',
    },
    {
      description: 'Back to deploy #3',
      command: '<%= config.bin %> <%= command.id %> --profile production --to 3 --yes',
    },
  ]

  static override flags = {
    profile: Flags.string({ char: 'p', description: 'Profile (default: the active profile).' }),
    to: Flags.integer({
      description: 'Number of the deploy to go back to (`cloud deploy status` lists them).',
      min: 1,
    }),
    yes: yesFlag,
  }

  async run(): Promise<DeployResult> {
    const layout = await this.project()
    await guardProject(this, layout, 'change')
    const profile = await chooseProfile(layout, this.flags.profile)
    await this.confirm({
      message: `Roll profile ${profile} back to ${this.flags.to === undefined ? 'its previous image' : `deploy #${this.flags.to}`}`,
    })
    const { rollbackDeploy } = await import('@systemprompt/deploy')
    const controller = new AbortController()
    const { stopped, release } = stopSignal('every')
    stopped.then((signal) => controller.abort(new Error(`interrupted by ${signal}`)))
    const printer = plainSteps(this, this.jsonEnabled())
    try {
      const result = await rollbackDeploy({
        layout,
        profile,
        ...(await deployEngines()),
        releaseBundle: installedBundle(),
        ...(this.flags.to === undefined ? {} : { to: this.flags.to }),
        onStep: (event) => printer.onStep(event),
        signal: controller.signal,
      })
      this.log(`${result.service} runs ${result.image} again (${result.result}).`)
      return result
    } finally {
      release()
    }
  }
}
