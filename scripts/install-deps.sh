#!/usr/bin/env bash
# Installs what Janus Cloud needs on a fresh Debian 12 machine: the Janus server and its janus-pp-rec (janus-tools), ffmpeg, Redis,
# iproute2 (test hosts in network namespaces) and the npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# janus-tools (janus-pp-rec) and ffmpeg: recordings; janus-demos: the official demo and admin pages;
# redis-sentinel: the Redis failover tests; haproxy: conf/haproxy.cfg and its test.
APT_PACKAGES=(janus janus-tools janus-demos ffmpeg redis-server redis-sentinel haproxy iproute2)
# Browser suites fail without Chromium; only the explicit opt-out (never set by CI) leaves it out.
if [ "${JANUS_CLOUD_SKIP_BROWSER_TESTS:-0}" != "1" ]; then APT_PACKAGES+=(chromium); fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian package enables a system Janus service; our tests and local cluster run their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled janus >/dev/null 2>&1; then
  ${SUDO:-} systemctl disable --now janus >/dev/null 2>&1 || true
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # The lock file lists every platform's optional packages (rollup, esbuild), so `npm ci` accepts it
  # on any machine and installs exactly the locked versions.
  npm ci --no-audit --no-fund
fi

# The dashboard and demo pages (web/ → web/dist, served by the admin API): rebuilt when a source changed.
npm run --silent build:web -- --if-stale
