import { Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { ScaffoldResult } from '@systemprompt/scaffold'
import { guardProject } from '../settings.js'

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'Create the .systemprompt/ layout and a justfile in a project (idempotent).'

  static override description =
    `Lays out .systemprompt/ (Dockerfile, entrypoint.sh, .gitignore, .dockerignore, docker/, profiles/, tenants.json) and a justfile with the db-*, docker-*, build-mcp and deploy recipes.

Running it again changes nothing: existing files are kept. --force rewrites the generated files (never tenants.json or secrets). If the project already has a justfile of its own, it is left alone and the recipes go to .systemprompt/systemprompt.just.`

  static override examples = [
    { description: 'Set up the current directory', command: '<%= config.bin %> <%= command.id %>' },
    {
      description: 'Set up another directory',
      command: '<%= config.bin %> <%= command.id %> --dir ../my-project',
    },
    {
      description: 'Rewrite the generated files with this version',
      command: '<%= config.bin %> <%= command.id %> --force',
    },
  ]

  static override flags = {
    dir: Flags.directory({ description: 'Project directory (created when missing).', default: '.' }),
    force: Flags.boolean({
      description: 'Rewrite generated files that differ (never tenants.json or secrets).',
    }),
  }

  async run(): Promise<ScaffoldResult> {
    const { scaffoldProject } = await import('@systemprompt/scaffold')
    const result = await scaffoldProject(this.flags.dir, { force: this.flags.force })
    // Record the new project's id in the per-user index: a copy made from here on is told apart from it.
    const { projectLayout } = await import('@systemprompt/config/core')
    await guardProject(this, projectLayout(result.root), 'read')
    for (const note of result.notes) this.warn(note)
    this.log(`Project: ${result.root}`)
    for (const entry of result.entries) {
      if (entry.kind === 'directory' && entry.action === 'kept') continue
      this.log(`  ${entry.action.padEnd(11)} ${entry.path}${entry.kind === 'directory' ? '/' : ''}`)
    }
    if (result.created.length === 0 && result.changed.length === 0)
      this.log('Nothing to do: the project is set up.')
    else this.log('Next: systemprompt cloud tenant create')
    return result
  }
}
