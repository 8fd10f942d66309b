import { statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ErrorCode } from './error-codes.js'
import { SystempromptError } from './errors.js'
import { TENANT_NAME_RULE } from './names.js'

/** Name of the directory that marks a project root. */
export const PROJECT_DIR = '.systemprompt'

/** Absolute paths of everything a project keeps under `.systemprompt/` (SPEC section 1). */
export interface ProjectLayout {
  root: string
  dir: string
  gitignore: string
  dockerignore: string
  dockerfile: string
  entrypoint: string
  tenantsFile: string
  dockerDir: string
  sharedCompose: string
  sharedConfig: string
  secretsDir: string
  sharedPasswordFile: string
  locksDir: string
  profilesDir: string
  justfile: string
  /** The application's directories at the project root (SPEC 5): `services/` (migrations, MCP servers), `web/`. */
  servicesDir: string
  migrationsDir: string
  mcpSourcesDir: string
  webDir: string
  /** `target/release/`: the release binary `systemprompt` and the MCP artifacts under `mcp/`. */
  releaseDir: string
  releaseBinary: string
  mcpArtifactsDir: string
  tenantCompose(tenant: string): string
  tenantPasswordFile(tenant: string): string
  profileDir(name: string): string
  profileYaml(name: string): string
  profileSecrets(name: string): string
  profileDockerDir(name: string): string
  profileDockerfile(name: string): string
  profileDockerignore(name: string): string
  profileEntrypoint(name: string): string
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    // Missing or unreadable: not a project marker. A plain file named .systemprompt is skipped the same way.
    return false
  }
}

/** Nearest ancestor of `cwd` (itself included) that contains a `.systemprompt/` directory. */
export function findProjectRoot(cwd: string = process.cwd()): string | undefined {
  let current = resolve(cwd)
  for (;;) {
    if (isDirectory(join(current, PROJECT_DIR))) return current
    const parent = dirname(current)
    if (parent === current) return undefined
    current = parent
  }
}

export function requireProjectRoot(cwd: string = process.cwd()): string {
  const root = findProjectRoot(cwd)
  if (root !== undefined) return root
  throw new SystempromptError({
    code: ErrorCode.PROJECT_NOT_FOUND,
    category: 'user',
    message: `No systemprompt project found in ${resolve(cwd)} or any parent directory (looked for a ${PROJECT_DIR}/ directory).`,
    fix: 'Run `systemprompt init` in your project directory, or cd into an existing project.',
  })
}

export function projectLayout(root: string): ProjectLayout {
  const absRoot = resolve(root)
  const dir = join(absRoot, PROJECT_DIR)
  const dockerDir = join(dir, 'docker')
  const secretsDir = join(dockerDir, '.secrets')
  const profilesDir = join(dir, 'profiles')
  const profileDir = (name: string) => join(profilesDir, pathSegment(name, 'profile name'))
  const profileDockerDir = (name: string) => join(profileDir(name), 'docker')
  return {
    root: absRoot,
    dir,
    gitignore: join(dir, '.gitignore'),
    dockerignore: join(dir, '.dockerignore'),
    dockerfile: join(dir, 'Dockerfile'),
    entrypoint: join(dir, 'entrypoint.sh'),
    tenantsFile: join(dir, 'tenants.json'),
    dockerDir,
    sharedCompose: join(dockerDir, 'shared.yaml'),
    sharedConfig: join(dockerDir, 'shared_config.json'),
    secretsDir,
    sharedPasswordFile: join(secretsDir, 'shared.password'),
    locksDir: join(dir, '.locks'),
    profilesDir,
    justfile: join(absRoot, 'justfile'),
    servicesDir: join(absRoot, 'services'),
    migrationsDir: join(absRoot, 'services', 'database', 'migrations'),
    mcpSourcesDir: join(absRoot, 'services', 'mcp'),
    webDir: join(absRoot, 'web'),
    releaseDir: join(absRoot, 'target', 'release'),
    releaseBinary: join(absRoot, 'target', 'release', 'systemprompt'),
    mcpArtifactsDir: join(absRoot, 'target', 'release', 'mcp'),
    tenantCompose: (tenant) => join(dockerDir, `${pathSegment(tenant, 'tenant name')}.yaml`),
    tenantPasswordFile: (tenant) => join(secretsDir, `${pathSegment(tenant, 'tenant name')}.password`),
    profileDir,
    profileYaml: (name) => join(profileDir(name), 'profile.yaml'),
    profileSecrets: (name) => join(profileDir(name), 'secrets.json'),
    profileDockerDir,
    profileDockerfile: (name) => join(profileDockerDir(name), 'Dockerfile'),
    profileDockerignore: (name) => join(profileDockerDir(name), 'Dockerfile.dockerignore'),
    profileEntrypoint: (name) => join(profileDockerDir(name), 'entrypoint.sh'),
  }
}

/**
 * Names become path segments; refuse anything that could step outside the layout ('..', '/', NUL).
 * Deliberately looser than the naming rule so that files of the original tool (other spellings) stay reachable.
 */
function pathSegment(name: string, what: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new SystempromptError({
      code: what === 'profile name' ? ErrorCode.PROFILE_NAME_INVALID : ErrorCode.TENANT_NAME_INVALID,
      category: 'user',
      message: `Invalid ${what} ${JSON.stringify(name)}: it cannot be used as a file name.`,
      fix: `Use a ${what} with: ${TENANT_NAME_RULE}.`,
    })
  }
  return name
}
