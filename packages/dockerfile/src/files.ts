// A profile's three files on disk: their state against what the generator would write now, the rules on
// each, a diff, and writing them.
import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import {
  ErrorCode,
  errnoOf,
  type ProjectLayout,
  pathExists,
  profileLockPath,
  SystempromptError,
  withFileLock,
  writeFileAtomic,
} from '@systemprompt/config'
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff'
import { bodyMatchesHeader, readHeader } from './header.js'
import type { DockerfileModel } from './model.js'
import { type ProfileDockerFiles, renderProfileDockerFiles } from './render.js'
import { checkDockerfile, checkDockerignore, checkEntrypoint, type Finding } from './rules.js'
import { generatorVersion } from './version.js'

type DockerFileKind = keyof ProfileDockerFiles
/**
 * current: what the generator writes for these inputs (whatever version wrote it). stale: untouched since
 * generated, but the inputs (an MCP server added, the profile's settings) or the generator changed.
 * hand-edited: no header, or the text does not match its body hash. missing: no file.
 */
export type DockerFileState = 'current' | 'stale' | 'hand-edited' | 'missing'

interface DockerFileStatus {
  /** Relative to the project root. */
  file: string
  kind: DockerFileKind
  state: DockerFileState
  /** Rule violations of the file on disk (none for a missing file). */
  findings: Finding[]
}

export interface ProfileDockerCheck {
  profile: string
  files: DockerFileStatus[]
  /** Unified diff from the files on disk to what would be generated now ('' when all are current). */
  diff: string
  /** Every file current and no finding. */
  ok: boolean
}

export interface GeneratorOptions {
  /** Version written into the headers (default: this package's version). */
  generatorVersion?: string
}

/** In the order they are written: the Dockerfile last, so a half-written set reads as "no Dockerfile". */
const KINDS: readonly DockerFileKind[] = ['dockerignore', 'entrypoint', 'dockerfile']

function pathOf(layout: ProjectLayout, profile: string, kind: DockerFileKind): string {
  if (kind === 'dockerfile') return layout.profileDockerfile(profile)
  if (kind === 'dockerignore') return layout.profileDockerignore(profile)
  return layout.profileEntrypoint(profile)
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined
    if (errnoOf(error) === 'EISDIR') {
      throw new SystempromptError({
        code: ErrorCode.CONFIG_NOT_A_FILE,
        category: 'user',
        file,
        message: `${file} is a directory, but a generated file belongs there`,
        fix: `Move or remove ${file}, then run \`systemprompt cloud dockerfile --write\``,
      })
    }
    throw new SystempromptError({
      code: ErrorCode.CONFIG_UNREADABLE,
      category: 'user',
      file,
      message: `Cannot read ${file} (${errnoOf(error) ?? 'error'})`,
      fix: `Check the permissions of ${file}`,
      cause: error,
    })
  }
}

/** The state of one file: `render(version)` is what the generator writes with that version in the header. */
export function dockerFileState(
  text: string | undefined,
  render: (version: string) => string,
): DockerFileState {
  if (text === undefined) return 'missing'
  const header = readHeader(text)
  if (!header || !bodyMatchesHeader(text)) return 'hand-edited'
  return render(header.version) === text ? 'current' : 'stale'
}

interface OnDisk {
  kind: DockerFileKind
  path: string
  text: string | undefined
  state: DockerFileState
  expected: string
}

async function readProfileFiles(
  layout: ProjectLayout,
  model: DockerfileModel,
  version: string,
): Promise<OnDisk[]> {
  const expected = renderProfileDockerFiles(model, { generatorVersion: version })
  const out: OnDisk[] = []
  for (const kind of KINDS) {
    const path = pathOf(layout, model.profile, kind)
    const text = await readOptional(path)
    const state = dockerFileState(text, (v) => renderProfileDockerFiles(model, { generatorVersion: v })[kind])
    out.push({ kind, path, text, state, expected: expected[kind] })
  }
  return out
}

function findingsOf(kind: DockerFileKind, text: string, model: DockerfileModel): Finding[] {
  if (kind === 'dockerfile')
    return checkDockerfile(text, { mcpServers: model.mcpServers, variant: model.variant })
  if (kind === 'entrypoint') return checkEntrypoint(text)
  return checkDockerignore(text, { profile: model.profile, mcpServers: model.mcpServers })
}

/** `cloud dockerfile --check`: each file's state and rule findings, and the diff to what would be generated. */
export async function checkProfileDockerFiles(
  layout: ProjectLayout,
  model: DockerfileModel,
  options: GeneratorOptions = {},
): Promise<ProfileDockerCheck> {
  const disk = await readProfileFiles(layout, model, options.generatorVersion ?? generatorVersion())
  const files: DockerFileStatus[] = []
  const diffs: string[] = []
  // Reported in the order a reader expects (Dockerfile first).
  for (const f of [...disk].reverse()) {
    const rel = relative(layout.root, f.path)
    files.push({
      file: rel,
      kind: f.kind,
      state: f.state,
      findings: f.text === undefined ? [] : findingsOf(f.kind, f.text, model),
    })
    if (f.state !== 'current') {
      diffs.push(
        createTwoFilesPatch(
          f.text === undefined ? '/dev/null' : `a/${rel}`,
          `b/${rel}`,
          f.text ?? '',
          f.expected,
          undefined,
          undefined,
          { context: 3, headerOptions: FILE_HEADERS_ONLY },
        ),
      )
    }
  }
  return {
    profile: model.profile,
    files,
    diff: diffs.join(''),
    ok: files.every((f) => f.state === 'current' && f.findings.length === 0),
  }
}

type DockerFileAction = 'created' | 'updated' | 'unchanged' | 'kept'

export interface DockerFileWrite {
  /** Relative to the project root. */
  file: string
  kind: DockerFileKind
  /** Its state before the write. */
  was: DockerFileState
  /** kept: a hand-edited file left alone (`keepHandEdited`). */
  action: DockerFileAction
}

export interface WriteProfileDockerOptions extends GeneratorOptions {
  /** Overwrite hand-edited files. */
  force?: boolean
  /** Leave hand-edited files as they are instead of refusing (a resumed `tenant create`). */
  keepHandEdited?: boolean
}

/**
 * Writes the profile's three files (atomically, under the profile's lock; entrypoint.sh 0755): missing and
 * stale ones are (re)written, current ones left alone. A hand-edited file is never overwritten without
 * `force`: DOCKERFILE_HAND_EDITED names it, before anything is written. PROFILE_NOT_FOUND when the profile
 * has no profile.yaml.
 */
export async function writeProfileDockerFiles(
  layout: ProjectLayout,
  model: DockerfileModel,
  options: WriteProfileDockerOptions = {},
): Promise<{ profile: string; files: DockerFileWrite[] }> {
  const version = options.generatorVersion ?? generatorVersion()
  return withFileLock(
    profileLockPath(layout, model.profile),
    async () => {
      if (!(await pathExists(layout.profileYaml(model.profile)))) {
        throw new SystempromptError({
          code: ErrorCode.PROFILE_NOT_FOUND,
          category: 'user',
          file: layout.profileYaml(model.profile),
          message: `Profile ${JSON.stringify(model.profile)} does not exist`,
          fix: 'List profiles with `systemprompt cloud profile list`',
        })
      }
      const disk = await readProfileFiles(layout, model, version)
      const edited = disk.filter((f) => f.state === 'hand-edited')
      if (edited.length > 0 && !options.force && !options.keepHandEdited) {
        const names = edited.map((f) => relative(layout.root, f.path))
        throw new SystempromptError({
          code: ErrorCode.DOCKERFILE_HAND_EDITED,
          category: 'conflict',
          file: edited[0]?.path,
          message: `${names.join(', ')} ${names.length === 1 ? 'was' : 'were'} edited by hand; not overwritten (nothing was written)`,
          fix: `See the changes with \`systemprompt cloud dockerfile --profile ${model.profile} --check\`; pass --force to replace ${names.length === 1 ? 'it' : 'them'} with the generated ${names.length === 1 ? 'file' : 'files'}`,
        })
      }
      const files: DockerFileWrite[] = []
      for (const f of disk) {
        const rel = relative(layout.root, f.path)
        if (f.state === 'current') {
          files.push({ file: rel, kind: f.kind, was: f.state, action: 'unchanged' })
          continue
        }
        if (f.state === 'hand-edited' && !options.force) {
          files.push({ file: rel, kind: f.kind, was: f.state, action: 'kept' })
          continue
        }
        await writeFileAtomic(f.path, f.expected, { mode: f.kind === 'entrypoint' ? 0o755 : 0o644 })
        files.push({
          file: rel,
          kind: f.kind,
          was: f.state,
          action: f.state === 'missing' ? 'created' : 'updated',
        })
      }
      // Reported Dockerfile first, like --check.
      return { profile: model.profile, files: files.reverse() }
    },
    { timeoutMs: 30_000 },
  )
}
