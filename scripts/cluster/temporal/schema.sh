#!/bin/sh
# Creates or migrates Temporal's two PostgreSQL databases (persistence and visibility) to the schema version of the
# server's release, idempotently: run by npm run cluster (scripts/cluster/postgres.ts, with the schema tool built
# into .tools/bin) and by docker-compose.yml's temporal-schema service (temporalio/admin-tools, same release).
#   SQL_TOOL        the temporal-sql-tool binary           SCHEMA_DIR   .../schema/postgresql/v12 of that release
#   POSTGRES_HOST / POSTGRES_PORT / POSTGRES_USER / POSTGRES_PASSWORD
set -eu
: "${SQL_TOOL:=temporal-sql-tool}"
: "${SCHEMA_DIR:=/etc/temporal/schema/postgresql/v12}"
: "${POSTGRES_HOST:=127.0.0.1}"
: "${POSTGRES_PORT:=5432}"
: "${POSTGRES_USER:=temporal}"
: "${POSTGRES_PASSWORD:=temporal}"
export SQL_PASSWORD="$POSTGRES_PASSWORD"
for db in temporal temporal_visibility; do
  case $db in temporal) dir=temporal ;; *) dir=visibility ;; esac
  tool() { "$SQL_TOOL" --plugin postgres12 --ep "$POSTGRES_HOST" -p "$POSTGRES_PORT" -u "$POSTGRES_USER" --db "$db" "$@"; }
  # Both fail harmlessly once done: the database exists, the version table is there.
  tool create-database >/dev/null 2>&1 || true
  tool setup-schema -v 0.0 >/dev/null 2>&1 || true
  tool update-schema -d "$SCHEMA_DIR/$dir/versioned"
done
echo "schema ready: temporal and temporal_visibility at the latest version in $SCHEMA_DIR"
