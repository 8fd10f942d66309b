import { printable } from '@systemprompt/command'

/**
 * Plain aligned columns for human output (no colours: output may be piped), as lines for `logLines`. A
 * cell's control characters (a name, a URL from a file) are shown as escapes before the columns are
 * measured, so a cell stays in its row and the columns stay aligned.
 */
export function table(headers: string[], rawRows: string[][]): string[] {
  const rows = rawRows.map((row) => row.map((cell) => printable(cell)))
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)]
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-'
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}
