#!/usr/bin/env bash
# Start a throw-away PostgreSQL cluster for the tests (Debian package `postgresql`),
# then print the DSN to export as JNT_TEST_POSTGRES_DSN. Run as root (or as postgres).
#   export JNT_TEST_POSTGRES_DSN=$(bash scripts/start_postgres.sh)
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DIR=${JNT_PG_DIR:-$(mktemp -d /tmp/jnt-pg.XXXXXX)}
PORT=${JNT_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$DIR"
as_postgres "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_postgres "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off -c autovacuum=off -c max_connections=200" \
  start >/dev/null
# The tests create one database per test: the role needs CREATEDB. Autovacuum is off: its
# (superuser) workers would make DROP DATABASE ... WITH (FORCE) fail for the non-superuser role.
as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE ROLE jnt LOGIN PASSWORD 'jnt' CREATEDB" >/dev/null
as_postgres "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE jnt OWNER jnt" >/dev/null
echo "postgresql+psycopg://jnt:jnt@127.0.0.1:$PORT/jnt"
