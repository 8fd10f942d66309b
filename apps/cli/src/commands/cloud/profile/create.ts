import { Args, Flags } from '@oclif/core'
import { BaseCommand, nameFromArgOrFlag } from '@systemprompt/command'
import type { CreateProfileResult } from '@systemprompt/registry'

export default class ProfileCreate extends BaseCommand<typeof ProfileCreate> {
  static override summary =
    "Create a profile: profile.yaml, secrets.json (0600, fresh jwt_secret) and its image's docker/ files."

  static override description =
    `DATABASE_URL comes from --database-url, or from an existing tenant's profile with --tenant. (Creating a tenant creates its profile already.)`

  static override examples = [
    {
      description: 'A production profile on the same tenant database',
      command: '<%= config.bin %> <%= command.id %> production --tenant my-project --target cloud',
    },
    {
      description: 'A profile for an existing database',
      command:
        '<%= config.bin %> <%= command.id %> --name staging --database-url postgres://app:secret@db.example.com/app',
    },
  ]

  static override args = {
    name: Args.string({ ignoreStdin: true, description: 'Profile name (or --name).' }),
  }

  static override flags = {
    name: Flags.string({
      char: 'n',
      description: 'Profile name (same rule as tenant names).',
    }),
    tenant: Flags.string({ char: 't', description: 'Tenant whose database the profile uses.' }),
    'database-url': Flags.string({ description: 'postgres:// URL for DATABASE_URL.', exclusive: ['tenant'] }),
    target: Flags.string({
      description: 'Where the profile runs.',
      options: ['local', 'cloud'],
      default: 'local',
    }),
  }

  async run(): Promise<CreateProfileResult> {
    const config: typeof import('@systemprompt/config') = await import('@systemprompt/config')
    const name = nameFromArgOrFlag(this.args.name, this.flags.name, {
      what: 'profile',
      example: 'systemprompt cloud profile create staging --database-url postgres://…',
    })
    if (name === undefined) {
      throw new config.SystempromptError({
        code: 'USAGE',
        category: 'usage',
        message: 'Missing the profile name',
        fix: 'Name it: `systemprompt cloud profile create staging --tenant my-project`',
      })
    }
    // Checked before anything else: a bad name must not reach the file system or the output.
    config.assertProfileName(name)
    if (this.flags.tenant !== undefined) config.assertTenantName(this.flags.tenant)
    const { createProfile } = await import('@systemprompt/registry')
    const layout = await this.project()
    const result = await createProfile({
      root: layout.root,
      name,
      tenant: this.flags.tenant,
      databaseUrl: this.flags['database-url'],
      target: this.flags.target as 'local' | 'cloud',
    })
    this.log(`Profile ${result.name} created in ${result.dir}`)
    this.log(`DATABASE_URL: ${result.databaseUrl}`)
    this.log(`Docker files: ${result.dockerFiles.join(', ')} (\`systemprompt cloud dockerfile --check\`)`)
    return result
  }
}
