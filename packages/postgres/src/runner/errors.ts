import type { PostgresServerSpec } from '@systemprompt/compose'
import { SystempromptError } from '@systemprompt/config/core'

/** Describes a server for messages: "shared PostgreSQL server (container systemprompt-postgres-shared)". */
export function serverLabel(spec: PostgresServerSpec): string {
  const what =
    spec.kind === 'shared' ? 'shared PostgreSQL server' : `PostgreSQL server of tenant ${spec.tenant}`
  return `${what} (container ${spec.containerName})`
}

/** The `db` command line that targets this server, for fixes. */
export function dbCommand(spec: PostgresServerSpec, verb: string, extra = ''): string {
  const tenant = spec.kind === 'dedicated' && spec.tenant ? ` --tenant ${spec.tenant}` : ''
  return `systemprompt db ${verb}${tenant}${extra ? ` ${extra}` : ''}`
}

export function serverNotFound(spec: PostgresServerSpec): SystempromptError {
  return new SystempromptError({
    code: 'SERVER_NOT_FOUND',
    category: 'user',
    message: `The ${serverLabel(spec)} does not exist`,
    fix: `Start it with \`${dbCommand(spec, 'up')}\``,
    details: { container: spec.containerName },
  })
}

/** Removes a secret from text we are about to show (log lines). */
export function scrub(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text
  return text.split(secret).join('********')
}

/** The last `count` non-empty lines. */
export function lastLines(text: string, count: number): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter(Boolean)
    .slice(-count)
}
