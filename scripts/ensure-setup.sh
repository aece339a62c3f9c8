#!/usr/bin/env bash
# Cheap check run before `npm start`, `npm test` and `npm run bench`; the full setup only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d node_modules ] && [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] \
  && { [ -x .tools/bin/temporal ] || [ -f .tools/temporal-cli.mode ]; } \
  && { [ -x .tools/bin/temporal-test-server ] || [ "${SETUP_SKIP_TEST_SERVER:-}" = "1" ]; }; then
  exit 0
fi
exec bash scripts/setup.sh
