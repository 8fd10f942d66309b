import { Args } from '@oclif/core'
import { BaseCommand, yesFlag } from '@systemprompt/command'
import { guardProject } from '../../../settings.js'

export default class ProfileDelete extends BaseCommand<typeof ProfileDelete> {
  static override summary = "Delete a profile directory (refused while a tenant's DATABASE_URL lives in it)."

  static override examples = [
    { description: 'Asks first', command: '<%= config.bin %> <%= command.id %> staging' },
    { description: 'In scripts', command: '<%= config.bin %> <%= command.id %> staging --yes' },
  ]

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Profile name.', required: true }),
  }
  static override flags = { yes: yesFlag }

  async run(): Promise<{ name: string; dir: string }> {
    // Checked before anything else: a bad name must not reach the file system or SQL.
    const config: typeof import('@systemprompt/config') = await import('@systemprompt/config')
    config.assertProfileName(this.args.name)
    const { deleteProfile } = await import('@systemprompt/registry')
    const { showProfile } = await import('@systemprompt/registry/profile-files')
    const layout = await this.project()
    await guardProject(this, layout, 'change')
    await showProfile(layout.root, this.args.name)
    await this.confirm({ message: `Delete profile ${this.args.name} and its secrets`, typed: this.args.name })
    const result = await deleteProfile({ root: layout.root, name: this.args.name })
    this.log(`Profile ${result.name} deleted.`)
    return result
  }
}
