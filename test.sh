#!/usr/bin/env bash
# The one test command: installs what is missing, builds the assets and runs every test.
# Tests start their own throwaway PostgreSQL and Redis (or use CHAT_TEST_POSTGRES / CHAT_TEST_REDIS).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

step() { printf '\n== %s\n' "$*"; }

bash .ci/install-missing.sh chromium:chromium caddy:caddy

if [ -f package.json ]; then
  # The built assets are committed (a fresh clone runs styled without Node); the tools are installed so that
  # BuiltAssetsTests can rebuild into a temporary folder and fail when the committed files are stale.
  # (`npm run build` rewrites Chat.Web/wwwroot after changing wwwroot-src/.)
  step "front-end tools"
  npm ci --no-audit --no-fund --loglevel=error

  # No container engine here: the Dockerfile, the compose files and the Caddyfile are linted and validated instead.
  step "deployment files"
  node deploy/lint.mjs
fi

step "dotnet restore and build"
dotnet tool restore >/dev/null
dotnet build Chat.sln -c Release -warnaserror --nologo -v quiet

step "tests"
mkdir -p test-artifacts
set +e
dotnet test Chat.sln -c Release --no-build --nologo --logger "console;verbosity=normal" 2>&1 | tee test-artifacts/test-output.txt
status=${PIPESTATUS[0]}
set -e
# The failures again at the end, so that a log cut to its last lines still names them and says why.
awk '/^ +Failed [A-Za-z]/ { shown = 0; keep = 1; print "FAILED:" substr($0, index($0, "Failed ") + 6); next }
     keep && /Stack Trace:/ { keep = 0; next }
     keep && shown < 6 && NF { print "   " $0; shown++ }' test-artifacts/test-output.txt
# A closing line in the plain "N passed, N failed" form, summed over the test assemblies.
awk '/^ +(Passed|Failed|Skipped): [0-9]+$/ { n[$1] += $2 }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", n["Passed:"], n["Failed:"], n["Skipped:"] }' test-artifacts/test-output.txt
exit "$status"
