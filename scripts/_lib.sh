# Shared helpers of scripts/test, scripts/example and bench/run (sourced, not executed).

# The test matrix: name, Python minor version, pins. Oldest and newest of the supported range
# (what CI runs), then environments run only when asked for by name (MATRIX_ONLY=lts).
MATRIX=(
  "oldest 3.10 Django==4.2.* pandas==2.2.* numpy==1.26.*"
  "newest 3.12 Django==6.1.* pandas==3.* numpy==2.*"
)
EXTRA_MATRIX=(
  "lts 3.11 Django==5.2.* pandas==3.* numpy==2.*"
)
PG_URL_DEFAULT="postgres://postgres@127.0.0.1:5432/test"
CITUS_URL_DEFAULT="postgres://postgres@127.0.0.1:5440/citus"

log() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

find_python() {  # find_python 3.11 -> path of an interpreter of that minor version
  local v=$1 c
  for c in "python$v" /root/.pyenv/versions/"$v".*/bin/python /usr/bin/python"$v" /usr/local/bin/python"$v"; do
    if [ -x "$(command -v "$c" 2>/dev/null)" ] && "$c" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$v'.split('.')))" 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  echo "no Python $v found: install it (e.g. pyenv install $v)" >&2; return 1
}

ensure_uv() {
  export PATH="$HOME/.local/bin:$PATH"
  if ! command -v uv >/dev/null 2>&1; then
    log "installing uv"
    # a user install; Debian's own python3 refuses it without --break-system-packages
    python3 -m pip install --quiet --user uv \
      || python3 -m pip install --quiet --user --break-system-packages uv \
      || python3 -m pip install --quiet uv
  fi
}

# make_env NAME PYVER PINS... -> a venv at .venvs/NAME with holcstore (editable) and the test group
make_env() {
  local name=$1 pyver=$2; shift 2
  local venv=".venvs/$name" py
  py=$(find_python "$pyver")
  if [ ! -x "$venv/bin/python" ]; then
    uv venv --quiet --python "$py" "$venv"
  fi
  uv pip install --quiet --python "$venv/bin/python" -e ".[postgres]" --group test "$@"
}

ensure_postgres() {  # start the local cluster if it is down; fail if it cannot be reached
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    log "PostgreSQL is down: starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "PostgreSQL at 127.0.0.1:5432 cannot be reached: the PostgreSQL tests cannot run" >&2
    return 1
  fi
}

citus_script() {  # the Citus cluster script: $HOSTORE_CITUS_SCRIPT or the machine's shared one
  local s
  for s in "${HOSTORE_CITUS_SCRIPT:-}" ../shared/citus/cluster.sh /work/shared/citus/cluster.sh; do
    if [ -n "$s" ] && [ -f "$s" ]; then echo "$s"; return 0; fi
  done
  echo "no Citus cluster script found: set HOSTORE_CITUS_SCRIPT to its path" >&2; return 1
}

ensure_citus() {  # build Citus (first time: a few minutes) and start the cluster; fail if it cannot
  local script
  if pg_isready -q -h 127.0.0.1 -p 5440 2>/dev/null && pg_isready -q -h 127.0.0.1 -p 5441 2>/dev/null \
    && pg_isready -q -h 127.0.0.1 -p 5442 2>/dev/null; then
    return 0
  fi
  script=$(citus_script) || return 1
  log "starting the Citus cluster ($script)"
  bash "$script" start >/dev/null
}

ensure_static() {  # uPlot (package.json) into hostore/static/hostore/vendor/, fetched, never committed
  local vendor=hostore/static/hostore/vendor dist=node_modules/uplot/dist
  # npm writes node_modules/.package-lock.json on each install: newer than the lock file
  if [ ! -f "$dist/uPlot.iife.min.js" ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    command -v npm >/dev/null || { echo "npm is needed to fetch uPlot (apt-get install npm)" >&2; return 1; }
    log "fetching the admin's static files (npm ci)"
    npm ci --no-audit --no-fund --silent
  fi
  mkdir -p "$vendor"
  cp "$dist/uPlot.iife.min.js" "$dist/uPlot.min.css" "$vendor/"
}
