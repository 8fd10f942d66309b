import { afterAll, expect, it } from 'vitest'
import { docker, newRunId, removeRun, testImage, testLabels } from './index.js'

const run = newRunId()
const other = newRunId()
const labelArgs = (id: string) => Object.entries(testLabels(id)).flatMap(([k, v]) => ['--label', `${k}=${v}`])

afterAll(() => {
  removeRun(other)
})

it('removeRun removes the containers, volumes and networks of its run only', () => {
  docker(['volume', 'create', ...labelArgs(run), `sp-testkit-${run}`])
  docker(['network', 'create', ...labelArgs(run), `sp-testkit-${run}`])
  docker([
    'create',
    ...labelArgs(run),
    '-v',
    `sp-testkit-${run}:/data`,
    '--name',
    `sp-testkit-${run}`,
    testImage(),
  ])
  docker(['volume', 'create', ...labelArgs(other), `sp-testkit-${other}`])
  removeRun(run)
  const left = (kind: string[], id: string) =>
    docker([...kind, '-q', '--filter', `label=systemprompt.test-run=${id}`])
  expect(left(['ps', '-a'], run)).toBe('')
  expect(left(['volume', 'ls'], run)).toBe('')
  expect(left(['network', 'ls'], run)).toBe('')
  expect(left(['volume', 'ls'], other)).toBe(`sp-testkit-${other}`)
})
