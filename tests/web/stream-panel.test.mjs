// The "Stream job" panel (www/stream-panel.js) in headless Chromium: with the upi-windows
// scenario it shows the job's watermarks, the "why no output yet" sentence, results, and
// a crash_task that restarts the job; scenarios without a job show no panel. The panel's
// module must ship in every build: dist/, dist/ under a sub-path, and dist-trunk/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIST, DIST_TRUNK, launchBrowser, openPage, serveSite, setSpeed } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const SCREENSHOT = '/tmp/dhara-stream-panel.png';
const job = (page) => page.evaluate(() => window.dhara.app.lab.snapshot().stream);
const field = (page, name) => page.textContent(`#stream [data-f="${name}"]`);
/** The panel's text, read back from the page (what a viewer sees). */
const panelText = (page) => page.innerText('#stream');

/** Waits until the panel's text matches `pattern`, showing it on timeout. */
async function waitForPanel(page, pattern, timeout = 20000) {
  try {
    await page.waitForFunction((source) => new RegExp(source).test(document.getElementById('stream').innerText), pattern.source, { timeout });
  } catch (error) {
    assert.fail(`the panel never matched ${pattern}; it shows:\n${await panelText(page)}\n(${error.message})`);
  }
}

function assertClean({ problems, requests }, origin) {
  assert.deepEqual(problems, [], 'no console errors or page errors');
  assert.deepEqual(requests.filter((url) => !url.startsWith(origin)), [], 'no request leaves the site');
}

describe('the stream job panel (dist/)', () => {
  let site;
  before(async () => { site = await serveSite(DIST); });
  after(() => site?.close());

  test('shows the waiting sentence early, then watermarks and results', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-windows&seed=42&speed=1`);
    const { page } = opened;
    assert.equal(await page.isVisible('#stream'), true, 'the panel is shown for a scenario with a job');
    await waitForPanel(page, /Why no output yet\?/);
    // Pause, so the sentence stops changing, and wait for the panel's next redraw (five
    // times a second) to show the engine's current one.
    await page.click('#play');
    const early = await job(page);
    assert.ok(early.waiting, 'the engine says why nothing has come out yet');
    await page.waitForFunction(() => {
      const shown = document.querySelector('#stream [data-f="waiting-text"]')?.textContent;
      const waiting = window.dhara.app.lab.snapshot().stream.waiting;
      return waiting && shown === waiting;
    }, null, { timeout: 5000 });
    assert.equal(await field(page, 'job'), 'payments-per-payer');
    assert.equal(await field(page, 'delivery'), 'exactly-once');
    assert.match(await field(page, 'explain'), /^Exactly-once: /);
    assert.equal(await page.locator('#stream [data-f=tasks] tr').count(), 2, 'one row per keyed task');
    assert.equal(await page.locator('#stream [data-f=sources] tr').count(), 3, 'one row per source task');
    // The consumers are the job's source tasks: the page does not offer restart or add.
    assert.equal(await page.isVisible('#restart'), false);
    assert.equal(await page.isVisible('#add-consumer'), false);
    assert.equal(await page.isVisible('#crash'), true, 'a consumer crash still fails the job');
    await page.click('#play');

    await setSpeed(page, 10);
    await page.waitForFunction(() => window.dhara.app.lab.snapshot().stream.sink.visible > 0, null, { timeout: 20000 });
    await waitForPanel(page, /Latest results/);
    await page.waitForFunction(() => document.querySelectorAll('#stream [data-f=results] tr').length > 0, null, { timeout: 5000 });
    assert.equal(await page.isVisible('#stream [data-f=waiting]'), false, 'the sentence goes once results flow');
    const watermark = await page.textContent('#stream [data-f=tasks] tr td:nth-child(2)');
    assert.match(watermark, /^−?\d+(\.\d)? s$/, `a keyed task's watermark in event-time seconds (got "${watermark}")`);
    const result = await page.$$eval('#stream [data-f=results] tr:first-child td', (cells) => cells.map((c) => c.textContent));
    assert.match(result[1], /^\[−?\d+(\.\d)?, −?\d+(\.\d)?\) s$/, `a window [start, end) in seconds (got "${result[1]}")`);
    assert.match(result[2], /^(EARLY|ON_TIME|LATE)$/);
    assert.match(result[3], /^count \d+/);
    await page.locator('#stream').screenshot({ path: SCREENSHOT });
    assertClean(opened, site.origin);
    await page.close();
  });

  test('crash_task restarts the job, counts the restart, and results continue', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-windows&seed=7&speed=10`);
    const { page } = opened;
    await page.waitForFunction(() => window.dhara.app.lab.snapshot().stream.sink.visible > 0, null, { timeout: 20000 });
    await page.click('#play');
    const before = await job(page);
    assert.equal(before.restarts, 0);
    await page.fill('#stream [data-f=task]', '1');
    await page.dispatchEvent('#stream [data-f=task]', 'input');
    assert.equal(await field(page, 'crash'), 'Crash task 1');
    await page.click('#stream [data-f=crash]');
    assert.equal(await page.isVisible('#message'), false, 'the command was accepted');
    assert.equal((await job(page)).status, 'restarting');
    await waitForPanel(page, /restarting/, 5000);
    await page.click('#stream [data-f=crash]');
    assert.match(await page.textContent('#message'), /already restarting/, 'a refusal is shown like any other');
    await page.click('#play');
    await page.waitForFunction(() => window.dhara.app.lab.snapshot().stream.status === 'running', null, { timeout: 10000 });
    await page.waitForFunction(() => document.querySelector('#stream [data-f=restarts]').textContent === '1', null, { timeout: 5000 });
    assert.equal(await field(page, 'status'), 'running');
    await page.waitForFunction((visible) => window.dhara.app.lab.snapshot().stream.sink.visible > visible, before.sink.visible, { timeout: 20000 });
    const later = await job(page);
    assert.equal(later.sink.duplicates, 0, 'exactly-once: no result is repeated');
    await page.waitForFunction((visible) => Number(document.querySelector('#stream [data-f=visible]').textContent.replace(/,/g, '')) > visible, before.sink.visible, { timeout: 5000 });
    assertClean(opened, site.origin);
    await page.close();
  });

  test('bad task numbers and operator rates are refused with a message', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-windows&seed=1`);
    const { page } = opened;
    await page.fill('#stream [data-f=task]', '5');
    await page.click('#stream [data-f=crash]');
    assert.match(await page.textContent('#message'), /task: must be between 0 and 1/);
    assert.equal(await page.getAttribute('#stream [data-f=task]', 'max'), '1', 'the input is bounded by the task count');
    await page.fill('#stream [data-f=rate]', '0');
    await page.dispatchEvent('#stream [data-f=rate]', 'change');
    assert.match(await page.textContent('#message'), /Operator rate.*whole number from 1 to 1000000/);
    await page.fill('#stream [data-f=rate]', '50');
    await page.dispatchEvent('#stream [data-f=rate]', 'change');
    assert.equal(await page.isVisible('#message'), false, 'set_operator_rate accepted');
    assert.equal((await job(page)).restarts, 0);
    assertClean(opened, site.origin);
    await page.close();
  });

  test('at real scale the rate field shows the rate the tasks run at, grown with the load', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-fraud&seed=1&set.workload.scale=real`);
    const { page } = opened;
    const { scenario, running } = await page.evaluate(() => ({
      scenario: window.dhara.app.scenario.stream.operator_records_per_s,
      running: window.dhara.app.lab.snapshot().stream.operator_records_per_s,
    }));
    assert.ok(running > 10 * scenario, `the engine runs the tasks at ${running}/s, the scenario says ${scenario}/s`);
    await page.waitForFunction((rate) => document.querySelector('#stream [data-f=rate]').value === String(rate), running, { timeout: 5000 });
    assertClean(opened, site.origin);
    await page.close();
  });

  // A projector is often 1280 pixels wide: the results table beside the tasks once squeezed
  // them to nothing, and their cells were drawn over the checkpoint facts and the results.
  test('at projector and wide-screen widths the panel\'s blocks never overlap', async () => {
    for (const width of [1280, 1700, 900]) {
      const opened = await openPage(browser, `${site.url}#scenario=upi-fraud&seed=1&speed=10`, { width, height: 900 });
      const { page } = opened;
      await page.waitForFunction(() => document.querySelectorAll('#stream [data-f=results] tr').length >= 3, null, { timeout: 20000 });
      const boxes = await page.evaluate(() => [...document.querySelectorAll('#stream .stream-grid > *')].map((el) => {
        const r = el.getBoundingClientRect();
        // What a block's cells need against what it has: more spills over a neighbour, or
        // (where the block scrolls, the fallback for narrow screens) hides columns.
        const spill = el.scrollWidth > el.clientWidth + 1;
        return { name: el.className || el.tagName, left: r.left, right: r.right, top: r.top, bottom: r.bottom, spill };
      }));
      assert.equal(boxes.length, 3, 'tasks, checkpoint facts and results');
      for (const [i, a] of boxes.entries()) {
        assert.equal(a.spill, false, `${width} px: ${a.name} is wider than its block`);
        for (const b of boxes.slice(i + 1)) {
          const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5 || a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
          assert.ok(apart, `${width} px: ${a.name} ${JSON.stringify(a)} overlaps ${b.name} ${JSON.stringify(b)}`);
        }
      }
      assertClean(opened, site.origin);
      await page.close();
    }
  });

  test('scenarios without a job show no panel and keep every consumer control', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-windows&seed=42`);
    const { page } = opened;
    assert.equal(await page.isVisible('#stream'), true);
    await page.selectOption('#scenario', 'upi-lag');
    assert.equal(await page.isVisible('#stream'), false, 'no panel for upi-lag');
    assert.equal((await page.evaluate(() => window.dhara.app.lab.snapshot().stream)), null);
    assert.equal(await page.isVisible('#restart'), true);
    assert.equal(await page.isVisible('#add-consumer'), true);
    await page.close();
    const lag = await openPage(browser, `${site.url}#scenario=upi-lag&seed=42`);
    await lag.page.waitForTimeout(300);
    assert.equal(await lag.page.isVisible('#stream'), false);
    assertClean(lag, site.origin);
    assertClean(opened, site.origin);
    await lag.page.close();
  });
});

/** The panel's module ships and loads in another build or location of the site. */
function shipsIn(title, root, base) {
  describe(title, () => {
    let site;
    before(async () => { site = await serveSite(root, base); });
    after(() => site?.close());

    test('the stream panel loads and shows a watermark', async () => {
      const opened = await openPage(browser, `${site.url}#scenario=upi-windows&seed=42&speed=5`);
      await opened.page.waitForFunction(() => /^−?\d/.test(document.querySelector('#stream [data-f=tasks] tr td:nth-child(2)')?.textContent ?? ''), null, { timeout: 20000 });
      assertClean(opened, site.url);
      await opened.page.close();
    });
  });
}

shipsIn('the stream panel under a sub-path', DIST, '/courses/streaming/dhara/');
shipsIn('the stream panel in the Trunk build (dist-trunk/)', DIST_TRUNK, '/');
