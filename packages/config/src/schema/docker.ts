import { z } from 'zod'
import {
  DEFAULT_DEDICATED_PORT,
  DEFAULT_POSTGRES_IMAGE,
  DEFAULT_READY_TIMEOUT_SECONDS,
  DEFAULT_SHARED_PORT,
} from '../constants.js'
import { imageRefSchema, portSchema } from './common.js'

/** How local PostgreSQL servers are run; a profile may carry these under `docker:`. */
export const DockerSettingsSchema = z
  .strictObject({
    postgres_image: imageRefSchema
      .default(DEFAULT_POSTGRES_IMAGE)
      .describe(
        'Docker image of the PostgreSQL servers (shared and dedicated). Env SYSTEMPROMPT_POSTGRES_IMAGE wins.',
      ),
    shared_port: portSchema
      .default(DEFAULT_SHARED_PORT)
      .describe('Host port of the shared PostgreSQL server, published on 127.0.0.1 only.'),
    dedicated_port_start: portSchema
      .default(DEFAULT_DEDICATED_PORT)
      .describe('First host port tried for a dedicated tenant server; the first free one from here is used.'),
    ready_timeout_seconds: z
      .number()
      .int()
      .min(1, { error: 'timeout must be at least 1 second' })
      .max(3600, { error: 'timeout must be at most 3600 seconds' })
      .default(DEFAULT_READY_TIMEOUT_SECONDS)
      .describe('How long to wait for a PostgreSQL server to accept a login before giving up.'),
  })
  .describe('Local PostgreSQL servers run by systemprompt')

export type DockerSettings = z.infer<typeof DockerSettingsSchema>
