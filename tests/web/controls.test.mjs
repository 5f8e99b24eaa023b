// Every control of the page does what it says, checked on the engine's state: the keyboard,
// the speed scale, the time bar (scrub back, replay, fork), knobs, fault buttons, the node
// menu, A/B and the narration; and the URL reproduces a run exactly.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, canvasPixels, openPage, useBrowserAndSite } from './helpers.mjs';

const ctx = useBrowserAndSite();

const SHOTS = join(ROOT, 'test-results');
const lab = (page, expression) => page.evaluate(expression);
const nowMs = (page) => lab(page, () => window.dhara.app.lab.now_ms());
const view = (page) => lab(page, () => window.dhara.app.lab.snapshot());
const waitSim = (page, ms) => page.waitForFunction((t) => window.dhara.app.lab.now_ms() >= t, ms, { timeout: 20000 });

function assertClean({ problems, requests }) {
  assert.deepEqual(problems, [], 'no console errors or page errors');
  assert.deepEqual(requests.filter((url) => !url.startsWith(ctx.site.origin)), [], 'no request leaves the site');
}

/** Opens `hash` and returns the page with the run paused at `pauseAtMs` of simulated time. */
async function openPaused(hash, pauseAtMs) {
  const opened = await openPage(ctx.browser, `${ctx.site.url}${hash}`);
  if (pauseAtMs !== undefined) {
    await waitSim(opened.page, pauseAtMs);
    await opened.page.click('#play');
  }
  return opened;
}

describe('run controls and the keyboard', () => {
  test('space pauses and plays, → steps one event, ← and Shift+→ move a simulated second', async () => {
    const opened = await openPaused('#scenario=upi-steady&seed=4&speed=5', 3000);
    const { page } = opened;
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'false');
    await page.focus('body');
    const events = (await view(page)).events;
    await page.keyboard.press('ArrowRight');
    assert.equal((await view(page)).events, events + 1, '→ is one event');
    const t = await nowMs(page);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await nowMs(page), Math.floor(t) - 1000, '← goes back one simulated second');
    await page.keyboard.press('Shift+ArrowRight');
    assert.equal(await nowMs(page), Math.floor(t), 'Shift+→ goes forward one');
    await page.keyboard.press(' ');
    assert.equal(await page.getAttribute('#play', 'aria-pressed'), 'true', 'space plays');
    await page.waitForTimeout(300);
    assert.ok(await nowMs(page) > t, 'time moves again');
    assertClean(opened);
    await page.close();
  });

  test('+ and - move the speed along its log scale from 0.1× to 10,000×, kept in the URL', async () => {
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-steady&seed=4&speed=1`);
    const { page } = opened;
    await page.focus('body');
    await page.keyboard.press('+');
    assert.equal(await page.textContent('#speed-out'), '2×');
    assert.match(page.url(), /speed=2(&|$)/);
    for (let i = 0; i < 20; i += 1) await page.keyboard.press('+');
    assert.equal(await page.textContent('#speed-out'), '10,000×', 'the top of the scale');
    const before = await nowMs(page);
    await page.waitForTimeout(500);
    assert.ok(await nowMs(page) - before > 10000, 'at 10,000× the engine runs as fast as it can: far more than 100× real time');
    for (let i = 0; i < 30; i += 1) await page.keyboard.press('-');
    assert.equal(await page.textContent('#speed-out'), '0.1×', 'the bottom of the scale');
    assertClean(opened);
    await page.close();
  });

  test('P is presenter mode and ? the help; both are in the URL or closable', async () => {
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-steady&seed=4`);
    const { page } = opened;
    await page.focus('body');
    const small = await canvasPixels(page, 'flow');
    await page.keyboard.press('p');
    assert.equal(await page.evaluate(() => document.body.classList.contains('presenter')), true);
    assert.match(page.url(), /big=1/);
    await page.keyboard.press('?');
    assert.equal(await page.evaluate(() => document.getElementById('help').open), true);
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.getElementById('help').open), false);
    assert.notEqual((await canvasPixels(page, 'flow')).hash, small.hash);
    assertClean(opened);
    await page.close();
  });
});

describe('time travel and the URL', () => {
  test('the time bar replays any past moment exactly, and a new command forks a new future', async () => {
    const opened = await openPaused('#scenario=upi-replication&seed=6&speed=5', 4000);
    const { page } = opened;
    await page.click('#crash-broker');
    const log = JSON.parse(await lab(page, () => window.dhara.app.lab.command_log()));
    assert.equal(log.length, 1);
    await page.click('#play');
    await waitSim(page, 12000);
    await page.click('#play');
    const at10 = await page.evaluate(() => { const l = window.dhara.app.lab; l.seek(10000); return l.trace_hash(); });
    await page.$eval('#time', (bar) => { bar.value = '2000'; bar.dispatchEvent(new Event('input', { bubbles: true })); });
    await page.waitForFunction(() => window.dhara.app.lab.now_ms() === 2000);
    assert.equal((await view(page)).brokers[0].up, true, 'before the crash, broker-0 is up again');
    assert.equal(await page.isDisabled('#fork'), false, 'a later command can be forgotten');
    const replayed = await page.evaluate(() => { const l = window.dhara.app.lab; l.seek(10000); return l.trace_hash(); });
    assert.equal(replayed, at10, 'replaying from a snapshot gives exactly the same run');
    await page.$eval('#time', (bar) => { bar.value = '2000'; bar.dispatchEvent(new Event('input', { bubbles: true })); });
    await page.waitForFunction(() => window.dhara.app.lab.now_ms() === 2000);
    await page.click('#fork');
    assert.deepEqual(JSON.parse(await lab(page, () => window.dhara.app.lab.command_log())), []);
    assert.doesNotMatch(page.url(), /cmds=/);
    assertClean(opened);
    await page.close();
  });

  test('a link with knobs, commands and a time cursor reopens exactly the same run', async () => {
    const opened = await openPaused('#scenario=upi-replication&seed=8&speed=5', 3000);
    const { page } = opened;
    await page.fill('#knob-producer-linger-ms', '20');
    await page.dispatchEvent('#knob-producer-linger-ms', 'change');
    await waitSim(page, 3000);
    await page.click('#play');
    await page.click('#crash-broker');
    await page.click('#play');
    await waitSim(page, 9000);
    await page.click('#play');
    const link = page.url();
    assert.match(link, /set\.producer\.linger_ms=20/);
    assert.match(link, /cmds=/);
    assert.match(link, /t=\d+/);
    const expected = { hash: await lab(page, () => window.dhara.app.lab.trace_hash()), now: await nowMs(page) };
    const reopened = await openPage(ctx.browser, link);
    assert.equal(await nowMs(reopened.page), Math.floor(expected.now), 'paused at the cursor');
    const again = await lab(reopened.page, () => window.dhara.app.lab.trace_hash());
    const there = await page.evaluate((t) => { const l = window.dhara.app.lab; l.seek(t); return l.trace_hash(); }, Math.floor(expected.now));
    assert.equal(again, there, 'the same trace hash at the same instant');
    assert.equal(reopened.page.url(), link, 'the URL round-trips exactly');
    assertClean(opened);
    assertClean(reopened);
    await page.close();
    await reopened.page.close();
  });

  test('a refused knob value is named and the run the user had is kept', async () => {
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-replication&seed=8`);
    const { page } = opened;
    await waitSim(page, 1000);
    await page.fill('#knob-topic-min-insync-replicas', '9');
    await page.dispatchEvent('#knob-topic-min-insync-replicas', 'change');
    assert.match(await page.textContent('#message'), /Knob not changed: topic\.min_insync_replicas/);
    assert.ok(await nowMs(page) >= 1000, 'the run was not restarted');
    assert.doesNotMatch(page.url(), /set\./);
    assertClean(opened);
    await page.close();
  });
});

describe('bad input in a link', () => {
  test('a refused knob or command in the URL is named and dropped alone; the rest opens', async () => {
    const cmds = encodeURIComponent(JSON.stringify([
      { at_ms: 1000, command: 'crash_broker', broker: 0 },
      { at_ms: 1500, command: 'explode' },
      { at_ms: 2000, command: 'heal_network' },
    ]));
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-replication&seed=8&set.topic.partitions=0&set.producer.linger_ms=20&cmds=${cmds}`);
    const { page } = opened;
    const message = await page.textContent('#message');
    assert.match(message, /set\.topic\.partitions: topic\.partitions: must be between 1 and 256 \(got 0\)/);
    assert.match(message, /cmds: commands\[1\]\.command: .*explode/);
    const scenario = await lab(page, () => window.dhara.app.scenario);
    assert.equal(scenario.producer.linger_ms, 20, 'the good knob is kept');
    assert.equal(scenario.topic.partitions, 6, 'the bad one fell back to the scenario\'s value');
    assert.deepEqual(JSON.parse(await lab(page, () => window.dhara.app.lab.command_log())).map((c) => c.command), ['crash_broker', 'heal_network'], 'the good commands are kept');
    assertClean(opened);
    await page.close();
  });

  test('a logged command the run refuses on replay stops the replay there with a message, not a crash', async () => {
    const cmds = encodeURIComponent(JSON.stringify([
      { at_ms: 1000, command: 'crash_broker', broker: 0 },
      { at_ms: 2000, command: 'crash_broker', broker: 0 },
      { at_ms: 3000, command: 'restart_broker', broker: 0 },
    ]));
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-replication&seed=8&speed=5&cmds=${cmds}`);
    const { page } = opened;
    await waitSim(page, 3500);
    assert.match(await page.textContent('#message'), /Replay stopped at a command this run refuses: commands\[1\]: .*already crashed/);
    assert.equal(await page.isVisible('#overlay'), false, 'no error overlay');
    assert.deepEqual(JSON.parse(await lab(page, () => window.dhara.app.lab.command_log())).map((c) => c.command), ['crash_broker']);
    assert.doesNotMatch(page.url(), /restart_broker/, 'the URL holds what the run kept');
    assertClean(opened);
    await page.close();
  });
});

describe('faults change what the charts and the engine show', () => {
  test('a fault button changes the lag chart against the same run without it', async () => {
    const plain = await openPaused('#scenario=upi-steady&seed=5&speed=10&t=20000');
    const crashed = await openPaused(`#scenario=upi-steady&seed=5&speed=10&t=20000&cmds=${encodeURIComponent('[{"at_ms":5000,"command":"crash_consumer","consumer":0}]')}`);
    const lag = async ({ page }) => (await view(page)).topic.partitions.reduce((sum, p) => sum + p.lag_records, 0);
    assert.ok(await lag(crashed) > (await lag(plain)) + 1000, 'lag grows without the consumer');
    await Promise.all([plain, crashed].map(({ page }) => page.waitForTimeout(400)));
    assert.notEqual((await canvasPixels(crashed.page, 'lag')).hash, (await canvasPixels(plain.page, 'lag')).hash);
    assertClean(plain);
    assertClean(crashed);
    await plain.page.close();
    await crashed.page.close();
  });

  test('hot key, late events and slow consumer toggle and land in the command log', async () => {
    const opened = await openPaused('#scenario=upi-steady&seed=5&speed=5', 2000);
    const { page } = opened;
    for (const id of ['hot-key', 'late-events', 'slow-consumer']) {
      await page.click(`#${id}`);
      assert.equal(await page.getAttribute(`#${id}`, 'aria-pressed'), 'true', id);
    }
    const log = JSON.parse(await lab(page, () => window.dhara.app.lab.command_log()));
    assert.deepEqual(log.map((c) => c.command), ['hot_key', 'skew_clock', 'slow_node']);
    await page.click('#hot-key');
    assert.equal(await page.getAttribute('#hot-key', 'aria-pressed'), 'false');
    assertClean(opened);
    await page.close();
  });

  test('clicking a broker in the flow opens its actions; crashing it is narrated', async () => {
    const opened = await openPaused('#scenario=upi-replication&seed=3&speed=5', 2000);
    const { page } = opened;
    const point = await page.evaluate(() => {
      const canvas = document.getElementById('flow');
      const ratio = window.devicePixelRatio || 1;
      for (let y = 0; y < canvas.clientHeight; y += 10) {
        for (let x = 0; x < canvas.clientWidth; x += 10) {
          if (window.dhara.app.lab.node_at(canvas.width, canvas.height, x * ratio, y * ratio) === 'broker-1') return { x, y };
        }
      }
      return null;
    });
    assert.ok(point, 'broker-1 is drawn somewhere on the flow');
    await page.click('#flow', { position: point });
    assert.equal(await page.isVisible('#node-menu'), true);
    await page.click('#node-menu >> text=Crash broker-1');
    assert.equal((await view(page)).brokers[1].up, false);
    await page.click('#play');
    await page.waitForFunction(() => /Broker 1 missed its heartbeats/.test(document.getElementById('narration').textContent), null, { timeout: 30000 });
    await page.waitForFunction(() => /Broker 1 missed its heartbeats/.test(document.getElementById('announce').textContent), null, { timeout: 10000 });
    assertClean(opened);
    await page.close();
  });

  test('A/B shows what acks=1 loses that acks=all keeps, on the same seed and crash', async () => {
    const cmds = encodeURIComponent('[{"at_ms":6000,"command":"crash_broker","broker":0}]');
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-replication&seed=3&speed=10&ab=1&b.producer.enable_idempotence=false&b.producer.acks=%221%22&cmds=${cmds}`);
    const { page } = opened;
    await page.waitForFunction(() => window.dhara.app.parts.ab.lab?.summary().acked_lost > 0, null, { timeout: 30000 });
    const summaries = await page.evaluate(() => [window.dhara.app.lab.summary(), window.dhara.app.parts.ab.lab.summary()]);
    assert.equal(summaries[0].acked_lost, 0, 'A (acks=all) loses nothing');
    assert.equal(await page.isVisible('#ab-panel'), true);
    assert.match(await page.textContent('#ab-panel'), /Acknowledged, then lost/);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'ab-1280x720.png') });
    assertClean(opened);
    await page.close();
  });
});

describe('accessibility', () => {
  test('every control has an accessible name, and the narration is a live region', async () => {
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-windows&seed=2&ab=1`);
    const { page } = opened;
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, select, canvas, [role=tab]')]
      .filter((el) => el.checkVisibility())
      .filter((el) => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim() || el.title))
      .map((el) => el.outerHTML.slice(0, 120)));
    assert.deepEqual(unnamed, [], 'controls without a name');
    assert.equal(await page.getAttribute('#announce', 'aria-live'), 'polite');
    assertClean(opened);
    await page.close();
  });
});

describe('layouts', () => {
  for (const [width, height] of [[1280, 720], [390, 844]]) {
    test(`readable at ${width}×${height}, with reduced motion respected`, async () => {
      const page = await ctx.browser.newPage({ viewport: { width, height } });
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await page.goto(`${ctx.site.url}#scenario=upi-windows&seed=2&speed=5`);
      await page.waitForFunction(() => window.dhara?.app?.frames > 30, null, { timeout: 20000 });
      assert.equal(await page.evaluate(() => window.dhara.app.reducedMotion), true);
      if (width < 600) {
        assert.equal(await page.isVisible('#crash-broker'), false, 'on a phone the fault bar is folded away');
        await page.click('#faults-toggle');
        assert.equal(await page.isVisible('#crash-broker'), true, 'and opens with one tap');
        assert.equal(await page.getAttribute('#faults-toggle', 'aria-expanded'), 'true');
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px too wide)`);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `page-${width}x${height}.png`) });
      await page.close();
    });
  }
});
