// `docker build <profile>` (SPEC 6): pre-flight checks with their fixes, our own context tar, a content tag
// that lets unchanged inputs reuse the image without a build.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { releaseState } from '@systemprompt/build'
import { ensureProjectId, LABELS, type ProjectLayout, SystempromptError } from '@systemprompt/config'
import {
  checkProfileDockerFiles,
  dockerfileCopySources,
  dockerignoreMatcher,
  profileDockerModel,
} from '@systemprompt/dockerfile'
import type { Engine, ProgressEvent } from '@systemprompt/engine'
import {
  type BuildContext,
  contextDigest,
  isSecretPath,
  largestEntries,
  packContext,
  walkContext,
} from './context.js'
import { contentTag, IMAGE_LABELS, imageRepository } from './names.js'

/** Above this the build warns and names the largest paths (SPEC 6). */
const LARGE_CONTEXT_BYTES = 100 * 1024 * 1024

export interface BuildProfileImageOptions {
  layout: ProjectLayout
  profile: string
  /** Connected on demand, after every pre-flight check passed (nothing is sent before). */
  engine: () => Promise<Engine>
  /** The CLI bundle the release binary is made from, to tell a stale binary (a warning). */
  releaseBundle?: string
  /** Another tag for the image besides `<repo>:<profile>` and `<repo>:sha-…` (`name[:tag]`). */
  tag?: string
  /** Build every step again and make a new image even when one of these inputs exists. */
  noCache?: boolean
  /** Extra labels on the image (tests mark theirs). */
  labels?: Record<string, string>
  onEvent?: (event: BuildEvent) => void
  /**
   * Pre-flight and the context digest only: the tags the image has (or would have) for these inputs, nothing
   * sent to the engine (`image` is empty). What a deploy's `--skip-push` and `--dry-run` need.
   */
  digestOnly?: boolean
}

/** @public */
export type BuildEvent =
  | { kind: 'warning'; code: string; message: string }
  | { kind: 'context'; files: number; bytes: number; digest: string }
  | { kind: 'progress'; event: ProgressEvent }

export interface BuildProfileImageResult {
  profile: string
  image: string
  /** Every tag the image has now: `<repo>:<profile>`, `<repo>:sha-…`, and `--tag`'s. */
  tags: string[]
  /** `sha256:` digest of the context (its first 12 hex are the content tag). */
  contextDigest: string
  contextFiles: number
  contextBytes: number
  /** False when an image of these inputs existed and was tagged again without a build. */
  built: boolean
  ms: number
  warnings: string[]
}

function contextMissing(message: string, fix: string, file: string, line: number): SystempromptError {
  return new SystempromptError({
    code: 'DOCKER_CONTEXT_PATH_MISSING',
    category: 'user',
    message,
    fix,
    file,
    line,
  })
}

/** `name[:tag]` → repo and tag, the way `docker tag` reads it (a colon after the last slash starts the tag). */
function splitTag(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/')
  const colon = ref.lastIndexOf(':')
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) }
  return { repo: ref, tag: 'latest' }
}

const TAG_RULE =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/

/**
 * Checks, in this order, each failure naming its fix and leaving nothing built: the profile exists, its three
 * files pass `cloud dockerfile --check`'s rules (a stale file is refused: it no longer says what the profile
 * asks; a hand-edited one is the user's and only warned about), the release binary exists (a stale one is a
 * warning), every COPY source is in the context. Then makes the context, and builds unless an image of the
 * same digest exists.
 */
export async function buildProfileImage(options: BuildProfileImageOptions): Promise<BuildProfileImageResult> {
  const started = performance.now()
  const { layout, profile } = options
  const warnings: string[] = []
  const warn = (code: string, message: string) => {
    warnings.push(message)
    options.onEvent?.({ kind: 'warning', code, message })
  }
  if (options.tag !== undefined && !TAG_RULE.test(options.tag))
    throw new SystempromptError({
      code: 'IMAGE_REFERENCE_INVALID',
      category: 'usage',
      message: `--tag ${JSON.stringify(options.tag)} is not an image name: expected [registry[:port]/]name[:tag] in lowercase`,
      fix: 'Pass a tag such as --tag myapp:1.2 or --tag 127.0.0.1:5000/team/myapp:1.2',
    })

  const model = await profileDockerModel(layout, profile)
  const check = await checkProfileDockerFiles(layout, model)
  for (const file of check.files) {
    if (file.state === 'missing')
      throw new SystempromptError({
        code: 'DOCKERFILE_MISSING',
        category: 'user',
        file: file.file,
        message: `Profile ${JSON.stringify(profile)} has no ${file.file}`,
        fix: `Write the profile's Docker files with \`systemprompt cloud dockerfile --profile ${profile} --write\``,
      })
  }
  const findings = check.files.flatMap((f) => f.findings.map((finding) => ({ file: f.file, ...finding })))
  const first = findings[0]
  if (first)
    throw new SystempromptError({
      code: 'DOCKERFILE_CHECK_FAILED',
      category: 'user',
      file: first.file,
      line: first.line,
      message: `${first.file}:${first.line}: ${first.message}${findings.length > 1 ? ` (and ${findings.length - 1} more: \`systemprompt cloud dockerfile --profile ${profile} --check\` lists them)` : ''}`,
      fix: `Correct ${first.file}:${first.line}, or take the generated files with \`systemprompt cloud dockerfile --profile ${profile} --write --force\``,
      details: { findings },
    })
  for (const file of check.files) {
    if (file.state === 'stale')
      throw new SystempromptError({
        code: 'DOCKERFILE_CHECK_FAILED',
        category: 'user',
        file: file.file,
        message: `${file.file} is stale: the profile's settings or the project's MCP servers changed since it was written`,
        fix: `Rewrite it with \`systemprompt cloud dockerfile --profile ${profile} --write\` (\`--check\` shows the diff)`,
      })
    if (file.state === 'hand-edited')
      warn('DOCKERFILE_HAND_EDITED', `${file.file} was edited by hand: building it as it is`)
  }

  const release = await releaseState({
    bundle: options.releaseBundle ?? '',
    output: layout.releaseBinary,
  })
  const releaseRel = relative(layout.root, layout.releaseBinary)
  if (release.state === 'missing')
    throw new SystempromptError({
      code: 'RELEASE_BINARY_MISSING',
      category: 'user',
      file: releaseRel,
      message: `No release binary at ${releaseRel}: the image runs it as /app/bin/systemprompt`,
      fix: 'Build it with `systemprompt build release` (then `systemprompt build mcp` if the project has MCP servers)',
    })
  if (release.state === 'stale')
    warn(
      'RELEASE_BINARY_STALE',
      `${releaseRel} is stale (${release.reason}): the image gets the old one; rebuild it with \`systemprompt build release\``,
    )

  const dockerfilePath = layout.profileDockerfile(profile)
  const dockerfileRel = relative(layout.root, dockerfilePath)
  const ignoreText = await readFile(layout.profileDockerignore(profile), 'utf8')
  const matcher = dockerignoreMatcher(ignoreText)
  const ignoreRel = relative(layout.root, layout.profileDockerignore(profile))
  const dockerfileText = await readFile(dockerfilePath, 'utf8')
  for (const { line, source } of dockerfileCopySources(dockerfileText)) {
    if (/[*?[]/.test(source) || source === '' || source === '.') continue
    if (isSecretPath(source))
      throw new SystempromptError({
        code: 'DOCKERFILE_CHECK_FAILED',
        category: 'user',
        file: dockerfileRel,
        line,
        message: `${dockerfileRel}:${line} copies ${source}: a secrets or records file never goes into an image`,
        fix: 'Remove the COPY; the app gets its secrets at run time (environment or <NAME>_FILE)',
      })
    const mcp = source === 'target/release/mcp' || source.startsWith('target/release/mcp/')
    if (!existsSync(`${layout.root}/${source}`))
      throw contextMissing(
        `${dockerfileRel}:${line} copies ${source}, which does not exist in ${layout.root}`,
        mcp
          ? 'Build the MCP servers with `systemprompt build mcp`'
          : `Create ${source}, or remove the COPY from ${dockerfileRel} (then it is hand-edited: --check says so)`,
        dockerfileRel,
        line,
      )
    if (matcher.ignores(source))
      throw contextMissing(
        `${dockerfileRel}:${line} copies ${source}, but ${ignoreRel} keeps it out of the build context`,
        `Add an exception (!${source}) to ${ignoreRel}, or remove the COPY`,
        dockerfileRel,
        line,
      )
  }

  const projectId = await ensureProjectId(layout)
  const repo = imageRepository(projectId)
  const context: BuildContext = await walkContext(layout.root, matcher, [dockerfileRel])
  const labels = {
    ...options.labels,
    [LABELS.managed]: '1',
    [LABELS.project]: projectId,
    [IMAGE_LABELS.profile]: profile,
  }
  const digest = await contextDigest(context, JSON.stringify({ dockerfile: dockerfileRel, labels }))
  options.onEvent?.({ kind: 'context', files: context.entries.length, bytes: context.bytes, digest })
  if (context.bytes > LARGE_CONTEXT_BYTES) {
    const largest = largestEntries(context)
      .map((e) => `${e.path} (${(e.size / 1024 / 1024).toFixed(1)} MB)`)
      .join(', ')
    warn(
      'DOCKER_CONTEXT_LARGE',
      `The build context is ${(context.bytes / 1024 / 1024).toFixed(0)} MB; the largest paths: ${largest}. Keep what the image does not need out with ${ignoreRel}`,
    )
  }

  const shaTag = contentTag(digest)
  if (options.digestOnly)
    return {
      profile,
      image: '',
      tags: [`${repo}:${profile}`, `${repo}:${shaTag}`],
      contextDigest: `sha256:${digest}`,
      contextFiles: context.entries.length,
      contextBytes: context.bytes,
      built: false,
      ms: Math.round(performance.now() - started),
      warnings,
    }
  const engine = await options.engine()
  const profileRef = `${repo}:${profile}`
  const shaRef = `${repo}:${shaTag}`
  const existing = options.noCache ? undefined : await engine.images.inspect(shaRef)
  let image: string
  let built = false
  if (existing) {
    image = existing.Id
  } else {
    const tar = await packContext(context)
    const reported = await engine.images.build(
      tar,
      {
        tag: shaRef,
        dockerfile: dockerfileRel,
        labels: { ...labels, [IMAGE_LABELS.contextDigest]: `sha256:${digest}` },
        ...(options.noCache ? { noCache: true } : {}),
      },
      (event) => options.onEvent?.({ kind: 'progress', event }),
    )
    // What the engine tagged is the image (never an intermediate stage's); its report is the fallback.
    image = (await engine.images.inspect(shaRef))?.Id ?? reported
    built = true
  }
  const tags = [profileRef, shaRef]
  await engine.images.tag(image, repo, profile)
  if (options.tag !== undefined) {
    const { repo: extraRepo, tag } = splitTag(options.tag)
    await engine.images.tag(image, extraRepo, tag)
    tags.push(`${extraRepo}:${tag}`)
  }
  return {
    profile,
    image,
    tags,
    contextDigest: `sha256:${digest}`,
    contextFiles: context.entries.length,
    contextBytes: context.bytes,
    built,
    ms: Math.round(performance.now() - started),
    warnings,
  }
}
