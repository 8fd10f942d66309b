import { BaseCommand } from '@systemprompt/command'
import { compareNames } from '@systemprompt/config/core'

interface CommandLine {
  id: string
  hidden: boolean
}

export default class Commands extends BaseCommand<typeof Commands> {
  static override hidden = true

  static override summary = 'List every command id this CLI has, hidden ones too (one per line).'

  static override description =
    'For scripts and for the release test: the release binary must list the same commands as the CLI it was built from (but the plugins commands, which a single executable cannot have).'

  static override examples = [
    { description: 'As JSON', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  async run(): Promise<CommandLine[]> {
    const lines = this.config.commands
      .map((command) => ({ id: command.id, hidden: command.hidden === true }))
      .sort((a, b) => compareNames(a.id, b.id))
    this.logLines(lines.map((line) => line.id))
    return lines
  }
}
