# Sourced by .ci/run: a throwaway PostgreSQL server for the history tests, from Debian's postgresql package,
# on loopback with its own data folder and port, stopped when .ci/run exits (the EXIT trap).
# M365EXIT_TEST_POSTGRES_URL is always exported: if the server cannot start, the PostgreSQL tests fail
# (with CI set they never skip).
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
pg_port=${M365EXIT_CI_PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/m365exit-ci-pg.XXXXXX")
export M365EXIT_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:${pg_port}/postgres"

as_postgres() {  # CI runs as root, and PostgreSQL refuses to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_stop() {
  if [ -n "$pg_bin" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pg_dir"
}
trap pg_stop EXIT

if [ -z "$pg_bin" ]; then
  echo "warning: no PostgreSQL under /usr/lib/postgresql: the PostgreSQL history tests will fail" >&2
else
  if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
  if as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 --no-locale \
       >"$pg_dir/initdb.log" 2>&1 \
     && as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
       -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off" start >/dev/null; then
    echo "PostgreSQL $("$pg_bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$pg_port for the history tests"
  else
    echo "warning: PostgreSQL did not start; the PostgreSQL history tests will fail:" >&2
    cat "$pg_dir"/*.log >&2 || true
  fi
fi
