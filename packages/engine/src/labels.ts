// The label keys are defined once, in @systemprompt/config (constants.ts); the engine re-exports them for
// its callers and keeps what only it needs (the claimed compose version, the filter syntax).
export { COMPOSE_LABELS, LABELS } from '@systemprompt/config/core'

/** The compose version we claim in labels: the v1 line that Debian ships, which reads these labels. */
export const COMPOSE_VERSION = '1.29.2'

/** A label filter: `true` means "has the label", a string means "has it with this value". */
export type LabelFilter = Record<string, string | true>

/** Engine API `filters` value for a label filter (`["key=value", "key"]`). */
export function labelFilterArgs(filter: LabelFilter): string[] {
  return Object.entries(filter).map(([key, value]) => (value === true ? key : `${key}=${value}`))
}
