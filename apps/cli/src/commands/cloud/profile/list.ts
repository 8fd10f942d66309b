import { BaseCommand } from '@systemprompt/command'
import type { ProfileSummary } from '@systemprompt/registry/profile-files'
import { table } from '../../../render/table.js'

export default class ProfileList extends BaseCommand<typeof ProfileList> {
  static override summary = "List this project's profiles."

  static override examples = [
    { description: 'List profiles', command: '<%= config.bin %> <%= command.id %>' },
  ]

  async run(): Promise<{ profiles: ProfileSummary[] }> {
    const { listProfiles } = await import('@systemprompt/registry/profile-files')
    const layout = await this.project()
    const profiles = await listProfiles(layout.root)
    if (profiles.length === 0) this.log('No profiles yet. `systemprompt cloud tenant create` makes one.')
    else
      this.logLines(
        table(
          ['PROFILE', 'TENANT', 'TARGET', 'DATABASE_URL'],
          profiles.map((p) => [p.name, p.tenant ?? '-', p.target, p.databaseUrl ?? '(no secrets.json)']),
        ),
      )
    return { profiles }
  }
}
