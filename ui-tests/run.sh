#!/usr/bin/env bash
# Galata UI tests: installs their npm packages (no browser download), makes sure Debian's Chromium
# is there, and runs them headless against a real JupyterLab from the project's .venv.
set -euo pipefail
cd "$(dirname "$0")"
source ../scripts/lib.sh
lc_ensure_apt chromium
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=node_modules/.lock-stamp
want="$(sha256sum package-lock.json | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  lc_say "installing the UI tests' npm packages (npm ci, no browser download)"
  npm ci --no-audit --no-fund >&2
  echo "$want" > "$stamp"
fi
npx playwright test "$@"
