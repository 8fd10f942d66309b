#!/usr/bin/env bash
# The README's first command: set everything up on a fresh machine and run the main job.
#  1. pnpm, the workspace's packages, a build of every package and of the CLI;
#  2. `systemprompt` on PATH (a small wrapper in $BIN_DIR, default /usr/local/bin) and `just`;
#  3. a Docker engine and a PostgreSQL image (the test bed: there is no registry to pull from here);
#  4. a demo project in $1 (default ./systemprompt-demo): `systemprompt init`, the seed's `just db-up`,
#     a tenant `my-project` (`systemprompt cloud tenant create`), and `just db-list`;
#  5. the image (`build release`, `just docker-build local`, `just docker-run local --detach`);
#  6. `just deploy --profile production --yes` to the test bed's registry and Swarm, and its health answer.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
demo="${1:-$PWD/systemprompt-demo}"
bin_dir="${BIN_DIR:-/usr/local/bin}"
export TURBO_TELEMETRY_DISABLED=1

step() { printf '\n==> %s\n' "$*"; }

step "Installing pnpm and the workspace's packages"
command -v pnpm >/dev/null 2>&1 || npm install -g pnpm@10 >/dev/null
(cd "$repo" && pnpm install --frozen-lockfile && pnpm build)

step "Docker engine, images, registry (tooling/testbed/up.sh)"
bash "$repo/tooling/testbed/up.sh"

step "Putting systemprompt on PATH ($bin_dir/systemprompt)"
mkdir -p "$bin_dir"
tmp="$(mktemp "$bin_dir/.systemprompt.XXXXXX")"
printf '#!/bin/sh\nexec node %q "$@"\n' "$repo/apps/cli/bin/run.cjs" >"$tmp"
chmod 0755 "$tmp" && mv -f "$tmp" "$bin_dir/systemprompt"
systemprompt --version

# postgres:17-alpine cannot be pulled on a machine without a registry: use the test bed's image unless
# the default image is there. The shared server records the image it was created with.
if [ -z "${SYSTEMPROMPT_POSTGRES_IMAGE:-}" ] && ! /usr/bin/docker image inspect postgres:17-alpine >/dev/null 2>&1; then
  export SYSTEMPROMPT_POSTGRES_IMAGE=systemprompt-testbed/postgres:15
  echo "postgres:17-alpine is not available here; using SYSTEMPROMPT_POSTGRES_IMAGE=$SYSTEMPROMPT_POSTGRES_IMAGE"
fi

step "Demo project in $demo"
mkdir -p "$demo"
cd "$demo"
systemprompt init
just db-up
# A tenant: its own role and database in the shared server, and a profile whose secrets.json holds
# its DATABASE_URL (shown masked).
systemprompt cloud tenant show my-project >/dev/null 2>&1 ||
  systemprompt cloud tenant create --name my-project --database shared --yes
just db-list
systemprompt db status

step "The application image: release binary, profile local, docker build, docker run"
# The profile `local` uses the tenant's database (its DATABASE_URL on 127.0.0.1: docker run makes it work
# from inside the container through a network shared with the PostgreSQL server).
[ -f .systemprompt/profiles/local/profile.yaml ] ||
  systemprompt cloud profile create local --tenant my-project
systemprompt build release
just docker-build local
just docker-run local --detach --port "${SYSTEMPROMPT_DEMO_PORT:-8080}"
curl -fsS "http://127.0.0.1:${SYSTEMPROMPT_DEMO_PORT:-8080}/api/v1/health"
echo
step "Deploy: profile production to the test bed's registry (127.0.0.1:5000) and Swarm"
# The deployed app reaches the tenant's database on an attachable overlay network that the shared server
# joins; its secrets.json gets that URL as internal_database_url (DATABASE_URL inside the service).
deploy_port="${SYSTEMPROMPT_DEMO_DEPLOY_PORT:-8081}"
/usr/bin/docker network inspect systemprompt-demo >/dev/null 2>&1 ||
  /usr/bin/docker network create --driver overlay --attachable systemprompt-demo >/dev/null
shared=systemprompt-postgres-shared  # the shared server's container (no SYSTEMPROMPT_INSTANCE here)
/usr/bin/docker network connect systemprompt-demo "$shared" 2>/dev/null || true
if [ ! -f .systemprompt/profiles/production/profile.yaml ]; then
  systemprompt cloud profile create production --tenant my-project --target cloud
  cat >>.systemprompt/profiles/production/profile.yaml <<EOF
deploy:
  target: swarm
  registry: 127.0.0.1:5000
  repository: demo/systemprompt
  replicas: 1
  publish_port: $deploy_port
  publish_mode: host
  networks: [systemprompt-demo]
EOF
fi
SHARED="$shared" node -e '
  const fs = require("node:fs"); const file = ".systemprompt/profiles/production/secrets.json";
  const s = JSON.parse(fs.readFileSync(file, "utf8")); const u = new URL(s.database_url);
  u.hostname = process.env.SHARED; u.port = "5432"; s.internal_database_url = u.toString();
  fs.writeFileSync(file + ".tmp", JSON.stringify(s, null, 2) + "\n", { mode: 0o600 }); fs.renameSync(file + ".tmp", file);'
just deploy --profile production --yes
curl -fsS "http://127.0.0.1:$deploy_port/api/v1/health"
echo
systemprompt cloud deploy status --profile production

printf '\nDone. In %s: the app on http://127.0.0.1:%s (docker run) and http://127.0.0.1:%s (Swarm), `just db-logs`, `systemprompt --help`.\n' \
  "$demo" "${SYSTEMPROMPT_DEMO_PORT:-8080}" "$deploy_port"
