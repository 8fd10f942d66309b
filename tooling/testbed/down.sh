#!/usr/bin/env bash
# Remove what tests left behind: every service, container, secret, config, network, volume and image
# labelled systemprompt.test=1 (or the label given with --label). Keeps the test bed itself: images,
# registry, Swarm and dockerd.
#   --all          also stop the registry, leave Swarm and stop dockerd.
#   --label K=V    remove objects with this label instead (a test of this script uses it, so that it
#                  never touches what other test runs own at the same moment).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tooling/testbed/lib/common.sh
. "$HERE/lib/common.sh"

ALL=0
LABELS=(systemprompt.test=1 systemprompt.testbed.test=1)
while [ "$#" -gt 0 ]; do
  case "$1" in
    --all) ALL=1 ;;
    --label) [ -n "${2:-}" ] || fail "--label needs KEY=VALUE"; LABELS=("$2"); shift ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) fail "unknown argument: $1 (try --help)" ;;
  esac
  shift
done

take_lock

# remove KIND LABEL: ids from `docker KIND ls`, removed with `docker KIND rm`.
remove_labelled() {
  local kind="$1" label="$2" ids=()
  local ls_args=(-q --filter "label=$label")
  [ "$kind" = container ] && ls_args=(-a "${ls_args[@]}")
  mapfile -t ids < <("$DOCKER" "$kind" ls "${ls_args[@]}" | sort -u)
  [ "${#ids[@]}" -gt 0 ] || return 0
  local rm_args=()
  case "$kind" in
    container) rm_args=(-f -v) ;;
    volume | image) rm_args=(-f) ;;
  esac
  local full_ids=()
  # Task containers name their service by its full id; `service ls -q` gives short ones.
  [ "$kind" = service ] && mapfile -t full_ids < <("$DOCKER" service inspect -f '{{.ID}}' "${ids[@]}")
  if [ "$kind" = image ]; then
    # Top-level images only (not -a): removing one removes the untagged layers below it; an image that
    # went with another one's removal, or that a child still needs, is not a failure of the cleanup.
    "$DOCKER" image rm "${rm_args[@]}" "${ids[@]}" >/dev/null 2>&1 || true
  else
    "$DOCKER" "$kind" rm "${rm_args[@]}" "${ids[@]}" >/dev/null
  fi
  info "removed ${#ids[@]} ${kind}(s) labelled $label"
  [ "$kind" = service ] && remove_task_containers "${full_ids[@]}"
  return 0
}

# A removed service's task containers stop asynchronously and do not carry the service's labels:
# remove them here, or the networks and volumes they use cannot go.
remove_task_containers() {
  local id tasks=()
  for id in "$@"; do
    mapfile -t -O "${#tasks[@]}" tasks < <("$DOCKER" container ls -aq --filter "label=com.docker.swarm.service.id=$id")
  done
  [ "${#tasks[@]}" -gt 0 ] || return 0
  "$DOCKER" container rm -f -v "${tasks[@]}" >/dev/null 2>&1 || true
  info "removed ${#tasks[@]} task container(s) of those services"
}

if engine_answers; then
  swarm="$("$DOCKER" info -f '{{.Swarm.LocalNodeState}}')"
  for label in "${LABELS[@]}"; do
    step "objects labelled $label"
    # Services first: their tasks would otherwise re-create the containers removed below.
    if [ "$swarm" = active ]; then remove_labelled service "$label"; fi
    remove_labelled container "$label"
    if [ "$swarm" = active ]; then
      remove_labelled secret "$label"
      remove_labelled config "$label"
    fi
    remove_labelled network "$label"
    remove_labelled volume "$label"
    remove_labelled image "$label"
  done
  # Earlier builds of the test bed's own images, kept by up.sh while a container still used them.
  mapfile -t stale < <("$DOCKER" image ls -q --filter dangling=true --filter label=systemprompt.testbed.hash)
  if [ "${#stale[@]}" -gt 0 ] && "$DOCKER" image rm "${stale[@]}" >/dev/null 2>&1; then
    step "removed ${#stale[@]} superseded test bed image(s)"
  fi
else
  step "engine does not answer: nothing to remove"
fi

[ "$ALL" = 1 ] || exit 0

step "registry"
pid="$(pid_from_file "$REGISTRY_PIDFILE")"
if pid_alive "$pid"; then
  kill "$pid"
  wait_pid_gone "$pid" 50 || fail "registry pid $pid did not stop"
  info "stopped"
else
  info "not running"
fi
rm -f "$REGISTRY_PIDFILE"

if engine_answers; then
  step "swarm"
  if [ "$("$DOCKER" info -f '{{.Swarm.LocalNodeState}}')" = active ]; then
    "$DOCKER" swarm leave --force >/dev/null
    info "left"
  else
    info "not active"
  fi
fi

step "dockerd"
pid="$(pid_from_file "$DOCKERD_PIDFILE")"
if pid_alive "$pid"; then
  kill "$pid"
  # dockerd stops its containers first (10 s each at worst); give it time.
  wait_pid_gone "$pid" 600 || fail "dockerd pid $pid did not stop in 60 s"
  info "stopped"
else
  info "not running"
fi
