#!/usr/bin/env bash
# Installs what Janus Cloud needs on a fresh Debian 12 machine: the Janus server, Redis,
# iproute2 (test hosts in network namespaces) and the npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(janus janus-demos redis-server iproute2)
if [ "${JANUS_CLOUD_BROWSER_TESTS:-1}" = "1" ]; then APT_PACKAGES+=(chromium); fi

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
  # `npm ci` refuses a lock file that lacks the optional per-platform packages of rollup (Vite's
  # bundler) which the npm registry reachable here does not have; `npm install` then installs the
  # same locked versions and skips the missing optional ones.
  npm ci --no-audit --no-fund || npm install --no-audit --no-fund
fi

# The dashboard and demo pages (web/ → web/dist, served by the admin API): rebuilt when a source changed.
npm run --silent build:web -- --if-stale
