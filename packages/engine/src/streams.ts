import { PassThrough, type Readable } from 'node:stream'
import { SystempromptError } from '@systemprompt/config/core'
import type Dockerode from 'dockerode'
import { EngineErrorCode } from './errors.js'

/** One event of a build/pull/push progress stream. */
export interface ProgressEvent {
  status?: string
  id?: string
  progress?: string
  stream?: string
  aux?: unknown
  error?: string
  errorDetail?: { code?: number; message?: string }
}

/**
 * Reads a whole progress stream. Build, pull and push failures do not reject the request: they arrive as
 * `{error}` events inside an HTTP 200 stream, so every event is checked and the first error fails the call.
 */
export function followProgress(
  docker: Dockerode,
  stream: NodeJS.ReadableStream,
  onEvent?: (event: ProgressEvent) => void,
  action = 'read the engine progress stream',
): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    let failure: ProgressEvent | undefined
    docker.modem.followProgress(
      stream,
      (err: Error | null, events: ProgressEvent[]) => {
        if (err) return reject(streamError(action, err.message, err))
        const firstError = failure ?? events.find((e) => e.error || e.errorDetail)
        if (firstError) return reject(streamError(action, progressErrorText(firstError)))
        resolve(events)
      },
      (event: ProgressEvent) => {
        if ((event.error || event.errorDetail) && !failure) failure = event
        onEvent?.(event)
      },
    )
  })
}

/** Collects newline-delimited JSON events from a raw stream, failing on an `{error}` event. */
export async function readStream(
  stream: Readable,
  action = 'read the engine stream',
): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = []
  let rest = ''
  for await (const chunk of stream) {
    rest += chunk.toString()
    const lines = rest.split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) pushEvent(events, line)
  }
  pushEvent(events, rest)
  const failure = events.find((e) => e.error || e.errorDetail)
  if (failure) throw streamError(action, progressErrorText(failure))
  return events
}

function pushEvent(events: ProgressEvent[], line: string): void {
  const text = line.trim()
  if (!text) return
  try {
    events.push(JSON.parse(text) as ProgressEvent)
  } catch {
    events.push({ stream: text })
  }
}

function progressErrorText(event: ProgressEvent): string {
  return event.errorDetail?.message ?? event.error ?? 'unknown error'
}

function streamError(action: string, detail: string, cause?: unknown): SystempromptError {
  return new SystempromptError({
    code: EngineErrorCode.stream,
    category: 'engine',
    message: `Could not ${action}: ${detail}`,
    fix: 'Read the engine message above; fix its cause and retry',
    cause,
  })
}

/**
 * Splits a multiplexed (non-TTY) log or exec payload that arrived as one buffer: frames of an 8-byte
 * header (stream type, 3 zero bytes, big-endian length) followed by the payload.
 */
export function demuxBuffer(buffer: Buffer): { stdout: Buffer; stderr: Buffer } {
  // A buffer that is not multiplexed at all (TTY container) is plain output.
  if (buffer.length > 0 && !looksMultiplexed(buffer)) return { stdout: buffer, stderr: Buffer.alloc(0) }
  const out: Buffer[] = []
  const err: Buffer[] = []
  let offset = 0
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset]
    const length = buffer.readUInt32BE(offset + 4)
    const frame = buffer.subarray(offset + 8, offset + 8 + length)
    if (type === 2) err.push(frame)
    else out.push(frame)
    offset += 8 + length
  }
  // A buffer that is not multiplexed at all (TTY container) is plain output.
  if (offset === 0 && buffer.length > 0 && !looksMultiplexed(buffer))
    return { stdout: buffer, stderr: Buffer.alloc(0) }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) }
}

function looksMultiplexed(buffer: Buffer): boolean {
  const type = buffer[0]
  return (type === 0 || type === 1 || type === 2) && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0
}

/** Demultiplexes a live stream into one readable of stdout and stderr interleaved (what `docker logs` shows). */
export function demuxToSingle(
  docker: Dockerode,
  source: NodeJS.ReadableStream & { destroy?: () => void },
): Readable {
  const merged = new PassThrough()
  docker.modem.demuxStream(source, merged, merged)
  source.on('end', () => merged.end())
  source.on('error', (error) => merged.destroy(error))
  // The consumer stops a follow by destroying what we returned: close the socket underneath too.
  merged.on('close', () => source.destroy?.())
  return merged
}
