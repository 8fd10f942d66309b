import { join, relative } from 'node:path'
import { Flags } from '@oclif/core'
import { BaseCommand } from '@systemprompt/command'
import { installedBundle } from '../../bundle-path.js'
import { guardProject } from '../../settings.js'

interface BuildReleaseOutput {
  binary: string
  built: boolean
  reason: string
  bytes: number
  ms: number
  stripped: boolean
  node: string
  inputs: string
}

export default class BuildRelease extends BaseCommand<typeof BuildRelease> {
  static override summary =
    'Build target/release/systemprompt: the CLI as one Linux x64 executable that runs with no Node installed.'

  static override description =
    `A Node single executable: the CLI bundle (dist/bundle/systemprompt.cjs of this CLI, every command and oclif plugin in one file) injected into a stripped copy of this node, with a V8 code cache. The image runs it as /app/bin/systemprompt (infra db migrate, infra services serve).

It is rebuilt only when its inputs changed (the bundle's bytes, the node binary, the builder, the options), which a stamp next to it records; --force rebuilds anyway. The plugin-management commands (plugins *) are not in it: a single executable cannot install or load plugins. Linux x64 only, and not from inside the binary itself.`

  static override examples = [
    {
      description: 'Build (or keep, when nothing changed) the release binary',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Rebuild it even when its inputs did not change',
      command: '<%= config.bin %> <%= command.id %> --force',
    },
    {
      description: 'As JSON: {binary, built, reason, bytes, ms, stripped, node, inputs}',
      command: '<%= config.bin %> <%= command.id %> --json',
    },
  ]

  static override flags = {
    force: Flags.boolean({ description: 'Rebuild even when the inputs did not change.', default: false }),
  }

  async run(): Promise<BuildReleaseOutput> {
    // Before anything is loaded: a single executable has no bundle or node to copy.
    const { refuseInsideBinary } = await import('../../startup/sea.js')
    await refuseInsideBinary(
      'build release',
      'a single executable cannot make another one',
      '`systemprompt build release` from npm or this repository',
    )
    const layout = await this.project()
    await guardProject(this, layout, 'read')
    const { buildRelease } = await import('@systemprompt/build')
    const show = (path: string) => relative(process.cwd(), path) || '.'
    const result = await buildRelease({
      bundle: installedBundle(),
      output: layout.releaseBinary,
      force: this.flags.force,
      lockFile: join(layout.locksDir, 'build-release.lock'),
      onStep: (step) => {
        if (step === 'blob') this.log(`Building ${show(layout.releaseBinary)} (node ${process.version})...`)
      },
    })
    for (const warning of result.warnings) this.warn(warning)
    const size = `${(result.bytes / 1024 / 1024).toFixed(1)} MB`
    if (result.built)
      this.log(
        `Built ${show(result.binary)} (${size}${result.stripped ? '' : ', not stripped'}) in ${(result.ms / 1000).toFixed(1)} s (${result.reason}).`,
      )
    else
      this.log(
        `${show(result.binary)} is up to date (${size}): its inputs did not change. --force rebuilds it.`,
      )
    return {
      binary: result.binary,
      built: result.built,
      reason: result.reason,
      bytes: result.bytes,
      ms: result.ms,
      stripped: result.stripped,
      node: result.node,
      inputs: result.inputs,
    }
  }
}
