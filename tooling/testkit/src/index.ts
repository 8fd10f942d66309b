export {
  CLI_BIN,
  CLI_ROOT,
  type CliOptions,
  type CliRun,
  type Envelope,
  runCli,
  STACK_FRAME,
  spawnCli,
} from './cli.js'
export { DOCKER, docker, removeRun } from './docker.js'
export { childEnv, DEFAULT_TEST_IMAGE, testImage } from './env.js'
export { cliTestEnv, newRunId, RUN_LABEL, TEST_LABEL, testLabels } from './labels.js'
export { freePort } from './ports.js'
export {
  type PostgresLogin,
  startTestPostgres,
  type TestPostgres,
  type TestPostgresOptions,
  waitForPostgres,
} from './postgres.js'
export {
  removeDir,
  type TempDir,
  type TempProject,
  type TempProjectOptions,
  tempDir,
  tempProject,
} from './temp.js'
export { snapshotTree } from './tree.js'
