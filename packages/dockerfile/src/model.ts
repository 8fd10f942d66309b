import { createHash } from 'node:crypto'
import { assertProfileName, ErrorCode, isDockerImageRef, SystempromptError } from '@systemprompt/config/core'

/** `local`: the production image plus debugging tools and RUST_LOG=debug. `production`: minimal. */
export type DockerfileVariant = 'local' | 'production'

type DockerfileLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'

/** Everything the three files of a profile are generated from; its hash is the header's input hash. */
export interface DockerfileModel {
  profile: string
  variant: DockerfileVariant
  /** Base image of both stages; tagged (or pinned by digest), never `:latest`. */
  baseImage: string
  logLevel: DockerfileLogLevel
  /** MCP servers of the project (`services/mcp/<name>/` with a package.json), sorted: each one's artifact is copied. */
  mcpServers: readonly string[]
}

export interface DockerfileModelInput {
  profile: string
  /** Default: `local` for the profile named local, `production` for every other. */
  variant?: DockerfileVariant | undefined
  /** Default: debian:bookworm-slim. */
  baseImage?: string | undefined
  /** Default: debug (local), info (production). */
  logLevel?: DockerfileLogLevel | undefined
  mcpServers?: readonly string[] | undefined
}

const DEFAULT_BASE_IMAGE = 'debian:bookworm-slim'

/** An MCP server's name becomes a path in COPY lines: no spaces, quotes or slashes. */
const MCP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** The model with its defaults applied, checked: bad input throws DOCKERFILE_INPUT_INVALID (or PROFILE_NAME_INVALID). */
export function dockerfileModel(input: DockerfileModelInput): DockerfileModel {
  assertProfileName(input.profile)
  const variant = input.variant ?? (input.profile === 'local' ? 'local' : 'production')
  const baseImage = input.baseImage ?? DEFAULT_BASE_IMAGE
  const problem = baseImageProblem(baseImage)
  if (problem) {
    throw new SystempromptError({
      code: ErrorCode.DOCKERFILE_INPUT_INVALID,
      category: 'user',
      message: `Profile ${JSON.stringify(input.profile)}: docker.base_image ${JSON.stringify(baseImage)} ${problem}`,
      fix: `Set docker.base_image in the profile's profile.yaml to a tagged image, e.g. ${DEFAULT_BASE_IMAGE}`,
      keyPath: ['docker', 'base_image'],
    })
  }
  const mcpServers = [...new Set(input.mcpServers ?? [])].sort()
  for (const name of mcpServers) {
    if (!MCP_NAME.test(name)) {
      throw new SystempromptError({
        code: ErrorCode.DOCKERFILE_INPUT_INVALID,
        category: 'user',
        message: `MCP server directory services/mcp/${name} cannot be copied into an image: its name has characters a COPY line cannot hold`,
        fix: 'Rename the directory to letters, digits, ".", "_" or "-" (starting with a letter or digit)',
      })
    }
  }
  return {
    profile: input.profile,
    variant,
    baseImage,
    logLevel: input.logLevel ?? (variant === 'local' ? 'debug' : 'info'),
    mcpServers,
  }
}

/** Why an image reference cannot be a base image here, or undefined (shared with the `base-image-tagged` rule). */
export function baseImageProblem(image: string): string | undefined {
  if (!isDockerImageRef(image)) return 'is not an image reference'
  const digest = image.includes('@')
  const lastSegment = image.split('@')[0]?.split('/').pop() ?? ''
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined
  if (!digest && tag === undefined) return 'has no tag (it would mean :latest, which moves)'
  if (!digest && tag === 'latest') return 'is tagged :latest, which moves'
  return undefined
}

/** `sha256:<hex>` of the model as canonical JSON (keys in a fixed order). */
export function inputHash(model: DockerfileModel): string {
  const canonical = JSON.stringify({
    profile: model.profile,
    variant: model.variant,
    baseImage: model.baseImage,
    logLevel: model.logLevel,
    mcpServers: model.mcpServers,
  })
  return `sha256:${sha256Hex(canonical)}`
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
