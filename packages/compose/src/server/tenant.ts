import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { assertTenantName, projectLayout, SystempromptError, withFileLock } from '@systemprompt/config'
import {
  DEFAULT_DEDICATED_PORT,
  dedicatedServerSpec,
  parseComposeFile,
  SECRET_MOUNT_PATH,
} from '../file/index.js'
import { suggestFreePort } from '../runner/ports.js'
import type { RunnerProgress } from '../runner/progress.js'
import { DEFAULT_READY_TIMEOUT_MS, upServer, volumeOrphanedError } from '../runner/up.js'
import type { PostgresServerSpec } from '../spec.js'
import {
  applyOverrides,
  engineFor,
  overridesFromEnv,
  type ProjectServerOptions,
  resolveImage,
  type ServerOverrides,
} from './context.js'
import { declareServer } from './declare.js'
import { type EnsureServerResult, ensurePasswordFile, newPassword } from './shared.js'

export interface EnsureTenantServerOptions extends Omit<ProjectServerOptions, 'root'> {
  /** Host port; default: the one in docker/<tenant>.yaml, else the first free port from 5433. */
  port?: number
  image?: string
  timeoutMs?: number
  onProgress?: RunnerProgress
  resetVolume?: boolean
}

/**
 * `db up --tenant T`: the tenant's dedicated server, declared in docker/<tenant>.yaml with its own admin
 * password in docker/.secrets/<tenant>.password (generated once, kept). Same realisation as the shared one.
 */
export async function ensureTenantServer(
  root: string,
  tenant: string,
  options: EnsureTenantServerOptions = {},
): Promise<EnsureServerResult> {
  const started = Date.now()
  assertTenantName(tenant)
  const env = options.env ?? process.env
  const layout = projectLayout(root)
  const engine = await engineFor(options)
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS
  const composeFile = layout.tenantCompose(tenant)
  const passwordFile = layout.tenantPasswordFile(tenant)

  return withFileLock(
    join(layout.locksDir, `tenant-server-${tenant}.lock`),
    async () => {
      const warnings: string[] = []
      const existingFile = await readDeclared(composeFile)
      const existingPassword = (await readFile(passwordFile, 'utf8').catch(() => undefined))?.replace(
        /[\r\n]+$/,
        '',
      )
      const port =
        options.port ??
        existingFile?.port ??
        (await suggestFreePort(
          engine,
          DEFAULT_DEDICATED_PORT,
          await portsOfOtherTenants(layout.dockerDir, tenant),
        ))
      const desired = tenantSpec(layout.dockerDir, tenant, {
        image: resolveImage(env, options.image, existingFile?.image),
        port,
        overrides: options.overrides ?? overridesFromEnv(env),
      })

      const container = await engine.containers.inspect(desired.containerName)
      if (
        container &&
        !container.Mounts.some((m) => m.Destination === SECRET_MOUNT_PATH && m.Source === passwordFile)
      ) {
        // Same tenant name in another project: its server, its password. Never take it over.
        throw new SystempromptError({
          code: 'SERVER_OWNED_ELSEWHERE',
          category: 'conflict',
          message: `Container ${desired.containerName} already exists and belongs to another project (its password file is not ${passwordFile})`,
          fix: `Use another tenant name, or remove that project's server first (\`docker rm -f ${desired.containerName}\` stops it; the data stays in its volume)`,
          details: { container: desired.containerName },
        })
      }
      const known = Boolean(existingFile) || existingPassword !== undefined
      if (!container && !known) {
        const volume = await engine.volumes.inspect(desired.volumeName)
        if (volume && !options.resetVolume) throw volumeOrphanedError(desired, volume)
      }

      const password = existingPassword || newPassword()
      await ensurePasswordFile(passwordFile, password)
      const declared = await declareServer(
        composeFile,
        desired,
        options.port !== undefined ? { port: options.port } : {},
      )
      if (declared.handEdited) warnings.push(`${composeFile} was edited by hand; it was used as it is.`)

      const up = await upServer(engine, declared.spec, {
        timeoutMs,
        password,
        composeFile,
        volumeKnown: known,
        ...(options.resetVolume ? { resetVolume: true } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      })
      return {
        spec: declared.spec,
        adminPassword: password,
        port: declared.spec.port,
        action: up.action,
        adopted: false,
        composeFile,
        composeHandEdited: declared.handEdited,
        elapsedMs: Date.now() - started,
        warnings,
      }
    },
    { timeoutMs: timeoutMs + 30_000 },
  )
}

export function tenantSpec(
  dockerDir: string,
  tenant: string,
  options: { image: string; port: number; overrides?: ServerOverrides | undefined },
): PostgresServerSpec {
  const spec = dedicatedServerSpec(tenant, {
    dockerDir,
    image: options.image,
    port: options.port,
    ...(options.overrides?.labels ? { labels: options.overrides.labels } : {}),
  })
  return applyOverrides(spec, options.overrides)
}

async function readDeclared(file: string): Promise<PostgresServerSpec | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  return parseComposeFile(text, file)
}

/** Ports declared by the other compose files of the project, so two stopped tenants never get one port. */
async function portsOfOtherTenants(dockerDir: string, tenant: string): Promise<number[]> {
  const { readdir } = await import('node:fs/promises')
  const names = await readdir(dockerDir).catch(() => [] as string[])
  const ports: number[] = []
  for (const name of names) {
    if (!name.endsWith('.yaml') || name === `${tenant}.yaml`) continue
    const spec = await readDeclared(join(dockerDir, name)).catch(() => undefined)
    if (spec) ports.push(spec.port)
  }
  return ports
}
