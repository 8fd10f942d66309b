import { BaseCommand } from '@systemprompt/command'

interface VersionInfo {
  name: string
  version: string
  /** Node.js running the CLI, as `process.version` (v20.11.0). */
  node: string
  platform: string
  arch: string
}

export default class Version extends BaseCommand<typeof Version> {
  static override summary = 'Print the CLI version, the Node.js version and the platform (as --version).'

  static override examples = [
    { description: 'The --version line', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Machine-readable', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  async run(): Promise<VersionInfo> {
    // The very line `--version` prints (oclif's user agent; bin/run.cjs prints the same text).
    this.log(this.config.userAgent)
    return {
      name: this.config.name,
      version: this.config.version,
      node: process.version,
      platform: this.config.platform,
      arch: this.config.arch,
    }
  }
}
