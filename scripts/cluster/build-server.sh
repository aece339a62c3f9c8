#!/usr/bin/env bash
# The Temporal server and its SQL schema tool for the PostgreSQL cluster (npm run cluster, test/cluster/), built
# from source once with `go install` into .tools/bin, with the release's PostgreSQL schema copied next to them:
#   .tools/bin/temporal-server     go.temporal.io/server/cmd/server
#   .tools/bin/temporal-sql-tool   go.temporal.io/server/cmd/tools/sql
#   .tools/temporal-schema/        schema/postgresql/v12 of the same release
# Nothing is done when those are there for TEMPORAL_SERVER_VERSION. Called by scripts/setup.sh (SETUP_CLUSTER=1)
# and by startCluster when the binaries are missing; two callers at once wait for each other (flock).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TOOLS=$ROOT/.tools
# The release the pinned CLI embeds (its dev server is the same server), and docker-compose.yml's image tag.
TEMPORAL_SERVER_VERSION=v1.29.1
log() { printf '[cluster-setup] %s\n' "$*" >&2; }

built() {
  [ -x "$TOOLS/bin/temporal-server" ] && [ -x "$TOOLS/bin/temporal-sql-tool" ] &&
    [ -f "$TOOLS/temporal-schema/temporal/versioned/v1.0/manifest.json" ] &&
    [ "$(cat "$TOOLS/temporal-server.version" 2>/dev/null)" = "$TEMPORAL_SERVER_VERSION" ]
}

mkdir -p "$TOOLS/bin"
exec 9>"$TOOLS/temporal-server.lock"
command -v flock >/dev/null 2>&1 && flock 9
built && exit 0

if ! command -v go >/dev/null 2>&1; then
  log "the cluster needs the Temporal server $TEMPORAL_SERVER_VERSION, built with Go: install Go 1.24+ (https://go.dev/dl)"
  exit 1
fi
log "building the Temporal server and SQL schema tool $TEMPORAL_SERVER_VERSION with go install (first run only, minutes)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
GOBIN="$scratch" GOFLAGS="${GOFLAGS:-}" go install \
  "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
  "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" >&2
module="$(go env GOMODCACHE)/go.temporal.io/server@$TEMPORAL_SERVER_VERSION"
rm -rf "$TOOLS/temporal-schema"
cp -R "$module/schema/postgresql/v12" "$TOOLS/temporal-schema"
chmod -R u+w,a+rX "$TOOLS/temporal-schema"
mv "$scratch/server" "$TOOLS/bin/temporal-server"
mv "$scratch/sql" "$TOOLS/bin/temporal-sql-tool"
echo "$TEMPORAL_SERVER_VERSION" > "$TOOLS/temporal-server.version"
log "Temporal server $TEMPORAL_SERVER_VERSION ready in .tools/bin"
