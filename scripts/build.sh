#!/usr/bin/env bash
# Builds the static site: wasm (release) → wasm-bindgen → wasm-opt, plus index.html (with
# www/*.css inline) and www/ (main.js bundled), and dhara-standalone.html, the same page in
# one file (scripts/standalone.mjs).
# Usage: scripts/build.sh [OUT_DIR] (default dist). The result uses relative URLs only, so it
# works from any static host under any sub-path.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-dist}
bash scripts/setup.sh build
# cargo install puts wasm-bindgen here; a fresh login shell may not have it on PATH yet.
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=/dev/null
source .dhara/env.sh
TARGET_DIR=${CARGO_TARGET_DIR:-target}

echo "build: cargo build (wasm32, release, via $DHARA_WASM_MODE)" >&2
cargo build -p dhara --lib --release --target wasm32-unknown-unknown --locked --quiet

STAGE="$OUT.partial"
rm -rf "$STAGE"
mkdir -p "$STAGE"
wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name dhara \
  "$TARGET_DIR/wasm32-unknown-unknown/release/dhara.wasm"
# npm's binaryen 132; Debian's binaryen 108 breaks wasm-bindgen's externref table.
node_modules/.bin/wasm-opt -O3 "$STAGE/dhara_bg.wasm" -o "$STAGE/dhara_bg.wasm"
cp index.html "$STAGE/"
cp -r www "$STAGE/www"
# The stylesheets go inside index.html, pinned by hash in its CSP: a linked stylesheet holds
# the first paint until it arrives. www/*.css stay the sources; the built copies are not needed.
node scripts/inline-styles.mjs "$STAGE"
rm "$STAGE"/www/*.css
# One request for the page's JS instead of a round per import level (www/main.js, then its imports).
node_modules/.bin/esbuild "$STAGE/www/main.js" --bundle --format=esm --target=es2022 --charset=utf8 --legal-comments=none --log-level=warning --allow-overwrite --outfile="$STAGE/www/main.js"
# The single-file page (CSS, bundled JS and base64 wasm inline) for opening from disk.
node scripts/standalone.mjs "$STAGE"
rm -rf "$OUT"
mv "$STAGE" "$OUT"

raw=$(wc -c <"$OUT/dhara_bg.wasm")
gz=$(gzip -9c "$OUT/dhara_bg.wasm" | wc -c)
total_gz=$(find "$OUT" -type f ! -name dhara-standalone.html -exec cat {} + | gzip -9c | wc -c)
one_raw=$(wc -c <"$OUT/dhara-standalone.html")
one_gz=$(gzip -9c "$OUT/dhara-standalone.html" | wc -c)
echo "build: $OUT/ ready; wasm $raw bytes raw, $gz gzipped; whole site about $total_gz bytes gzipped; single file dhara-standalone.html $one_raw bytes raw, $one_gz gzipped" >&2
