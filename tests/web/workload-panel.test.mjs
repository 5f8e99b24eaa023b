// The "Workload" panel (www/workload-panel.js) in headless Chromium: each domain scenario
// shows its analytics and the true answer to its query, the knobs that matter with their
// values, and nothing else breaks; a scenario without a workload shows no panel.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIST, canvasPixels, launchBrowser, openPage, serveSite } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/**
 * Each domain's built-in scenario, and in its workload view (engine/src/{upi,social,shop}/
 * analytics.rs) a result that exists only once the job's results flow: the panel must then
 * show that very text.
 */
const DOMAINS = [
  { scenario: 'upi-fraud', heading: /UPI payments/, result: ['recent_alerts', 0, 'payer_vpa'] },
  { scenario: 'social-trends', heading: /Trends/, result: ['panes', 0, 'hashtags', 0, 'tag'] },
  { scenario: 'shop-sessions', heading: /Festival sale/, result: ['top_viewed', 0, 'name'] },
];

function assertClean({ problems, requests }, origin) {
  assert.deepEqual(problems, [], 'no console errors or page errors');
  assert.deepEqual(requests.filter((url) => !url.startsWith(origin)), [], 'no request leaves the site');
}

async function waitForText(page, selector, pattern, timeout = 30000) {
  try {
    await page.waitForFunction(([sel, source]) => new RegExp(source, 'i').test(document.querySelector(sel)?.innerText ?? ''), [selector, pattern.source], { timeout });
  } catch (error) {
    assert.fail(`${selector} never matched ${pattern}; it shows:\n${await page.innerText(selector)}\n(${error.message})`);
  }
}

describe('the workload panel (dist/)', () => {
  let site;
  before(async () => { site = await serveSite(DIST); });
  after(() => site?.close());

  for (const { scenario, heading, result } of DOMAINS) {
    test(`${scenario}: analytics, the true answer and the knobs`, async () => {
      const opened = await openPage(browser, `${site.url}#scenario=${scenario}&seed=1&speed=10`);
      const { page } = opened;
      assert.equal(await page.isVisible('#workload'), true, 'shown for a scenario with a workload');
      assert.match(await page.textContent('#workload h2'), heading);
      await waitForText(page, '#workload', /True answer/);
      try {
        // The engine has a result and the panel shows it (it redraws five times a second).
        await page.waitForFunction((path) => {
          const domain = window.dhara.app.lab.snapshot().workload.domain;
          const text = path.reduce((at, part) => (at == null ? undefined : at[part]), domain);
          return typeof text === 'string' && document.getElementById('workload').innerText.includes(text);
        }, result, { timeout: 40000 });
      } catch (error) {
        assert.fail(`the panel never showed the view's result; it shows:\n${await page.innerText('#workload')}\n(${error.message})`);
      }
      const view = await page.evaluate(() => window.dhara.app.lab.snapshot().workload);
      assert.ok(view.truth.rows.length > 0, 'the query has an answer');
      const firstGroup = await page.textContent('#workload table:last-of-type tbody tr td');
      assert.ok(view.truth.rows.some(([group]) => group === firstGroup), `the table lists the query's groups (got "${firstGroup}")`);
      // The Rust-drawn chart of the analytics over time: sized, and more than a blank fill.
      const chart = await canvasPixels(page, 'workload-chart');
      assert.ok(chart.width > 100 && chart.height > 100, `the chart canvas is sized: ${chart.width}×${chart.height}`);
      assert.ok(chart.colours > 5, `the chart is drawn (${chart.colours} colours)`);
      assert.equal(await page.isVisible('#knob-list'), true, 'the knobs are listed');
      const paths = await page.$$eval('#knob-list .knob code', (codes) => codes.map((c) => c.textContent));
      const own = await page.evaluate(() => window.dhara.app.scenario.knobs.map((k) => k.path));
      assert.ok(own.length > 0 && own.every((path) => paths.includes(path)), `the scenario's own knobs are among them: ${own} in ${paths}`);
      assert.ok(paths.includes('producer.records_per_s'), 'and the common ones');
      await page.locator('#workload').screenshot({ path: `/tmp/dhara-workload-${scenario}.png` });
      assertClean(opened, site.origin);
      await page.close();
    });
  }

  test('a scenario without a workload shows no panel', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-windows&seed=1`);
    await opened.page.waitForTimeout(300);
    assert.equal(await opened.page.isVisible('#workload'), false);
    assert.equal(await opened.page.evaluate(() => window.dhara.app.lab.snapshot().workload), undefined);
    assertClean(opened, site.origin);
    await opened.page.close();
  });
});
