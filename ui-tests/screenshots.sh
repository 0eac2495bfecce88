#!/usr/bin/env bash
# Refreshes the README's screenshots (docs/*.png) from the Galata UI tests: the panel states at the
# default sidebar width (simulated server answers) and two SparkMagic notebooks on the local cluster
# (the panel, the status-bar item, the Running sidebar's "Livy sessions" and the history chart).
# Plain test runs never write docs/: they keep their screenshots in ui-tests/test-results/screenshots.
set -euo pipefail
cd "$(dirname "$0")"
export UPDATE_DOCS_SCREENSHOTS=1
bash run.sh tests/panel-states.spec.ts tests/notebook-sessions.spec.ts -g "busy|unreachable|kill ends the holder" "$@"
ls -l ../docs/*.png
