// Embedding: the URL helpers and the iframe snippet (no browser), then the page embedded in
// a 640×400 iframe of a host page served beside a copy of dist/: minimal chrome, canvases
// drawn, no scrolling inside, the host's wheel scrolling passes through; and the "Copy embed
// code" button, by clipboard and by its fallback dialog, yields a snippet that opens the
// same scenario and seed.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { embedCode, embedUrl, escapeAttribute, fullPageUrl, isEmbedded } from '../../www/embed.js';
import { DIST, canvasPixels, launchBrowser, serveSite, setSpeed } from './helpers.mjs';

test('?embed is detected with or without a value, and only as a query parameter', () => {
  assert.equal(isEmbedded('?embed'), true);
  assert.equal(isEmbedded('?embed=1'), true);
  assert.equal(isEmbedded('?x=1&embed'), true);
  assert.equal(isEmbedded(''), false);
  assert.equal(isEmbedded('?embedded'), false);
});

test('embed and full-page URLs keep the path and the hash', () => {
  const full = 'https://example.org/lab/index.html#scenario=upi-lag&seed=42&speed=1';
  assert.equal(embedUrl(full), 'https://example.org/lab/index.html?embed#scenario=upi-lag&seed=42&speed=1');
  assert.equal(fullPageUrl(embedUrl(full)), full);
  assert.equal(fullPageUrl('https://example.org/lab/?embed=1&x=2#seed=1'), 'https://example.org/lab/?x=2#seed=1');
});

test('the snippet escapes every attribute value', () => {
  assert.equal(escapeAttribute(`a"b'c<d>&e`), 'a&quot;b&#39;c&lt;d&gt;&amp;e');
  const code = embedCode({ src: 'https://example.org/?embed#seed=1&x="y"', title: 'Fraud "at" <scale> & more' });
  assert.equal(code, '<iframe src="https://example.org/?embed#seed=1&amp;x=&quot;y&quot;" '
    + 'title="Dhara: Fraud &quot;at&quot; &lt;scale&gt; &amp; more" width="100%" height="460" '
    + 'style="border:0" loading="lazy"></iframe>');
});

describe('the page in an iframe', () => {
  let browser;
  let site;
  let root;
  before(async () => {
    browser = await launchBrowser();
    root = mkdtempSync(join(tmpdir(), 'dhara-embed-'));
    cpSync(DIST, root, { recursive: true });
    site = await serveSite(root);
  });
  after(async () => {
    site?.close();
    await browser?.close();
  });

  /** Writes a host page holding `iframe` above tall text, opens it, and waits for the lab inside. */
  async function openHost(name, iframe, context = browser) {
    writeFileSync(join(root, name), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Course</title>
<link rel="icon" href="data:,"></head><body style="margin:0;font-family:sans-serif"><h1>Streams, week 3</h1>
${iframe}<div style="height:3000px">The rest of the lesson.</div></body></html>`);
    const page = await context.newPage();
    await page.setViewportSize({ width: 1000, height: 700 });
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${site.url}${name}`);
    const frame = await (await page.$('iframe')).contentFrame();
    await frame.waitForFunction(() => window.dhara?.app?.frames > 5, null, { timeout: 20000 });
    return { page, frame, problems };
  }

  test('minimal chrome, drawn canvases, no scrolling inside; the wheel scrolls the host', async () => {
    const { page, frame, problems } = await openHost('host.html',
      '<iframe src="index.html?embed#scenario=upi-steady&seed=7" title="Dhara" width="640" height="400" style="border:0"></iframe>');
    const layout = await frame.evaluate(() => {
      const shown = (el) => el.checkVisibility();
      const $ = (s) => document.querySelector(s);
      const root = document.documentElement;
      return {
        hidden: ['header.bar', 'nav.controls', '#about', '#scenario', '#crash'].filter((s) => shown($(s))),
        visible: ['#flow', '#lag', '#play', '#speed', '.embed-title', '.embed-open'].filter((s) => !shown($(s))),
        title: $('.embed-title').textContent,
        scenarioTitle: window.dhara.app.lab.scenario().title,
        open: { href: $('.embed-open').href, target: $('.embed-open').target, rel: $('.embed-open').rel },
        scroll: [root.scrollHeight, root.clientHeight, root.scrollWidth, root.clientWidth, document.body.scrollHeight],
        lagBottom: $('#lag').getBoundingClientRect().bottom,
        innerHeight: window.innerHeight,
        state: window.dhara.app.state,
      };
    });
    assert.deepEqual(layout.hidden, [], 'header, controls and the about panel are hidden');
    assert.deepEqual(layout.visible, [], 'canvases, play/pause, speed, title and link are shown');
    assert.equal(layout.title, layout.scenarioTitle);
    assert.equal(layout.open.href, `${site.url}index.html#scenario=upi-steady&seed=7&speed=1`);
    assert.deepEqual([layout.open.target, layout.open.rel], ['_blank', 'noopener']);
    const [scrollHeight, clientHeight, scrollWidth, clientWidth, bodyHeight] = layout.scroll;
    assert.equal(clientHeight, 400);
    assert.ok(scrollHeight <= clientHeight && bodyHeight <= clientHeight, `no vertical overflow: ${layout.scroll}`);
    assert.ok(scrollWidth <= clientWidth, `no horizontal overflow: ${layout.scroll}`);
    assert.ok(layout.lagBottom <= layout.innerHeight, 'the lag chart fits in the frame');
    assert.deepEqual([layout.state.scenario, layout.state.seed], ['upi-steady', '7']);
    for (const id of ['flow', 'lag']) {
      const pixels = await canvasPixels(frame, id);
      assert.ok(pixels.colours > 8 && pixels.height > 60, `${id}: ${JSON.stringify(pixels)}`);
    }
    await frame.click('#play');
    assert.equal(await frame.evaluate(() => window.dhara.app.playing), false, 'play/pause works in the frame');
    await frame.click('#play');
    assert.equal(await frame.evaluate(() => window.dhara.app.playing), true);
    await setSpeed(frame, 5);
    // The link follows the hash the page rewrites after a speed change.
    const faster = `${site.url}index.html#scenario=upi-steady&seed=7&speed=5`;
    await frame.waitForFunction((want) => document.querySelector('.embed-open').href === want, faster);

    const box = await (await page.$('iframe')).boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 500);
    await page.waitForFunction(() => window.scrollY > 0);
    assert.equal(await frame.evaluate(() => document.scrollingElement.scrollTop), 0, 'the frame itself did not scroll');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('"Copy embed code" copies an iframe that opens the same scenario and seed', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.origin });
    const page = await context.newPage();
    await page.goto(`${site.url}index.html#scenario=upi-hot-key&seed=99`);
    await page.waitForFunction(() => window.dhara?.app?.frames > 5);
    await page.click('#copy-embed');
    await page.waitForFunction(() => /copied/.test(document.getElementById('message').textContent));
    const code = await page.evaluate(() => navigator.clipboard.readText());
    const title = await page.evaluate(() => window.dhara.app.lab.scenario().title);
    assert.equal(code, `<iframe src="${site.url}index.html?embed#scenario=upi-hot-key&amp;seed=99&amp;speed=1" `
      + `title="Dhara: ${title}" width="100%" height="460" style="border:0" loading="lazy"></iframe>`);
    await page.close();

    // The snippet pasted as is into a host page runs the same scenario and seed, embedded.
    const { frame, problems } = await openHost('pasted.html', code, context);
    const inside = await frame.evaluate(() => ({
      state: window.dhara.app.state,
      embedded: document.documentElement.classList.contains('embed'),
      summary: window.dhara.app.lab.summary(),
    }));
    assert.deepEqual([inside.state.scenario, inside.state.seed, inside.embedded], ['upi-hot-key', '99', true]);
    assert.deepEqual([inside.summary.scenario, inside.summary.seed], ['upi-hot-key', '99']);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test('where the clipboard is refused, a dialog shows the code selected', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
    });
    await page.goto(`${site.url}#scenario=upi-lag&seed=5`);
    await page.waitForFunction(() => window.dhara?.app?.frames > 5);
    await page.click('#copy-embed');
    await page.waitForSelector('#embed-dialog[open]');
    const shown = await page.evaluate(() => {
      const text = document.querySelector('#embed-dialog textarea');
      return { value: text.value, start: text.selectionStart, end: text.selectionEnd, focused: document.activeElement === text };
    });
    assert.match(shown.value, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed#scenario=upi-lag&amp;seed=5&amp;speed=1" title="Dhara: /);
    assert.deepEqual([shown.start, shown.end, shown.focused], [0, shown.value.length, true], 'all of it selected');
    await page.click('#embed-dialog button');
    assert.equal(await page.$('#embed-dialog[open]'), null, 'Close closes it');
    await page.close();
  });
});
