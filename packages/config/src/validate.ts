import { lstat, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ErrorCode } from './error-codes.js'
import { type ErrorLocationIssue, isSystempromptError } from './errors.js'
import { type ProjectLayout, projectLayout } from './layout.js'
import { yamlModule } from './load/lazy-modules.js'
import { readConfigText } from './load/read.js'
import { locateYamlPath } from './load/yaml-locate.js'
import { parseJsonText, parseYamlText } from './load.js'
import { ProfileSchema } from './schema/profile.js'
import { SecretsSchema } from './schema/secrets.js'
import { SharedConfigSchema } from './schema/shared-config.js'
import { type TenantsFile, TenantsFileSchema } from './schema/tenants.js'

export interface ValidateOptions {
  /**
   * Reads one compose file under docker/ the way the commands read it, throwing SystempromptError with its
   * problems (the CLI passes @systemprompt/compose's `parseComposeFile`, which this package cannot import).
   * Without it only the YAML syntax of those files is checked.
   */
  checkComposeFile?: (text: string, file: string) => unknown
}

type Kind = 'file' | 'dir' | 'missing' | 'other'

async function kindOf(path: string): Promise<Kind> {
  try {
    const info = await lstat(path)
    if (info.isSymbolicLink()) {
      // Follow links like the loaders do.
      const target = await stat(path).catch(() => undefined)
      if (!target) return 'missing'
      return target.isDirectory() ? 'dir' : target.isFile() ? 'file' : 'other'
    }
    return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other'
  } catch {
    return 'missing'
  }
}

function errorToIssues(error: unknown, file: string): ErrorLocationIssue[] {
  if (!isSystempromptError(error)) {
    // Not a finding about the file (a module that did not load, a bug): its message, so it is not mistaken for one.
    const why = error instanceof Error ? error.message : String(error)
    return [{ code: ErrorCode.INTERNAL, file, message: `Unexpected error while checking ${file}: ${why}` }]
  }
  // One issue per problem of a file's content, each with a fix: the error's, unless the problem has its own.
  const perProblem: string[] = [ErrorCode.CONFIG_INVALID, ErrorCode.COMPOSE_INVALID]
  if (error.issues.length > 0 && perProblem.includes(error.code))
    return error.issues.map((issue) => ({
      ...issue,
      file: issue.file ?? error.file ?? file,
      fix: issue.fix ?? error.fix,
    }))
  return [
    {
      code: error.code,
      file: error.file ?? file,
      keyPath: error.keyPath,
      line: error.line,
      column: error.column,
      message: error.message,
      fix: error.fix,
    },
  ]
}

/**
 * Reads, parses and validates one file if present; YAML/JSON syntax only when no schema is given. `check`,
 * the file's own reader (compose files), runs once the syntax is fine.
 */
async function checkFile(
  file: string,
  format: 'yaml' | 'json',
  schema: z.ZodType | undefined,
  issues: ErrorLocationIssue[],
  check?: (text: string, file: string) => unknown,
): Promise<unknown> {
  const kind = await kindOf(file)
  if (kind === 'missing') return undefined
  if (kind !== 'file') {
    issues.push({
      code: ErrorCode.CONFIG_NOT_A_FILE,
      file,
      message: `${file} is a ${kind === 'dir' ? 'directory' : 'special file'}, but a file is expected there.`,
      fix: `Move ${file} out of the way; \`systemprompt init\` recreates the file.`,
    })
    return undefined
  }
  try {
    const text = await readConfigText(file)
    if (text === undefined) return undefined
    const effective = schema ?? z.unknown()
    const data =
      format === 'yaml' ? parseYamlText(text, file, effective) : parseJsonText(text, file, effective)
    // Syntax first (reported as CONFIG_*_SYNTAX like every file), then what the file's own reader refuses.
    return check ? check(text, file) : data
  } catch (error) {
    issues.push(...errorToIssues(error, file))
    return undefined
  }
}

async function checkSecretMode(file: string, issues: ErrorLocationIssue[]): Promise<void> {
  try {
    const info = await lstat(file)
    if (!info.isFile() || (info.mode & 0o077) === 0) return
    issues.push({
      code: ErrorCode.CONFIG_INSECURE_MODE,
      severity: 'warning',
      file,
      message: `${file} holds secrets but can be read by other users (mode ${(info.mode & 0o777).toString(8)}).`,
      fix: `chmod 600 ${file}`,
    })
  } catch {
    // missing: nothing to check
  }
}

/** Checks that `path`, when it exists, is a directory; returns whether it is one. */
async function expectDir(path: string, issues: ErrorLocationIssue[]): Promise<boolean> {
  const kind = await kindOf(path)
  if (kind === 'dir') return true
  if (kind !== 'missing') {
    issues.push({
      code: ErrorCode.CONFIG_NOT_A_DIRECTORY,
      file: path,
      message: `${path} is a file, but a directory is expected there.`,
      fix: `Rename or remove the file ${path}; it must be a directory.`,
    })
  }
  return false
}

/**
 * Checks every project file that exists and returns all problems (errors and warnings) with file and line.
 * Never throws for bad content and never writes. Missing optional files are not problems.
 */
export async function validateProject(
  root: string,
  options: ValidateOptions = {},
): Promise<ErrorLocationIssue[]> {
  const layout = projectLayout(root)
  const issues: ErrorLocationIssue[] = []
  if (!(await expectDir(layout.dir, issues))) {
    if (issues.length === 0) {
      issues.push({
        code: ErrorCode.PROJECT_NOT_FOUND,
        file: layout.dir,
        message: `${layout.dir} does not exist.`,
        fix: 'Run `systemprompt init` in the project directory.',
      })
    }
    return issues
  }

  // The parts are checked at once (each is a chain of small file reads); each collects its own issues, and the
  // report keeps the fixed order tenants.json, docker/, locks/, profiles/ (profiles by name).
  const parts = {
    tenants: [] as ErrorLocationIssue[],
    docker: [] as ErrorLocationIssue[],
    locks: [] as ErrorLocationIssue[],
  }
  const tenantsRead = (async () => {
    const tenants = (await checkFile(layout.tenantsFile, 'json', TenantsFileSchema, parts.tenants)) as
      | TenantsFile
      | undefined
    const readable = tenants !== undefined || (await kindOf(layout.tenantsFile)) === 'missing'
    await checkSecretMode(layout.tenantsFile, parts.tenants)
    return { tenants, readable }
  })()
  const [profiles] = await Promise.all([
    checkProfiles(layout, tenantsRead),
    tenantsRead,
    checkDockerDir(layout, options, parts.docker),
    expectDir(layout.locksDir, parts.locks),
  ])
  return [...parts.tenants, ...parts.docker, ...parts.locks, ...profiles]
}

/** docker/: shared_config.json, every compose file (by name), the modes of secrets/. */
async function checkDockerDir(
  layout: ProjectLayout,
  options: ValidateOptions,
  issues: ErrorLocationIssue[],
): Promise<void> {
  if (!(await expectDir(layout.dockerDir, issues))) return
  const composeFiles = (await readdir(layout.dockerDir).catch(() => [] as string[]))
    .filter((entry) => entry.endsWith('.yaml') || entry.endsWith('.yml'))
    .sort()
  const [shared, compose, secrets] = await Promise.all([
    collect(async (found) => {
      await checkFile(layout.sharedConfig, 'json', SharedConfigSchema, found)
      await checkSecretMode(layout.sharedConfig, found)
    }),
    Promise.all(
      composeFiles.map((entry) =>
        collect((found) =>
          checkFile(join(layout.dockerDir, entry), 'yaml', undefined, found, options.checkComposeFile),
        ),
      ),
    ),
    collect(async (found) => {
      if (!(await expectDir(layout.secretsDir, found))) return
      const entries = (await readdir(layout.secretsDir).catch(() => [] as string[])).sort()
      const modes = await Promise.all(
        entries.map((entry) => collect((each) => checkSecretMode(join(layout.secretsDir, entry), each))),
      )
      found.push(...modes.flat())
    }),
  ])
  issues.push(...shared, ...compose.flat(), ...secrets)
}

/** profiles/: each profile (by name) with its secrets.json and docker/ directory; the issues in that order. */
async function checkProfiles(
  layout: ProjectLayout,
  tenantsRead: Promise<{ tenants: TenantsFile | undefined; readable: boolean }>,
): Promise<ErrorLocationIssue[]> {
  const issues: ErrorLocationIssue[] = []
  if (!(await expectDir(layout.profilesDir, issues))) return issues
  const names = (await readdir(layout.profilesDir).catch(() => [] as string[]))
    .filter((name) => !name.startsWith('.'))
    .sort()
  const each = await Promise.all(
    names.map((name) => collect((found) => checkProfile(layout, name, tenantsRead, found))),
  )
  return [...issues, ...each.flat()]
}

async function checkProfile(
  layout: ProjectLayout,
  name: string,
  tenantsRead: Promise<{ tenants: TenantsFile | undefined; readable: boolean }>,
  issues: ErrorLocationIssue[],
): Promise<void> {
  if (!(await expectDir(join(layout.profilesDir, name), issues))) return
  const profile = (await checkFile(layout.profileYaml(name), 'yaml', ProfileSchema, issues)) as
    | { name: string; tenant?: string }
    | undefined
  if (profile && profile.name !== name) {
    issues.push({
      code: ErrorCode.CONFIG_INVALID,
      file: layout.profileYaml(name),
      keyPath: ['name'],
      message: `name: profile is named "${profile.name}" but lives in profiles/${name}/`,
      fix: `Set name: ${name} in ${layout.profileYaml(name)}, or rename the directory.`,
    })
  }
  // Only when tenants.json could be read: a broken one is reported above, not once per profile.
  if (profile?.tenant !== undefined) {
    const { tenants, readable } = await tenantsRead
    if (readable) {
      const missing = await missingTenantIssue(layout.profileYaml(name), profile.tenant, tenants)
      if (missing) issues.push(missing)
    }
  }
  await checkFile(layout.profileSecrets(name), 'json', SecretsSchema, issues)
  await checkSecretMode(layout.profileSecrets(name), issues)
  await expectDir(layout.profileDockerDir(name), issues)
}

/** The issues `check` finds, in its own list (so checks that run at once report in a fixed order). */
async function collect(
  check: (issues: ErrorLocationIssue[]) => Promise<unknown>,
): Promise<ErrorLocationIssue[]> {
  const issues: ErrorLocationIssue[] = []
  await check(issues)
  return issues
}

/**
 * A profile's `tenant:` must name a tenant of this project (tenants.json): every command that follows it
 * (profile create --tenant, tenant create --profile, doctor) looks the record up and finds none.
 */
async function missingTenantIssue(
  file: string,
  tenant: string,
  tenants: TenantsFile | undefined,
): Promise<ErrorLocationIssue | undefined> {
  if (tenants?.tenants.some((t) => t.name === tenant)) return undefined
  const at = await locateKey(file, ['tenant'])
  return {
    code: ErrorCode.TENANT_NOT_FOUND,
    file,
    keyPath: ['tenant'],
    line: at?.line,
    column: at?.column,
    message: `tenant: profile names tenant ${JSON.stringify(tenant)}, which tenants.json does not list`,
    fix: `Create it with \`systemprompt cloud tenant create --name ${tenant}\`, or remove or correct the tenant: line (\`systemprompt cloud tenant list\` lists the tenants)`,
  }
}

async function locateKey(
  file: string,
  keyPath: string[],
): Promise<{ line: number; column: number } | undefined> {
  const text = await readConfigText(file).catch(() => undefined)
  if (text === undefined) return undefined
  const { LineCounter, parseDocument } = yamlModule()
  const lineCounter = new LineCounter()
  return locateYamlPath(parseDocument(text, { lineCounter }), lineCounter, keyPath)
}
