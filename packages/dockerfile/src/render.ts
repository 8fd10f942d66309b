// The three files of a profile (and the root templates `init` writes), rendered from the model. Plain
// template strings: what lands on disk is what is read here.
import { PROJECT_DIR } from '@systemprompt/config/core'
import { withHeader } from './header.js'
import { type DockerfileModel, dockerfileModel, inputHash } from './model.js'

/** Where the image keeps what (fixed by the runtime, SPEC 5). */
const IMAGE_PATHS = {
  binary: '/app/bin/systemprompt',
  mcp: '/app/bin/mcp',
  services: '/app/services',
  web: '/app/web',
  storage: '/app/storage',
  entrypoint: '/app/entrypoint.sh',
} as const

/** The system user the image runs as (production and local alike). */
const APP_UID = 10001

const HEALTH_CMD = `["${IMAGE_PATHS.binary}", "infra", "services", "health"]`

/** Debian packages of each variant. No libssl3: the release binary is a Node single executable with OpenSSL built in. */
const PACKAGES: Record<DockerfileModel['variant'], readonly string[]> = {
  production: ['ca-certificates'],
  local: ['ca-certificates', 'bash', 'procps', 'postgresql-client'],
}

export interface ProfileDockerFiles {
  dockerfile: string
  dockerignore: string
  entrypoint: string
}

/** Path of a profile's entrypoint.sh inside the build context (the project root). */
function profileEntrypointSource(profile: string): string {
  return `${PROJECT_DIR}/profiles/${profile}/docker/entrypoint.sh`
}

interface DockerfileShape {
  model: DockerfileModel
  entrypointSource: string
  intro: readonly string[]
}

function dockerfileBody({ model, entrypointSource, intro }: DockerfileShape): string {
  const local = model.variant === 'local'
  const packages = PACKAGES[model.variant].join(' ')
  // The whole artifacts directory: each server's <name>/ and manifest.json, the list `start --all` runs.
  const mcpCopies = model.mcpServers.length === 0 ? [] : [`COPY target/release/mcp/ ${IMAGE_PATHS.mcp}/`]
  return `${intro.map((line) => `# ${line}`.trimEnd()).join('\n')}

# Stage "app" assembles /app with fixed modes (owned by root, read-only to everyone else, whatever the
# checkout's umask); the runtime stage takes it without a chmod (which would store every file twice), one
# layer per part, the binary first: a changed migration or page rebuilds and pushes its own layer only.
FROM ${model.baseImage} AS app
COPY target/release/systemprompt ${IMAGE_PATHS.binary}
${mcpCopies.map((line) => `${line}\n`).join('')}COPY services/ ${IMAGE_PATHS.services}/
COPY web/ ${IMAGE_PATHS.web}/
COPY ${entrypointSource} ${IMAGE_PATHS.entrypoint}
RUN chmod -R u=rwX,go=rX /app \\
    && chmod 0755 ${IMAGE_PATHS.binary} ${IMAGE_PATHS.entrypoint}

# The runtime: ${local ? 'with bash, ps and psql for debugging' : 'ca-certificates and nothing else'}; a system user (uid ${APP_UID}) that may write ${IMAGE_PATHS.storage} only.
FROM ${model.baseImage}
RUN apt-get update \\
    && apt-get install -y --no-install-recommends ${packages} \\
    && apt-get clean \\
    && rm -rf /var/lib/apt/lists/* \\
    && groupadd --system --gid ${APP_UID} systemprompt \\
    && useradd --system --no-log-init --uid ${APP_UID} --gid systemprompt --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin systemprompt \\
    && mkdir -p ${IMAGE_PATHS.storage} \\
    && chown systemprompt:systemprompt ${IMAGE_PATHS.storage}
WORKDIR /app
COPY --from=app ${IMAGE_PATHS.binary} ${IMAGE_PATHS.binary}
${model.mcpServers.length === 0 ? '' : `COPY --from=app ${IMAGE_PATHS.mcp} ${IMAGE_PATHS.mcp}\n`}COPY --from=app ${IMAGE_PATHS.entrypoint} ${IMAGE_PATHS.entrypoint}
COPY --from=app ${IMAGE_PATHS.services} ${IMAGE_PATHS.services}
COPY --from=app ${IMAGE_PATHS.web} ${IMAGE_PATHS.web}
ENV HOST=0.0.0.0 \\
    PORT=8080 \\
    RUST_LOG=${model.logLevel} \\
    SYSTEMPROMPT_SERVICES_PATH=${IMAGE_PATHS.services} \\
    SYSTEMPROMPT_WEB_PATH=${IMAGE_PATHS.web}
VOLUME ["${IMAGE_PATHS.storage}"]
EXPOSE 8080
USER ${APP_UID}:${APP_UID}
# Exit 0/1 from the binary itself (no curl in the image). The start period covers the migrations' wait for
# the database (--wait 60); the first probe runs one interval after the start, so the interval is short.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \\
    CMD ${HEALTH_CMD}
ENTRYPOINT ["${IMAGE_PATHS.entrypoint}"]
`
}

function profileDockerfileBody(model: DockerfileModel): string {
  const what =
    model.variant === 'local'
      ? 'local variant: the production image plus bash, procps and psql, RUST_LOG=debug'
      : `production variant: minimal, runs as uid ${APP_UID}`
  return dockerfileBody({
    model,
    entrypointSource: profileEntrypointSource(model.profile),
    intro: [
      `Profile "${model.profile}", ${what}. Files are owned by root and read-only to the app;`,
      `it may write ${IMAGE_PATHS.storage} and /tmp only (so it runs with \`docker run --read-only --tmpfs /tmp\`).`,
      'No secret in any layer: DATABASE_URL, JWT_SECRET and provider keys come at run time (environment or <NAME>_FILE).',
      'Build context: the project root, filtered by Dockerfile.dockerignore beside this file; build with',
      `\`systemprompt build release\`, \`systemprompt build mcp\`, then \`systemprompt docker build ${model.profile}\`.`,
    ],
  })
}

function entrypointBody(command: string, comment: string): string {
  return `#!/bin/sh
${comment}
set -e
echo "Running database migrations..."
${IMAGE_PATHS.binary} infra db migrate
echo "Starting services..."
exec ${IMAGE_PATHS.binary} ${command}
`
}

/** The server with its MCP servers as supervised children when the project has any, else the server alone. */
function serveCommand(model: DockerfileModel): string {
  return model.mcpServers.length > 0 ? 'infra services start --all' : 'infra services serve --foreground'
}

function dockerignoreBody(model: DockerfileModel): string {
  return `# Build context of profile "${model.profile}": the project root without these. Docker's classic builder does
# not read <Dockerfile>.dockerignore: \`systemprompt docker build\` builds the context from this file itself.
# Later lines win; the secret patterns come last so that no exception above can let one back in.

# Not needed in the image: everything under these except what the Dockerfile copies.
.git
**/node_modules
target
!target/release/systemprompt
!target/release/mcp
${PROJECT_DIR}
!${profileEntrypointSource(model.profile)}

# Secrets, records and credentials, wherever they are.
**/secrets.json
**/.env*
**/tenants.json
**/shared_config.json
**/.secrets
**/*.password
**/*.pem
**/*.key
**/*.p12
**/*.pfx
**/id_rsa*
**/id_dsa*
**/id_ecdsa*
**/id_ed25519*
**/.ssh
**/.npmrc
**/.netrc
**/.pgpass
**/.docker
**/credentials.json
**/.aws
`
}

export interface RenderOptions {
  generatorVersion: string
}

/** The three files of a profile, each with the generator's header. */
export function renderProfileDockerFiles(model: DockerfileModel, opts: RenderOptions): ProfileDockerFiles {
  const header = (what: string) => ({ version: opts.generatorVersion, inputHash: inputHash(model), what })
  return {
    dockerfile: withHeader(profileDockerfileBody(model), header(`for profile ${model.profile}`)),
    dockerignore: withHeader(dockerignoreBody(model), header(`for profile ${model.profile}`)),
    entrypoint: withHeader(
      entrypointBody(
        serveCommand(model),
        '# Migrations first (they wait for the database), then the server as PID 1 (exec: it gets SIGTERM).',
      ),
      header(`for profile ${model.profile}`),
    ),
  }
}

/** The root `.systemprompt/Dockerfile` that `systemprompt init` writes: the local variant, without MCP servers. */
export function renderRootDockerfile(): string {
  return `# Written by \`systemprompt init\`: a template for local testing. Each profile gets its own Dockerfile in
# profiles/<name>/docker/ (\`systemprompt cloud dockerfile --write --profile <name>\`).
${dockerfileBody({
  model: dockerfileModel({ profile: 'local', variant: 'local' }),
  entrypointSource: `${PROJECT_DIR}/entrypoint.sh`,
  intro: [
    'Build context: the project root (after `systemprompt build release`). Secrets come at run time, never in a layer.',
  ],
})}`
}

/** The root `.systemprompt/entrypoint.sh` that `systemprompt init` writes (mode 0755). */
export const ROOT_ENTRYPOINT = entrypointBody(
  'infra services serve --foreground',
  '# Written by `systemprompt init`: migrations first, then the server as PID 1 (exec: it gets SIGTERM).',
)
