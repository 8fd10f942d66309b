import { dirname, isAbsolute, relative, sep } from 'node:path'
import type { PostgresServerSpec } from '../spec.js'
import { configHash } from './config-hash.js'
import { renderHeader } from './header.js'
import { containerLabels, volumeLabels } from './labels.js'
import { yaml } from './lazy-yaml.js'
import {
  POSTGRES_CONTAINER_PORT,
  POSTGRES_DATA_DIR,
  SECRET_KEY,
  SECRET_MOUNT_PATH,
  VOLUME_KEY,
} from './names.js'

/** Compose project names we give (files generated before had the directory's name, and no hint). */
const OUR_PROJECT = /^systemprompt-/

import { assertValidSpec } from './spec-checks.js'

export interface RenderOptions {
  /** Version of the generating package/CLI, written into the header. */
  generatorVersion: string
  /**
   * Directory the compose file will live in; the secret's `file:` is written relative to it so the file
   * keeps working when the project moves. Default: the parent of the password file's directory
   * (`<dockerDir>/.secrets/x.password` -> `<dockerDir>`).
   */
  composeDir?: string
}

/** Healthcheck timing. `-h 127.0.0.1`: over the socket the official image reports ready during its init. */
export const HEALTHCHECK_TIMING = { interval: '5s', timeout: '5s', retries: 5, start_period: '10s' } as const

export function healthcheckTest(spec: PostgresServerSpec): string[] {
  return ['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', spec.adminUser, '-d', spec.database]
}

/** `127.0.0.1:<port>:5432` — published on loopback only. */
function portMapping(spec: PostgresServerSpec): string {
  return `127.0.0.1:${spec.port}:${POSTGRES_CONTAINER_PORT}`
}

/** The plain object of the compose document (no header); key order here is the key order in the file. */
function composeDocument(spec: PostgresServerSpec, composeDir?: string): Record<string, unknown> {
  assertValidSpec(spec)
  return {
    services: {
      [spec.service]: {
        image: spec.image,
        container_name: spec.containerName,
        restart: 'unless-stopped',
        // The default bridge: no per-project network, so `down` of one file never tries to remove a
        // network the other servers of the same directory (same compose project) still use.
        network_mode: 'bridge',
        environment: {
          POSTGRES_USER: spec.adminUser,
          POSTGRES_DB: spec.database,
          // The password reaches the container as a file, never as a value visible in `docker inspect`.
          POSTGRES_PASSWORD_FILE: SECRET_MOUNT_PATH,
        },
        secrets: [SECRET_KEY],
        ports: [portMapping(spec)],
        volumes: [`${VOLUME_KEY}:${POSTGRES_DATA_DIR}`],
        healthcheck: { test: healthcheckTest(spec), ...HEALTHCHECK_TIMING },
        labels: containerLabels(spec),
      },
    },
    volumes: {
      [VOLUME_KEY]: { name: spec.volumeName, labels: volumeLabels(spec) },
    },
    secrets: {
      [SECRET_KEY]: {
        file: secretFileReference(spec.passwordFile, composeDir ?? dirname(dirname(spec.passwordFile))),
      },
    },
  }
}

/**
 * The YAML text of a compose file: header comment, then the document. Deterministic: the same spec and
 * version always give the same bytes (the header hash and snapshots rely on it). No `version:` key —
 * docker-compose 1.29 reads a file with `services:` and no version as the Compose Specification, and
 * no top-level `name:` — 1.29 rejects it.
 */
export function renderComposeFile(spec: PostgresServerSpec, opts: RenderOptions): string {
  const { Document, isSeq } = yaml()
  const doc = new Document(composeDocument(spec, opts.composeDir))
  const test = doc.getIn(['services', spec.service, 'healthcheck', 'test'], true)
  if (isSeq(test)) test.flow = true
  const body = doc.toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 })
  return renderHeader(opts.generatorVersion, `sha256:${configHash(spec)}`, composeHint(spec)) + body
}

/**
 * How to point docker-compose at the file: the `.env` beside it names the project's dedicated servers'
 * compose project, so the machine-wide shared server needs its own `-p`.
 */
function composeHint(spec: PostgresServerSpec): string[] {
  if (!OUR_PROJECT.test(spec.project)) return []
  if (spec.kind === 'shared')
    return [
      `docker-compose -p ${spec.project} -f shared.yaml ps|logs|stop (machine-wide: the .env here names this project's dedicated servers)`,
    ]
  return [
    `compose project ${spec.project} (set in the .env beside this file): docker-compose -f ${spec.tenant}.yaml ps|logs|stop`,
  ]
}

/**
 * Relative to the compose file when the password file lives under the project's docker directory (the file
 * keeps working when the project moves); absolute when it lives elsewhere (the shared server's password
 * file is per user, outside any project).
 */
function secretFileReference(passwordFile: string, composeDir: string): string {
  const rel = relative(composeDir, passwordFile).split(sep).join('/')
  if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) return passwordFile
  return `./${rel}`
}
