#!/usr/bin/env bash
# Installs everything the engine and its tests need, and nothing twice:
#   - npm packages (when node_modules is missing or older than package-lock.json), at the locked versions
#   - the Temporal CLI (dev server): TEMPORAL_CLI_PATH, a `temporal` on PATH, or built from source
#     with `go install` into .tools/bin (pinned: later tags carry a `replace` directive go install refuses)
#   - Temporal's Java time-skipping test server from Maven Central into .tools/test-server
#   - Debian's chromium (apt-get, as root or with sudo) for the Web UI browser test (tests only)
#   - with SETUP_CLUSTER=1 (npm test, npm run cluster): the Temporal server and SQL schema tool built with go install
#     (scripts/cluster/build-server.sh)
# Nothing here downloads a prebuilt binary; where no toolchain exists it says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
mkdir -p "$TOOLS/bin"

TEMPORAL_CLI_VERSION=v1.5.1
log() { printf '[setup] %s\n' "$*" >&2; }

# --- npm packages -------------------------------------------------------------------------
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || \
   { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  log "installing npm packages"
  # Not `npm ci`: the lock omits optional platform packages the registry does not serve (e.g. some @swc/core
  # builds), which `npm ci` reports as out of sync. `npm install --no-save` installs the locked versions and
  # leaves package.json and package-lock.json untouched.
  npm install --no-audit --no-fund --no-save >&2
fi

# --- Temporal CLI -------------------------------------------------------------------------
cli=""
if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { log "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file"; exit 1; }
  cli=$TEMPORAL_CLI_PATH
elif [ -x "$TOOLS/bin/temporal" ]; then
  cli=$TOOLS/bin/temporal
elif command -v temporal >/dev/null 2>&1; then
  cli=$(command -v temporal)
elif command -v go >/dev/null 2>&1; then
  log "building the Temporal CLI $TEMPORAL_CLI_VERSION with go install (first run only, a few minutes)"
  # Same link flags as Temporal's release build: stripped, and `temporal --version` names the real version.
  if ! GOBIN="$TOOLS/bin" GOFLAGS="${GOFLAGS:-}" go install \
      -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION#v}" \
      "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" >&2; then
    log "go install of the Temporal CLI failed (see above). It needs Go 1.25 or later and access to the Go module proxy."
    log "Alternatively install the Temporal CLI yourself (https://docs.temporal.io/cli#install, or brew install temporal)"
    log "and run again, or point TEMPORAL_CLI_PATH at it."
    exit 1
  fi
  cli=$TOOLS/bin/temporal
elif [ "${CI:-}" = "true" ]; then
  log "no Temporal CLI and no Go toolchain. Install Go 1.25+ (https://go.dev/dl) or the Temporal CLI, or set TEMPORAL_CLI_PATH."
  exit 1
else
  log "no Temporal CLI and no Go toolchain: falling back to the Temporal SDK's own download of the dev server"
  log "(fetched from temporal.download on first use, needs internet). To avoid that, install Go (https://go.dev/dl)"
  log "or the Temporal CLI (https://docs.temporal.io/cli#install), or set TEMPORAL_CLI_PATH, and run again."
  echo "sdk-download" > "$TOOLS/temporal-cli.mode"
fi
if [ -n "$cli" ]; then
  [ "$cli" = "$TOOLS/bin/temporal" ] || ln -sf "$cli" "$TOOLS/bin/temporal"
  rm -f "$TOOLS/temporal-cli.mode"
  version=$("$TOOLS/bin/temporal" --version 2>&1) || { log "$cli does not run: $version"; exit 1; }
  log "Temporal CLI: $cli ($version)"
fi

# --- Java time-skipping test server (tests only) -----------------------------------------
if [ "${SETUP_SKIP_TEST_SERVER:-}" != "1" ] && [ ! -x "$TOOLS/bin/temporal-test-server" ]; then
  if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then
    log "fetching Temporal's Java test server from Maven Central (first run only)"
    rm -rf "$TOOLS/test-server/lib"
    mvn -B -q -Dstyle.color=never -f scripts/test-server/pom.xml dependency:copy-dependencies \
      -DoutputDirectory="$TOOLS/test-server/lib" -DincludeScope=runtime >&2
    cat > "$TOOLS/bin/temporal-test-server" <<WRAP
#!/usr/bin/env bash
# exec, so that the SDK's shutdown signal reaches the JVM and no server is left behind.
exec java \${TEMPORAL_TEST_SERVER_JAVA_OPTS:--Xss1m -XX:+UseSerialGC} -cp "$TOOLS/test-server/lib/*" io.temporal.testserver.TestServer "\$@"
WRAP
    chmod +x "$TOOLS/bin/temporal-test-server"
  else
    log "no java/mvn: time-skipping workflow tests will let the SDK download its test server (needs internet)."
    log "Install a JDK (17+) and Maven to run them offline."
  fi
fi
# --- Chromium for the browser test (tests only) ------------------------------------------
# Debian's own package: playwright-core drives it; nothing downloads a browser build. In CI a missing browser is an
# error (the browser test must not skip silently there); elsewhere the test skips with a message saying so.
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ "${SETUP_SKIP_TEST_SERVER:-}" != "1" ] && [ "${SETUP_SKIP_BROWSER:-}" != "1" ] && [ ! -x "$CHROMIUM" ]; then
  as_root=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then as_root="sudo -n"; fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = "0" ] || [ -n "$as_root" ]; }; then
    log "installing Debian's chromium for the browser test (apt-get, first run only)"
    if ! { $as_root apt-get update -qq >&2 && \
           DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends chromium >&2; }; then
      log "apt-get install chromium failed (see above)"
    fi
  fi
  if [ ! -x "$CHROMIUM" ]; then
    if [ "${CI:-}" = "true" ]; then
      log "no Chromium at $CHROMIUM and it could not be installed: the browser test cannot run in CI."
      log "Install it (apt-get install chromium, as root) or point CHROMIUM_PATH at one."
      exit 1
    fi
    log "no Chromium at $CHROMIUM (needs apt-get as root or sudo): the browser test will skip; set CHROMIUM_PATH"
    log "or run: sudo apt-get install --no-install-recommends chromium"
  fi
fi
# --- Temporal server for the PostgreSQL cluster (npm run cluster, test/cluster/): only when asked for --------------
if [ "${SETUP_CLUSTER:-}" = "1" ]; then
  bash scripts/cluster/build-server.sh
fi
log "ready"
