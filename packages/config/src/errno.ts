/** The errno code (`ENOENT`, `EACCES`, ...) of a failed Node.js call; undefined for other errors. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
