import { chmod, mkdir, readdir, readFile, stat } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import {
  type ErrorLocationIssue,
  ensureTenantsFile,
  errnoOf,
  PROJECT_DIR,
  projectLayout,
  SECRET_DIR_MODE,
  SystempromptError,
  writeFileAtomic,
} from '@systemprompt/config'
import { ROOT_ENTRYPOINT, renderRootDockerfile } from '@systemprompt/dockerfile/templates'
import { justfileNames } from './justfile.js'
import {
  DOCKERIGNORE,
  GITIGNORE,
  JUST_BLOCK_END,
  JUST_BLOCK_START,
  JUST_NAMES,
  JUST_RECIPES,
  justRecipes,
  MIGRATIONS_README,
  WEB_INDEX,
  WEB_README,
} from './templates.js'

type ScaffoldAction = 'created' | 'kept' | 'overwritten' | 'updated'

interface ScaffoldEntry {
  /** Path relative to the project root. */
  path: string
  kind: 'file' | 'directory'
  action: ScaffoldAction
}

export interface ScaffoldResult {
  root: string
  entries: ScaffoldEntry[]
  created: string[]
  kept: string[]
  changed: string[]
  /** Things the user should know (e.g. where the just recipes went). */
  notes: string[]
}

export interface ScaffoldOptions {
  /** Overwrite generated files that differ from ours. Never touches tenants.json or secrets. */
  force?: boolean
}

/** Where recipes go when the project already has a justfile of its own. */
const JUST_INCLUDE = 'systemprompt.just'
const JUST_IMPORT = `import '${PROJECT_DIR}/${JUST_INCLUDE}'`

interface GeneratedFile {
  file: string
  content: string
  mode: number
}

type Found = 'missing' | 'file' | 'directory' | 'other'

async function probe(path: string): Promise<Found> {
  try {
    const s = await stat(path)
    if (s.isDirectory()) return 'directory'
    return s.isFile() ? 'file' : 'other'
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return 'missing'
    // ENOTDIR: a parent is a file; reported by the parent's own check.
    if (errnoOf(error) === 'ENOTDIR') return 'missing'
    throw error
  }
}

/**
 * Lays out SPEC section 1 in `dir` (idempotent). Everything is checked before the first write, so a
 * file where a directory belongs (or the reverse) fails with nothing written.
 */
export async function scaffoldProject(dir: string, options: ScaffoldOptions = {}): Promise<ScaffoldResult> {
  const root = resolve(dir)
  const layout = projectLayout(root)
  const directories: { path: string; mode: number }[] = [
    { path: layout.dir, mode: 0o755 },
    { path: layout.dockerDir, mode: 0o755 },
    { path: layout.secretsDir, mode: SECRET_DIR_MODE },
    { path: layout.profilesDir, mode: 0o755 },
    // The application's own directories (SPEC 5): the image copies services/ and web/.
    { path: layout.servicesDir, mode: 0o755 },
    { path: dirname(layout.migrationsDir), mode: 0o755 },
    { path: layout.migrationsDir, mode: 0o755 },
    { path: layout.webDir, mode: 0o755 },
  ]
  // Starter files of the user's own: written when missing, never overwritten (not even with --force).
  const starters: GeneratedFile[] = [
    { file: join(layout.migrationsDir, 'README.md'), content: MIGRATIONS_README, mode: 0o644 },
    { file: join(layout.webDir, 'README.md'), content: WEB_README, mode: 0o644 },
    { file: join(layout.webDir, 'index.html'), content: WEB_INDEX, mode: 0o644 },
  ]
  const generated: GeneratedFile[] = [
    { file: layout.gitignore, content: GITIGNORE, mode: 0o644 },
    { file: layout.dockerignore, content: DOCKERIGNORE, mode: 0o644 },
    { file: layout.dockerfile, content: renderRootDockerfile(), mode: 0o644 },
    { file: layout.entrypoint, content: ROOT_ENTRYPOINT, mode: 0o755 },
  ]
  const justInclude = join(layout.dir, JUST_INCLUDE)
  // just also reads Justfile and .justfile; a second candidate would make it refuse to run.
  const justfile = (await existingJustfile(root)) ?? layout.justfile

  // 1. Check everything first.
  const issues: ErrorLocationIssue[] = []
  const rootFound = await probe(root)
  if (rootFound !== 'missing' && rootFound !== 'directory') issues.push(notADirectory(root))
  for (const d of directories) {
    const found = await probe(d.path)
    if (found !== 'missing' && found !== 'directory') issues.push(notADirectory(d.path))
  }
  for (const f of [
    ...generated.map((g) => g.file),
    ...starters.map((g) => g.file),
    layout.tenantsFile,
    justfile,
    justInclude,
  ]) {
    const found = await probe(f)
    if (found === 'directory' || found === 'other') issues.push(notAFile(f))
  }
  if (issues.length > 0) {
    const [first] = issues as [ErrorLocationIssue, ...ErrorLocationIssue[]]
    throw new SystempromptError({ ...first, fix: first.fix, category: 'user', issues })
  }
  const justfileText = (await probe(justfile)) === 'file' ? await readText(justfile) : undefined
  // Names the user's justfile (and what it imports, but for our own include file) already defines: ours of
  // the same name are left out, or just would refuse the whole file.
  const userNames =
    justfileText === undefined
      ? new Set<string>()
      : await justfileNames(justfileText, justfile, new Set([justInclude]))
  const clashes = JUST_NAMES.filter((name) => userNames.has(name))
  const recipes = justRecipes(new Set(clashes))

  // 2. Write.
  const entries: ScaffoldEntry[] = []
  const notes: string[] = []
  const rel = (p: string) => relative(root, p) || '.'
  await mkdir(root, { recursive: true })
  for (const d of directories) {
    if ((await probe(d.path)) === 'directory') {
      entries.push({ path: rel(d.path), kind: 'directory', action: 'kept' })
      continue
    }
    await mkdir(d.path, { mode: d.mode })
    await chmod(d.path, d.mode) // mkdir's mode is filtered by the umask; secrets need exactly 0700.
    entries.push({ path: rel(d.path), kind: 'directory', action: 'created' })
  }
  for (const g of generated) {
    entries.push({ path: rel(g.file), kind: 'file', action: await writeGenerated(g, options.force === true) })
  }

  for (const g of starters) {
    const action = (await probe(g.file)) === 'missing' ? 'created' : 'kept'
    if (action === 'created') await writeFileAtomic(g.file, g.content, { mode: g.mode })
    entries.push({ path: rel(g.file), kind: 'file', action })
  }

  if ((await probe(layout.tenantsFile)) === 'missing') {
    // tenants.json has one writer, its store in @systemprompt/config (a new project id, no tenants, 0600).
    await ensureTenantsFile(layout)
    entries.push({ path: rel(layout.tenantsFile), kind: 'file', action: 'created' })
  } else {
    // Holds the project id and tenant records: never rewritten, not even with --force.
    entries.push({ path: rel(layout.tenantsFile), kind: 'file', action: 'kept' })
  }

  const force = options.force === true
  if (justfileText === undefined) {
    const content = `# Tasks of this project (https://just.systems).\n\n${JUST_RECIPES}`
    await writeFileAtomic(justfile, content, { mode: 0o644 })
    entries.push({ path: rel(justfile), kind: 'file', action: 'created' })
  } else if (justfileText.includes(JUST_BLOCK_START)) {
    const next = replaceBlock(justfileText, recipes)
    if (next === justfileText || !force) {
      entries.push({ path: rel(justfile), kind: 'file', action: 'kept' })
      if (next !== justfileText)
        notes.push(
          "justfile: the systemprompt recipes differ from this version's; `systemprompt init --force` rewrites them.",
        )
    } else {
      await writeFileAtomic(justfile, next, { mode: await modeOf(justfile) })
      entries.push({ path: rel(justfile), kind: 'file', action: 'updated' })
    }
  } else if (force && !justfileText.includes(JUST_IMPORT)) {
    const sep = justfileText.endsWith('\n') ? '\n' : '\n\n'
    await writeFileAtomic(justfile, `${justfileText}${sep}${recipes}`, { mode: await modeOf(justfile) })
    entries.push({ path: rel(justfile), kind: 'file', action: 'updated' })
  } else {
    // A justfile of the user's own: leave it alone and put our recipes beside it.
    const action = await writeGenerated({ file: justInclude, content: recipes, mode: 0o644 }, force)
    entries.push({ path: rel(justfile), kind: 'file', action: 'kept' })
    entries.push({ path: rel(justInclude), kind: 'file', action })
    if (!justfileText.includes(JUST_IMPORT)) {
      notes.push(
        `justfile exists and was left alone; the recipes are in ${rel(justInclude)}. Add the line \`${JUST_IMPORT}\` to your justfile (or run \`systemprompt init --force\` to append them).`,
      )
    }
  }

  if (clashes.length > 0) notes.push(clashNote(rel(justfile), clashes))

  const pick = (actions: ScaffoldAction[]) =>
    entries.filter((e) => actions.includes(e.action)).map((e) => e.path)
  return {
    root,
    entries,
    created: pick(['created']),
    kept: pick(['kept']),
    changed: pick(['overwritten', 'updated']),
    notes,
  }
}

async function existingJustfile(root: string): Promise<string | undefined> {
  try {
    const names = await readdir(root)
    const name = names.find((n) => /^\.?justfile$/i.test(n))
    return name === undefined ? undefined : join(root, name)
  } catch {
    return undefined
  }
}

async function writeGenerated(g: GeneratedFile, force: boolean): Promise<ScaffoldAction> {
  if ((await probe(g.file)) === 'missing') {
    await writeFileAtomic(g.file, g.content, { mode: g.mode })
    return 'created'
  }
  const current = await readText(g.file)
  if (current === g.content || !force) return 'kept'
  await writeFileAtomic(g.file, g.content, { mode: g.mode })
  return 'overwritten'
}

/** How to resolve names both the user's justfile and ours define. */
function clashNote(justfile: string, clashes: readonly string[]): string {
  const list = clashes.join(', ')
  const variable = clashes.includes('sp') ? ' (the systemprompt recipes now use your `sp`)' : ''
  return `${justfile}: it already defines ${list}; the systemprompt definitions of ${clashes.length === 1 ? 'that name were' : 'those names were'} left out, so yours are kept and the justfile still parses${variable}. To get ours: rename yours or delete them, then run \`systemprompt init --force\`.`
}

function replaceBlock(text: string, recipes: string): string {
  const start = text.indexOf(JUST_BLOCK_START)
  const endMarker = text.indexOf(JUST_BLOCK_END, start)
  if (endMarker === -1) return text // a damaged block: leave the user's file alone
  const lineEnd = text.indexOf('\n', endMarker)
  const end = lineEnd === -1 ? text.length : lineEnd + 1
  return text.slice(0, start) + recipes + text.slice(end)
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new SystempromptError({
      code: 'CONFIG_UNREADABLE',
      category: 'user',
      file,
      message: `Cannot read ${file} (${errnoOf(error) ?? 'error'}).`,
      fix: `Check the permissions of ${file}: the current user must be able to read it.`,
    })
  }
}

async function modeOf(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777
}

function notADirectory(path: string): ErrorLocationIssue {
  return {
    code: 'CONFIG_NOT_A_DIRECTORY',
    file: path,
    message: `${path} is a file, but systemprompt needs a directory there.`,
    fix: `Move or remove the file ${path}, then run \`systemprompt init\` again.`,
  }
}

function notAFile(path: string): ErrorLocationIssue {
  return {
    code: 'CONFIG_NOT_A_FILE',
    file: path,
    message: `${path} is a directory (or not a regular file), but systemprompt needs a file there.`,
    fix: `Move or remove ${path}, then run \`systemprompt init\` again.`,
  }
}
