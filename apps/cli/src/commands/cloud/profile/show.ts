import { Args } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { ProfileDetails } from '@systemprompt/registry/profile-files'

export default class ProfileShow extends BaseCommand<typeof ProfileShow> {
  static override summary = 'Show a profile and its secrets (masked unless --show-secrets).'

  static override examples = [
    { description: 'Show a profile', command: '<%= config.bin %> <%= command.id %> local' },
    { description: 'With secrets', command: '<%= config.bin %> <%= command.id %> local --show-secrets' },
  ]

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Profile name.', required: true }),
  }

  async run(): Promise<ProfileDetails> {
    const { showProfile } = await import('@systemprompt/registry/profile-files')
    const layout = await this.project()
    const details = await showProfile(layout.root, this.args.name)
    // Every value of secrets.json is a secret whatever its key (custom keys too): mask the whole section.
    const shown = this.mask(details)
    this.log(`Profile: ${details.name} (${details.dir})`)
    this.log(`Tenant:  ${details.tenant ?? '-'}`)
    this.log(`Target:  ${details.target}`)
    this.log(`Server:  ${details.profile.server.host}:${details.profile.server.port}`)
    if (shown.secrets) {
      this.log('Secrets:')
      for (const [key, value] of Object.entries(shown.secrets)) this.log(`  ${key}: ${value ?? 'null'}`)
    } else this.log('Secrets: (no secrets.json)')
    return details
  }
}
