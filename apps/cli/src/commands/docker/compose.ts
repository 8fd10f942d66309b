import { Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { WriteAppComposeResult } from '@systemprompt/image'
import { buildProgress } from '../../build-progress.js'
import { installedBundle } from '../../bundle-path.js'
import { chooseProfile, cliEnv, guardProject } from '../../settings.js'

interface DockerComposeResult extends WriteAppComposeResult {
  profile: string
  /** Whether the image was built now (false: it existed for these inputs, or --no-build). */
  built: boolean
}

export default class DockerCompose extends BaseCommand<typeof DockerCompose> {
  static override summary =
    'Write docker-compose.yaml (the app and its PostgreSQL) and build the image it runs.'

  static override description =
    `The seed's compose file, corrected: PostgreSQL with a health check and a named volume, the app started only once PostgreSQL is healthy (depends_on: condition: service_healthy), ports on 127.0.0.1 only, no literal password: the database password (generated once, kept afterwards: the volume was initialised with it) and the profile's jwt_secret are in .env (0600, added to .gitignore), which compose substitutes.

The app service names the image of \`docker build <profile>\`, built here unless --no-build (compose's own builder would send the whole project, secrets included, as its context). Then: docker-compose up -d.

A docker-compose.yaml that systemprompt did not write, or that was edited by hand, is not overwritten without --force.`

  static override examples = [
    {
      description: 'The local profile, then start it',
      command: '<%= config.bin %> <%= command.id %> && docker-compose up -d',
    },
    {
      description: 'Another profile and port',
      command: '<%= config.bin %> <%= command.id %> --profile production --port 9000',
    },
  ]

  static override flags = {
    profile: Flags.string({
      char: 'p',
      description: 'Profile (default: SYSTEMPROMPT_PROFILE, else the only profile).',
    }),
    port: Flags.integer({
      description: 'Host port of the app on 127.0.0.1.',
      default: 8080,
      min: 1,
      max: 65535,
    }),
    'no-build': Flags.boolean({
      description: 'Only write the files; do not build the image.',
      default: false,
    }),
    force: Flags.boolean({ description: 'Overwrite a docker-compose.yaml edited by hand.', default: false }),
  }

  async run(): Promise<DockerComposeResult> {
    const layout = await this.project()
    await guardProject(this, layout, 'change')
    const profile = await chooseProfile(layout, this.flags.profile)
    const machine = await cliEnv()
    const { readProfileServerSettings } = await import('@systemprompt/config')
    const settings = await readProfileServerSettings(layout.profileYaml(profile))
    const { buildProfileImage, writeAppCompose } = await import('@systemprompt/image')
    const postgresImage = machine.postgresImage ?? settings.postgres_image
    let built = false
    if (!this.flags['no-build']) {
      const { connectEngine } = await import('@systemprompt/engine')
      const result = await buildProfileImage({
        layout,
        profile,
        engine: () => connectEngine({ env: machine.docker }),
        releaseBundle: installedBundle(),
        ...(Object.keys(machine.labels).length > 0 ? { labels: machine.labels } : {}),
        onEvent: buildProgress(this, this.jsonEnabled()),
      })
      built = result.built
      this.log(result.built ? `Built ${result.tags[0]}` : `Image ${result.tags[0]} is up to date`)
    }
    const written = await writeAppCompose({
      layout,
      profile,
      port: this.flags.port,
      force: this.flags.force,
      version: this.config.version,
      ...(postgresImage === undefined ? {} : { postgresImage }),
      ...(Object.keys(machine.labels).length > 0 ? { labels: machine.labels } : {}),
    })
    this.log(`${written.action.padEnd(9)} ${written.file} (app: ${written.image})`)
    this.log('Next: docker-compose up -d')
    return { ...written, profile, built }
  }
}
