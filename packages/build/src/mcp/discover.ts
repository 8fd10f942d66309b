import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { ErrorCode, SystempromptError } from '@systemprompt/config/core'

/** First port of the default scheme: a server without `systemprompt.port` gets 5000 + its index in name order. */
const MCP_DEFAULT_PORT_BASE = 5000

/** The port rule in words, for `build mcp --help` and the manifest. */
export const MCP_PORT_SCHEME =
  'the "systemprompt": {"port": N} of the server\'s package.json, else 5000 + the server\'s index in name order (0-based; the next free port when that one is taken by another server)'

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** One MCP server's sources: `services/mcp/<name>/package.json` and the `main` it names. */
export interface McpSource {
  name: string
  /** Absolute path of `services/mcp/<name>/`. */
  dir: string
  packageJson: string
  /** Absolute path of the server's entry (`main`, TypeScript or JavaScript). */
  main: string
  port: number
  portFrom: 'package.json' | 'default'
}

/** A source directory that is no valid server (MCP_SERVER_INVALID naming it and the file). */
interface McpSourceProblem {
  name: string
  dir: string
  error: SystempromptError
}

export interface McpSources {
  servers: McpSource[]
  problems: McpSourceProblem[]
}

/** The directory names under `sourcesDir` that are MCP servers (non-hidden directories), in name order. */
export function mcpSourceNames(sourcesDir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(sourcesDir)
  } catch {
    return []
  }
  return entries.filter((name) => !name.startsWith('.') && isDirectory(join(sourcesDir, name))).sort(byName)
}

/**
 * Every MCP server under `sourcesDir` (`services/mcp/`): each directory with a `package.json` whose `main`
 * exists. A directory that is not one is a problem (MCP_SERVER_INVALID) and does not stop the others. Ports
 * follow MCP_PORT_SCHEME; `root` makes the paths in messages relative (the project root).
 */
export function findMcpServers(
  sourcesDir: string,
  root: string = resolve(sourcesDir, '..', '..'),
): McpSources {
  const servers: McpSource[] = []
  const problems: McpSourceProblem[] = []
  const explicit = new Map<number, string>()
  const pending: { source: Omit<McpSource, 'port' | 'portFrom'>; port: number | undefined; index: number }[] =
    []
  const names = mcpSourceNames(sourcesDir)
  names.forEach((name, index) => {
    const dir = join(resolve(sourcesDir), name)
    try {
      const read = readSource(name, dir, root)
      if (read.port !== undefined) {
        const other = explicit.get(read.port)
        if (other !== undefined)
          throw invalid(
            name,
            read.source.packageJson,
            root,
            `systemprompt.port ${read.port} is also the port of MCP server "${other}"`,
            'Give each MCP server its own port (or remove systemprompt.port to use the default scheme)',
            ['systemprompt', 'port'],
          )
        explicit.set(read.port, name)
      }
      pending.push({ ...read, index })
    } catch (error) {
      problems.push({ name, dir, error: asError(error) })
    }
  })
  const taken = new Set(explicit.keys())
  for (const item of pending) {
    if (item.port !== undefined) {
      servers.push({ ...item.source, port: item.port, portFrom: 'package.json' })
      continue
    }
    let port = MCP_DEFAULT_PORT_BASE + item.index
    while (taken.has(port)) port += 1
    taken.add(port)
    servers.push({ ...item.source, port, portFrom: 'default' })
  }
  return { servers, problems }
}

function readSource(
  name: string,
  dir: string,
  root: string,
): { source: Omit<McpSource, 'port' | 'portFrom'>; port: number | undefined } {
  const packageJson = join(dir, 'package.json')
  if (!NAME_PATTERN.test(name))
    throw invalid(
      name,
      dir,
      root,
      'its directory name is not a valid MCP server name (letters, digits, ".", "_" or "-", at most 64, no leading punctuation)',
      'Rename the directory under services/mcp/',
    )
  let text: string
  try {
    text = readFileSync(packageJson, 'utf8')
  } catch {
    throw invalid(
      name,
      packageJson,
      root,
      'it has no package.json',
      `Add ${rel(root, packageJson)} with a "main" naming the server's entry file (e.g. "src/main.ts")`,
    )
  }
  let manifest: unknown
  try {
    manifest = JSON.parse(text)
  } catch (error) {
    throw invalid(
      name,
      packageJson,
      root,
      `its package.json is not valid JSON (${(error as Error).message})`,
      'Fix the JSON syntax',
    )
  }
  const record = (typeof manifest === 'object' && manifest !== null ? manifest : {}) as Record<
    string,
    unknown
  >
  const main = record.main
  if (typeof main !== 'string' || main.trim() === '')
    throw invalid(
      name,
      packageJson,
      root,
      'its package.json has no "main"',
      'Set "main" to the server\'s entry file (TypeScript or JavaScript), e.g. "src/main.ts"',
      ['main'],
    )
  const mainPath = resolve(dir, main)
  if (!isFile(mainPath))
    throw invalid(
      name,
      packageJson,
      root,
      `its "main" ${JSON.stringify(main)} does not exist (${rel(root, mainPath)})`,
      'Point "main" at the server\'s entry file',
      ['main'],
    )
  return { source: { name, dir, packageJson, main: mainPath }, port: portOf(name, packageJson, root, record) }
}

function portOf(
  name: string,
  file: string,
  root: string,
  record: Record<string, unknown>,
): number | undefined {
  const settings = record.systemprompt
  if (settings === undefined) return undefined
  const isObject = typeof settings === 'object' && settings !== null && !Array.isArray(settings)
  const port = isObject ? (settings as { port?: unknown }).port : settings
  if (port === undefined) return undefined
  if (isObject && typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)
    return port
  throw invalid(
    name,
    file,
    root,
    `its package.json has an invalid systemprompt.port (${JSON.stringify(port)}; expected "systemprompt": {"port": N})`,
    'Set "systemprompt": {"port": N} with N between 1 and 65535, or remove it for the default scheme',
    ['systemprompt', 'port'],
  )
}

function invalid(
  name: string,
  file: string,
  root: string,
  why: string,
  fix: string,
  keyPath?: string[],
): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.MCP_SERVER_INVALID,
    category: 'user',
    message: `MCP server "${name}" (${rel(root, file)}) is invalid: ${why}`,
    fix,
    file,
    ...(keyPath ? { keyPath } : {}),
    details: { server: name },
  })
}

function asError(error: unknown): SystempromptError {
  if (error instanceof SystempromptError) return error
  return new SystempromptError({
    code: ErrorCode.MCP_SERVER_INVALID,
    category: 'user',
    message: (error as Error).message,
    cause: error,
  })
}

/** `path` relative to the project root for messages (as given when it lies outside). */
export function rel(root: string, path: string): string {
  const r = relative(root, path)
  return r === '' || r.startsWith('..') ? path : r
}

/** Code-point order: the same on every machine (no locale). */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
