// The single-file build (dist/dhara-standalone.html) opened from disk in headless Chromium:
// it runs and draws with no server, asks for nothing but itself, needs no file beside it,
// and it carries a hash-based Content-Security-Policy that allows its one inline script.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { decodeBase64 } from '../../www/wasm-source.js';
import { DIST, canvasPixels, launchBrowser, openPage, requireFile } from './helpers.mjs';

const FILE = join(DIST, 'dhara-standalone.html');
requireFile(FILE, 'run scripts/build.sh first');
const HTML = readFileSync(FILE, 'utf8');

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** Opens `path` from disk; the run plays, both canvases are drawn, nothing went wrong. */
async function assertRunsFromDisk(path) {
  const url = pathToFileURL(path).href;
  const opened = await openPage(browser, url);
  const { page, problems, requests } = opened;
  const flow = await canvasPixels(page, 'flow');
  assert.ok(flow.width > 300 && flow.colours > 8, `flow canvas ${flow.width}×${flow.height}, ${flow.colours} colours`);
  assert.ok((await canvasPixels(page, 'lag')).colours > 8, 'the lag chart is drawn');
  const first = await page.evaluate(() => window.dhara.app.lab.snapshot().now_us);
  await page.waitForFunction((then) => window.dhara.app.lab.snapshot().now_us > then, first);
  assert.equal(await page.evaluate(() => window.dhara.app.lab.snapshot().scenario), 'upi-lag');
  assert.deepEqual(problems, [], 'no console errors or page errors');
  assert.deepEqual(requests.filter((r) => r !== url), [], 'no request but the file itself');
  assert.ok(requests.every((r) => !/^https?:/.test(r)), 'no http(s) at all');
  await page.close();
}

test('the inlined wasm decodes to the exact bytes of dhara_bg.wasm; a damaged block is refused', () => {
  const wasm = readFileSync(join(DIST, 'dhara_bg.wasm'));
  const block = HTML.match(/<script id="dhara-wasm" type="application\/octet-stream">([^<]*)<\/script>/)[1];
  assert.ok(Buffer.from(decodeBase64(block)).equals(wasm));
  assert.deepEqual(Array.from(decodeBase64('AGFzbQ==\n')), [0, 97, 115, 109]);
  assert.throws(() => decodeBase64('AGFz*Q=='), /dhara-wasm: the inlined WebAssembly is not valid base64/);
  assert.throws(() => decodeBase64('AGFzb'), /not valid base64/);
});

test('dist/dhara-standalone.html runs from file:// with no server', async () => {
  await assertRunsFromDisk(FILE);
});

test('the file alone, copied to an empty directory, still runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dhara-standalone-'));
  const copy = join(dir, 'lab.html');
  copyFileSync(FILE, copy);
  await assertRunsFromDisk(copy);
});

test('one inline module, no external script or stylesheet, no inline handlers, no eval', () => {
  const scripts = [...HTML.matchAll(/<script([^>]*)>/g)].map((m) => m[1].trim());
  assert.deepEqual(scripts, ['id="dhara-wasm" type="application/octet-stream"', 'type="module"']);
  const markup = HTML.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, '');
  assert.doesNotMatch(markup, /<link[^>]*stylesheet/, 'the CSS is inline');
  assert.doesNotMatch(markup, /\son[a-z]+\s*=/i, 'no inline event handler attributes');
  const code = HTML.match(/<script type="module">([\s\S]*?)<\/script>/)[1];
  assert.doesNotMatch(code, /\beval\s*\(|new Function\b/, 'no eval or new Function');
  assert.match(code, /installEmbed|wasmSource/, 'the page modules are bundled in');
});

test('it ships a hash-based Content-Security-Policy that pins its one script and its styles', async () => {
  const hash = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const code = HTML.match(/<script type="module">([\s\S]*?)<\/script>/)[1];
  const styles = [...HTML.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => hash(m[1]));
  const policies = [...HTML.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)].map((m) => m[1]);
  assert.equal(policies.length, 1, 'one policy');
  const directives = Object.fromEntries(policies[0].split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['script-src'], [hash(code), "'wasm-unsafe-eval'"], 'only this script, and compiling the wasm');
  assert.deepEqual(directives['style-src-elem'], styles);
  // The charts measure their text with the canvas (src/draw/chart_canvas.rs), not with a span
  // styled through a style attribute, so no style attribute is allowed.
  assert.deepEqual(directives['style-src-attr'], ["'none'"]);
  // assertRunsFromDisk (above) runs the file under exactly this policy with no console error.
});
