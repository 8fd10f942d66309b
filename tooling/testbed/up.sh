#!/usr/bin/env bash
# Make sure the local test bed is there: Docker engine, the images tests need, a registry on
# 127.0.0.1:5000, Swarm, and `just`. Idempotent; on a machine where all of it exists it takes seconds.
# Run as root. See README.md in this directory.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tooling/testbed/lib/common.sh
. "$HERE/lib/common.sh"

[ "$(id -u)" = 0 ] || fail "run as root: it installs packages and starts dockerd"
STARTED="$EPOCHREALTIME"
take_lock
mkdir -p "$TESTBED_STATE_DIR" "$TESTBED_LOG_DIR"

# Overridable only to rehearse a cold build beside the live images (see README); tests use the defaults.
DEBIAN_IMAGE="${SYSTEMPROMPT_TESTBED_DEBIAN_IMAGE:-debian:bookworm-slim}"
PG_BASE_IMAGE="${SYSTEMPROMPT_TESTBED_PG_BASE_IMAGE:-systemprompt-testbed/pg-base:15}"
PG_IMAGE="${SYSTEMPROMPT_TESTBED_PG_IMAGE:-systemprompt-testbed/postgres:15}"

ensure_packages() {
  step "packages: docker.io debootstrap docker-registry docker-compose curl"
  local wanted=(docker.io debootstrap docker-registry docker-compose curl ca-certificates) pkg missing=()
  local installed
  # One dpkg-query for all: every process start counts when the bed is already there.
  installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null || true)"
  for pkg in "${wanted[@]}"; do
    grep -qx "$pkg install ok installed" <<<"$installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then info "all installed"; return; fi
  info "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >"$TESTBED_LOG_DIR/apt.log" 2>&1 || { tail -n 30 "$TESTBED_LOG_DIR/apt.log" >&2; fail "apt-get install failed"; }
}

# Engine version and swarm state from one call; empty when the engine does not answer.
ENGINE_VERSION="" SWARM_STATE=""
read_engine() {
  local out=""
  [ -S "$DOCKER_SOCKET" ] && out="$("$DOCKER" info -f '{{.ServerVersion}} {{.Swarm.LocalNodeState}}' 2>/dev/null || true)"
  read -r ENGINE_VERSION SWARM_STATE <<<"$out" || true
  [ -n "$ENGINE_VERSION" ]
}

# What a killed dockerd leaves behind: its containerd child. dockerd starts containerd with a parent-death
# signal, so after `kill -9` of dockerd containerd dies too, but its pid file and sockets stay; on a loaded
# machine a containerd that survives (or a pid file naming a live process) makes the next dockerd wait for
# it, then give up after its 15 s start timeout ("timeout waiting for containerd to start"). With no dockerd
# alive, nothing but a leftover can be there: stop an orphaned containerd of dockerd's exec root (its
# containers' shims keep running and are picked up again) and drop stale pid file and sockets.
clean_containerd_leftovers() {
  local pidfile="$CONTAINERD_DIR/containerd.pid" pid cmdline
  pid="$(pid_from_file "$pidfile")"
  if pid_alive "$pid"; then
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    if [[ "$cmdline" == *"$CONTAINERD_DIR/containerd.toml"* ]]; then
      info "stopping containerd pid $pid left by a dead dockerd"
      kill "$pid" 2>/dev/null || true
      wait_pid_gone "$pid" 100 || { kill -9 "$pid" 2>/dev/null || true; wait_pid_gone "$pid" 50 || fail "containerd pid $pid does not stop"; }
    else
      info "pid file $pidfile names pid $pid, which is not dockerd's containerd: ignoring it"
    fi
  fi
  # Any other containerd of that exec root without a dockerd (a pid file lost, a second leftover).
  local other
  for other in $(pgrep -f -- "--config $CONTAINERD_DIR/containerd.toml" 2>/dev/null || true); do
    pid_alive "$other" || continue
    info "stopping orphaned containerd pid $other"
    kill "$other" 2>/dev/null || true
    wait_pid_gone "$other" 100 || kill -9 "$other" 2>/dev/null || true
  done
  if [ -e "$pidfile" ] || [ -S "$CONTAINERD_DIR/containerd.sock" ]; then
    info "removing stale containerd pid file and sockets in $CONTAINERD_DIR"
    rm -f "$pidfile" "$CONTAINERD_DIR/containerd.sock" "$CONTAINERD_DIR/containerd.sock.ttrpc" \
      "$CONTAINERD_DIR/containerd-debug.sock"
  fi
}

# Starts dockerd (detached: it must outlive this script) and waits until it answers; returns 1 when dockerd
# exits first (its reason is in the log), so the caller can clean up and try once more.
start_dockerd() {
  local log="$TESTBED_LOG_DIR/dockerd.log" from pid tries=600
  from="$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))"
  # setsid + nohup: dockerd must outlive this script and the shell that ran it.
  setsid nohup /usr/sbin/dockerd --pidfile "$DOCKERD_PIDFILE" >>"$log" 2>&1 </dev/null 9>&- &
  pid=$!
  info "started dockerd pid $pid (log $log)"
  until read_engine; do
    # $! is dockerd itself (setsid execs when it need not fork); its pid file, once written, says for sure.
    if ! pid_alive "$pid" && ! pid_alive "$(pid_from_file "$DOCKERD_PIDFILE")"; then
      local why
      why="$(tail -n +"$from" "$log" | grep -E 'level=(fatal|error)|failed to start' | tail -n 1 | sed 's/.*msg="\([^"]*\)".*/\1/')"
      info "dockerd exited before answering: ${why:-see $log}"
      DOCKERD_LOG_FROM="$from"
      return 1
    fi
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { tail -n 30 "$log" >&2; fail "dockerd did not answer in 60 s"; }
    sleep 0.1
  done
}

ensure_engine() {
  step "docker engine on $DOCKER_SOCKET"
  if read_engine; then info "answers (engine $ENGINE_VERSION)"; return; fi
  local pid
  pid="$(pid_from_file "$DOCKERD_PIDFILE")"
  # A dockerd without our pid file (started by hand) is left to start on its own, like ours.
  pid_alive "$pid" || pid="$(pgrep -x dockerd 2>/dev/null | head -n 1 || true)"
  if pid_alive "$pid"; then
    info "dockerd (pid $pid) is starting; waiting"
    local tries=600
    until read_engine; do
      tries=$((tries - 1))
      [ "$tries" -gt 0 ] || { tail -n 30 "$TESTBED_LOG_DIR/dockerd.log" >&2; fail "dockerd did not answer in 60 s"; }
      sleep 0.1
    done
  else
    # No dockerd: whatever a killed one left (pid file, its containerd) is stale.
    rm -f "$DOCKERD_PIDFILE"
    clean_containerd_leftovers
    if ! start_dockerd; then
      # Once more after a cleanup: a first start after a crash can trip over what the crash left.
      clean_containerd_leftovers
      rm -f "$DOCKERD_PIDFILE"
      start_dockerd || { tail -n +"$DOCKERD_LOG_FROM" "$TESTBED_LOG_DIR/dockerd.log" | tail -n 30 >&2; fail "dockerd exited twice before answering"; }
    fi
  fi
  info "answers (engine $ENGINE_VERSION)"
}

# Id and build hash of the test bed's images, read with one engine call and refreshed after a build.
declare -A IMAGE_ID=() IMAGE_HASH=()
load_images() {
  local name id hash
  IMAGE_ID=() IMAGE_HASH=()
  while read -r name id hash; do
    [ -n "$name" ] || continue
    IMAGE_ID[$name]="$id"
    IMAGE_HASH[$name]="$hash"
  done < <("$DOCKER" image inspect \
    -f '{{index .RepoTags 0}} {{.Id}} {{index .Config.Labels "systemprompt.testbed.hash"}}' \
    "$DEBIAN_IMAGE" "$PG_BASE_IMAGE" "$PG_IMAGE" 2>/dev/null || true)
}
image_exists() { [ -n "${IMAGE_ID[$1]:-}" ]; }

# The Debian mirror this machine already uses; never a host name written into the repo.
debian_mirror() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)"
  fi
  [ -n "$uri" ] || fail "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  printf '%s' "$uri"
}

ensure_debian_image() {
  step "image $DEBIAN_IMAGE (local stand-in)"
  if image_exists "$DEBIAN_IMAGE"; then info "present"; return; fi
  local mirror rootfs
  mirror="$(debian_mirror)"
  rootfs="$(mktemp -d "$TESTBED_STATE_DIR/rootfs.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the trap must remove this very directory.
  trap "rm -rf '$rootfs'" EXIT
  info "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$TESTBED_LOG_DIR/debootstrap.log" 2>&1 \
    || { tail -n 30 "$TESTBED_LOG_DIR/debootstrap.log" >&2; fail "debootstrap failed"; }
  # Like the real slim image: no package cache, no package lists.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | "$DOCKER" import \
    -c 'LABEL systemprompt.testbed=1' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  load_images
  info "imported"
}

# Content hash of a build directory plus the id of its base image: rebuild when either changes.
build_hash() {
  local dir="$1" base="$2"
  {
    (cd "$dir" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    printf '%s\n' "${IMAGE_ID[$base]:?base image $base is missing}"
  } | sha256sum | cut -c1-32
}

ensure_built_image() {
  local name="$1" dir="$2" base="$3" hash
  step "image $name"
  hash="$(build_hash "$dir" "$base")"
  if [ "${IMAGE_HASH[$name]:-}" = "$hash" ]; then info "up to date"; return; fi
  info "building from ${dir#"$HERE/"} (log $TESTBED_LOG_DIR/build-${name//[\/:]/-}.log)"
  "$DOCKER" build --build-arg "BASE=$base" \
    --label systemprompt.testbed=1 --label "systemprompt.testbed.hash=$hash" -t "$name" "$dir" \
    >"$TESTBED_LOG_DIR/build-${name//[\/:]/-}.log" 2>&1 \
    || { tail -n 30 "$TESTBED_LOG_DIR/build-${name//[\/:]/-}.log" >&2; fail "building $name failed"; }
  # The image this replaced is now untagged: drop it, unless a container still uses it.
  local previous="${IMAGE_ID[$name]:-}"
  load_images
  if [ -n "$previous" ] && [ "$previous" != "${IMAGE_ID[$name]:-}" ]; then
    "$DOCKER" image rm "$previous" >/dev/null 2>&1 || true
  fi
  info "built"
}

# Debian's docker-registry service listens on every interface; tests must only ever see 127.0.0.1.
stop_foreign_registry() {
  local line addr pid
  command -v ss >/dev/null 2>&1 || return 0
  while read -r line; do
    [ -n "$line" ] || continue
    addr="$(awk '{ print $4 }' <<<"$line")"
    [ "$addr" = "$REGISTRY_ADDR" ] && continue
    pid="$(grep -o 'pid=[0-9]*' <<<"$line" | head -n1 | cut -d= -f2)"
    if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/bin/docker-registry ]; then
      info "stopping docker-registry pid $pid listening on $addr"
      kill "$pid"
      wait_pid_gone "$pid" 50 || fail "docker-registry pid $pid did not stop"
    else
      fail "port ${REGISTRY_ADDR##*:} is taken on $addr by something else: $line"
    fi
  done < <(ss -Hltnp "sport = :${REGISTRY_ADDR##*:}")
}

ensure_registry() {
  step "registry on $REGISTRY_ADDR"
  stop_foreign_registry
  if registry_answers; then info "answers"; return; fi
  mkdir -p "$TESTBED_STATE_DIR/registry"
  REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="$TESTBED_STATE_DIR/registry" \
    setsid nohup /usr/bin/docker-registry serve "$HERE/registry/config.yml" \
    >>"$TESTBED_LOG_DIR/registry.log" 2>&1 </dev/null 9>&- &
  echo $! >"$REGISTRY_PIDFILE"
  local tries=100
  until registry_answers; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { tail -n 20 "$TESTBED_LOG_DIR/registry.log" >&2; fail "registry did not answer in 10 s"; }
    sleep 0.1
  done
  info "started (log $TESTBED_LOG_DIR/registry.log)"
}

ensure_swarm() {
  step "swarm"
  local state="$SWARM_STATE"
  if [ "$state" = active ]; then info "active"; return; fi
  # The engine has no IPVS here; tests use dnsrr endpoints and host-mode ports.
  "$DOCKER" swarm init --advertise-addr 127.0.0.1 >/dev/null
  info "initialised (was: $state)"
}

ensure_just() {
  step "just"
  local version
  # rust-just's launcher is a node script: ask it once.
  if version="$(just --version 2>/dev/null)"; then info "$version"; return; fi
  npm install -g --no-fund --no-audit rust-just >"$TESTBED_LOG_DIR/npm-just.log" 2>&1 \
    || { tail -n 20 "$TESTBED_LOG_DIR/npm-just.log" >&2; fail "npm install -g rust-just failed"; }
  version="$(just --version 2>/dev/null)" || fail "just was installed but does not run"
  info "installed $version"
}

ensure_packages
ensure_engine
load_images
ensure_debian_image
ensure_built_image "$PG_BASE_IMAGE" "$HERE/images/pg-base" "$DEBIAN_IMAGE"
ensure_built_image "$PG_IMAGE" "$HERE/images/postgres" "$PG_BASE_IMAGE"
ensure_registry
ensure_swarm
ensure_just

elapsed="$(awk -v a="$STARTED" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
printf 'testbed ready in %ss: engine %s, %s, %s, registry %s, swarm active\n' \
  "$elapsed" "$ENGINE_VERSION" "$DEBIAN_IMAGE" "$PG_IMAGE" "$REGISTRY_ADDR"
