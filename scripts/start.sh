#!/usr/bin/env bash
# `npm start`: set up, build, and serve the page at http://127.0.0.1:8080 (PORT overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh dist
exec node scripts/serve.mjs --root dist --port "${PORT:-8080}"
