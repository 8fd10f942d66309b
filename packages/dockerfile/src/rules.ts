// The rules every Dockerfile of ours must keep (SPEC 6), on dockerfile-ast's parse. Pure: text in, findings
// with 1-based line numbers out. The same rules run in tests on every file the generator can produce.
import {
  type Copy,
  type Dockerfile as DockerfileAst,
  DockerfileParser,
  type From,
  type Instruction,
} from 'dockerfile-ast'
import { decidingPattern, dockerignoreMatcher } from './dockerignore.js'
import { baseImageProblem, type DockerfileVariant } from './model.js'

type RuleId =
  | 'no-from'
  | 'non-root-user'
  | 'one-healthcheck'
  | 'healthcheck-json'
  | 'cmd-json'
  | 'entrypoint-json'
  | 'apt-no-install-recommends'
  | 'apt-lists-removed'
  | 'apt-update-alone'
  | 'no-secret-env'
  | 'base-image-tagged'
  | 'workdir-absolute'
  | 'copy-not-add'
  | 'mcp-copied'
  | 'entrypoint-shebang'
  | 'entrypoint-set-e'
  | 'entrypoint-exec'
  | 'dockerignore-secret'
  | 'dockerignore-needed'

export interface Finding {
  /** 1-based line of the file. */
  line: number
  rule: RuleId
  message: string
}

export interface DockerfileRuleOptions {
  /** MCP servers of the project: each one's artifact must be copied. */
  mcpServers?: readonly string[]
  /** `production` (default) requires a non-root last USER. */
  variant?: DockerfileVariant
}

const lineOf = (instruction: Instruction): number => instruction.getRange().start.line + 1

/**
 * Every rule violation of a Dockerfile, in line order. `checkProfileDockerFiles` runs it on a profile's file;
 * exported for `docker build <profile>` (the next issue), which refuses a Dockerfile that breaks a rule.
 * @public
 */
export function checkDockerfile(text: string, options: DockerfileRuleOptions = {}): Finding[] {
  const ast = DockerfileParser.parse(text)
  const instructions = ast.getInstructions()
  const froms = ast.getFROMs()
  const last = froms[froms.length - 1]
  if (!last) return [{ line: 1, rule: 'no-from', message: 'No FROM instruction: this is not a Dockerfile' }]
  const finalStage = instructions.filter((i) => lineOf(i) >= lineOf(last))
  const findings = [
    ...baseImages(froms),
    ...(options.variant === 'local' ? [] : nonRootUser(finalStage, last)),
    ...healthchecks(finalStage, last),
    ...jsonForm(instructions),
    ...instructions.flatMap((i) => (i.getKeyword() === 'RUN' ? aptHygiene(i) : [])),
    ...secretNames(ast),
    ...workdirs(instructions),
    ...instructions
      .filter((i) => i.getKeyword() === 'ADD')
      .map((i) => ({
        line: lineOf(i),
        rule: 'copy-not-add' as const,
        message: 'ADD fetches URLs and unpacks archives implicitly: use COPY',
      })),
    ...mcpCopied(ast, options.mcpServers ?? [], last),
  ]
  return findings.sort((a, b) => a.line - b.line)
}

function baseImages(froms: readonly From[]): Finding[] {
  const stages = new Set<string>()
  const findings: Finding[] = []
  for (const from of froms) {
    const image = from.getImage() ?? ''
    const stage = from.getBuildStage()
    if (image.toLowerCase() === 'scratch' || stages.has(image.toLowerCase())) {
      if (stage) stages.add(stage.toLowerCase())
      continue
    }
    if (stage) stages.add(stage.toLowerCase())
    const problem = image.includes('$')
      ? 'comes from a build argument, so its tag cannot be checked'
      : baseImageProblem(image)
    if (problem) {
      findings.push({
        line: lineOf(from),
        rule: 'base-image-tagged',
        message: `Base image ${JSON.stringify(image)} ${problem}: name it with a fixed tag (e.g. debian:bookworm-slim)`,
      })
    }
  }
  return findings
}

const ROOT_USER = /^(root|0)(:.*)?$/

function nonRootUser(finalStage: readonly Instruction[], last: From): Finding[] {
  const user = finalStage.filter((i) => i.getKeyword() === 'USER').pop()
  if (!user) {
    return [
      {
        line: lineOf(last),
        rule: 'non-root-user',
        message: 'The image runs as root: the last stage has no USER (add `USER 10001:10001`)',
      },
    ]
  }
  const value = (user.getArgumentsContent() ?? '').trim()
  if (ROOT_USER.test(value) || value.includes('$') || value === '') {
    return [
      {
        line: lineOf(user),
        rule: 'non-root-user',
        message: `The last USER is ${JSON.stringify(value)}: the image must run as a fixed non-root user (e.g. 10001:10001)`,
      },
    ]
  }
  return []
}

/** The argument text after the keyword, line continuations joined. */
function argumentText(instruction: Instruction): string {
  return (instruction.getRawArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ').trim()
}

function isJsonArray(text: string): boolean {
  if (!text.startsWith('[')) return false
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')
  } catch {
    return false
  }
}

function healthchecks(finalStage: readonly Instruction[], last: From): Finding[] {
  const checks = finalStage.filter((i) => i.getKeyword() === 'HEALTHCHECK')
  const findings: Finding[] = []
  if (checks.length === 0) {
    findings.push({
      line: lineOf(last),
      rule: 'one-healthcheck',
      message:
        'No HEALTHCHECK: add `HEALTHCHECK CMD ["/app/bin/systemprompt", "infra", "services", "health"]`',
    })
  }
  checks.forEach((check, index) => {
    if (index > 0) {
      findings.push({
        line: lineOf(check),
        rule: 'one-healthcheck',
        message: `A second HEALTHCHECK (the first is on line ${lineOf(checks[0] as Instruction)}): only the last one counts, keep one`,
      })
    }
    const text = argumentText(check)
    const cmd = /^(?:--\S+\s+)*CMD\s+([\s\S]*)$/i.exec(text)
    if (!cmd) {
      findings.push({
        line: lineOf(check),
        rule: 'healthcheck-json',
        message: 'HEALTHCHECK NONE (or without CMD) turns the check off: give it a CMD in JSON form',
      })
    } else if (!isJsonArray((cmd[1] ?? '').trim())) {
      findings.push({
        line: lineOf(check),
        rule: 'healthcheck-json',
        message:
          'HEALTHCHECK CMD in shell form needs a shell and tools such as curl: use the JSON form ["/app/bin/systemprompt", "infra", "services", "health"]',
      })
    }
  })
  return findings
}

function jsonForm(instructions: readonly Instruction[]): Finding[] {
  return instructions
    .filter((i) => i.getKeyword() === 'CMD' || i.getKeyword() === 'ENTRYPOINT')
    .filter((i) => !isJsonArray(argumentText(i)))
    .map((i) => ({
      line: lineOf(i),
      rule: i.getKeyword() === 'CMD' ? ('cmd-json' as const) : ('entrypoint-json' as const),
      message: `${i.getKeyword()} in shell form runs under /bin/sh -c, which does not pass SIGTERM on: use the JSON form ["..."]`,
    }))
}

/** A RUN's command split into simple commands (at && || ; |), each as its words. */
function commandsOf(run: Instruction): string[][] {
  const text = argumentText(run)
  const shell = isJsonArray(text) ? (JSON.parse(text) as string[]).join(' ') : text
  return shell
    .split(/&&|\|\||;|\|/)
    .map((part) => part.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0)
}

function aptVerb(words: readonly string[]): string | undefined {
  const at = words.findIndex((w) => w === 'apt-get' || w === 'apt')
  if (at === -1) return undefined
  return words.slice(at + 1).find((w) => !w.startsWith('-'))
}

function aptHygiene(run: Instruction): Finding[] {
  const commands = commandsOf(run)
  const installs = commands.filter((words) => aptVerb(words) === 'install')
  const updates = commands.filter((words) => aptVerb(words) === 'update')
  if (installs.length === 0 && updates.length === 0) return []
  const line = lineOf(run)
  const findings: Finding[] = []
  for (const words of installs) {
    const joined = words.join(' ')
    if (!/--no-install-recommends\b|APT::Install-Recommends=(false|0)\b/.test(joined)) {
      findings.push({
        line,
        rule: 'apt-no-install-recommends',
        message: `\`${joined}\` installs recommended packages too: add --no-install-recommends`,
      })
    }
  }
  const removesLists = commands.some(
    (words) => words[0] === 'rm' && words.some((w) => /^\/var\/lib\/apt\/lists(\/\*?)?$/.test(w)),
  )
  if (!removesLists) {
    findings.push({
      line,
      rule: 'apt-lists-removed',
      message: 'The apt lists stay in this layer: end the same RUN with `&& rm -rf /var/lib/apt/lists/*`',
    })
  }
  if (installs.length === 0) {
    findings.push({
      line,
      rule: 'apt-update-alone',
      message:
        '`apt-get update` alone in a RUN is cached apart from the install that needs it: update and install in one RUN',
    })
  }
  return findings
}

/** Words that make a variable name a secret's; a name ending in _FILE holds a path to one, which is fine. */
const SECRET_WORDS = new Set([
  'SECRET',
  'SECRETS',
  'PASSWORD',
  'PASSWORDS',
  'PASSWD',
  'PASS',
  'TOKEN',
  'TOKENS',
  'KEY',
  'KEYS',
  'APIKEY',
  'CREDENTIAL',
  'CREDENTIALS',
  'DSN',
])
const SECRET_PARTS = /SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|APIKEY|PRIVATEKEY|ACCESSKEY/

export function isSecretLikeName(name: string): boolean {
  const upper = name.toUpperCase()
  if (upper.endsWith('_FILE')) return false
  if (upper.endsWith('DATABASE_URL')) return true
  return upper.split(/[^A-Z0-9]+/).some((word) => SECRET_WORDS.has(word)) || SECRET_PARTS.test(upper)
}

/** A URL with a password in it (`scheme://user:password@host`). */
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i

function secretNames(ast: DockerfileAst): Finding[] {
  const findings: Finding[] = []
  const check = (kind: 'ENV' | 'ARG', line: number, name: string, value: string | null) => {
    if (isSecretLikeName(name)) {
      findings.push({
        line,
        rule: 'no-secret-env',
        message: `${kind} ${name} looks like a secret: it would be stored in the image. Pass it at run time (\`docker run -e ${name}\`, or ${name}_FILE with a Docker secret)`,
      })
    } else if (value && URL_WITH_PASSWORD.test(value)) {
      findings.push({
        line,
        rule: 'no-secret-env',
        message: `${kind} ${name} holds a URL with a password: it would be stored in the image. Pass it at run time`,
      })
    }
  }
  for (const instruction of ast.getInstructions()) {
    const keyword = instruction.getKeyword()
    if (keyword === 'ENV') {
      for (const property of (instruction as import('dockerfile-ast').Env).getProperties())
        check('ENV', property.getRange().start.line + 1, property.getName(), property.getValue())
    } else if (keyword === 'ARG') {
      const property = (instruction as import('dockerfile-ast').Arg).getProperty()
      if (property) check('ARG', property.getRange().start.line + 1, property.getName(), property.getValue())
    }
  }
  return findings
}

function workdirs(instructions: readonly Instruction[]): Finding[] {
  return instructions
    .filter((i) => i.getKeyword() === 'WORKDIR')
    .filter((i) => !argumentText(i).startsWith('/'))
    .map((i) => ({
      line: lineOf(i),
      rule: 'workdir-absolute' as const,
      message: `WORKDIR ${JSON.stringify(argumentText(i))} is relative: it depends on every WORKDIR before it; use an absolute path such as /app`,
    }))
}

/** Sources and destination of a COPY, JSON form or not; undefined for COPY --from (another stage). */
function copyPaths(copy: Copy): { sources: string[]; dest: string } | undefined {
  if (copy.getFromFlag()) return undefined
  const json = copy.getJSONStrings()
  const words =
    json.length > 0 ? json.map((j) => j.getJSONValue()) : copy.getArguments().map((a) => a.getValue())
  if (words.length < 2) return undefined
  const clean = (p: string) => p.replace(/^\.\/+/, '').replace(/\/+$/, '')
  return { sources: words.slice(0, -1).map(clean), dest: clean(words[words.length - 1] as string) }
}

function mcpCopied(ast: DockerfileAst, servers: readonly string[], last: From): Finding[] {
  if (servers.length === 0) return []
  const copies = ast
    .getInstructions()
    .filter((i): i is Copy => i.getKeyword() === 'COPY')
    .map((copy) => ({ copy, paths: copyPaths(copy) }))
  const binaryCopy = copies.find((c) => c.paths?.sources.includes('target/release/systemprompt'))
  const line = binaryCopy ? lineOf(binaryCopy.copy) : lineOf(last)
  const wholeTree = new Set(['', '.', 'target', 'target/release'])
  // `start --all` runs what target/release/mcp/manifest.json lists: the directory goes in whole.
  const copiesAll = copies.some(({ paths }) =>
    paths?.sources.some(
      (source) => wholeTree.has(source) || (source === 'target/release/mcp' && paths.dest === '/app/bin/mcp'),
    ),
  )
  if (copiesAll) return []
  return [
    {
      line,
      rule: 'mcp-copied' as const,
      message: `The MCP servers (${servers.map((name) => `services/mcp/${name}`).join(', ')}) are not all copied into the image with their manifest: add \`COPY target/release/mcp/ /app/bin/mcp/\``,
    },
  ]
}

/** The rules of an entrypoint script: `#!/bin/sh`, `set -e` before the first command, `exec` last. */
export function checkEntrypoint(text: string): Finding[] {
  const lines = text.split('\n')
  const findings: Finding[] = []
  if (!/^#!\s*(\/bin\/sh|\/usr\/bin\/env\s+sh)\s*$/.test(lines[0] ?? '')) {
    findings.push({
      line: 1,
      rule: 'entrypoint-shebang',
      message: 'The first line must be `#!/bin/sh` (the production image has no bash)',
    })
  }
  const commands = lines
    .map((raw, index) => ({ text: raw.trim(), line: index + 1 }))
    .filter((l) => l.text !== '' && !l.text.startsWith('#'))
  const first = commands[0]
  if (!first || !/^set\s+-[a-z]*e/.test(first.text)) {
    findings.push({
      line: first?.line ?? 1,
      rule: 'entrypoint-set-e',
      message:
        'Start with `set -e`, so a failed migration stops the container instead of starting the server',
    })
  }
  const final = commands[commands.length - 1]
  if (!final || !/^exec\s/.test(final.text)) {
    findings.push({
      line: final?.line ?? 1,
      rule: 'entrypoint-exec',
      message: 'End with `exec /app/bin/systemprompt ...`, so the server is PID 1 and gets SIGTERM',
    })
  }
  return findings
}

/** Paths that must never enter a build context (one per kind of secret the project keeps). */
const SECRET_SAMPLES = [
  'secrets.json',
  '.systemprompt/profiles/PROFILE/secrets.json',
  '.env',
  '.env.production',
  'services/mcp/x/.env',
  '.systemprompt/tenants.json',
  '.systemprompt/docker/shared_config.json',
  '.systemprompt/docker/.secrets/shared.password',
  'docker/.secrets/db.password',
  'id_rsa',
  'deploy/id_ed25519',
  'certs/server.pem',
  'certs/server.key',
  '.npmrc',
  '.docker/config.json',
  '.git/config',
]

/**
 * The rules of a profile's Dockerfile.dockerignore: every kind of secret stays out of the context, and what
 * the Dockerfile copies stays in. A finding names the line of the pattern that decides (1 when none does).
 */
export function checkDockerignore(
  text: string,
  options: { profile: string; mcpServers?: readonly string[] },
): Finding[] {
  const matcher = dockerignoreMatcher(text)
  const findings: Finding[] = []
  for (const sample of SECRET_SAMPLES.map((s) => s.replace('PROFILE', options.profile))) {
    if (matcher.ignores(sample)) continue
    findings.push({
      line: decidingPattern(matcher.patterns, sample)?.line ?? 1,
      rule: 'dockerignore-secret',
      message: `${sample} would enter the build context: exclude it (e.g. \`**/${sample.split('/').pop()}\`, after every \`!\` line)`,
    })
  }
  const needed = [
    'target/release/systemprompt',
    ...(options.mcpServers ?? []).flatMap((name) => [
      `target/release/mcp/${name}/server.cjs`,
      'target/release/mcp/manifest.json',
    ]),
    'services/database/migrations/0001_init.sql',
    'web/index.html',
    `.systemprompt/profiles/${options.profile}/docker/entrypoint.sh`,
  ]
  for (const path of needed) {
    if (!matcher.ignores(path)) continue
    findings.push({
      line: decidingPattern(matcher.patterns, path)?.line ?? 1,
      rule: 'dockerignore-needed',
      message: `${path} is copied by the Dockerfile but excluded from the build context here`,
    })
  }
  return findings.sort((a, b) => a.line - b.line)
}

/**
 * What each COPY (not `--from` another stage) takes from the build context, with its line: `docker build`
 * checks every source is there before sending the context.
 * @public
 */
export function dockerfileCopySources(text: string): { line: number; source: string }[] {
  const ast = DockerfileParser.parse(text)
  const out: { line: number; source: string }[] = []
  for (const instruction of ast.getInstructions()) {
    if (instruction.getKeyword() !== 'COPY') continue
    const paths = copyPaths(instruction as Copy)
    for (const source of paths?.sources ?? []) out.push({ line: lineOf(instruction), source })
  }
  return out
}
