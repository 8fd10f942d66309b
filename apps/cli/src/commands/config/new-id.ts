import { Flags } from '@oclif/core'
import { BaseCommand, yesFlag } from '@systemprompt/command'
import type { NewProjectIdResult } from '@systemprompt/registry'
import { userDataDir } from '../../settings.js'

export default class ConfigNewId extends BaseCommand<typeof ConfigNewId> {
  static override summary =
    'Give a copied project (cp -a, a restored backup) its own project id; it forgets the tenants it copied.'

  static override description =
    `A copy keeps the project id of its original, and every database, role and container name carries that id: the copy's tenants are the original's. Commands that change tenants or servers refuse to run in a copy (PROJECT_COPIED) until it has its own id.

This gives the copy a fresh id and forgets its shared and dedicated tenants: their records in tenants.json and shared_config.json, the compose and password files of dedicated ones (moved aside into .systemprompt/docker/.forgotten-<old id>/, never deleted), and the password in their profiles' DATABASE_URL (it opened the original's database). No server, container or database is touched: the original keeps its tenants. External tenants stay. Recreate the others with \`systemprompt cloud tenant create\`.

Refused in a directory that is not a copy; --force renews the id anyway, and then this project's own shared and dedicated tenants stay behind under the old id, owned by no project (delete them first). Needs --yes, or a confirmation on a terminal.`

  static override examples = [
    { description: 'In a copy (asks first)', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'In scripts', command: '<%= config.bin %> <%= command.id %> --yes --json' },
  ]

  static override flags = {
    yes: yesFlag,
    force: Flags.boolean({
      description:
        'Also when this directory is not a copy: its shared and dedicated tenants are forgotten, their databases and servers left behind.',
    }),
  }

  async run(): Promise<NewProjectIdResult> {
    const { planNewProjectId, renewProjectId } = await import('@systemprompt/registry')
    const layout = await this.project()
    const options = { root: layout.root, dataDir: await userDataDir(), force: this.flags.force }
    const plan = await planNewProjectId(options)
    const tenants = plan.forget.map((t) => t.name)
    await this.confirm({
      message: `Give ${layout.root} a new project id${plan.copyOf ? ` (it is a copy of ${plan.copyOf})` : ''} and forget ${tenants.length === 0 ? 'no tenants' : `its tenant(s) ${tenants.join(', ')}`}`,
    })
    const result = await renewProjectId(options)
    this.log(`New project id ${result.projectId}${result.previousId ? ` (was ${result.previousId})` : ''}.`)
    for (const t of result.forgotten)
      this.log(
        `Forgot tenant ${t.name} (${t.database}${t.databaseName ? `, database ${t.databaseName}` : ''})${result.copyOf ? `: it stays with ${result.copyOf}` : ''}.`,
      )
    if (result.clearedProfiles.length > 0)
      this.log(`Removed the password from DATABASE_URL in profile(s) ${result.clearedProfiles.join(', ')}.`)
    for (const moved of result.movedFiles) this.log(`Moved ${moved.from} to ${moved.to} (kept, not deleted).`)
    if (result.kept.length > 0) this.log(`Kept external tenant(s) ${result.kept.join(', ')}.`)
    for (const warning of result.warnings) this.warn(warning)
    if (result.forgotten.length > 0) {
      this.log('Recreate them in this project with:')
      for (const t of result.forgotten)
        this.log(
          `  systemprompt cloud tenant create ${t.name} --database ${t.database}${t.profile === t.name ? '' : ` --profile ${t.profile}`}`,
        )
    }
    return result
  }
}
