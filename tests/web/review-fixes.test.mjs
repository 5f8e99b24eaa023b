// Bugs found reviewing the page, each pinned by a test that failed before its fix: A/B's B
// takes a command at A's instant even after A stepped alone, the narration forgets what a
// seek back undid, a link's knobs open in any order, and the keyboard reaches every node's menu.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPage, useBrowserAndSite } from './helpers.mjs';

const ctx = useBrowserAndSite();

function assertClean({ problems }) {
  assert.deepEqual(problems, [], 'no console errors or page errors');
}

test('A/B: after A steps while paused, a command lands at the same instant in A and B', async () => {
  const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-replication&seed=3&speed=5&ab=1&b.producer.linger_ms=20`);
  const { page } = opened;
  await page.waitForFunction(() => window.dhara.app.lab.now_ms() > 2000, null, { timeout: 20000 });
  await page.click('#play');
  for (let i = 0; i < 20; i += 1) await page.click('#step');
  await page.click('#crash-broker');
  const [a, b, aNow, bNow] = await page.evaluate(() => {
    const { lab, parts } = window.dhara.app;
    return [JSON.parse(lab.command_log()), JSON.parse(parts.ab.lab.command_log()), lab.now_ms(), parts.ab.lab.now_ms()];
  });
  assert.equal(a.length, 1);
  assert.deepEqual(b, a, 'B logs the crash at A\'s instant, so the runs differ only in their knobs');
  assert.equal(bNow, aNow, 'B stands where A stands');
  assertClean(opened);
  await page.close();
});

test('after a seek back, the narration shows nothing later than the time cursor', async () => {
  const cmds = encodeURIComponent('[{"at_ms":3000,"command":"crash_broker","broker":0}]');
  const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-replication&seed=3&speed=10&cmds=${cmds}`);
  const { page } = opened;
  await page.waitForFunction(() => /Leader elected/.test(document.getElementById('narration').textContent), null, { timeout: 30000 });
  await page.click('#play');
  await page.$eval('#time', (bar) => { bar.value = '1000'; bar.dispatchEvent(new Event('input', { bubbles: true })); });
  await page.waitForFunction(() => window.dhara.app.lab.now_ms() === 1000);
  // Two panel refreshes (every 200 ms of wall-clock time) after the seek.
  const frames = await page.evaluate(() => window.dhara.app.frames);
  await page.waitForFunction((f) => window.dhara.app.frames > f + 40, frames, { timeout: 20000 });
  const times = await page.$$eval('#narration .narration-time', (spans) => spans.map((s) => parseFloat(s.textContent)));
  assert.ok(times.length > 0, 'the lines up to 1 s are still shown');
  assert.ok(times.every((s) => s <= 1), `no line after 1.0 s (got ${times.join(', ')})`);
  assert.doesNotMatch(await page.textContent('#narration'), /Leader elected|missed its heartbeats/);
  assertClean(opened);
  await page.close();
});

test('a link opens its knobs in any order: acks=1 written before enable_idempotence=false', async () => {
  const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-replication&seed=3&set.producer.acks=%221%22&set.producer.enable_idempotence=false`);
  const { page } = opened;
  assert.equal(await page.textContent('#message'), '', 'nothing refused');
  assert.deepEqual(await page.evaluate(() => window.dhara.app.state.knobs), { 'producer.enable_idempotence': false, 'producer.acks': '1' });
  assert.equal(await page.evaluate(() => window.dhara.app.lab.scenario().producer.acks), '1');
  assertClean(opened);
  await page.close();
});

test('from the keyboard, Enter on the flow picks any node, then one of its actions', async () => {
  const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-replication&seed=3&speed=5&big=1`);
  const { page } = opened;
  await page.click('#play');
  await page.focus('#flow');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#node-menu'), /Which node\?producer-0broker-0broker-1broker-2consumer-0/);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'broker-1');
  await page.keyboard.press('Enter');
  assert.equal(await page.isVisible('#node-menu'), true, 'picking a node opens its actions, and the menu stays open');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Crash broker-1');
  await page.keyboard.press('Enter');
  const log = JSON.parse(await page.evaluate(() => window.dhara.app.lab.command_log()));
  assert.deepEqual(log.map((c) => [c.command, c.broker]), [['crash_broker', 1]]);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'flow', 'the focus returns to the flow');
  await page.focus('#flow');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'broker-1', 'the last node picked comes first');
  await page.keyboard.press('Escape');
  assert.equal(await page.isHidden('#node-menu'), true);
  assertClean(opened);
  await page.close();
});

test('typing a seed while the run plays is not overwritten by the panels\' refresh', async () => {
  const opened = await openPage(ctx.browser, ctx.site.url);
  const { page } = opened;
  await page.click('#seed');
  await page.keyboard.press('End');
  await page.keyboard.type('7');
  const frames = await page.evaluate(() => window.dhara.app.frames);
  // Well over one panel refresh (every 200 ms) while the field keeps focus.
  await page.waitForFunction((from) => window.dhara.app.frames > from + 30, frames);
  assert.equal(await page.inputValue('#seed'), '427', 'the half-typed seed is still there');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.dhara.app.state.seed === '427');
  assertClean(opened);
  await page.close();
});
