import { Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { DeployStatus } from '@systemprompt/deploy'
import { deployEngines } from '../../../deploy-support.js'
import { chooseProfile, guardProject } from '../../../settings.js'

export default class CloudDeployStatus extends BaseCommand<typeof CloudDeployStatus> {
  static override summary =
    'What a profile runs: image, digest, replicas healthy, since when, the last deploys.'

  static override examples = [
    {
      description: 'The production deploy',
      command: '<%= config.bin %> <%= command.id %> --profile production',
    },
  ]

  static override flags = {
    profile: Flags.string({ char: 'p', description: 'Profile (default: the active profile).' }),
    limit: Flags.integer({ description: 'How many past deploys to list.', default: 10, min: 1, max: 50 }),
  }

  async run(): Promise<DeployStatus> {
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const profile = await chooseProfile(layout, this.flags.profile)
    const { deployStatus } = await import('@systemprompt/deploy')
    const status = await deployStatus({
      layout,
      profile,
      ...(await deployEngines()),
      limit: this.flags.limit,
    })
    const now = status.running
    this.log(
      now
        ? `${status.service} (${status.target}): ${now.image ?? '?'}, ${now.running}/${now.desired} running${now.state ? `, ${now.state}` : ''}${now.since ? ` since ${now.since}` : ''}`
        : `${status.service} (${status.target}): not deployed`,
    )
    for (const d of status.deploys)
      this.log(`#${d.id}  ${d.at}  ${d.result.padEnd(11)} ${d.image}${d.message ? `  (${d.message})` : ''}`)
    return status
  }
}
