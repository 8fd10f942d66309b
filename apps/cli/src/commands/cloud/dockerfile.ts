import { Flags } from '@oclif/core'
import { BaseCommand, type NormalizedError } from '@systemprompt/command'
import type { ProjectLayout } from '@systemprompt/config/core'
import type { DockerFileState, DockerFileWrite, Finding, ProfileDockerCheck } from '@systemprompt/dockerfile'
import { chooseProfile } from '../../settings.js'

interface CheckedFile {
  file: string
  state: DockerFileState
  findings: Finding[]
}

/** `--check --json`: the result (all current, no finding), or `error.details` of DOCKERFILE_CHECK_FAILED. */
interface CheckResult {
  profile: string
  files: CheckedFile[]
  diff: string
}

interface ShowResult {
  profile: string
  file: string
  state: DockerFileState
  dockerfile: string
}

interface WriteResult {
  profile: string
  files: DockerFileWrite[]
}

export default class CloudDockerfile extends BaseCommand<typeof CloudDockerfile> {
  static override summary = "Show a profile's Dockerfile; --check it (stale, hand-edited, rules); --write it."

  static override description =
    `Each profile has docker/Dockerfile, Dockerfile.dockerignore and entrypoint.sh (written by \`cloud profile create\` and \`cloud tenant create\`). They start with the generator's header: the inputs' hash tells a stale file (an MCP server added, the profile's docker settings changed) from a hand-edited one (its body no longer matches its own hash).

The profile: --profile, else SYSTEMPROMPT_PROFILE, else the project's only profile.

--check exits 1 when a file is missing, stale, hand-edited, or breaks a rule: a non-root last USER (production), one HEALTHCHECK in JSON form, JSON-form CMD and ENTRYPOINT, apt hygiene, no secret-like ENV/ARG, tagged base images, absolute WORKDIR, COPY not ADD, every MCP artifact copied; the entrypoint starts with set -e and ends in exec; the dockerignore keeps secrets out of the build context. Each finding as FILE:LINE, then a unified diff against what would be generated.
--write writes the three files: missing and stale ones; never one edited by hand unless --force.`

  static override examples = [
    {
      description: "The production profile's Dockerfile",
      command: '<%= config.bin %> <%= command.id %> --profile production',
    },
    {
      description: 'Fail a CI job when it is stale or breaks a rule',
      command: '<%= config.bin %> <%= command.id %> --profile production --check',
    },
    {
      description: 'Write the files of a profile made before they existed',
      command: '<%= config.bin %> <%= command.id %> --profile local --write',
    },
    {
      description: 'Replace a hand-edited file with the generated one',
      command: '<%= config.bin %> <%= command.id %> --profile local --write --force',
    },
  ]

  static override flags = {
    profile: Flags.string({
      char: 'p',
      description: 'Profile (default: SYSTEMPROMPT_PROFILE, else the only profile).',
    }),
    check: Flags.boolean({
      description:
        'Exit 1 when a file is missing, stale, hand-edited or breaks a rule (findings and a diff).',
      // No defaults on these three: oclif counts a defaulted flag as given for exclusive/dependsOn.
      exclusive: ['write'],
    }),
    write: Flags.boolean({ description: 'Write the three files (missing and stale ones).' }),
    force: Flags.boolean({
      description: 'With --write: overwrite files edited by hand.',
      dependsOn: ['write'],
    }),
  }

  /** A failed check is exit 1 (a CI gate), like any "not as expected" answer; other errors keep their category. */
  protected override exitCodeOf(error: NormalizedError): number | undefined {
    return error.code === 'DOCKERFILE_CHECK_FAILED' ? 1 : undefined
  }

  async run(): Promise<ShowResult | CheckResult | WriteResult> {
    const layout = await this.project()
    const profile = await chooseProfile(layout, this.flags.profile)
    const dockerfile = await import('@systemprompt/dockerfile')
    const model = await dockerfile.profileDockerModel(layout, profile)
    if (this.flags.write) {
      const written = await dockerfile.writeProfileDockerFiles(layout, model, {
        force: this.flags.force === true,
      })
      this.logWrite(written)
      return written
    }
    const check = await dockerfile.checkProfileDockerFiles(layout, model)
    if (this.flags.check) return this.reportCheck(check)
    return this.show(layout, profile, check)
  }

  private async show(layout: ProjectLayout, profile: string, check: ProfileDockerCheck): Promise<ShowResult> {
    const status = check.files.find((f) => f.kind === 'dockerfile') as CheckedFile
    const { SystempromptError } = await import('@systemprompt/config/core')
    if (status.state === 'missing') {
      throw new SystempromptError({
        code: 'DOCKERFILE_MISSING',
        category: 'user',
        file: layout.profileDockerfile(profile),
        message: `Profile ${JSON.stringify(profile)} has no Dockerfile (${status.file}): it was made before profiles had one`,
        fix: `Write it with \`systemprompt cloud dockerfile --profile ${profile} --write\``,
      })
    }
    const { readFile } = await import('node:fs/promises')
    const text = await readFile(layout.profileDockerfile(profile), 'utf8')
    if (status.state === 'stale')
      this.warn(
        `${status.file} is stale (its inputs changed): \`systemprompt cloud dockerfile --profile ${profile} --write\` rewrites it`,
      )
    if (status.state === 'hand-edited')
      this.warn(
        `${status.file} was edited by hand: \`systemprompt cloud dockerfile --profile ${profile} --check\` shows how`,
      )
    this.logLines(text.replace(/\n$/, '').split('\n'))
    return { profile, file: status.file, state: status.state, dockerfile: text }
  }

  private async reportCheck(check: ProfileDockerCheck): Promise<CheckResult> {
    const result: CheckResult = {
      profile: check.profile,
      files: check.files.map(({ file, state, findings }) => ({ file, state, findings })),
      diff: check.diff,
    }
    const lines: string[] = []
    for (const f of result.files) {
      lines.push(`${f.file}: ${f.state}`)
      for (const finding of f.findings)
        lines.push(`  ${f.file}:${finding.line}: [${finding.rule}] ${finding.message}`)
    }
    if (check.diff !== '') lines.push('', ...check.diff.replace(/\n$/, '').split('\n'))
    this.logLines(lines)
    if (check.ok) return result
    const problems = result.files.filter((f) => f.state !== 'current' || f.findings.length > 0)
    const findings = result.files.flatMap((f) => f.findings.map((finding) => ({ file: f.file, ...finding })))
    const first = findings[0]
    const { SystempromptError } = await import('@systemprompt/config/core')
    throw new SystempromptError({
      code: 'DOCKERFILE_CHECK_FAILED',
      category: 'user',
      message: `Profile ${check.profile}: ${problems.map((f) => `${f.file.split('/').pop()} ${f.state === 'current' ? 'breaks a rule' : f.state}`).join(', ')}${first ? `; ${findings.length} finding${findings.length === 1 ? '' : 's'}, the first: ${first.file}:${first.line}: ${first.message}` : ''}`,
      fix: problems.some((f) => f.state === 'hand-edited')
        ? `Undo the edit (the diff above), or take the generated files with \`systemprompt cloud dockerfile --profile ${check.profile} --write --force\``
        : `Write the generated files with \`systemprompt cloud dockerfile --profile ${check.profile} --write\``,
      ...(first ? { file: first.file, line: first.line } : {}),
      details: { ...result },
    })
  }

  private logWrite(written: WriteResult): void {
    if (written.files.every((f) => f.action === 'unchanged')) {
      this.log(`Unchanged: the Docker files of profile ${written.profile} are current.`)
      return
    }
    this.logLines(written.files.map((f) => `${f.action.padEnd(9)} ${f.file}`))
  }
}
