/**
 * Texts `systemprompt init` writes. Kept as plain strings (no template engine) so what lands on disk
 * is exactly what is read here.
 */

/** .systemprompt/.gitignore: keeps secrets, tenant records and local state out of git (SPEC section 1). */
export const GITIGNORE = `# Written by \`systemprompt init\`: keeps secrets and local state out of git.
# Tenants of this project (names, database names, ports).
tenants.json
# Admin password and tenant databases of the shared PostgreSQL server.
docker/shared_config.json
# Password files handed to the PostgreSQL containers.
docker/.secrets/
# DATABASE_URL, jwt_secret and provider keys of every profile.
profiles/*/secrets.json
# Lock files of running commands.
.locks/
*.lock
# Local storage (uploads, caches).
storage/
.env
.env.*
`

/** .systemprompt/.dockerignore: nothing secret enters a build context (SPEC section 5). */
export const DOCKERIGNORE = `# Written by \`systemprompt init\`: files that must never enter a Docker build context.
**/secrets.json
**/tenants.json
**/shared_config.json
**/.secrets
**/.locks
**/.env
**/.env.*
**/*.pem
**/*.key
**/credentials*
.git
**/node_modules
target/debug
`

// .systemprompt/Dockerfile and entrypoint.sh come from @systemprompt/dockerfile (the generator of every
// Dockerfile of ours, with the rules they keep).

export const JUST_BLOCK_START = '# >>> systemprompt recipes'
export const JUST_BLOCK_END = '# <<< systemprompt recipes'

/** One definition of ours in the justfile: a variable or a recipe, with the comment lines above it. */
interface JustItem {
  name: string
  text: string
}

const JUST_HEADER = `${JUST_BLOCK_START} (written by \`systemprompt init\`; \`systemprompt init --force\` rewrites this block)`

/**
 * The seed's recipes, calling the installed CLI. `just db-up TENANT="my-project"` hands the literal
 * `TENANT=my-project` to `systemprompt db up`, which accepts it (as well as `my-project` and `--tenant`).
 */
const JUST_ITEMS: readonly JustItem[] = [
  {
    name: 'sp',
    text: `# The CLI to run: \`systemprompt\` from PATH, or set SYSTEMPROMPT_BIN (e.g. "node /path/to/apps/cli/bin/run.cjs").
sp := env_var_or_default("SYSTEMPROMPT_BIN", "systemprompt")
`,
  },
  {
    name: 'db-up',
    text: `# Start PostgreSQL: the shared server, or a tenant's own (just db-up TENANT="my-project")
db-up TENANT="":
    {{sp}} db up {{ if TENANT == "" { "" } else { quote(TENANT) } }}
`,
  },
  {
    name: 'db-down',
    text: `# Stop PostgreSQL (data is kept): the shared server, or a tenant's own
db-down TENANT="":
    {{sp}} db down {{ if TENANT == "" { "" } else { quote(TENANT) } }}
`,
  },
  {
    name: 'db-reset',
    text: `# Delete the shared server's data and start fresh (asks first; pass --yes in scripts)
db-reset *ARGS:
    {{sp}} db reset {{ARGS}}
`,
  },
  {
    name: 'db-logs',
    text: `# Show PostgreSQL logs (--follow, --tail N)
db-logs *ARGS:
    {{sp}} db logs {{ARGS}}
`,
  },
  {
    name: 'db-list',
    text: `# List the tenant databases in the shared server
db-list *ARGS:
    {{sp}} db list {{ARGS}}
`,
  },
  {
    name: 'docker-build',
    text: `# Build a profile's Docker image (just docker-build local)
docker-build PROFILE *ARGS:
    {{sp}} docker build {{quote(PROFILE)}} {{ARGS}}
`,
  },
  {
    name: 'docker-run',
    text: `# Run a profile's Docker image (just docker-run local)
docker-run PROFILE *ARGS:
    {{sp}} docker run {{quote(PROFILE)}} {{ARGS}}
`,
  },
  {
    name: 'build-mcp',
    text: `# Build the MCP servers
build-mcp *ARGS:
    {{sp}} build mcp {{ARGS}}
`,
  },
  {
    name: 'deploy',
    text: `# Build, push and roll out the active profile
deploy *ARGS:
    {{sp}} cloud deploy {{ARGS}}
`,
  },
]

/** Every name our block defines (the variable and the recipes), in block order. */
export const JUST_NAMES: readonly string[] = JUST_ITEMS.map((item) => item.name)

/**
 * Our block, without the definitions named in `skip` (names the user's justfile already defines: just
 * refuses a name defined twice). The block says which were left out and how to get them back.
 */
export function justRecipes(skip: ReadonlySet<string> = new Set()): string {
  const kept = JUST_ITEMS.filter((item) => !skip.has(item.name))
  const skipped = JUST_NAMES.filter((name) => skip.has(name))
  const note =
    skipped.length === 0
      ? ''
      : `# Left out, because your justfile defines them too: ${skipped.join(', ')}. Rename or delete yours, then run \`systemprompt init --force\`.\n`
  return `${JUST_HEADER}\n${note}${kept.map((item) => item.text).join('\n')}${JUST_BLOCK_END}\n`
}

export const JUST_RECIPES = justRecipes()

/** services/database/migrations/README.md: what goes in the folder. */
export const MIGRATIONS_README = `# Database migrations

Files named \`NNNN_name.sql\` (e.g. \`0001_init.sql\`), applied in version order by \`systemprompt infra db migrate\`
(the image's entrypoint runs it before the app serves), each in one transaction; \`systemprompt infra db status\`
shows what is applied and pending. Never edit a file once applied: add a new one. A first line
\`-- systemprompt:no-transaction\` runs a file outside a transaction (CREATE INDEX CONCURRENTLY).
`

/** web/README.md: what goes in the folder. */
export const WEB_README = `# Static files

Served by \`systemprompt infra services serve\` at \`/\` (index.html for \`/\`), next to the API under \`/api/v1/\`;
the image copies this folder to /app/web (SYSTEMPROMPT_WEB_PATH).
`

/** web/index.html: a placeholder page, so a new project's health check finds its static content. */
export const WEB_INDEX = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>systemprompt</title>
  </head>
  <body>
    <p>This page is web/index.html of your project. Replace it with your own.</p>
  </body>
</html>
`
