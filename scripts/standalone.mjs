// The single-file build: one HTML page with the CSS, every JS module (bundled by esbuild) and
// the wasm (base64 in a data block) inside it, so it works opened from disk (file://), where
// a page may not load other files, in a classroom with no server.
// Usage: node scripts/standalone.mjs DIR (a built site: index.html, www/, dhara.js,
// dhara_bg.wasm) → writes DIR/dhara-standalone.html.
//
// The page's only script is one inline module with no eval, no `new Function` and no inline
// event handlers; the page's Content-Security-Policy is replaced by one that allows exactly
// that script and the inlined styles, by their SHA-256 hashes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { assertInlineable, inlineStylesheets, sha256Source, styleHashes } from './inline-styles.mjs';

export const STANDALONE_NAME = 'dhara-standalone.html';
const WASM_BLOCK_ID = 'dhara-wasm'; // www/wasm-source.js reads the block by this id

function fail(message) {
  throw new Error(`standalone: ${message}`);
}

/** Replaces exactly one occurrence of `pattern` (a regex) in `html`; any other count is an error. */
function replaceOnce(html, pattern, replacement, what) {
  const count = html.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length ?? 0;
  if (count !== 1) fail(`index.html must have exactly one ${what} (found ${count})`);
  return html.replace(pattern, () => replacement);
}

async function bundle(dir) {
  const result = await build({
    entryPoints: [join(dir, 'www', 'main.js')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/**
 * The single file's policy: nothing from anywhere ('none' has no file:// origin to trust),
 * except its own inline module script and style elements, pinned by hash, and the wasm.
 */
export function hashPolicy(html) {
  const scripts = [...html.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)].map((m) => sha256Source(m[1]));
  const styles = styleHashes(html);
  if (scripts.length !== 1 || styles.length === 0) fail(`expected one inline module script and some styles (found ${scripts.length} and ${styles.length})`);
  return `default-src 'none'; script-src ${scripts[0]} 'wasm-unsafe-eval'; style-src-elem ${styles.join(' ')}; `
    + "style-src-attr 'none'; img-src data:; base-uri 'none'; form-action 'none'";
}

export async function buildStandalone(dir) {
  let html = readFileSync(join(dir, 'index.html'), 'utf8');
  // Trunk's build links and the comment about them mean nothing in a single file.
  html = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<link data-trunk[^>]*>/g, '').replace(/\n[ \t]*(?=\n)/g, '');
  // scripts/build.sh has inlined them already; a page built otherwise may still link them.
  html = inlineStylesheets(html, dir);
  // Anything still pointing at a file beside the page would fail from file:// (checked before
  // the script goes in: its strings may hold markup such as the embed code's src="…").
  const leftover = html.replace(/<script type="module" src="www\/main\.js">/, '').match(/\s(?:src|href)="(?!data:|#)[^"]*"|url\((?!["']?data:)/);
  if (leftover) fail(`the page still refers to another file: ${leftover[0].trim()}`);
  const script = await bundle(dir);
  assertInlineable(script, 'script', 'the bundled www/main.js');
  const wasm = readFileSync(join(dir, 'dhara_bg.wasm')).toString('base64');
  const inline = `<script id="${WASM_BLOCK_ID}" type="application/octet-stream">${wasm}</script>\n`
    + `  <script type="module">\n${script}</script>`;
  html = replaceOnce(html, /<script type="module" src="www\/main\.js"><\/script>/, inline, 'main.js script tag');
  html = replaceOnce(html, /<meta http-equiv="Content-Security-Policy" content="[^"]*">/, `<meta http-equiv="Content-Security-Policy" content="${hashPolicy(html)}">`, 'Content-Security-Policy meta');
  const out = join(dir, STANDALONE_NAME);
  writeFileSync(out, html);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir || process.argv.length > 3) {
    console.error('standalone: usage: node scripts/standalone.mjs DIR');
    process.exit(2);
  }
  buildStandalone(dir).then((out) => console.error(`standalone: wrote ${out}`), (error) => {
    console.error(error.message);
    process.exit(1);
  });
}
