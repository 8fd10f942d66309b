// What the three `cloud deploy` commands share: the engines (this machine's for builds, deploy.engine's for
// the app), the credential sources, the step printer (a listr2 task list on a terminal, plain lines otherwise).
import type { DeployOptions, DeployStep, StepEvent } from '@systemprompt/deploy'
import type { Engine } from '@systemprompt/engine'
import { cliEnv } from './settings.js'

export async function deployEngines(): Promise<
  Pick<DeployOptions, 'buildEngine' | 'targetEngine' | 'credentials' | 'labels'>
> {
  const machine = await cliEnv()
  const { connectEngine } = await import('@systemprompt/engine')
  let local: Promise<Engine> | undefined
  const buildEngine = () => {
    local ??= connectEngine({ env: machine.docker })
    return local
  }
  return {
    buildEngine,
    targetEngine: (endpoint) =>
      endpoint === undefined || endpoint === machine.docker.DOCKER_HOST
        ? buildEngine()
        : connectEngine({ env: { ...machine.docker, DOCKER_HOST: endpoint } }),
    credentials: {
      ...machine.registry,
      helperEnv: (await import('@systemprompt/config/core')).userProgramEnv(),
    },
    ...(Object.keys(machine.labels).length > 0 ? { labels: machine.labels } : {}),
  }
}

const TITLES: Record<DeployStep, string> = {
  release: 'Build release binary',
  mcp: 'Build MCP servers',
  image: 'Build image',
  push: 'Push to registry',
  rollout: 'Roll out',
  verify: 'Verify health',
  record: 'Record deploy',
}

export interface StepPrinter {
  onStep(event: StepEvent): void
  /** Ends the task list (success or not) before anything else is printed. */
  finish(): Promise<void>
}

/** Plain lines ("release: skipped (unchanged ...)") for logs and pipes; nothing under --json. */
export function plainSteps(command: { log(message: string): void }, json: boolean): StepPrinter {
  return {
    onStep(event) {
      if (json || event.state === 'start' || event.state === 'progress') return
      command.log(`${event.step.padEnd(8)} ${event.state}${event.detail ? `: ${event.detail}` : ''}`)
    },
    async finish() {},
  }
}

/**
 * A listr2 task list on a terminal: one task per step, its title updated with the step's outcome, the current
 * progress as its output line. The steps run in the pipeline; each task only waits for its step's end.
 */
/**
 * `clean` masks what a step says (a task's log tail may hold a URL with a password): the task list writes to
 * the terminal itself, past the command's own masking.
 */
export async function taskListSteps(
  steps: readonly DeployStep[],
  clean: (text: string) => string,
): Promise<StepPrinter> {
  const { Listr } = await import('listr2')
  type Waiter = { resolve(e: StepEvent): void; reject(e: Error): void; promise: Promise<StepEvent> }
  const waiters = new Map<DeployStep, Waiter>()
  const outputs = new Map<DeployStep, (text: string) => void>()
  for (const step of steps) {
    let resolve!: (e: StepEvent) => void
    let reject!: (e: Error) => void
    const promise = new Promise<StepEvent>((res, rej) => {
      resolve = res
      reject = rej
    })
    promise.catch(() => undefined)
    waiters.set(step, { resolve, reject, promise })
  }
  const list = new Listr(
    steps.map((step) => ({
      title: TITLES[step],
      task: async (_ctx: unknown, task: { output: string; title: string; skip(message?: string): void }) => {
        outputs.set(step, (text) => {
          task.output = clean(text)
        })
        const end = await (waiters.get(step) as Waiter).promise
        if (end.state === 'skipped') task.skip(clean(`${TITLES[step]}: ${end.detail ?? 'skipped'}`))
        else task.title = clean(`${TITLES[step]}: ${end.detail ?? 'done'}`)
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      rendererOptions: { collapseSkips: false },
      registerSignalListeners: false,
    },
  )
  const running = list.run().catch(() => undefined)
  return {
    onStep(event) {
      const waiter = waiters.get(event.step)
      if (!waiter) return
      if (event.state === 'progress' && event.detail) outputs.get(event.step)?.(event.detail)
      if (event.state === 'skipped' || event.state === 'done') waiter.resolve(event)
      if (event.state === 'failed') waiter.reject(new Error(clean(event.detail ?? 'failed')))
    },
    async finish() {
      // Steps never reached (an earlier one failed) end the list too.
      for (const waiter of waiters.values()) waiter.reject(new Error('not run'))
      await running
    },
  }
}
