// One test run = one id. Every Docker object a run makes carries both labels, so `removeRun` finds it.
import { randomBytes } from 'node:crypto'
import { testImage } from './env.js'

/** Set on everything any test makes: `docker ps --filter label=systemprompt.test=1` lists all leftovers. */
export const TEST_LABEL = 'systemprompt.test'
/** Set to the run id: what one test file made, and nothing else. */
export const RUN_LABEL = 'systemprompt.test-run'

/** A fresh run id (8 hex digits), also usable as a Docker name suffix. */
export function newRunId(): string {
  return randomBytes(4).toString('hex')
}

export function testLabels(run: string): Record<string, string> {
  return { [TEST_LABEL]: '1', [RUN_LABEL]: run }
}

/**
 * The settings the CLI binary runs with in tests: `instance` suffixes its Docker names (default: the run
 * id), the labels mark what it makes as this run's, and the image is the test image.
 */
export function cliTestEnv(run: string, instance: string = run): Record<string, string> {
  return {
    SYSTEMPROMPT_INSTANCE: instance,
    SYSTEMPROMPT_LABELS: Object.entries(testLabels(run))
      .map(([key, value]) => `${key}=${value}`)
      .join(','),
    SYSTEMPROMPT_POSTGRES_IMAGE: testImage(),
  }
}
