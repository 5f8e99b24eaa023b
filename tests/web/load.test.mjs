// What the page does before its first frame, and what it leaves for later (issue 9: first
// paint ≤ 100 ms, interactive ≤ 500 ms). The built page has its stylesheets inside it, each
// allowed by its hash in the page's policy, so no request holds up the first paint; the
// lessons list is built on first use, not at load, yet the Lessons button and a lesson named
// in the URL still work from the first frame; the page's JS arrives as one file; the charts
// measure their text on the canvas, never through the page's layout; the speed label reads as
// en-US digits without the number formatter; the local server sends the wasm as
// application/wasm, which streaming compilation needs, and names the page's script in a Link
// header so it is fetched before the page is parsed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inlineStylesheets, pinStyles } from '../../scripts/inline-styles.mjs';
import { preloadLinks } from '../../scripts/serve.mjs';
import { speedText } from '../../www/controls.js';
import { SPEEDS } from '../../www/url-state.js';
import { DIST, ROOT, openPage, serveSite, useBrowserAndSite } from './helpers.mjs';

const ctx = useBrowserAndSite();

/** The lessons panel's state: whether its list was built, the picker's options, the card. */
const lessonsState = (page) => page.evaluate(() => ({
  loaded: window.dhara.app.parts.lessons.loaded,
  options: document.getElementById('lesson-pick').options.length,
  hidden: document.getElementById('lesson').hidden,
  where: document.getElementById('lesson-where').textContent,
  message: document.getElementById('message').hidden ? '' : document.getElementById('message').textContent,
}));

test('the default page leaves the lessons list unbuilt until the Lessons button asks for it', async () => {
  const opened = await openPage(ctx.browser, ctx.site.url);
  const { page } = opened;
  assert.deepEqual(await lessonsState(page), { loaded: false, options: 0, hidden: true, where: '', message: '' }, 'nothing built at load');
  await page.click('#lessons-open');
  const open = await lessonsState(page);
  assert.equal(open.loaded, true);
  assert.equal(open.options, 19, 'every built-in lesson is listed');
  assert.equal(open.hidden, false);
  assert.equal(open.where, 'Step 1 of 4', 'the first lesson opens at its first step');
  assert.equal(await page.inputValue('#lesson-pick'), 'log-offsets');
  assert.deepEqual(opened.problems, []);
  await page.close();
});

test('a lesson named in the URL opens at load, in both link forms', async () => {
  const bare = await openPage(ctx.browser, `${ctx.site.url}#lesson=late-data&step=2`);
  const fromBare = await lessonsState(bare.page);
  assert.equal(fromBare.loaded, true);
  assert.equal(fromBare.options, 19);
  assert.equal(fromBare.hidden, false);
  assert.match(fromBare.where, /^Step 2 of \d+$/);
  assert.equal(await bare.page.inputValue('#lesson-pick'), 'late-data');
  assert.deepEqual(bare.problems, []);
  await bare.page.close();

  const written = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-lag&seed=7&speed=1&lesson=consumer-lag&step=3`);
  const fromWritten = await lessonsState(written.page);
  assert.equal(fromWritten.hidden, false);
  assert.equal(fromWritten.where, 'Step 3 of 6');
  assert.equal(await written.page.evaluate(() => window.dhara.app.lab.snapshot().seed), '7', 'the link\'s own run, not the step\'s');
  await written.page.close();

  const bad = await openPage(ctx.browser, `${ctx.site.url}#lesson=nope&step=1`);
  const fromBad = await lessonsState(bad.page);
  assert.match(fromBad.message, /lesson must be one of log-offsets, .*troubleshooting \(got "nope"\)/, 'the ids are listed to name a bad one');
  assert.equal(fromBad.hidden, true);
  await bad.page.close();
});

test('the page fetches its JS as one file and the wasm as application/wasm', async () => {
  const opened = await openPage(ctx.browser, ctx.site.url);
  const scripts = opened.requests.filter((url) => /\.m?js$/.test(new URL(url).pathname));
  assert.deepEqual(scripts.map((url) => new URL(url).pathname), ['/www/main.js'], 'one bundled module, no import waterfall');
  const response = await fetch(new URL('dhara_bg.wasm', ctx.site.url));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/wasm', 'WebAssembly.instantiateStreaming refuses any other type');
  await response.arrayBuffer();
  await opened.page.close();
});

test('the speed label groups thousands as en-US does, for every speed the page offers', () => {
  for (const speed of SPEEDS) assert.equal(speedText(speed), `${speed.toLocaleString('en-US')}×`, String(speed));
  assert.equal(speedText(1234567.25), '1,234,567.25×', 'fractions are not grouped');
});

test('the server names the page\'s module script in a Link header, relative to the page', async () => {
  for (const base of ['/', '/some/sub/path/']) {
    const site = await serveSite(DIST, base);
    try {
      const page = await fetch(site.url);
      assert.equal(page.headers.get('link'), '<www/main.js>; rel=modulepreload', `index.html under ${base}: its styles are inside it`);
      await page.text();
      const script = await fetch(new URL('www/main.js', site.url));
      assert.equal(script.headers.get('link'), null, 'only pages carry the header');
      await script.text();
      const standalone = await fetch(new URL('dhara-standalone.html', site.url));
      assert.equal(standalone.headers.get('link'), null, 'the single file loads nothing else');
      await standalone.text();
    } finally {
      site.close();
    }
  }
  // A page that still links stylesheets (such as one built without scripts/inline-styles.mjs) gets them preloaded.
  assert.equal(preloadLinks('<link rel="stylesheet" href="a.css"><script type="module" src="m.js"></script>'), '<a.css>; rel=preload; as=style, <m.js>; rel=modulepreload');
  assert.equal(preloadLinks('<p>no files</p>'), '');
});

const sha256 = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const policyOf = (html) => {
  const [policy] = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)].map((m) => m[1]);
  return Object.fromEntries(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
};

test('the built page links no stylesheet: www/*.css are inside it, each allowed by its hash and nothing else', () => {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<link[^>]*rel="stylesheet"/, 'no render-blocking stylesheet');
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  // The stylesheets the source index.html links, read as they are now.
  const linked = [...readFileSync(join(ROOT, 'index.html'), 'utf8').matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]);
  assert.ok(linked.includes('www/style.css'), `the source page links www/style.css (links: ${linked})`);
  const sources = linked.map((href) => readFileSync(join(ROOT, href), 'utf8'));
  assert.deepEqual(styles.map((css) => css.trim()), sources.map((css) => css.trim()), 'the sources as they are now, in the order the page links them');
  const policy = policyOf(html);
  assert.deepEqual(policy['style-src-elem'], styles.map(sha256), 'exactly these style elements: a stale hash fails here');
  assert.deepEqual(policy['style-src-attr'], ["'none'"], 'no style attribute');
  assert.deepEqual(policy['script-src'], ["'self'", "'wasm-unsafe-eval'"], 'scripts as before');
});

test('inlining refuses what it cannot do safely, naming the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dhara-inline-'));
  try {
    // A built site in miniature: hrefs are read relative to the page's directory.
    mkdirSync(join(dir, 'www'));
    cpSync(join(ROOT, 'www', 'share.css'), join(dir, 'www', 'ok.css'));
    writeFileSync(join(dir, 'www', 'bad.css'), 'p { color: red } </style><script>alert(1)</script>');
    const page = (policy, links) => `<meta http-equiv="Content-Security-Policy" content="${policy}">${links}`;
    const link = (name) => `<link rel="stylesheet" href="www/${name}">`;
    const pinned = pinStyles(inlineStylesheets(page("default-src 'none'; style-src-elem 'self'", link('ok.css')), dir));
    assert.match(pinned, /style-src-elem 'sha256-[A-Za-z0-9+/]+=*'">/, 'the one hash, nothing else');
    assert.throws(() => inlineStylesheets(link('bad.css'), dir), /www\/bad\.css contains "<\/style" or "<!--" and cannot be inlined/);
    assert.throws(() => pinStyles(inlineStylesheets(page("default-src 'none'", link('ok.css')), dir)), /no style-src-elem directive to pin/);
    assert.throws(() => pinStyles(inlineStylesheets(link('ok.css'), dir)), /exactly one Content-Security-Policy meta \(found 0\)/);
    assert.throws(() => pinStyles(page("style-src-elem 'self'", '')), /no <style> element to allow/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the browser applies the inline styles under the policy, and refuses them once their text no longer matches its hash', async () => {
  const opened = await openPage(ctx.browser, ctx.site.url);
  const styled = (page) => page.evaluate(() => ({
    sheets: [...document.styleSheets].map((sheet) => sheet.href),
    brand: getComputedStyle(document.querySelector('.brand')).color,
  }));
  assert.deepEqual(await styled(opened.page), { sheets: [null, null], brand: 'rgb(0, 114, 178)' }, 'two inline sheets, applied');
  assert.deepEqual(opened.problems, [], 'no policy violation');
  await opened.page.close();

  // The same site with one colour changed after the build: the hash no longer matches.
  const dir = mkdtempSync(join(tmpdir(), 'dhara-stale-style-'));
  const site = await (async () => {
    cpSync(DIST, dir, { recursive: true });
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    assert.match(html, /--accent: #0072b2;/);
    writeFileSync(join(dir, 'index.html'), html.replace('--accent: #0072b2;', '--accent: #0072b3;'));
    return serveSite(dir);
  })();
  try {
    const stale = await openPage(ctx.browser, site.url);
    assert.notEqual((await styled(stale.page)).brand, 'rgb(0, 114, 179)', 'the changed sheet is not applied');
    assert.ok(stale.problems.some((p) => /style-src-elem/.test(p)), `the browser reports the refusal: ${stale.problems}`);
    await stale.page.close();
  } finally {
    site.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('drawing a dashboard measures its text on the canvas: nothing is added to the page', async () => {
  const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-windows&seed=3&t=20000`);
  const added = await opened.page.evaluate(() => {
    const { lab } = window.dhara.app;
    const canvas = document.getElementById('lag');
    const seen = [];
    const observer = new MutationObserver((records) => records.forEach((r) => seen.push(...[...r.addedNodes].map((n) => n.nodeName))));
    observer.observe(document.body, { childList: true, subtree: true });
    for (const name of ['lag', 'throughput', 'latency', 'event_time', 'panes']) lab.draw_dashboard(canvas, name);
    seen.push(...observer.takeRecords().flatMap((r) => [...r.addedNodes].map((n) => n.nodeName)));
    observer.disconnect();
    return seen;
  });
  // plotters' own measure added a span per label and read its size: a layout each time.
  assert.deepEqual(added, [], 'no element added while drawing');
  assert.deepEqual(opened.problems, []);
  await opened.page.close();
});
