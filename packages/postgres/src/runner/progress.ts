/** Steps the runner reports while it works; the CLI turns them into a spinner or plain lines. */
type RunnerStep =
  | 'inspect'
  | 'pull'
  | 'volume'
  | 'create'
  | 'start'
  | 'recreate'
  | 'wait'
  | 'ready'
  | 'stop'
  | 'remove'

interface RunnerProgressEvent {
  step: RunnerStep
  message: string
}

export type RunnerProgress = (event: RunnerProgressEvent) => void
