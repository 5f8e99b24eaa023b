// The "Architectures" panel (www/arch-panel.js) in headless Chromium: upi-architectures shows
// the latest window's answer of Lambda, Kappa and CQRS next to the truth (wrong cells
// marked), a card per architecture, and controls whose commands reach the engine; a refused
// command is shown and the run goes on; a scenario without architectures shows no panel.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIST, canvasPixels, launchBrowser, openPage, serveSite } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const URL_HASH = '#scenario=upi-architectures&seed=1&speed=100';
const CARDS = { lambda: '#architectures article[aria-label="Lambda"]', kappa: '#architectures article[aria-label="Kappa"]', cqrs: '#architectures article[aria-label="Event sourcing + CQRS"]' };

function assertClean({ problems, requests }, origin) {
  assert.deepEqual(problems, [], 'no console errors or page errors');
  assert.deepEqual(requests.filter((url) => !url.startsWith(origin)), [], 'no request leaves the site');
}

/** Waits until `selector`'s text matches `pattern`; on failure, says what it showed. */
async function waitForText(page, selector, pattern, timeout = 30000) {
  try {
    await page.waitForFunction(([sel, source]) => new RegExp(source).test(document.querySelector(sel)?.innerText ?? ''), [selector, pattern.source], { timeout });
  } catch (error) {
    assert.fail(`${selector} never matched ${pattern}; it shows:\n${await page.innerText(selector)}\n(${error.message})`);
  }
}

const arch = (page) => page.evaluate(() => window.dhara.app.lab.snapshot().architectures);
const click = (page, ariaLabel) => page.click(`#architectures [aria-label="${ariaLabel}"]`);

/** Opens upi-architectures and runs it until the batch layer has finished a run. */
async function openWithBatchView(site, viewport) {
  const opened = await openPage(browser, `${site.url}${URL_HASH}`, viewport);
  await opened.page.waitForFunction(() => window.dhara.app.lab.snapshot().architectures.lambda.batch_runs >= 1, null, { timeout: 40000 });
  return opened;
}

/** Screenshots the page (at the panel) and the panel into /tmp, checks the run was clean, closes it. */
async function finish(opened, site, size) {
  const { page } = opened;
  // A running page re-renders the panel several times a second: pause for a still picture.
  if (await page.evaluate(() => window.dhara.app.playing)) await page.click('#play');
  await page.waitForTimeout(300);
  await page.locator('#architectures').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `/tmp/dhara-arch-${size}.png` });
  await page.locator('#architectures').screenshot({ path: `/tmp/dhara-arch-panel-${size}.png` });
  assertClean(opened, site.origin);
  await page.close();
}

describe('the architectures panel (dist/)', () => {
  const ctx = {};
  before(async () => { ctx.site = await serveSite(DIST); });
  after(() => ctx.site?.close());

  test('upi-architectures: the side-by-side answer, three cards and the controls', async () => {
    const opened = await openWithBatchView(ctx.site);
    const { page } = opened;
    assert.equal(await page.isVisible('#architectures'), true, 'shown for a scenario with architectures');
    assert.match(await page.textContent('#architectures h2'), /architectures/i);

    // Paused, the engine's view is still, so the table must show exactly its numbers. Pause
    // between batch runs (checked and paused in one task), so "Run batch now" is accepted.
    await page.waitForFunction(() => {
      const ready = window.dhara.app.lab.snapshot().architectures.lambda.batch_state === 'idle';
      if (ready) document.getElementById('play').click();
      return ready;
    }, null, { timeout: 40000 });
    assert.equal(await page.evaluate(() => window.dhara.app.playing), false, 'paused');
    await page.waitForTimeout(400);
    const view = await arch(page);
    assert.ok(view.settled?.rows.length > 0 && view.latest?.rows.length > 0, 'a settled and a latest window with groups');
    assert.ok((await page.innerText('#architectures .arch-query')).includes(view.query), 'the query is named');
    const windows = [view.settled, view.latest].filter((w, i) => i === 0 || w.start_ms !== view.settled.start_ms);
    const tables = await page.$$eval('#architectures .arch-table table', (ts) => ts.map((t) => ({
      caption: t.caption.textContent,
      headings: Array.from(t.tHead.rows[0].cells, (th) => th.textContent),
      cells: Array.from(t.tBodies[0].rows, (tr) => Array.from(tr.cells, (td) => ({ text: td.textContent, off: td.classList.contains('arch-off') }))),
    })));
    assert.equal(tables.length, windows.length, 'one table per window: settled first, then the latest');
    assert.match(tables[0].caption, /^Settled window/);
    // The first number in a cell is the served sum; CQRS may add "(−N refused)".
    const number = (text) => Number(text.match(/-?[\d,]+/)[0].replace(/,/g, ''));
    let marked = 0;
    windows.forEach((window, t) => {
      assert.deepEqual(tables[t].headings, ['group', 'truth', 'Lambda', 'Kappa', 'CQRS']);
      assert.equal(tables[t].cells.length, window.rows.length, 'one table row per group of the view');
      window.rows.forEach((row, i) => {
        const cells = tables[t].cells[i];
        assert.equal(cells[0].text, row.group);
        assert.equal(number(cells[1].text), row.truth, `${row.group}: the truth`);
        ['lambda', 'kappa', 'cqrs'].forEach((key, j) => {
          const cell = cells[2 + j];
          const expected = key === 'cqrs' ? row.truth - row.cqrs_refused : row.truth;
          const wrong = row[key] !== expected;
          assert.equal(number(cell.text), row[key], `${row.group}: ${key}'s answer`);
          assert.equal(cell.off, wrong, `${row.group}: ${key} marked by class only when it differs`);
          assert.equal(cell.text.includes('≠'), wrong, `${row.group}: ${key} marked by text only when it differs`);
          assert.equal(cell.text.includes('refused'), key === 'cqrs' && row.cqrs_refused !== 0, `${row.group}: CQRS's refusals shown`);
          marked += wrong;
        });
      });
    });
    console.log(`# ${windows.length} windows shown, ${marked} answers marked ≠`);

    // The Rust-drawn chart of the three over time: sized, and more than a blank fill.
    const chart = await canvasPixels(page, 'arch-chart');
    assert.ok(chart.width > 300 && chart.height > 100, `the chart canvas is sized: ${chart.width}×${chart.height}`);
    assert.ok(chart.colours > 5, `the chart is drawn (${chart.colours} colours)`);

    // Each card: the measures, then its own state.
    for (const [key, selector] of Object.entries(CARDS)) {
      const text = await page.innerText(selector);
      for (const fact of ['staleness', 'error vs truth', 'cells wrong / settled', 'core time', 'storage', 'late rows dropped', 'recovery after a fault']) assert.match(text, new RegExp(fact), `${key} shows ${fact}`);
      const m = view[key].measure;
      assert.match(text, new RegExp(`${m.score.cells_wrong} / ${m.score.cells_settled}`), `${key}: cells wrong of settled`);
      assert.match(text, new RegExp(`${(m.storage_bytes / 1e6).toFixed(1)} MB`), `${key}: storage`);
    }
    assert.match(await page.innerText(CARDS.lambda), new RegExp(`batch runs\\s+${view.lambda.batch_runs}\\b`));
    assert.match(await page.innerText(CARDS.kappa), /serving\s+v1 \(exact\)/);
    assert.match(await page.innerText(CARDS.cqrs), /read-your-writes p50 \/ p99/);

    // Run batch now: the Lambda card shows the run; a second click is refused and shown.
    await click(page, 'Run the Lambda batch layer now');
    await waitForText(page, CARDS.lambda, /batch running/);
    assert.equal((await arch(page)).lambda.batch_state, 'running');
    await click(page, 'Run the Lambda batch layer now');
    await waitForText(page, '#message', /Command refused: .*already running/);
    assert.match(await page.innerText('#architectures .arch-status'), /already running/, 'the refusal is also shown next to the controls');

    // The speed layer's logic.
    await page.selectOption('#architectures [aria-label="Lambda speed-layer logic"]', 'sampled');
    assert.equal((await arch(page)).lambda.speed_logic, 'sampled');
    await waitForText(page, CARDS.lambda, /exact \/ sampled/);
    assert.equal(await page.isVisible('#message'), false, 'an applied command clears the refusal');

    // Deploy v2 with another logic: Kappa replays it, then serves it.
    await page.selectOption('#architectures [aria-label="Logic of the new Kappa version"]', 'sampled');
    await click(page, 'Deploy a new Kappa version (replays the topic from offset 0)');
    await waitForText(page, CARDS.kappa, /replaying v2/);
    assert.equal((await arch(page)).kappa.replaying.logic, 'sampled');

    // Crash the Kappa job twice: the second is refused, naming the field.
    await page.selectOption('#architectures [aria-label="Layer to crash"]', 'kappa');
    await click(page, 'Crash the chosen layer');
    await waitForText(page, CARDS.kappa, /v1 down/);
    await click(page, 'Crash the chosen layer');
    await waitForText(page, '#message', /Command refused: .*layer.*already down/);

    // The run goes on: time moves, v2 takes over, and a projection rebuild completes.
    const before = await page.evaluate(() => window.dhara.app.lab.snapshot().now_us);
    await page.click('#play');
    await waitForText(page, CARDS.kappa, /serving\s+v2 \(sampled\)/, 40000);
    assert.match(await page.innerText(CARDS.kappa), /→ v2 at [\d,.]+ s\s+replayed [\d,]+ in [\d,.]+ m?s/, 'the switch is listed');
    await click(page, 'Rebuild the CQRS projection from its latest snapshot');
    await waitForText(page, CARDS.cqrs, /rebuild\s+(running|done)/);
    await waitForText(page, CARDS.cqrs, /rebuilt = live model\?\s+yes, equal/, 40000);
    assert.ok(await page.evaluate((t) => window.dhara.app.lab.snapshot().now_us > t, before), 'simulated time moved on');
    assert.equal(await page.isVisible('#overlay'), false, 'no crash overlay');

    await finish(opened, ctx.site, '1280x720');
  });

  test('on a phone (390×844) the cards stack and nothing overflows', async () => {
    const opened = await openWithBatchView(ctx.site, { width: 390, height: 844 });
    const { page } = opened;
    await waitForText(page, CARDS.lambda, /batch runs\s+[1-9]/);
    const boxes = await Promise.all(Object.values(CARDS).map((selector) => page.locator(selector).boundingBox()));
    assert.ok(boxes.every((b) => Math.abs(b.x - boxes[0].x) < 1), 'the cards share a left edge');
    assert.ok(boxes[0].y + boxes[0].height <= boxes[1].y && boxes[1].y + boxes[1].height <= boxes[2].y, 'the cards are one under the other');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page does not scroll sideways (${overflow} px too wide)`);
    await finish(opened, ctx.site, '390x844');
  });

  test('the Architectures switch adds them to any workload scenario, in the URL too', async () => {
    const opened = await openPage(browser, `${ctx.site.url}#scenario=social-trends&seed=1&speed=10&arch=1`);
    const { page } = opened;
    await page.waitForFunction(() => Boolean(window.dhara.app.lab?.snapshot().architectures), null, { timeout: 20000 });
    assert.equal(await page.isChecked('#arch'), true);
    assert.equal(await page.isVisible('#architectures'), true);
    await waitForText(page, '#architectures .arch-query', /posts per hashtag per minute/);
    // Off again: the panel goes, and so does arch from the link.
    await page.uncheck('#arch');
    await page.waitForFunction(() => !window.dhara.app.lab.snapshot().architectures);
    assert.equal(await page.isVisible('#architectures'), false);
    assert.equal(new URL(page.url()).hash, '#scenario=social-trends&seed=1&speed=10');
    // A scenario without a workload cannot have them: the switch is off and disabled, and a
    // link asking for them says why by name, keeping the rest.
    await page.evaluate(() => { location.hash = '#scenario=upi-lag&seed=5&speed=1&arch=1'; });
    await page.waitForFunction(() => window.dhara.app.state.scenario === 'upi-lag');
    assert.equal(await page.isDisabled('#arch'), true);
    assert.equal(await page.isChecked('#arch'), false);
    assert.match(await page.textContent('#message'), /arch: upi-lag has no workload/);
    assert.equal(await page.evaluate(() => window.dhara.app.state.seed), '5');
    assertClean(opened, ctx.site.origin);
    await page.close();
  });

  test('a scenario without architectures shows no panel', async () => {
    const opened = await openPage(browser, `${ctx.site.url}#scenario=upi-fraud&seed=1&speed=10`);
    await opened.page.waitForTimeout(300);
    assert.equal(await opened.page.isVisible('#architectures'), false);
    assert.equal(await opened.page.evaluate(() => window.dhara.app.lab.snapshot().architectures), undefined);
    assert.equal(await opened.page.isVisible('#workload'), true, 'its workload panel still shows');
    assertClean(opened, ctx.site.origin);
    await opened.page.close();
  });
});
