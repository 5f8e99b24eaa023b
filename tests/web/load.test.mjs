// What the page does before its first frame, and what it leaves for later (issue 9: first
// paint ≤ 100 ms, interactive ≤ 500 ms). The lessons list is built on first use, not at load,
// yet the Lessons button and a lesson named in the URL still work from the first frame; the
// page's JS arrives as one file; the speed label reads as en-US digits without the number
// formatter; the local server sends the wasm as application/wasm, which streaming compilation
// needs, and names the page's stylesheets and script in a Link header so they are fetched
// before the page is parsed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preloadLinks } from '../../scripts/serve.mjs';
import { speedText } from '../../www/controls.js';
import { SPEEDS } from '../../www/url-state.js';
import { DIST, openPage, serveSite, useBrowserAndSite } from './helpers.mjs';

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

test('the server names the page\'s stylesheets and module script in a Link header, relative to the page', async () => {
  const expected = '<www/style.css>; rel=preload; as=style, <www/share.css>; rel=preload; as=style, <www/main.js>; rel=modulepreload';
  for (const base of ['/', '/some/sub/path/']) {
    const site = await serveSite(DIST, base);
    try {
      const page = await fetch(site.url);
      assert.equal(page.headers.get('link'), expected, `index.html under ${base}`);
      await page.text();
      const css = await fetch(new URL('www/style.css', site.url));
      assert.equal(css.headers.get('link'), null, 'only pages carry the header');
      await css.text();
      const standalone = await fetch(new URL('dhara-standalone.html', site.url));
      assert.equal(standalone.headers.get('link'), null, 'the single file loads nothing else');
      await standalone.text();
    } finally {
      site.close();
    }
  }
  assert.equal(preloadLinks('<link rel="stylesheet" href="a.css"><script type="module" src="m.js"></script>'), '<a.css>; rel=preload; as=style, <m.js>; rel=modulepreload');
  assert.equal(preloadLinks('<p>no files</p>'), '');
});
