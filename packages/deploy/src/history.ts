// What was deployed, per profile: .systemprompt/deploys/<profile>.json (image, digest, time, result), for
// `cloud deploy status` and `cloud deploy rollback`. No secrets in it.
import { join } from 'node:path'
import { type ProjectLayout, readOptionalJsonFile, updateJsonFile } from '@systemprompt/config'
import { z } from 'zod'

const KEEP = 50

const DeployRecordSchema = z.object({
  id: z.number().int().min(1),
  at: z.string(),
  target: z.enum(['docker', 'swarm']),
  service: z.string(),
  /** `<registry>/<repository>:<tag>@<digest>`, or the local image for an unpushed docker target. */
  image: z.string(),
  tag: z.string(),
  digest: z.string().nullable(),
  result: z.enum(['deployed', 'unchanged', 'rolled_back', 'failed']),
  ms: z.number().int().min(0),
  message: z.string().optional(),
})

const DeployHistorySchema = z.object({ deploys: z.array(DeployRecordSchema) })

export type DeployRecord = z.infer<typeof DeployRecordSchema>

function historyFile(layout: ProjectLayout, profile: string): string {
  return join(layout.dir, 'deploys', `${profile}.json`)
}

export function deployLockFile(layout: ProjectLayout, profile: string): string {
  return join(layout.locksDir, `deploy-${profile}.lock`)
}

/** The profile's deploys, newest first. */
export async function readHistory(layout: ProjectLayout, profile: string): Promise<DeployRecord[]> {
  const file = await readOptionalJsonFile(historyFile(layout, profile), DeployHistorySchema)
  return [...(file?.deploys ?? [])].reverse()
}

/** Appends a record (the oldest beyond {@link KEEP} dropped); returns it with its number. */
export async function recordDeploy(
  layout: ProjectLayout,
  profile: string,
  record: Omit<DeployRecord, 'id'>,
): Promise<DeployRecord> {
  let written: DeployRecord | undefined
  await updateJsonFile(
    historyFile(layout, profile),
    DeployHistorySchema,
    (current) => {
      const deploys = current?.deploys ?? []
      written = { id: (deploys.at(-1)?.id ?? 0) + 1, ...record }
      return { deploys: [...deploys, written].slice(-KEEP) }
    },
    { mode: 0o644, lockPath: join(layout.locksDir, `deploy-history-${profile}.lock`) },
  )
  return written as DeployRecord
}
