#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every test layer:
#   1. native unit, integration, oracle and CLI tests (cargo test --workspace)
#   2. the wasm build of the site (scripts/build.sh → dist/)
#   3. the Trunk build (trunk build --release → dist-trunk/), since the README offers Trunk
#   4. determinism: the release wasm under Node vs the native CLI, same trace hash
#   5. the page end to end in headless Chromium (dist/, dist/ under a sub-path, dist-trunk/,
#      and `trunk serve`)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PATH"
step() { printf '\n== %s\n' "$*" >&2; }

step "1/5 native: the engine stays pure, clippy is clean, cargo test --workspace"
# The crate boundary is the firewall: no web crate may reach dhara-engine, even indirectly.
web_deps=$(cargo tree -p dhara-engine -e normal --prefix none --locked | grep -E '^(wasm-bindgen|web-sys|js-sys|getrandom|serde-wasm-bindgen|plotters) ' || true)
if [ -n "$web_deps" ]; then
  echo "test: dhara-engine must not depend on web crates, but it does: $web_deps" >&2
  exit 1
fi
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings
cargo test --workspace --locked

step "2/5 wasm: scripts/build.sh dist"
bash scripts/build.sh dist

step "3/5 trunk build --release --dist dist-trunk"
(
  # shellcheck source=/dev/null
  source .dhara/env.sh
  export PATH="$PWD/node_modules/.bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
  trunk --log error build --release --dist dist-trunk
)

step "4/5 + 5/5: native vs wasm determinism, and the page in headless Chromium"
cargo build -p dhara-cli --locked --quiet
node --test tests/web/*.test.mjs
