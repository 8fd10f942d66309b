// A login proven once per server start and password, so `db up` on a running server keeps its speed: a full
// login costs a backend start on the server (several times the startup-message probe), while the password
// a running server accepts only changes with its volume (a new container, so a new start) or an ALTER ROLE
// (which systemprompt never runs). The proof is keyed by container id, its State.StartedAt and the
// sha256 of the password; any difference means a real login again. It lives in the server's per-user
// directory beside its password file (0600), so it never says more than that file does.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { PostgresServerSpec } from '@systemprompt/compose'
import { sha256Hex } from '@systemprompt/compose'
import { SECRET_DIR_MODE, SECRET_FILE_MODE, writeFileAtomic } from '@systemprompt/config/core'
import type { ContainerInfo } from '@systemprompt/engine'
import { acceptsLogins, verifyLogin } from '../runner/probe.js'

interface LoginProof {
  containerId: string
  startedAt: string
  passwordSha256: string
}

function proofFile(spec: PostgresServerSpec): string {
  return join(dirname(spec.passwordFile), 'verified-login.json')
}

async function readProof(file: string): Promise<Partial<LoginProof> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<LoginProof>
  } catch {
    return undefined
  }
}

/** The proof on disk and the startup-message probe, begun before the container is known (`earlyLoginCheck`). */
export interface EarlyLoginCheck {
  proof: Promise<Partial<LoginProof> | undefined>
  accepts: Promise<boolean>
}

/**
 * Reads the proof and probes `spec`'s port at once, while the caller still inspects the container: on a running
 * server whose proof holds, the probe's answer is all `loginProven` needs, and the server's backend start then
 * overlaps the engine's round trip. Neither promise rejects; unused, they cost one refused or closed connection.
 */
export function earlyLoginCheck(spec: PostgresServerSpec): EarlyLoginCheck {
  return {
    proof: readProof(proofFile(spec)),
    accepts: acceptsLogins(spec.port, spec.adminUser, spec.database),
  }
}

/**
 * Does `password` open the running `container` now? A proof for this very start of the container and this
 * password: the startup-message probe (it is up and takes logins; `early`'s, when the caller began one).
 * Otherwise a real login, then the proof.
 */
export async function loginProven(
  spec: PostgresServerSpec,
  container: ContainerInfo,
  password: string,
  early?: EarlyLoginCheck,
): Promise<boolean> {
  const key = proofOf(container, password)
  const file = proofFile(spec)
  const proof = await (early?.proof ?? readProof(file))
  if (
    proof?.containerId === key.containerId &&
    proof.startedAt === key.startedAt &&
    proof.passwordSha256 === key.passwordSha256
  )
    return (await early?.accepts) || acceptsLogins(spec.port, spec.adminUser, spec.database)
  const outcome = await verifyLogin(spec.port, { user: spec.adminUser, database: spec.database, password })
  if (outcome.kind !== 'ok') return false
  await writeProof(file, key)
  return true
}

/** `password` just opened this start of `container` (a readiness wait logged in with it): the next `db up` needs no login. */
export async function recordLoginProof(
  spec: PostgresServerSpec,
  container: ContainerInfo,
  password: string,
): Promise<void> {
  await writeProof(proofFile(spec), proofOf(container, password))
}

function proofOf(container: ContainerInfo, password: string): LoginProof {
  return {
    containerId: container.Id,
    startedAt: container.State.StartedAt,
    passwordSha256: sha256Hex(password),
  }
}

async function writeProof(file: string, key: LoginProof): Promise<void> {
  // Best effort: without the proof the next `db up` logs in again.
  await writeFileAtomic(file, `${JSON.stringify(key)}\n`, {
    mode: SECRET_FILE_MODE,
    dirMode: SECRET_DIR_MODE,
  }).catch(() => {})
}
