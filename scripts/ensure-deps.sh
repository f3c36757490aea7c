#!/usr/bin/env bash
# Installs what `npm start` / `npm test` need and is missing, so that each is the only command to run
# on a fresh machine: the npm packages, and for the tests Debian's redis-server, docker.io,
# busybox-static, docker-registry, debootstrap and chromium (as root, with apt-get); and it builds the dashboard. Does nothing when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "stepstack: installing npm packages (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi

# The dashboard's assets (SPEC section 8) are built here, never fetched: again whenever a source is newer.
if [ ! -f dashboard/dist/index.html ] || [ -n "$(find dashboard/src dashboard/index.html dashboard/vite.config.ts -newer dashboard/dist/index.html -print -quit)" ]; then
  echo "stepstack: building the dashboard (vite)" >&2
  npx vite build --config dashboard/vite.config.ts >&2
fi

[ "${1:-}" = "test" ] || exit 0
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v dockerd >/dev/null || need+=(docker.io)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v debootstrap >/dev/null || need+=(debootstrap)
# Headless Chromium for the dashboard's browser tests (driven by playwright-core).
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "stepstack: the tests need ${need[*]}: install them (Debian: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "stepstack: installing ${need[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
