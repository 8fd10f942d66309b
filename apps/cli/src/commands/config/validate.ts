import { BaseCommand, EXIT_CODES } from '@systemprompt/command'
import { type ErrorLocationIssue, formatLocation, SystempromptError } from '@systemprompt/config/core'

export interface ValidateResult {
  root: string
  valid: boolean
  errors: number
  warnings: number
  issues: ErrorLocationIssue[]
}

export default class ConfigValidate extends BaseCommand<typeof ConfigValidate> {
  static override summary =
    'Check every project file (profiles, secrets, tenants, shared config) and report each problem.'

  static override description =
    `Reads .systemprompt/ of the project around the working directory and checks profiles/*/profile.yaml, profiles/*/secrets.json, tenants.json, docker/shared_config.json and the compose files with the same rules the commands apply (a compose file as \`db up\` reads it, a profile's tenant must exist in tenants.json). Each problem is reported as FILE:LINE: [CODE] message, with a fix. Exits 3 when there are errors; warnings (e.g. a secret file readable by others) do not fail.`

  static override examples = [
    { description: 'Check the project', command: '<%= config.bin %> <%= command.id %>' },
    { description: 'Machine-readable report', command: '<%= config.bin %> <%= command.id %> --json' },
  ]

  async run(): Promise<ValidateResult> {
    const project = await this.project()
    const { validateProject } = await import('@systemprompt/config')
    // Compose files are checked by the reader `db up` uses, so validate refuses what the commands refuse.
    const { parseComposeFile } = await import('@systemprompt/compose')
    const issues = await validateProject(project.root, { checkComposeFile: parseComposeFile })
    const errors = issues.filter((i) => i.severity !== 'warning')
    const warnings = issues.filter((i) => i.severity === 'warning')
    for (const w of warnings)
      this.warn(`${location(w)}[${w.code}] ${w.message}${w.fix ? ` (fix: ${w.fix})` : ''}`)
    if (errors.length > 0 && !this.jsonEnabled()) {
      // One line per problem (FILE:LINE: [CODE] message) and its fix: the report is the output.
      for (const issue of errors) {
        this.logToStderr(`${location(issue)}[${issue.code}] ${issue.message}`)
        if (issue.fix) this.logToStderr(`  Fix: ${issue.fix}`)
      }
      this.logToStderr(
        `${plural(errors.length, 'error')} in ${project.root}${warnings.length > 0 ? ` (and ${plural(warnings.length, 'warning')})` : ''}.`,
      )
      this.exit(EXIT_CODES.user)
    }
    if (errors.length > 0) {
      const [first] = errors as [ErrorLocationIssue, ...ErrorLocationIssue[]]
      throw new SystempromptError({
        code: 'CONFIG_INVALID',
        category: 'user',
        message: `${plural(errors.length, 'error')} in the project files of ${project.root}; the first: ${location(first)}${first.message}`,
        fix: first.fix ?? 'Fix the files listed, then run `systemprompt config validate` again.',
        file: first.file,
        line: first.line,
        column: first.column,
        keyPath: first.keyPath,
        issues: errors,
        details: { root: project.root, errors: errors.length, warnings: warnings.length },
      })
    }
    this.log(
      `${project.root}: all project files are valid${warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : ''}.`,
    )
    return { root: project.root, valid: true, errors: 0, warnings: warnings.length, issues }
  }
}

function location(issue: ErrorLocationIssue): string {
  const at = formatLocation(issue, { column: false })
  return at === undefined ? '' : `${at}: `
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
