// Where the page's WebAssembly comes from. The site fetches dhara_bg.wasm from beside it; the
// single-file build (dhara-standalone.html, for classrooms without a server) carries the same
// bytes inside the page as base64 in a data block, because a page opened from disk (file://)
// may not fetch other files.

/** The id of the data block (`<script type="application/octet-stream">`) holding the wasm. */
export const WASM_BLOCK_ID = 'dhara-wasm';

/**
 * What to give wasm-bindgen's `init({ module_or_path })`: the inlined bytes when the page has
 * them, else the URL of dhara_bg.wasm relative to `moduleUrl` (main.js's import.meta.url).
 */
export function wasmSource(moduleUrl) {
  const block = document.getElementById(WASM_BLOCK_ID);
  if (!block) return new URL('../dhara_bg.wasm', moduleUrl);
  return decodeBase64(block.textContent);
}

/** Standard base64 (whitespace ignored) to bytes; a damaged block is an error, not a guess. */
export function decodeBase64(text) {
  const clean = String(text).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new Error(`${WASM_BLOCK_ID}: the inlined WebAssembly is not valid base64 (${clean.length} characters)`);
  }
  const binary = atob(clean);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
