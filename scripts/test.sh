#!/usr/bin/env bash
# `npm test`: installs what is missing, then runs every test layer:
#   1. native unit, integration, oracle and CLI tests (cargo test --workspace)
#   2. the swarm: 2,000 seeded random clusters, workloads and fault schedules, every
#      invariant checked after every event (dhara swarm, optimised build, one half per core)
#   3. the wasm build of the site (scripts/build.sh → dist/)
#   4. the Trunk build (trunk build --release → dist-trunk/), since the README offers Trunk
#   5. determinism: the release wasm under Node vs the native CLI, same trace hash
#   6. the page end to end in headless Chromium (dist/, dist/ under a sub-path, dist-trunk/,
#      and `trunk serve`)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export PATH="$HOME/.cargo/bin:$PATH"
step() { printf '\n== %s\n' "$*" >&2; }

step "1/6 native: the engine stays pure, clippy is clean, cargo test --workspace"
# The crate boundary is the firewall: no web crate may reach dhara-engine, even indirectly.
web_deps=$(cargo tree -p dhara-engine -e normal --prefix none --locked | grep -E '^(wasm-bindgen|web-sys|js-sys|getrandom|serde-wasm-bindgen|plotters) ' || true)
if [ -n "$web_deps" ]; then
  echo "test: dhara-engine must not depend on web crates, but it does: $web_deps" >&2
  exit 1
fi
cargo clippy --workspace --all-targets --locked --quiet -- -D warnings
cargo test --workspace --locked

step "2/6 swarm: dhara swarm, seeds 0 to 1,999"
cargo build --profile swarm -p dhara-cli --locked --quiet
swarm_out=$(mktemp -d)
# Two halves side by side, one per core; each exits 1 on a violation and says how to replay it.
"${CARGO_TARGET_DIR:-target}/swarm/dhara" swarm --seeds 1000 --from 0 --out "$swarm_out/failures" > "$swarm_out/a.json" &
first=$!
"${CARGO_TARGET_DIR:-target}/swarm/dhara" swarm --seeds 1000 --from 1000 --out "$swarm_out/failures" > "$swarm_out/b.json" &
second=$!
swarm_ok=true
wait "$first" || swarm_ok=false
wait "$second" || swarm_ok=false
cat "$swarm_out/a.json" "$swarm_out/b.json"
if [ "$swarm_ok" != true ]; then
  echo "test: the swarm found an invariant violation (replay files in $swarm_out/failures)" >&2
  exit 1
fi

step "3/6 wasm: scripts/build.sh dist"
bash scripts/build.sh dist

step "4/6 trunk build --release --dist dist-trunk"
(
  # shellcheck source=/dev/null
  source .dhara/env.sh
  export PATH="$PWD/node_modules/.bin:$PATH" TRUNK_SKIP_VERSION_CHECK=true
  trunk --log error build --release --dist dist-trunk
)

step "5/6 + 6/6: native vs wasm determinism, and the page in headless Chromium"
cargo build -p dhara-cli --locked --quiet
node --test tests/web/*.test.mjs
