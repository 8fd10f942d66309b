// Shared vitest setup: two projects per package.
//  - unit:        src/**/*.test.ts, no engine, no database; cached by turbo.
//  - integration: src/**/*.integration.test.ts (and test/**), real Docker engine + PostgreSQL; never cached,
//                 run one file at a time so containers and ports of different files never race.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

// The shared server's password file lives in a per-user data dir; tests must never write to the real one.
const dataDir = process.env.SYSTEMPROMPT_DATA_DIR || mkdtempSync(join(tmpdir(), 'systemprompt-test-data-'))

export function definePackageConfig(overrides = {}) {
  return defineConfig({
    test: {
      projects: [
        {
          test: {
            name: 'unit',
            include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
            exclude: ['**/*.integration.test.ts', '**/node_modules/**', '**/dist/**'],
            testTimeout: 10_000,
            ...overrides.unit,
          },
        },
        {
          test: {
            name: 'integration',
            include: ['src/**/*.integration.test.ts', 'test/**/*.integration.test.ts'],
            exclude: ['**/node_modules/**', '**/dist/**'],
            testTimeout: 120_000,
            hookTimeout: 120_000,
            fileParallelism: false,
            env: { SYSTEMPROMPT_DATA_DIR: dataDir },
            ...overrides.integration,
          },
        },
      ],
    },
  })
}
