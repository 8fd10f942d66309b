/** When a child that exited is started again. */
export interface RestartPolicy {
  /** First delay; it doubles with every restart inside the window. */
  initialMs: number
  /** Longest delay. */
  maxMs: number
  /** More restarts than this within `windowMs`: give up on the child. */
  maxRestarts: number
  windowMs: number
}

/**
 * What to do after an exit, given the times of the child's earlier restarts: give up when `maxRestarts` of
 * them fall within the last `windowMs`, else wait `initialMs * 2^n` (at most `maxMs`), n being the restarts
 * in the window (so a child that ran quietly for a window starts again from the first delay).
 */
export function restartDecision(
  restartTimes: number[],
  now: number,
  policy: RestartPolicy,
): { giveUp: true } | { giveUp: false; delayMs: number } {
  const recent = restartTimes.filter((at) => now - at < policy.windowMs).length
  if (recent >= policy.maxRestarts) return { giveUp: true }
  return { giveUp: false, delayMs: Math.min(policy.initialMs * 2 ** recent, policy.maxMs) }
}
