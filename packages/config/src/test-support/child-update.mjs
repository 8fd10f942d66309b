// Child process for the concurrency test: adds entries to a shared JSON file through updateJsonFile.
// Runs against the built package (dist), like every other consumer. All children wait at a barrier (the file
// `go` in barrierDir) so their updates really overlap instead of running one after another as they start.
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'

const [distIndex, file, id, barrierDir, rounds, mode] = process.argv.slice(2)
const { updateJsonFile, parseJsonFile, writeFileAtomic } = await import(distIndex)
const Counter = z.strictObject({ count: z.number().int(), entries: z.array(z.string()) })

await writeFile(join(barrierDir, `ready-${id}`), '')
while (!existsSync(join(barrierDir, 'go'))) await new Promise((resolve) => setTimeout(resolve, 5))

const next = async (current) => {
  const base = current ?? { count: 0, entries: [] }
  // Yield inside the critical section so that a missing lock shows as lost updates.
  await new Promise((resolve) => setTimeout(resolve, 2))
  return { count: base.count + 1, entries: [...base.entries, `${id}-${base.count}`] }
}

for (let round = 0; round < Number(rounds); round++) {
  if (mode === 'unlocked') {
    // Negative control for manual checks: the same read-modify-write without the lock.
    const current = existsSync(file) ? await parseJsonFile(file, Counter) : undefined
    await writeFileAtomic(file, JSON.stringify(await next(current)))
  } else {
    await updateJsonFile(file, Counter, next, { timeoutMs: 60_000 })
  }
}
