import { definePackageConfig } from '@systemprompt/vitest-config'

export default definePackageConfig()
