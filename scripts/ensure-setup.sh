#!/usr/bin/env bash
# Cheap check run before `npm start`, `npm test` and `npm run bench`; the full setup only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

cli_ready() {
  [ -x .tools/bin/temporal ] && return 0
  # Fallback mode (the SDK downloads its dev server) only while there is still nothing better: once Go or a
  # Temporal CLI appears, setup runs again and installs the real one.
  [ -f .tools/temporal-cli.mode ] && ! command -v go >/dev/null 2>&1 && ! command -v temporal >/dev/null 2>&1
}

if [ -d node_modules ] && [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] \
  && cli_ready \
  && { [ -x .tools/bin/temporal-test-server ] || [ "${SETUP_SKIP_TEST_SERVER:-}" = "1" ]; } \
  && { [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || [ "${SETUP_SKIP_TEST_SERVER:-}" = "1" ] \
       || [ "${SETUP_SKIP_BROWSER:-}" = "1" ] || [ "${CI:-}" != "true" ]; } \
  && { [ "${SETUP_CLUSTER:-}" != "1" ] || { [ -x .tools/bin/temporal-server ] && [ -x .tools/bin/temporal-sql-tool ]; }; }; then
  exit 0
fi
exec bash scripts/setup.sh
