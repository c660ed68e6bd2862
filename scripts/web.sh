#!/usr/bin/env bash
# Build the web dashboard into web/dist (cpcd serves it at /).
# `npm ci` runs only when the lock file changed since the last install, so a
# second `make web` costs only the Vite build, and nothing when no source is
# newer than web/dist. Without npm it says so and exits 0: the node serves a
# plain page that says how to build the dashboard.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null 2>&1; then
  echo "web: npm not found (scripts/deps.sh installs Node.js); the dashboard is not built"
  exit 0
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "web: npm ci (web/package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ -f dist/index.html ] && [ -z "$(find src index.html public package.json vite.config.ts tsconfig.json \
     -newer dist/index.html -print -quit 2>/dev/null)" ]; then
  echo "web: web/dist is up to date"
  exit 0
fi
echo "web: building web/dist"
npm run --silent build

echo "web: built web/dist ($(find dist -type f | wc -l) files)"; node scripts/bundle-size.mjs | tail -1 || true
