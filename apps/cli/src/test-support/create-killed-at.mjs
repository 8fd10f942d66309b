#!/usr/bin/env node
// Test-only: `cloud tenant create --name NAME` (shared) as the CLI runs it (the same settings, read from the
// same environment, and registry's createTenant), except that the process kills itself with SIGKILL when
// createTenant reaches STEP. This proves that an interruption at any named step leaves a state that
// `systemprompt db doctor --fix` repairs, without a test hook in the production command.
//
//   node create-killed-at.mjs NAME STEP      (in the project directory; exit 2 on a bad step)
import { projectLayout, requireProjectRoot } from '@systemprompt/config/core'
import { CREATE_STEPS, createTenant } from '@systemprompt/registry'
import { dbSettings } from '../../dist/settings.js'

const [name, step] = process.argv.slice(2)
if (!name || !CREATE_STEPS.includes(step)) {
  process.stderr.write(`usage: create-killed-at.mjs NAME STEP (STEP: ${CREATE_STEPS.join(', ')})\n`)
  process.exit(2)
}
const layout = projectLayout(requireProjectRoot(process.cwd()))
const { server, timeoutMs } = await dbSettings(layout)
await createTenant({
  root: layout.root,
  name,
  database: 'shared',
  server,
  timeoutMs,
  onStep: (reached) => {
    if (reached === step) process.kill(process.pid, 'SIGKILL')
  },
})
// Reaching this line means the step never came: the test sees exit 0 instead of SIGKILL.
