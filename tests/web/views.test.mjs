// The views in headless Chromium, through the page's own live handle (window.dhara.app.lab):
// every dashboard draws a non-blank chart for a stream scenario, an unknown name is refused
// with the list of names, `node_at` names the broker whose chip the flow view draws under
// that point, and the presenter options draw (and refuse a text scale out of range).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openPage, useBrowserAndSite } from './helpers.mjs';

const DASHBOARDS = ['lag', 'throughput', 'latency', 'event_time', 'panes'];

const ctx = useBrowserAndSite();

describe('views (dist/)', () => {
  let opened;
  before(async () => {
    opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-windows&seed=42&speed=10`);
    // Results and late records need the first windows to close: 10 s of event time and more.
    await opened.page.waitForFunction(() => window.dhara.app.lab.snapshot().stream.sink.visible > 20, null, { timeout: 30000 });
  });
  after(async () => { await opened?.page.close(); });

  test('each dashboard draws a chart with lines or bars in colour', async () => {
    const drawn = await opened.page.evaluate((names) => names.map((name) => {
      const canvas = document.createElement('canvas');
      canvas.width = 800;
      canvas.height = 400;
      window.dhara.app.lab.draw_dashboard(canvas, name);
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) {
        // Saturated pixels: the series' colours, not the white ground or the grey grid and text.
        const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured += 1;
      }
      return { name, coloured };
    }), DASHBOARDS);
    for (const { name, coloured } of drawn) {
      assert.ok(coloured > 200, `${name}: ${coloured} coloured pixels`);
    }
    assert.deepEqual(opened.problems, []);
  });

  test('an unknown dashboard is an error that lists the names', async () => {
    const message = await opened.page.evaluate(() => {
      try {
        window.dhara.app.lab.draw_dashboard(document.createElement('canvas'), 'lags');
        return 'no error';
      } catch (error) {
        return String(error.message);
      }
    });
    assert.match(message, /unknown dashboard "lags"; the dashboards are lag, throughput, latency, event_time, panes/);
  });

  test('node_at finds a broker where the flow view draws its chip', async () => {
    const found = await opened.page.evaluate(() => {
      const lab = window.dhara.app.lab;
      const canvas = document.createElement('canvas');
      canvas.width = 1280;
      canvas.height = 720;
      // One synchronous block: the run cannot advance between drawing and asking.
      lab.draw_flow(canvas);
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let hits = 0;
      let green = 0;
      const names = new Set();
      for (let y = 0; y < canvas.height; y += 8) {
        for (let x = 0; x < canvas.width; x += 8) {
          const name = lab.node_at(canvas.width, canvas.height, x, y);
          if (name) names.add(name.replace(/[0-9]+$/, 'N'));
          if (name !== 'broker-0') continue;
          hits += 1;
          const i = (y * canvas.width + x) * 4;
          // The chip of a broker that is up: the palette's green (#009e73).
          if (data[i] === 0 && data[i + 1] === 158 && data[i + 2] === 115) green += 1;
        }
      }
      return { hits, green, names: [...names].sort(), outside: lab.node_at(1280, 720, 2, 2) ?? null };
    });
    assert.ok(found.hits > 20, `broker-0 found at ${found.hits} points`);
    assert.ok(found.green / found.hits > 0.6, `${found.green} of ${found.hits} points under broker-0 are its green chip`);
    assert.deepEqual(found.names, ['broker-N', 'consumer-N', 'partition-N', 'producer-N', 'task-N']);
    assert.equal(found.outside, null, 'the title is no node');
  });

  test('the presenter options draw, and a text scale out of range is refused', async () => {
    const result = await opened.page.evaluate(() => {
      const lab = window.dhara.app.lab;
      const canvas = document.createElement('canvas');
      canvas.width = 1280;
      canvas.height = 720;
      lab.draw_flow_with(canvas, 2, true);
      let refused = '';
      try {
        lab.draw_flow_with(canvas, 3, false);
      } catch (error) {
        refused = String(error.message);
      }
      // Large text moves the boxes; node_at takes the scale the view was drawn with.
      const large = lab.node_at(1280, 720, 90, 262, 2);
      const normal = lab.node_at(1280, 720, 90, 262) ?? null;
      return { refused, large, normal };
    });
    assert.match(result.refused, /text_scale must be a number from 1 to 2 \(got 3\)/);
    assert.equal(result.large, 'producer-0', 'the taller producer box of large text');
    assert.equal(result.normal, null, 'above the producer box at text scale 1');
  });
});
