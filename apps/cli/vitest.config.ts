import { definePackageConfig } from '@systemprompt/vitest-config'

// Command tests spawn the real binary several times per test; on a busy 2-core machine one spawn can
// take a few seconds, so the per-test budget is wider than the default.
export default definePackageConfig({ unit: { testTimeout: 120_000 } })
