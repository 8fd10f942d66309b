import { definePackageConfig } from '@systemprompt/vitest-config'

// The justfile tests spawn the real `just` several times; on a busy 2-core machine one spawn can take
// seconds, so the per-test budget is wider than the default.
export default definePackageConfig({ unit: { testTimeout: 60_000 } })
