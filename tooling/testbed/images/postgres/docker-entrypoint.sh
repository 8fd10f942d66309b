#!/usr/bin/env bash
# Entrypoint of systemprompt-testbed/postgres:15. Honours the contract of the official `postgres` image
# that our compose files and code rely on:
#   POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (each also as *_FILE), POSTGRES_INITDB_ARGS,
#   POSTGRES_HOST_AUTH_METHOD, data in $PGDATA, initialisation only when $PGDATA is empty,
#   /docker-entrypoint-initdb.d/*.sql|*.sh, and postgres as PID 1 so that the stop signal reaches it.
set -Eeuo pipefail

die() { printf 'docker-entrypoint: %s\n' "$*" >&2; exit 1; }

# file_env VAR [DEFAULT]: VAR comes from $VAR or from the file named by $VAR_FILE, never both.
file_env() {
  local var="$1" def="${2:-}" fvar="${1}_FILE"
  local val="$def"
  if [ -n "${!var:-}" ] && [ -n "${!fvar:-}" ]; then
    die "both $var and $fvar are set (they are exclusive)"
  fi
  if [ -n "${!var:-}" ]; then
    val="${!var}"
  elif [ -n "${!fvar:-}" ]; then
    [ -r "${!fvar}" ] || die "$fvar points to ${!fvar}, which is not a readable file"
    val="$(<"${!fvar}")"
  fi
  export "$var"="$val"
  unset "$fvar"
}

# Run a command as the postgres user when we are root; as ourselves otherwise (docker run --user).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups "$@"
  else
    "$@"
  fi
}

prepare_dirs() {
  mkdir -p "$PGDATA" /var/run/postgresql
  if [ "$(id -u)" = 0 ]; then
    # A fresh named volume or bind mount arrives owned by root.
    chown postgres:postgres "$PGDATA" /var/run/postgresql
  fi
  chmod 700 "$PGDATA"
  chmod 2775 /var/run/postgresql 2>/dev/null || true
}

init_cluster() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  local method="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

  if [ -z "$POSTGRES_PASSWORD" ] && [ "$method" != trust ]; then
    die "the database is uninitialised and no superuser password is set.
  Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value,
  or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without a password (never do this on a shared host)."
  fi

  # initdb reads the password from a file so it never appears in a process list.
  local pwfile
  pwfile="$(mktemp)"
  printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  local pwargs=()
  [ -n "$POSTGRES_PASSWORD" ] && pwargs=(--pwfile="$pwfile")
  # --no-sync: a test bed creates many short-lived clusters, and initdb's final fsync of every file
  # is most of its time on a busy disk. The shutdown checkpoint below still makes the cluster consistent.
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words by contract.
  as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --encoding=UTF8 --locale=C.UTF-8 --no-sync \
    --auth-local=trust --auth-host="$method" "${pwargs[@]}" $POSTGRES_INITDB_ARGS >/dev/null
  rm -f "$pwfile"

  printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  # A server on the local socket only, so nobody can connect before setup is done.
  as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  local psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --no-password)
  if [ "$POSTGRES_DB" != postgres ]; then
    as_postgres "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" -q <<<'CREATE DATABASE :"db";'
  fi
  local f
  # Read as root and fed on stdin: a mounted directory need not be readable by the postgres user.
  for f in /docker-entrypoint-initdb.d/*; do
    # shellcheck disable=SC1090 # the image's user supplies these scripts.
    case "$f" in
      *.sh) printf 'docker-entrypoint: running %s\n' "$f"; . "$f" ;;
      *.sql) printf 'docker-entrypoint: running %s\n' "$f"; as_postgres "${psql[@]}" --dbname "$POSTGRES_DB" <"$f" ;;
      *) ;;
    esac
  done
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset POSTGRES_PASSWORD
  printf 'docker-entrypoint: PostgreSQL init process complete; ready for start up.\n'
}

# `docker run IMAGE -c foo=bar` means: postgres with those options.
if [ "${1:-}" = "" ] || [ "${1:0:1}" = - ]; then
  set -- postgres "$@"
fi

if [ "$1" = postgres ]; then
  prepare_dirs
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    init_cluster
  else
    printf 'docker-entrypoint: PostgreSQL database directory appears to contain a database; skipping initialization\n'
    # Secrets of a re-created container must not leak into the server's environment.
    unset POSTGRES_PASSWORD POSTGRES_PASSWORD_FILE
  fi
  if [ "$(id -u)" = 0 ]; then
    # exec + setpriv (not runuser/su): postgres itself becomes PID 1 and receives the stop signal.
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
  fi
fi

exec "$@"
