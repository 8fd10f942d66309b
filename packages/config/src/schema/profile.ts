import { z } from 'zod'
import {
  boundedText,
  httpUrlSchema,
  imageRefSchema,
  portSchema,
  profileNameSchema,
  registryHostSchema,
  TEXT_LIMITS,
  tenantNameSchema,
} from './common.js'
import { DockerSettingsSchema } from './docker.js'
import { isDockerHost } from './formats.js'

const relativePath = (what: string) =>
  boundedText(`a ${what} path`, TEXT_LIMITS.secret)
    .min(1, { error: `${what} path must not be empty` })
    .refine((value) => !value.includes('\0'), { error: `${what} path contains a NUL character` })

export const ServerSettingsSchema = z
  .strictObject({
    host: boundedText('a host', TEXT_LIMITS.short)
      .min(1, { error: 'host must not be empty' })
      .default('0.0.0.0')
      .describe('Bind address of the API server (HOST).'),
    port: portSchema.default(8080).describe('Port of the API server (PORT).'),
  })
  .describe('The API server of the application')

export const RuntimeSettingsSchema = z
  .strictObject({
    log_level: z
      .enum(['info', 'debug', 'trace'], { error: "expected 'info', 'debug' or 'trace'" })
      .default('info')
      .describe('Log level passed as RUST_LOG.'),
  })
  .describe('Runtime behaviour of the application')

export const PathSettingsSchema = z
  .strictObject({
    services: relativePath('services')
      .default('services')
      .describe('Services directory, relative to the project root (SYSTEMPROMPT_SERVICES_PATH).'),
    web: relativePath('web').default('web').describe('Web assets directory, relative to the project root.'),
  })
  .describe('Project directories copied into the image')

export const ProfileDockerSchema = DockerSettingsSchema.extend({
  variant: z
    .enum(['local', 'production'], { error: "expected 'local' or 'production'" })
    .default('local')
    .describe(
      'Dockerfile flavour: local adds debugging tools; production is multi-stage, minimal and non-root.',
    ),
  base_image: imageRefSchema
    .default('debian:bookworm-slim')
    .describe('Runtime base image of the application image.'),
  dockerfile: relativePath('Dockerfile')
    .default('docker/Dockerfile')
    .describe('Dockerfile of this profile, relative to the profile directory.'),
  image: imageRefSchema
    .optional()
    .describe(
      'Local name of the application image; defaults to systemprompt-<profile>. Tag is computed from inputs.',
    ),
}).describe('Docker settings of this profile: PostgreSQL servers and the application image')

const seconds = (what: string, min: number, max: number, fallback: number) =>
  z
    .number({ error: `${what} must be a number of seconds` })
    .int({ error: `${what} must be a whole number of seconds` })
    .min(min, { error: `${what} must be at least ${min} s` })
    .max(max, { error: `${what} must be at most ${max} s` })
    .default(fallback)

const networkNameSchema = boundedText('a network name', TEXT_LIMITS.short).regex(
  /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
  {
    error: 'invalid network name: letters, digits, _ . - (an existing Docker network)',
  },
)

export const DeploySettingsSchema = z
  .strictObject({
    target: z
      .enum(['docker', 'swarm'], { error: "expected 'docker' or 'swarm'" })
      .default('docker')
      .describe('Where the image runs: a single Docker host or a Docker Swarm.'),
    engine: boundedText('an engine endpoint', TEXT_LIMITS.short)
      .refine(isDockerHost, {
        error: 'expected unix:///path/docker.sock or tcp://host:port (a DOCKER_HOST value)',
      })
      .optional()
      .describe(
        'Docker engine to deploy to (a DOCKER_HOST value); default DOCKER_HOST, else the local socket.',
      ),
    registry: registryHostSchema
      .optional()
      .describe('Registry the image is pushed to, host[:port] (e.g. registry.example.com, 127.0.0.1:5000).'),
    repository: boundedText('a repository', TEXT_LIMITS.short)
      .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, {
        error: 'invalid repository: lowercase path like team/app, no tag',
      })
      .optional()
      .describe('Repository inside the registry; defaults to systemprompt-<profile>.'),
    registry_username: boundedText('a registry user name', TEXT_LIMITS.short)
      .min(1, { error: 'registry_username must not be empty' })
      .optional()
      .describe(
        'User for the registry when no Docker credentials are configured; its password is registry_password in secrets.json.',
      ),
    service: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, {
        error: 'invalid service name: letters, digits, _ . - (max 63)',
      })
      .optional()
      .describe('Container (docker) or service (swarm) name; defaults to systemprompt-<profile>.'),
    replicas: z
      .number({ error: 'replicas must be a number' })
      .int({ error: 'replicas must be a whole number' })
      .min(1, { error: 'replicas must be at least 1' })
      .max(100, { error: 'replicas must be at most 100' })
      .default(1)
      .describe('Number of replicas (swarm target; the docker target runs one).'),
    publish_port: portSchema
      .nullable()
      .default(8080)
      .describe(
        'Host port the application is published on; null publishes none (reached on its networks only).',
      ),
    publish_mode: z
      .enum(['ingress', 'host'], { error: "expected 'ingress' or 'host'" })
      .default('ingress')
      .describe(
        "Swarm publishing: ingress (routing mesh, any node) or host (the node running the task; one task per node, and the update stops the old task first). A kernel without IPVS needs 'host'.",
      ),
    networks: z
      .array(networkNameSchema)
      .max(10, { error: 'at most 10 networks' })
      .default([])
      .describe(
        'Existing networks the app joins (e.g. the one its database is on); for swarm, attachable overlay networks.',
      ),
    health_path: boundedText('a health path', TEXT_LIMITS.secret)
      .regex(/^\/[^\s]*$/, { error: 'health path must start with / and contain no spaces' })
      .default('/api/v1/health')
      .describe('HTTP path that must answer 200 before a rollout continues.'),
    health_timeout: seconds('health_timeout', 5, 3600, 120).describe(
      'Seconds a new version has to become healthy.',
    ),
    rollout_timeout: seconds('rollout_timeout', 10, 7200, 600).describe(
      'Seconds the whole rollout may take; past it the deploy rolls back itself.',
    ),
    monitor: seconds('monitor', 0, 600, 5).describe(
      'Seconds Swarm watches each updated task before the next (a task failing in that window rolls back).',
    ),
    url: httpUrlSchema.optional().describe('Public URL of the deployed application, shown after deploy.'),
  })
  .describe('How `systemprompt cloud deploy` ships this profile')

/** profile.yaml: one environment (local, production, ...) of the project. */
export const ProfileSchema = z
  .strictObject({
    name: profileNameSchema.describe(
      'Profile name; equals its directory name under .systemprompt/profiles/.',
    ),
    tenant: tenantNameSchema.optional().describe('Tenant whose database this profile uses.'),
    target: z
      .enum(['local', 'cloud'], { error: "expected 'local' or 'cloud'" })
      .default('local')
      .describe('local: runs on this machine; cloud: deployed with `systemprompt cloud deploy`.'),
    server: ServerSettingsSchema.prefault({}),
    runtime: RuntimeSettingsSchema.prefault({}),
    paths: PathSettingsSchema.prefault({}),
    docker: ProfileDockerSchema.prefault({}),
    deploy: DeploySettingsSchema.prefault({}),
  })
  .describe('A systemprompt profile (.systemprompt/profiles/<name>/profile.yaml)')

export type Profile = z.infer<typeof ProfileSchema>
export type ProfileInput = z.input<typeof ProfileSchema>
export type ProfileDockerSettings = z.infer<typeof ProfileDockerSchema>
export type DeploySettings = z.infer<typeof DeploySettingsSchema>
