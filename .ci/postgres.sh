#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1 and prints its URL.
# Installs Debian's postgresql package first when the server is missing.
# With --restart, restarts the running server (the tests' outage).
set -euo pipefail
port=${PGPORT_TEST:-54329}
dir=${PGDATA_TEST:-/tmp/duban-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
id -u postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
if [ ! -f "$dir/PG_VERSION" ]; then
  rm -rf "$dir"; mkdir -p "$dir"; chown postgres "$dir"
  su postgres -s /bin/sh -c "$bin/initdb -D $dir -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >&2
fi
if [ "${1:-}" = "--restart" ]; then
  # A restart as an outage looks to clients: every connection is cut.
  su postgres -s /bin/sh -c "$bin/pg_ctl -D $dir -l $dir/server.log -m fast -w restart -o '-p $port -k /tmp -c listen_addresses=127.0.0.1'" >&2
  exit 0
fi
if ! su postgres -s /bin/sh -c "$bin/pg_ctl -D $dir status" >/dev/null 2>&1; then
  su postgres -s /bin/sh -c "$bin/pg_ctl -D $dir -l $dir/server.log -o '-p $port -k /tmp -c listen_addresses=127.0.0.1' -w start" >&2
fi
echo "postgresql://postgres@127.0.0.1:$port/postgres"
