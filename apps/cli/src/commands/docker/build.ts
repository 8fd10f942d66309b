import { Args, Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import type { BuildProfileImageResult } from '@systemprompt/image'
import { buildProgress } from '../../build-progress.js'
import { installedBundle } from '../../bundle-path.js'
import { cliEnv, guardProject } from '../../settings.js'

export default class DockerBuild extends BaseCommand<typeof DockerBuild> {
  static override summary = "Build a profile's image from its docker/Dockerfile (just docker-build local)."

  static override description =
    `Pre-flight first, each with its fix, and nothing is sent to the engine when one fails: the profile's Docker files pass the \`cloud dockerfile --check\` rules and are not stale (a hand-edited file is built as it is, with a warning), the release binary exists (\`systemprompt build release\`; a stale one is a warning), every path the Dockerfile copies is in the build context.

The context is the project root filtered by the profile's Dockerfile.dockerignore (Docker's classic builder reads only a root .dockerignore, so the context tar is made here); over 100 MB warns and names the largest paths. Its digest names the image: tags systemprompt-<project id>:<profile> and :sha-<12 hex of the digest>. Unchanged inputs reuse the image without a build; --no-cache builds anyway.`

  static override examples = [
    { description: 'Build the local image', command: '<%= config.bin %> <%= command.id %> local' },
    {
      description: 'Also tag it for a registry',
      command: '<%= config.bin %> <%= command.id %> production --tag 127.0.0.1:5000/team/app:1.0',
    },
  ]

  static override args = {
    profile: Args.string({
      ignoreStdin: true,
      description: 'Profile whose docker/Dockerfile to build.',
      required: true,
    }),
  }

  static override flags = {
    tag: Flags.string({ char: 't', description: 'Another tag for the image (name[:tag]).' }),
    'no-cache': Flags.boolean({
      description: 'Build every step again, even for unchanged inputs.',
      default: false,
    }),
  }

  async run(): Promise<BuildProfileImageResult> {
    const core: typeof import('@systemprompt/config/core') = await import('@systemprompt/config/core')
    core.assertProfileName(this.args.profile)
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const machine = await cliEnv()
    const { buildProfileImage } = await import('@systemprompt/image')
    const { connectEngine } = await import('@systemprompt/engine')
    const result = await buildProfileImage({
      layout,
      profile: this.args.profile,
      engine: () => connectEngine({ env: machine.docker }),
      releaseBundle: installedBundle(),
      ...(this.flags.tag === undefined ? {} : { tag: this.flags.tag }),
      noCache: this.flags['no-cache'],
      ...(Object.keys(machine.labels).length > 0 ? { labels: machine.labels } : {}),
      onEvent: buildProgress(this, this.jsonEnabled()),
    })
    this.log(
      result.built
        ? `Built ${result.tags.join(', ')} in ${(result.ms / 1000).toFixed(1)} s`
        : `Unchanged: ${result.tags[1]} exists for these inputs; tagged ${result.tags[0]} (${result.ms} ms)`,
    )
    return result
  }
}
