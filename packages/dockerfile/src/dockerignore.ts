// Docker's .dockerignore semantics (patterns anchored at the context root, `**`, `!` exceptions that can
// re-include a file below an excluded directory, the last matching line wins), through @balena/dockerignore,
// a port of moby's matcher. The classic builder ignores <Dockerfile>.dockerignore, so whoever builds the
// context tar filters it with this.
import balena from '@balena/dockerignore'

type Factory = typeof import('@balena/dockerignore').default
// CommonJS (`module.exports = factory`) with typings that declare a default export: Node hands us the
// function itself, TypeScript under NodeNext thinks it is `.default`.
const ignore: Factory =
  typeof balena === 'function' ? (balena as unknown as Factory) : (balena as { default: Factory }).default

export interface DockerignorePattern {
  /** 1-based line in the file. */
  line: number
  /** The pattern without its `!`. */
  pattern: string
  exception: boolean
}

/** @public */
export interface DockerignoreMatcher {
  /** True when `path` (relative to the context root, `/`-separated) stays out of the build context. */
  ignores(path: string): boolean
  /**
   * True when nothing below the directory `dir` can enter the context: it is ignored and no exception could
   * match under it. A context walker may then skip it without reading it (node_modules, .git).
   */
  prunes(dir: string): boolean
  patterns: readonly DockerignorePattern[]
}

/** The patterns of a dockerignore text: trimmed lines, without blanks and `#` comments (as Docker reads them). */
export function dockerignorePatterns(text: string): DockerignorePattern[] {
  const out: DockerignorePattern[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const exception = line.startsWith('!')
    const pattern = (exception ? line.slice(1) : line).trim().replace(/^\/+/, '')
    if (pattern !== '') out.push({ line: index + 1, pattern, exception })
  })
  return out
}

/**
 * The matcher of a dockerignore text. For `docker build <profile>` (the next issue), which builds its own
 * context tar from the profile's Dockerfile.dockerignore.
 * @public
 */
export function dockerignoreMatcher(text: string): DockerignoreMatcher {
  const patterns = dockerignorePatterns(text)
  const matcher = ignore().add(patterns.map((p) => (p.exception ? `!${p.pattern}` : p.pattern)))
  const exceptionPrefixes = patterns
    .filter((p) => p.exception)
    .map((p) => {
      const glob = p.pattern.search(/[*?[\\]/)
      return glob === -1 ? p.pattern : p.pattern.slice(0, glob)
    })
  const ignores = (path: string) => matcher.ignores(normalise(path))
  return {
    ignores,
    prunes(dir) {
      const d = normalise(dir)
      if (!ignores(d)) return false
      const below = `${d}/`
      return !exceptionPrefixes.some((prefix) => prefix.startsWith(below) || below.startsWith(prefix))
    },
    patterns,
  }
}

/** Which pattern decides about `path` (the last that matches it or a parent), or undefined when none does. */
export function decidingPattern(
  patterns: readonly DockerignorePattern[],
  path: string,
): DockerignorePattern | undefined {
  const p = normalise(path)
  for (let i = patterns.length - 1; i >= 0; i--) {
    const candidate = patterns[i] as DockerignorePattern
    if (ignore().add(candidate.pattern).ignores(p)) return candidate
  }
  return undefined
}

function normalise(path: string): string {
  return path.replace(/^\.\/+/, '').replace(/\/+$/, '')
}
