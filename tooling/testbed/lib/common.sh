# shellcheck shell=bash disable=SC2034 # sourced: the variables are used by up.sh and down.sh
# Shared helpers for up.sh and down.sh. Sourced, never run.
# Paths live outside the checkout so that several clones on one machine share one engine and registry.

TESTBED_STATE_DIR="${SYSTEMPROMPT_TESTBED_STATE_DIR:-/var/lib/systemprompt-testbed}"
TESTBED_LOG_DIR="${SYSTEMPROMPT_TESTBED_LOG_DIR:-/var/log/systemprompt-testbed}"
TESTBED_LOCK_FILE="/var/lock/systemprompt-testbed.lock"
DOCKER_SOCKET="/var/run/docker.sock"
DOCKERD_PIDFILE="/var/run/docker.pid"
# dockerd's own containerd (it starts one as its child): pid file and sockets under its exec root.
CONTAINERD_DIR="/var/run/docker/containerd"
REGISTRY_ADDR="127.0.0.1:5000"
REGISTRY_PIDFILE="/var/run/systemprompt-testbed-registry.pid"
# Debian's client; /usr/local/bin/docker may be a different build.
DOCKER="/usr/bin/docker"

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
fail() { printf 'testbed: %s\n' "$*" >&2; exit 1; }

# Serialise up/down: helpers and CI jobs may call them at the same moment.
take_lock() {
  mkdir -p "$(dirname "$TESTBED_LOCK_FILE")"
  exec 9>"$TESTBED_LOCK_FILE"
  flock 9
}

engine_answers() {
  [ -S "$DOCKER_SOCKET" ] && "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

registry_answers() {
  curl -fsS --max-time 2 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1
}

# A zombie (a killed dockerd whose parent never reaped it) answers kill -0 but is dead: check its state.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)"
  [ "$state" != Z ] && [ "$state" != X ]
}

pid_from_file() { if [ -f "$1" ]; then tr -dc '0-9' <"$1"; fi; }

# Wait up to $2 tenths of a second for pid $1 to exit.
wait_pid_gone() {
  local pid="$1" tries="$2"
  while pid_alive "$pid" && [ "$tries" -gt 0 ]; do sleep 0.1; tries=$((tries - 1)); done
  ! pid_alive "$pid"
}

# The test bed is always the local engine, whatever the caller's environment points at.
export DOCKER_HOST="unix://$DOCKER_SOCKET"
# The classic builder: Debian's engine has no buildx plugin.
export DOCKER_BUILDKIT=0
