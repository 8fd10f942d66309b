import { PassThrough, type Readable } from 'node:stream'
import { SystempromptError } from '@systemprompt/config/core'
import { EngineErrorCode } from './errors.js'
import { REQUEST_TIMEOUT } from './transport.js'

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
 * Reads a whole progress stream (newline-delimited JSON). Build, pull and push failures do not reject the
 * request: they arrive as `{error}` events inside an HTTP 200 stream, so every event is checked and the
 * first error fails the call (ENGINE_STREAM_ERROR), as does a stream that breaks off.
 */
export async function readProgress(
  stream: Readable,
  action: string,
  onEvent?: (event: ProgressEvent) => void,
): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = []
  let failure: ProgressEvent | undefined
  const push = (line: string): void => {
    const event = parseEvent(line)
    if (!event) return
    events.push(event)
    if ((event.error || event.errorDetail) && !failure) failure = event
    onEvent?.(event)
  }
  let rest = ''
  try {
    for await (const chunk of stream) {
      rest += chunk.toString()
      const lines = rest.split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) push(line)
    }
  } catch (error) {
    // A timeout keeps its own code (ENGINE_TIMEOUT at the edge); any other break is a stream failure.
    if ((error as { code?: unknown }).code === REQUEST_TIMEOUT) throw error
    throw streamError(action, (error as Error).message, error)
  }
  push(rest)
  if (failure) throw streamError(action, failure.errorDetail?.message ?? failure.error ?? 'unknown error')
  return events
}

function parseEvent(line: string): ProgressEvent | undefined {
  const text = line.trim()
  if (!text) return undefined
  try {
    return JSON.parse(text) as ProgressEvent
  } catch {
    return { stream: text }
  }
}

function streamError(action: string, detail: string, cause?: unknown): SystempromptError {
  return new SystempromptError({
    code: EngineErrorCode.stream,
    category: 'engine',
    message: `Could not ${action}: ${detail}`,
    fix: 'Read the engine message above; fix its cause and retry',
    // The engine's words alone, for callers that word the message themselves (a failed pull).
    details: { engineMessage: detail },
    ...(cause === undefined ? {} : { cause }),
  })
}

/**
 * Docker's multiplexed (non-TTY) log and exec framing: an 8-byte header (stream type 0/1/2, three zero
 * bytes, big-endian payload length), then the payload. Fed chunk by chunk, frames may span chunk borders.
 * Ours rather than docker-modem's `demuxStream`: that module loads ssh2 for 30 lines of framing
 * (bench/engine-transport.mjs has the number).
 */
export class FrameDecoder {
  private pending = Buffer.alloc(0)

  constructor(private readonly onFrame: (stream: 'stdout' | 'stderr', payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    while (buffer.length >= 8) {
      const length = buffer.readUInt32BE(4)
      if (buffer.length < 8 + length) break
      this.onFrame(buffer[0] === 2 ? 'stderr' : 'stdout', buffer.subarray(8, 8 + length))
      buffer = buffer.subarray(8 + length)
    }
    this.pending = Buffer.from(buffer)
  }
}

/** Splits a multiplexed (non-TTY) log or exec payload that arrived as one buffer. */
export function demuxBuffer(buffer: Buffer): { stdout: Buffer; stderr: Buffer } {
  // A buffer that is not multiplexed at all (TTY container) is plain output.
  if (buffer.length > 0 && !looksMultiplexed(buffer)) return { stdout: buffer, stderr: Buffer.alloc(0) }
  const out: Buffer[] = []
  const err: Buffer[] = []
  new FrameDecoder((stream, payload) => (stream === 'stderr' ? err : out).push(payload)).push(buffer)
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) }
}

function looksMultiplexed(buffer: Buffer): boolean {
  const type = buffer[0]
  return (type === 0 || type === 1 || type === 2) && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0
}

/** Demultiplexes a live stream into one readable of stdout and stderr interleaved (what `docker logs` shows). */
export function demuxToSingle(source: Readable): Readable {
  const merged = new PassThrough()
  const decoder = new FrameDecoder((_stream, payload) => merged.write(payload))
  source.on('data', (chunk: Buffer) => decoder.push(chunk))
  source.on('end', () => merged.end())
  source.on('error', (error) => merged.destroy(error))
  // The consumer stops a follow by destroying what we returned: close the socket underneath too.
  merged.on('close', () => source.destroy())
  return merged
}

/** Reads a whole multiplexed stream (exec output) into its stdout and stderr text. */
export async function demuxToText(source: Readable): Promise<{ stdout: string; stderr: string }> {
  const out: Buffer[] = []
  const err: Buffer[] = []
  const decoder = new FrameDecoder((stream, payload) => (stream === 'stderr' ? err : out).push(payload))
  for await (const chunk of source) decoder.push(chunk as Buffer)
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }
}
