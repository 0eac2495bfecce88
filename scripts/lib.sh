# Shared set-up steps for scripts/demo, scripts/test and scripts/cluster. Source it; do not run it.
# Every step is idempotent: it checks a stamp (a hash of its inputs) and says loudly what it installs.
set -euo pipefail

LC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LC_VENV="$LC_ROOT/.venv"
# Runtime state and logs of the local cluster and the demo; git-ignored.
LC_STATE="${LC_STATE:-$LC_ROOT/.cluster}"
# Downloads that outlive a clone (assembled Livy jars); pip, npm and Maven keep their own caches in ~.
LC_CACHE="${LIVY_CAPACITY_CACHE:-$HOME/.cache/jupyterlab-livy-capacity}"
export LC_ROOT LC_VENV LC_STATE LC_CACHE

lc_say() { printf '\033[1;34m[livy-capacity]\033[0m %s\n' "$*" >&2; }
lc_die() { printf '\033[1;31m[livy-capacity] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

_lc_hash() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

_LC_APT_UPDATED=
lc_ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  lc_say "installing Debian packages: ${missing[*]}"
  if [ -z "$_LC_APT_UPDATED" ]; then
    apt-get update -q >&2 || lc_die "apt-get update failed (output above); check the Debian mirror, then rerun"
    _LC_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
    lc_die "apt-get could not install ${missing[*]} (output above); install them yourself, then rerun"
}

# Spark 3.5 supports Java 8/11/17 only: pin JDK 17 and keep any other JDK off JAVA_HOME and PATH.
lc_ensure_java() {
  local jdk=/usr/lib/jvm/java-17-openjdk-amd64
  [ -x "$jdk/bin/java" ] || lc_ensure_apt openjdk-17-jdk-headless
  [ -x "$jdk/bin/java" ] || lc_die "OpenJDK 17 not found at $jdk; install openjdk-17-jdk-headless"
  export JAVA_HOME="$jdk"
  export PATH="$JAVA_HOME/bin:$PATH"
}

lc_ensure_system_packages() {
  # libkrb5-dev: SparkMagic -> requests-kerberos -> gssapi builds from source against it.
  lc_ensure_apt libkrb5-dev maven
  command -v node >/dev/null || lc_ensure_apt nodejs npm
}

lc_ensure_venv() {
  local stamp="$LC_VENV/.requirements-stamp" want
  want="$(_lc_hash "$LC_ROOT/requirements/dev.txt")"
  if [ ! -x "$LC_VENV/bin/python" ]; then
    lc_say "creating Python virtual environment $LC_VENV"
    python3 -m venv "$LC_VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    lc_say "installing Python packages from requirements/dev.txt into .venv (pyspark's first build takes minutes; pip caches it)"
    "$LC_VENV/bin/pip" install -q --upgrade pip >&2
    "$LC_VENV/bin/pip" install -q -r "$LC_ROOT/requirements/dev.txt" >&2
    echo "$want" > "$stamp"
  fi
  export PATH="$LC_VENV/bin:$PATH"
  export VIRTUAL_ENV="$LC_VENV"
}

lc_ensure_node_modules() {
  local stamp="$LC_ROOT/node_modules/.lock-stamp" want
  want="$(_lc_hash "$LC_ROOT/package-lock.json")"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    lc_say "installing npm packages (npm ci)"
    (cd "$LC_ROOT" && npm ci --no-audit --no-fund >&2)
    echo "$want" > "$stamp"
  fi
}

# Builds the wheel exactly as `pip install .` would (TypeScript + prebuilt labextension inside) and
# installs it into .venv, so the demo and the tests run the packaged extension.
lc_install_extension() {
  lc_ensure_node_modules
  local want stamp="$LC_VENV/.extension-stamp"
  want="$(cd "$LC_ROOT" && git ls-files -co --exclude-standard src style schema jupyterlab_livy_capacity jupyter-config \
    package.json pyproject.toml install.json tsconfig.json | sort | while IFS= read -r file; do
      if [ -f "$file" ]; then echo "$file"; cat "$file"; fi  # tracked files deleted in the work tree drop out
    done | sha256sum | cut -c1-16)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! jupyter labextension list 2>&1 | grep -q jupyterlab-livy-capacity; then
    lc_say "building the extension wheel (tsc + labextension build) and installing it into .venv"
    rm -rf "$LC_ROOT/dist" "$LC_ROOT/jupyterlab_livy_capacity/labextension"
    (cd "$LC_ROOT" && pip wheel -q --no-deps --no-build-isolation -w dist . >&2)
    pip install -q --force-reinstall --no-deps "$LC_ROOT"/dist/jupyterlab_livy_capacity-*.whl >&2
    echo "$want" > "$stamp"
  fi
}

lc_setup_all() {
  lc_ensure_system_packages
  lc_ensure_java
  lc_ensure_venv
  lc_install_extension
}
