#!/usr/bin/env bash
# Galata UI tests: installs their npm packages (no browser download), makes sure Debian's Chromium
# is there, starts a real local cluster instance "uitest" for the live tests, and runs the tests
# headless against a real JupyterLab from the project's .venv. The cluster is stopped at the end.
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

export LC_INSTANCE=uitest LIVY_PORT=28998 SPARK_MASTER_PORT=27077 SPARK_MASTER_WEBUI_PORT=28080 \
  SPARK_WORKER_WEBUI_PORT=28081 LIVY_RSC_PORT_RANGE='12000~12100'
trap 'bash ../scripts/cluster stop' EXIT
bash ../scripts/cluster start
eval "$(bash ../scripts/cluster env)"
# The UI tests' SparkMagic config: the fixture (an unreachable endpoint, an invalid entry) plus
# the live local Livy for the python3 kernels.
export UI_SPARKMAGIC_CONF_DIR="$LC_STATE/uitest/ui-sparkmagic"
mkdir -p "$UI_SPARKMAGIC_CONF_DIR"
python3 - "$UI_SPARKMAGIC_CONF_DIR/config.json" "$LIVY_URL" <<'PY'
import json, sys
path, url = sys.argv[1:3]
config = json.load(open("fixtures/sparkmagic/config.json"))
config["kernel_python3_credentials"] = {"url": url, "auth": "None"}
json.dump(config, open(path, "w"), indent=2)
PY
export LIVY_CAPACITY_JOBS_DIR="$LC_ROOT/cluster/jobs"
npx playwright test "$@"
