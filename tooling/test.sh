#!/usr/bin/env bash
# The README's test command. Works on a fresh machine: installs pnpm and the workspace's packages,
# brings up the test bed (Docker engine, test images, registry, swarm), then runs every task:
# build, typecheck, lint, unit tests, and the integration tests against the real engine and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
export SYSTEMPROMPT_POSTGRES_IMAGE="${SYSTEMPROMPT_POSTGRES_IMAGE:-systemprompt-testbed/postgres:15}"

command -v pnpm >/dev/null 2>&1 || npm install -g pnpm@10 >/dev/null
pnpm install --frozen-lockfile
bash tooling/testbed/up.sh
# Whatever a crashed earlier run left behind (labelled objects only).
bash tooling/testbed/down.sh >/dev/null
pnpm test
