import { describe, expect, it } from 'vitest'
import type { MigrationFile } from './files.js'
import { type HistoryRow, missingFileMessages, planMigrations, planRefusal } from './plan.js'

const file = (version: number, checksum = `sum${version}`): MigrationFile => ({
  version,
  name: `m${version}`,
  file: `000${version}_m${version}.sql`,
  path: `/m/000${version}_m${version}.sql`,
  checksum,
  sql: 'SELECT 1;',
  noTransaction: false,
})
const row = (version: number, checksum = `sum${version}`): HistoryRow => ({
  version,
  name: `m${version}`,
  checksum,
  appliedAt: '2026-01-01T00:00:00.000Z',
  executionMs: 1,
  appliedBy: 'test',
})

describe('planMigrations', () => {
  it('pending is what the history lacks, in order', () => {
    const plan = planMigrations([file(1), file(2), file(3)], [row(1)])
    expect(plan.pending.map((f) => f.version)).toEqual([2, 3])
    expect(planRefusal(plan, {})).toBeUndefined()
  })

  it('an edited applied file refuses the run naming the file and both hashes', () => {
    const plan = planMigrations([file(1, 'new'), file(2)], [row(1, 'old')])
    const error = planRefusal(plan, {})
    expect(error?.code).toBe('MIGRATION_CHECKSUM_MISMATCH')
    expect(error?.message).toContain('0001_m1.sql')
    expect(error?.message).toContain('old')
    expect(error?.message).toContain('new')
  })

  it('a pending version below the highest applied refuses unless allowed', () => {
    const plan = planMigrations([file(1), file(2), file(3)], [row(1), row(3)])
    expect(plan.outOfOrder.map((f) => f.version)).toEqual([2])
    expect(planRefusal(plan, {})?.code).toBe('MIGRATION_OUT_OF_ORDER')
    expect(planRefusal(plan, { allowOutOfOrder: true })).toBeUndefined()
  })

  it('an applied file missing on disk is a warning, not a refusal', () => {
    const plan = planMigrations([file(2)], [row(1)])
    expect(planRefusal(plan, {})).toBeUndefined()
    expect(missingFileMessages(plan)).toEqual([
      expect.objectContaining({ code: 'MIGRATION_FILE_MISSING', message: expect.stringContaining('m1') }),
    ])
  })
})
