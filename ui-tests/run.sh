#!/usr/bin/env bash
# Galata UI tests: installs their npm packages (no browser download), makes sure Debian's Chromium
# is there, starts a real local cluster instance "uitest" (Livy -> Spark on YARN) for the live tests, and runs the tests
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

# The live tests run on the local YARN cluster (instance "uitest"): every port, JupyterLab's included,
# is chosen free at start time, so this runs beside a demo or another engineer's cluster.
export LC_INSTANCE=uitest
unset LC_MODE LIVY_PORT LIVY_RSC_PORT_RANGE RM_WEB_PORT RM_PORT RM_SCHEDULER_PORT RM_TRACKER_PORT RM_ADMIN_PORT \
  NM_PORT NM_LOCALIZER_PORT NM_WEB_PORT SPARK_MASTER_PORT SPARK_MASTER_WEBUI_PORT SPARK_WORKER_WEBUI_PORT
trap 'bash ../scripts/cluster stop' EXIT
bash ../scripts/cluster start
# LIVY_URL, YARN_RM_URL, CLUSTER_EXECUTORS, SPARKMAGIC_CONF_DIR, LIVY_CAPACITY_JOBS_DIR, ...
eval "$(bash ../scripts/cluster env)"
export UI_TESTS_PORT="${UI_TESTS_PORT:-$(python3 ../cluster/freeports.py "$LC_STATE/uitest/lab-port.env" UI_TESTS_PORT=18888 | cut -d= -f2)}"
lc_say "UI tests: JupyterLab on port $UI_TESTS_PORT, Livy $LIVY_URL, YARN ResourceManager $YARN_RM_URL"
# "Nothing answers here": a port found free now, on which nothing listens.
DEAD_LIVY_URL="http://127.0.0.1:$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DEAD_LIVY_URL
# The UI tests' SparkMagic config: the fixture (the dead endpoint with a password, an invalid
# entry) plus the live local Livy for SparkMagic's PySpark kernel (kernel_python_credentials).
export UI_SPARKMAGIC_CONF_DIR="$LC_STATE/uitest/ui-sparkmagic"
mkdir -p "$UI_SPARKMAGIC_CONF_DIR"
python3 - "$UI_SPARKMAGIC_CONF_DIR/config.json" "$LIVY_URL" "$DEAD_LIVY_URL" "$SPARKMAGIC_CONF_DIR/config.json" <<'PY'
import json, sys
path, url, dead, cluster_config = sys.argv[1:5]
config = json.loads(open("fixtures/sparkmagic/config.json").read().replace("@DEAD_LIVY_URL@", dead))
cluster = json.load(open(cluster_config))  # the local cluster's session settings and timeouts
config["kernel_python_credentials"] = {"url": url, "auth": "None"}
for key, value in cluster.items():  # sessions sized for the local cluster (512m, 1 core)
    if not key.startswith("kernel_"):
        config[key] = value
json.dump(config, open(path, "w"), indent=2)
PY
export LIVY_CAPACITY_JOBS_DIR="$LC_ROOT/cluster/jobs"
npx playwright test "$@"
