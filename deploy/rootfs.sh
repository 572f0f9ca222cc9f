#!/usr/bin/env bash
# Makes the build context of the `medicloud cloud` image (deploy/Containerfile builds
# FROM scratch on it): CONTEXT/rootfs, the image's root filesystem — the binary, exactly
# the shared libraries `ldd` names for it (and the dynamic loader), CA certificates,
# /etc/passwd and /etc/group with the unprivileged `medicloud` user (10001), /tmp and,
# when built, the web UI's head-office screens at /ui — and CONTEXT/data, the empty
# /data (the SQLite folder of a cloud without PostgreSQL), which the Containerfile
# gives to that user (so this script needs no root).
#   deploy/rootfs.sh [BINARY [CONTEXT]]
#     BINARY   the medicloud binary (default target/release/medicloud)
#     CONTEXT  the folder to make; emptied first (default target/image)
# Time zones need no tzdata: the clinics' zones are compiled into the binary (chrono-tz).
# The binary trusts the web PKI roots compiled into it (webpki-roots); the CA bundle is
# for what else in the image reads /etc/ssl/certs (SSL_CERT_FILE points there).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/medicloud}
context=${2:-target/image}
out=$context/rootfs
[ -x "$bin" ] || { echo "rootfs.sh: no executable at $bin (cargo build --release -p medicloud)" >&2; exit 1; }
ca=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca" ] || { echo "rootfs.sh: no CA bundle at $ca (apt-get install ca-certificates)" >&2; exit 1; }

# Emptied first: only a folder this script made before (or an empty or new one).
if [ -e "$context" ] && [ ! -d "$context/rootfs" ] && [ -n "$(ls -A "$context")" ]; then
  echo "rootfs.sh: $context is not empty and not an image context made here; give another" >&2
  exit 1
fi
rm -rf "$context"
mkdir -p "$out"/etc/ssl/certs "$out"/tmp "$out"/ui "$context"/data
chmod 1777 "$out"/tmp
install -m 0755 "$bin" "$out"/medicloud

# Every library the loader resolves (`libx.so => /path (addr)`) and the loader itself (a
# bare `/path (addr)`); linux-vdso is the kernel's and has no file. A name ldd cannot find
# fails the script rather than make an image that cannot start.
if ldd "$bin" | grep -q "not found"; then
  ldd "$bin" >&2
  echo "rootfs.sh: a shared library of $bin is missing on this machine" >&2
  exit 1
fi
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u |
  while read -r lib; do
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
  done
# Debian's /lib64 and /lib are links into /usr; the copies keep the paths the binary names.

cp -L "$ca" "$out$ca"
cat >"$out"/etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
medicloud:x:10001:10001:Medicloud cloud:/data:/sbin/nologin
PASSWD
cat >"$out"/etc/group <<'GROUP'
root:x:0:
medicloud:x:10001:
GROUP
# Names resolve from /etc/hosts, then DNS (glibc's own modules, in libc.so.6).
printf 'hosts: files dns\n' >"$out"/etc/nsswitch.conf

if [ -f ui/dist/index.html ]; then
  cp -a ui/dist/. "$out"/ui/
else
  echo "rootfs.sh: no ui/dist (cd ui && npm ci && npm run build): the image serves no /hq screens" >&2
fi
echo "rootfs.sh: $context ($(du -sh "$out" | cut -f1)): /medicloud and $(find "$out" -name '*.so*' | wc -l) shared libraries"
