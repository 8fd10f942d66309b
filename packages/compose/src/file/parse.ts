import { dirname, isAbsolute, resolve } from 'node:path'
import { type ErrorLocationIssue, LABELS, SystempromptError } from '@systemprompt/config/core'
import type { PostgresServerSpec, ServerKind } from '../spec.js'
import { configHash } from './config-hash.js'
import { readComposeHeader } from './header.js'
import {
  composeProjectName,
  dedicatedComposeProject,
  GENERATED_LABEL_KEYS,
  POSTGRES_CONTAINER_PORT,
  POSTGRES_DATA_DIR,
  ROLE_DEDICATED,
  ROLE_SHARED,
  SHARED_COMPOSE_PROJECT,
} from './names.js'
import { validateComposeDocument } from './schema-validation.js'
import { specProblems } from './spec-checks.js'
import { type KeyPath, parseYamlSource, type YamlSource } from './yaml-source.js'

type Dict = Record<string, unknown>

/** Where each spec field lives in the file, to point a problem found after extraction at a line. */
function fieldPath(service: string): Record<keyof PostgresServerSpec, KeyPath> {
  const svc = ['services', service]
  return {
    kind: [...svc, 'labels'],
    tenant: [...svc, 'labels'],
    service: svc,
    containerName: [...svc, 'container_name'],
    volumeName: ['volumes'],
    image: [...svc, 'image'],
    port: [...svc, 'ports'],
    adminUser: [...svc, 'environment'],
    database: [...svc, 'environment'],
    passwordFile: ['secrets'],
    project: [],
    projectId: [...svc, 'labels'],
    projectDir: [...svc, 'labels'],
    labels: [...svc, 'labels'],
  }
}

/**
 * Reads a compose file we generated (possibly edited by hand) back into the server spec. The file must be
 * a valid compose file and still declare everything the runner needs; otherwise COMPOSE_INVALID names the
 * file, the key path and the line. `file` must be absolute: the secret's `file:` is resolved against its
 * directory.
 */
export function parseComposeFile(text: string, file: string): PostgresServerSpec {
  const source = parseYamlSource(text, file)
  validateComposeDocument(source.data, file, source.locate)
  const problems = new ProblemList(file, source)
  const extracted = extractSpec(source.data as Dict, file, problems)
  const spec = extracted && { ...extracted, project: realisedProject(extracted, text, file) }
  if (spec) {
    const paths = fieldPath(spec.service)
    for (const p of specProblems(spec)) problems.add(paths[p.field], p.message)
  }
  problems.throwIfAny()
  return spec as PostgresServerSpec
}

function extractSpec(doc: Dict, file: string, problems: ProblemList): PostgresServerSpec | undefined {
  const services = Object.entries(asDict(doc.services))
  const only = services[0]
  if (services.length !== 1 || !only) {
    problems.add(['services'], `must declare exactly one service (found ${services.length})`)
    return undefined
  }
  const [service, rawService] = only
  const svc = asDict(rawService)
  const at = (...path: KeyPath): KeyPath => ['services', service, ...path]

  const labels = keyValues(svc.labels)
  const role = labels[LABELS.role]
  let kind: ServerKind = 'shared'
  if (role === ROLE_DEDICATED) kind = 'dedicated'
  else if (role !== ROLE_SHARED)
    problems.add(
      at('labels'),
      `label ${LABELS.role} must be "${ROLE_SHARED}" or "${ROLE_DEDICATED}" (found ${JSON.stringify(role ?? null)})`,
    )
  const tenant = labels[LABELS.tenant]
  if (kind === 'dedicated' && tenant === undefined)
    problems.add(at('labels'), `label ${LABELS.tenant} is missing`)
  const projectId = labels[LABELS.project]
  const projectDir = labels[LABELS.projectDir]

  const image = requiredString(svc, 'image', at('image'), problems)
  const containerName = requiredString(svc, 'container_name', at('container_name'), problems)

  const env = keyValues(svc.environment)
  if (env.POSTGRES_PASSWORD !== undefined)
    problems.add(
      at('environment'),
      'POSTGRES_PASSWORD must not be set: the password reaches the container as a secret file',
    )
  const adminUser = requiredEnv(env, 'POSTGRES_USER', at('environment'), problems)
  const database = requiredEnv(env, 'POSTGRES_DB', at('environment'), problems)
  const passwordFile = secretFile(doc, svc, env, file, at, problems)
  const port = publishedPort(svc.ports, at('ports'), problems)
  const volumeName = dataVolumeName(doc, svc, at('volumes'), problems)

  const extraLabels = Object.fromEntries(
    Object.entries(labels).filter(([key]) => !GENERATED_LABEL_KEYS.includes(key)),
  )
  const spec: PostgresServerSpec = {
    kind,
    tenant,
    service,
    containerName: containerName ?? '',
    volumeName: volumeName ?? '',
    image: image ?? '',
    port: port ?? 0,
    adminUser: adminUser ?? '',
    database: database ?? '',
    passwordFile: passwordFile ?? '',
    project: '',
    labels: extraLabels,
  }
  if (projectId !== undefined) spec.projectId = projectId
  if (projectDir !== undefined) spec.projectDir = projectDir
  if (spec.tenant === undefined) delete spec.tenant
  // Field checks only make sense once every field was found; missing ones are already reported.
  return problems.isEmpty() ? spec : undefined
}

/**
 * The compose project a file is realised under: `systemprompt-shared`, or `systemprompt-<project id>` for a
 * dedicated server. A file generated before servers had their own compose project (its header hash was
 * computed with the name Compose derives from the directory, `docker`) reads back under that old name, so
 * it is what generated it, byte for byte: `db up` regenerates it instead of taking it for a hand edit.
 */
function realisedProject(spec: PostgresServerSpec, text: string, file: string): string {
  const legacy = composeProjectName(dirname(file))
  const current =
    spec.kind === 'shared'
      ? SHARED_COMPOSE_PROJECT
      : spec.projectId !== undefined
        ? dedicatedComposeProject(spec.projectId)
        : legacy
  const header = readComposeHeader(text)
  if (current === legacy || !header) return current
  return header.inputHash === `sha256:${configHash({ ...spec, project: legacy })}` ? legacy : current
}

/** The host port of the single `127.0.0.1:<port>:5432` mapping. */
function publishedPort(ports: unknown, path: KeyPath, problems: ProblemList): number | undefined {
  const list = Array.isArray(ports) ? ports : []
  if (list.length !== 1) {
    problems.add(path, `must publish exactly one port as "127.0.0.1:<port>:${POSTGRES_CONTAINER_PORT}"`)
    return undefined
  }
  const match = /^(?:([^:]*):)?(\d+):(\d+)(?:\/tcp)?$/.exec(String(list[0]))
  if (!match || match[3] !== String(POSTGRES_CONTAINER_PORT)) {
    problems.add(
      [...path, 0],
      `must be "127.0.0.1:<port>:${POSTGRES_CONTAINER_PORT}" (found "${String(list[0])}")`,
    )
    return undefined
  }
  if (match[1] !== '127.0.0.1') {
    problems.add(
      [...path, 0],
      `must publish on 127.0.0.1 only (found "${String(list[0])}"): PostgreSQL stays off the network`,
    )
    return undefined
  }
  return Number(match[2])
}

/** The explicit name of the volume mounted at the data directory. */
function dataVolumeName(doc: Dict, svc: Dict, path: KeyPath, problems: ProblemList): string | undefined {
  const mounts = Array.isArray(svc.volumes) ? svc.volumes : []
  const index = mounts.findIndex((m) => mountTarget(m) === POSTGRES_DATA_DIR)
  const key = index >= 0 ? mountSource(mounts[index]) : undefined
  if (key === undefined) {
    problems.add(path, `must mount a named volume at ${POSTGRES_DATA_DIR}`)
    return undefined
  }
  const name = asDict(asDict(doc.volumes)[key]).name
  if (typeof name !== 'string' || name === '') {
    problems.add(['volumes', key], `volume "${key}" must have an explicit name:`)
    return undefined
  }
  return name
}

function mountTarget(mount: unknown): string | undefined {
  if (typeof mount === 'string') return mount.split(':')[1]
  const target = asDict(mount).target
  return typeof target === 'string' ? target : undefined
}

function mountSource(mount: unknown): string | undefined {
  if (typeof mount === 'string') return mount.split(':')[0]
  const source = asDict(mount).source
  return typeof source === 'string' ? source : undefined
}

/** POSTGRES_PASSWORD_FILE=/run/secrets/<key>, `<key>` listed in the service, backed by a `file:`. */
function secretFile(
  doc: Dict,
  svc: Dict,
  env: Record<string, string>,
  file: string,
  at: (...path: KeyPath) => KeyPath,
  problems: ProblemList,
): string | undefined {
  const mounted = /^\/run\/secrets\/([a-zA-Z0-9._-]+)$/.exec(env.POSTGRES_PASSWORD_FILE ?? '')
  const key = mounted?.[1]
  if (key === undefined) {
    problems.add(at('environment'), 'POSTGRES_PASSWORD_FILE must be /run/secrets/<secret>')
    return undefined
  }
  const listed = (Array.isArray(svc.secrets) ? svc.secrets : []).some(
    (s) => s === key || asDict(s).source === key,
  )
  if (!listed) problems.add(at('secrets'), `must list the secret "${key}"`)
  const secretPath = asDict(asDict(doc.secrets)[key]).file
  if (typeof secretPath !== 'string' || secretPath === '') {
    problems.add(['secrets', key], `secret "${key}" must be backed by a file:`)
    return undefined
  }
  return isAbsolute(secretPath) ? secretPath : resolve(dirname(file), secretPath)
}

function requiredString(dict: Dict, key: string, path: KeyPath, problems: ProblemList): string | undefined {
  const value = dict[key]
  if (typeof value === 'string' && value !== '') return value
  problems.add(path, `${key} is missing`)
  return undefined
}

function requiredEnv(
  env: Record<string, string>,
  key: string,
  path: KeyPath,
  problems: ProblemList,
): string | undefined {
  const value = env[key]
  if (value !== undefined && value !== '') return value
  problems.add(path, `${key} is missing`)
  return undefined
}

/** Compose's `list_or_dict`: `{K: v}` or `["K=v"]`, values as strings. */
function keyValues(value: unknown): Record<string, string> {
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((entry) => {
        const text = String(entry)
        const eq = text.indexOf('=')
        return eq < 0 ? [text, ''] : [text.slice(0, eq), text.slice(eq + 1)]
      }),
    )
  }
  return Object.fromEntries(
    Object.entries(asDict(value))
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  )
}

function asDict(value: unknown): Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : {}
}

class ProblemList {
  private readonly issues: ErrorLocationIssue[] = []

  constructor(
    private readonly file: string,
    private readonly source: YamlSource,
  ) {}

  add(keyPath: KeyPath, message: string): void {
    const at = this.source.locate(keyPath)
    const where = keyPath.length > 0 ? `${keyPath.join('.')}: ` : ''
    this.issues.push({
      code: 'COMPOSE_INVALID',
      message: `${where}${message}`,
      file: this.file,
      keyPath,
      line: at?.line,
      column: at?.column,
    })
  }

  isEmpty(): boolean {
    return this.issues.length === 0
  }

  throwIfAny(): void {
    const first = this.issues[0]
    if (!first) return
    throw new SystempromptError({
      code: 'COMPOSE_INVALID',
      message: `${this.file}${first.line ? `:${first.line}` : ''}: ${this.issues.map((i) => i.message).join('; ')}`,
      fix: `Fix the file by hand, or delete it and run 'systemprompt db up' to generate it again.`,
      category: 'user',
      file: this.file,
      keyPath: first.keyPath,
      line: first.line,
      column: first.column,
      issues: this.issues,
    })
  }
}
