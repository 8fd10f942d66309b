import type { BuildEvent } from '@systemprompt/image'

/**
 * How `docker build` and `docker compose` show an image build: warnings always (through `warn`, so they
 * reach the --json envelope), the context summary and the engine's step lines only without --json.
 */
export function buildProgress(
  command: { log(text: string): void; warn(text: string): void },
  json: boolean,
): (event: BuildEvent) => void {
  return (event) => {
    if (event.kind === 'warning') command.warn(event.message)
    else if (json) return
    else if (event.kind === 'context')
      command.log(
        `Context: ${event.files} entries, ${(event.bytes / 1024 / 1024).toFixed(1)} MB (sha256:${event.digest.slice(0, 12)})`,
      )
    else if (event.event.stream?.trim()) command.log(event.event.stream.replace(/\n$/, ''))
    else if (event.event.status) command.log(event.event.status)
  }
}
