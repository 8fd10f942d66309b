// What the two targets share: the options of a rollout, its result, the labels we put on what we deploy.
import { createHash } from 'node:crypto'
import type { DeploySettings } from '@systemprompt/config'
import type { Engine } from '@systemprompt/engine'

export const DEPLOY_LABELS = {
  project: 'systemprompt.project',
  profile: 'systemprompt.profile',
  /** On a secret: the service it belongs to (old ones are pruned after a rollout). */
  service: 'systemprompt.deploy.service',
  /** Hash of the whole spec we asked for: equal means an unchanged deploy. */
  spec: 'systemprompt.deploy.spec',
  /** Hash of the task template: equal means no rolling update (only replicas or labels changed). */
  task: 'systemprompt.deploy.task',
} as const

export interface RolloutOptions {
  engine: Engine
  service: string
  /** What runs: `registry/repo:tag@digest`, or a local image id for an unpushed docker target. */
  image: string
  settings: DeploySettings
  /** The port the app listens on in the container. */
  containerPort: number
  /** Secrets (NAME → value): Swarm secrets or files in the container, reaching the app as NAME_FILE. */
  secretEnv: Record<string, string>
  /** Environment that is not secret (RUST_LOG, HOST). */
  plainEnv: Record<string, string>
  /** Labels on every object made (project, profile, and a test run's). */
  labels: Record<string, string>
  /** X-Registry-Auth (base64url JSON of the credentials). */
  auth: string
  /** Whether the deploying machine reaches the published port on 127.0.0.1 (a local engine). */
  localEngine: boolean
  onProgress?: (message: string) => void
  signal?: AbortSignal | undefined
}

/** What runs now on a target: its image, tasks (or the container) running of desired, state, since when. */
export interface RunningState {
  image: string | undefined
  running: number
  desired: number
  state: string | undefined
  since: string | undefined
}

export interface RolloutResult {
  state: 'created' | 'updated' | 'unchanged'
  ms: number
  previousImage?: string | undefined
  secretsRemoved?: number
}

/** A stable hash of a JSON value (keys sorted). */
export function specHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical)
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, x]) => x !== undefined)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, x]) => [k, canonical(x)]),
      )
    return v
  }
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex')
    .slice(0, 16)
}
