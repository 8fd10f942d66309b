// The one place tests read the environment: the test image, and the environment a child process gets.

/** The PostgreSQL image tests run (TESTBED.md: built here, never pulled). */
export const DEFAULT_TEST_IMAGE = 'systemprompt-testbed/postgres:15'

/** SYSTEMPROMPT_POSTGRES_IMAGE when set, else the test bed's image. */
export function testImage(): string {
  return process.env.SYSTEMPROMPT_POSTGRES_IMAGE || DEFAULT_TEST_IMAGE
}

// Settings of the test process that would change a child's output (colour, debug lines, a compose project).
const DROPPED = [
  'DEBUG',
  'SYSTEMPROMPT_DEBUG',
  'SYSTEMPROMPT_CONTENT_TYPE',
  'FORCE_COLOR',
  'COMPOSE_PROJECT_NAME',
  'COMPOSE_FILE',
]

/**
 * The test process's environment for a child (the CLI, docker-compose) without what would change its
 * output, plus `extra`. A key set to `undefined` in `extra` is removed.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  for (const key of DROPPED) delete env[key]
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}
