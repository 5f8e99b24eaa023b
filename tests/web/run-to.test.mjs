// "Run to…" (www/run-to.js): the field reads durations strictly; a fast-forward stops exactly at
// its target, paused, after a progress bar that grew; Esc, Cancel and Play stop it where it got
// to; commands are applied meanwhile; and the run it reaches is the same run as played normally.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { measure, parseRunTo, span } from '../../www/run-to.js';
import { seconds } from '../../www/timebar.js';
import { openPage, useBrowserAndSite } from './helpers.mjs';

const ctx = useBrowserAndSite();

const nowMs = (page) => page.evaluate(() => window.dhara.app.lab.now_ms());
const hash = (page) => page.evaluate(() => window.dhara.app.lab.trace_hash());
const paused = async (page) => (await page.getAttribute('#play', 'aria-pressed')) === 'false';

function assertClean({ problems }) {
  assert.deepEqual(problems, [], 'no console errors or page errors');
}

/** Records every change of the progress bar's value and of its line being shown, in order. */
function recordProgress(page) {
  return page.evaluate(() => {
    window.progressSeen = [];
    const bar = document.getElementById('run-to-bar');
    const line = document.getElementById('run-to-progress');
    const note = () => window.progressSeen.push({ value: Number(bar.getAttribute('value')), shown: !line.hidden, text: line.textContent });
    new MutationObserver(note).observe(line, { attributes: true, subtree: true, attributeFilter: ['value', 'hidden'] });
  });
}

async function runTo(page, text) {
  await page.fill('#run-to', text);
  await page.press('#run-to', 'Enter');
}

describe('the Run to field', () => {
  test('reads durations with units, alone or combined, and names the field for anything else', () => {
    assert.deepEqual(parseRunTo('2 min'), { ms: 120000 });
    assert.deepEqual(parseRunTo(' 24h '), { ms: 86400000 });
    assert.deepEqual(parseRunTo('1 h 30 min'), { ms: 5400000 });
    assert.deepEqual(parseRunTo('1h30m'), { ms: 5400000 });
    assert.deepEqual(parseRunTo('1.5 s'), { ms: 1500 });
    assert.deepEqual(parseRunTo('500ms'), { ms: 500 });
    assert.deepEqual(parseRunTo('7 d'), { ms: 604800000 });
    for (const bad of ['', '90', 'abc', '10 x', '-5 s', '0 s', '8 d', '1 h and 5 min', '5 sec', '1e3 s']) {
      const { error } = parseRunTo(bad);
      assert.match(error ?? '', /^Run to must be a simulated time with units, like 90 s, 10 min/, `"${bad}" is refused`);
      assert.ok(error.includes(`(got "${bad.trim()}")`), error);
    }
    assert.equal(span(12500), '12.5 s');
    assert.equal(span(725000), '12 min 5 s');
    assert.equal(span(12000000), '3 h 20 min');
    assert.equal(span(120000), '2 min');
    assert.equal(span(86400000), '24 h');
    assert.equal(span(93600000), '1 d 2 h');
    assert.equal(span(183600000), '2 d 3 h');
    // The time bar's reading, which a fast-forward takes into hours.
    assert.equal(seconds(12500), '12.5 s');
    assert.equal(seconds(245000), '4 min 05 s');
    assert.equal(seconds(21909000), '6 h 05 min 09 s');
  });

  test('progress is measured as the CLI does: share of the way, records per wall s, time left at that pace', () => {
    const run = { fromMs: 60000, targetMs: 160000, wallStart: 1000, producedFrom: 500, produced: 2500 };
    assert.deepEqual(measure(run, 85000, 3000), { now: 85000, share: 0.25, wallMs: 2000, perWallS: 1000, leftMs: 6000 });
    assert.equal(measure(run, 60000, 1000).leftMs, null, 'no estimate before any progress');
    assert.equal(measure(run, 170000, 9000).share, 1, 'never past the whole');
  });

  test('bad input in the page is named, marks the field and changes nothing', async () => {
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-steady&seed=4&speed=5`);
    const { page } = opened;
    await runTo(page, '90');
    assert.match(await page.textContent('#message'), /^Run to must be a simulated time with units.* \(got "90"\)$/);
    assert.equal(await page.getAttribute('#run-to', 'aria-invalid'), 'true');
    assert.equal(await page.isVisible('#run-to-progress'), false, 'no fast-forward started');
    assert.equal(await paused(page), false, 'still playing as before');
    await page.waitForFunction(() => window.dhara.app.lab.now_ms() >= 3000);
    await page.click('#play');
    await runTo(page, '2 s');
    assert.match(await page.textContent('#message'), /^Run to must be later than now, \d+(\.\d)? s \(got "2 s"\)/);
    assert.equal(await page.isVisible('#run-to-progress'), false);
    await page.fill('#run-to', '3 min');
    assert.equal(await page.getAttribute('#run-to', 'aria-invalid'), null, 'typing clears the mark');
    assertClean(opened);
    await page.close();
  });
});

describe('a fast-forward', () => {
  test('stops exactly at its target, paused, after a growing progress bar, on the run played normally', async () => {
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-fraud&seed=4&speed=1`);
    const { page } = opened;
    await recordProgress(page);
    await runTo(page, '2 min');
    await page.waitForFunction(() => /^Reached 2 min: /.test(document.getElementById('message').textContent), null, { timeout: 60000 });
    assert.equal(await nowMs(page), 120000, 'exactly at the target');
    assert.equal(await paused(page), true);
    assert.equal(await page.isVisible('#run-to-progress'), false, 'the bar is gone');
    assert.match(await page.textContent('#message'), /Reached 2 min: .* simulated in .* of wall time, [\d,]+ records per wall s\. Paused\./);
    assert.match(page.url(), /[#&]t=120000(&|$)/, 'the link opens there');
    await page.waitForFunction(() => document.getElementById('time-out').textContent === '2 min 00 s');
    const seen = await page.evaluate(() => window.progressSeen);
    const values = seen.filter((s) => s.shown).map((s) => s.value);
    assert.ok(values.length >= 3, `the bar showed several values: ${JSON.stringify(values)}`);
    assert.ok(values.every((v, i) => i === 0 || v >= values[i - 1]), `never going back: ${values}`);
    assert.ok(values.at(-1) > values[0] && values.at(-1) <= 1, `growing: ${values}`);
    assert.match(seen.filter((s) => s.shown).at(-1).text, /Fast-forward to 2 min.*\d+\.\d %.*simulated.*[\d,]+ records per wall s.*left/s);
    assert.equal(seen.at(-1).shown, false, 'hidden at the end');
    await page.waitForTimeout(300);
    assert.equal(await nowMs(page), 120000, 'and stays there');

    // The same run played normally, frame by frame, then to the same instant.
    const played = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-fraud&seed=4&speed=100`);
    await played.page.waitForFunction(() => window.dhara.app.lab.now_ms() >= 30000, null, { timeout: 60000 });
    await played.page.click('#play');
    const there = await played.page.evaluate(() => { const lab = window.dhara.app.lab; lab.advance(120000 - lab.now_ms()); return lab.now_ms(); });
    assert.equal(there, 120000);
    assert.equal(await hash(played.page), await hash(page), 'the same trace hash');
    assertClean(opened);
    assertClean(played);
    await page.close();
    await played.page.close();
  });

  test('Esc and Cancel stop it where it got to, nothing lost; commands go on meanwhile; Play plays', async () => {
    const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-fraud&seed=9&speed=1`);
    const { page } = opened;
    const reached = () => page.evaluate(() => Number(document.getElementById('run-to-bar').value));
    await runTo(page, '24 h');
    await page.waitForFunction(() => document.getElementById('run-to-bar').value > 0);
    assert.equal(await page.isVisible('#run-to-progress'), true);
    assert.equal(await paused(page), true, 'paused underneath');

    // A command while fast-forwarding is applied at the instant reached, and it goes on.
    const atCrash = await nowMs(page);
    await page.click('#crash');
    const log = JSON.parse(await page.evaluate(() => window.dhara.app.lab.command_log()));
    assert.deepEqual(log.map((c) => c.command), ['crash_consumer']);
    assert.ok(log[0].at_ms >= Math.floor(atCrash), 'at the instant reached, not before');
    const share = await reached();
    await page.waitForFunction((s) => document.getElementById('run-to-bar').value > s, share);

    await page.focus('body');
    const before = await nowMs(page);
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('#run-to-progress'), false, 'Esc hides the bar');
    const stopped = await nowMs(page);
    assert.ok(stopped >= before && stopped < 86400000, `kept what was simulated: ${before} → ${stopped}`);
    assert.match(await page.textContent('#message'), /^Fast-forward to 24 h stopped at .*; nothing was lost\.$/);
    assert.equal(await paused(page), true);
    await page.waitForTimeout(300);
    assert.equal(await nowMs(page), stopped, 'paused where it stopped');

    await page.click('#run-to-go');
    await page.waitForFunction((t) => window.dhara.app.lab.now_ms() > t, stopped);
    await page.click('#run-to-cancel');
    const cancelled = await nowMs(page);
    assert.ok(cancelled > stopped);
    assert.equal(await page.isVisible('#run-to-progress'), false, 'Cancel hides the bar');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'run-to-go', 'the focus goes to Go, not lost');
    await page.waitForTimeout(300);
    assert.equal(await nowMs(page), cancelled);

    await page.click('#run-to-go');
    await page.waitForFunction((t) => window.dhara.app.lab.now_ms() > t, cancelled);
    await page.click('#play');
    assert.equal(await page.isVisible('#run-to-progress'), false, 'Play ends the fast-forward');
    assert.equal(await paused(page), false, 'and plays at the chosen speed');
    const playedFrom = await nowMs(page);
    await page.waitForFunction((t) => window.dhara.app.lab.now_ms() > t, playedFrom);
    assert.deepEqual(JSON.parse(await page.evaluate(() => window.dhara.app.lab.command_log())), log, 'the command log is intact');
    assertClean(opened);
    await page.close();
  });
});
