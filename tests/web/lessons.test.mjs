// The guided lessons in the page: every lesson opens and every step's state is reached, with
// the engine's checks of "what to notice" holding there; Previous restores a step exactly;
// deep links open a step, bad ones are named; a lesson file from disk opens, or its mistake
// is named by step and field; lesson text is shown as text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPage, useBrowserAndSite } from './helpers.mjs';

const ctx = useBrowserAndSite();

function assertClean({ problems }) {
  assert.deepEqual(problems, [], 'no console errors or page errors');
}

/** What the page shows for the open step, and the run it stands on. */
const shown = (page) => page.evaluate(() => {
  const { app } = window.dhara;
  const view = app.lab.snapshot();
  return {
    where: document.getElementById('lesson-where').textContent,
    title: document.querySelector('.lesson-title')?.textContent,
    checks: [...document.querySelectorAll('.lesson-checks li')].map((li) => li.textContent),
    message: document.getElementById('message').hidden ? '' : document.getElementById('message').textContent,
    nowMs: app.lab.now_ms(),
    scenario: view.scenario,
    seed: view.seed,
    traceHash: view.trace_hash,
    playing: app.playing,
    hash: location.hash,
  };
});

test('every lesson opens and every step reaches its state with each check holding', async () => {
  const opened = await openPage(ctx.browser, ctx.site.url);
  const { page } = opened;
  await page.click('#lessons-open');
  const lessons = await page.evaluate(() => window.dhara.bindings.lessons().map((e) => e.lesson));
  assert.equal(lessons.length, 19, 'the 19 lessons are built in');
  let steps = 0;
  for (const lesson of lessons) {
    await page.selectOption('#lesson-pick', lesson.id);
    for (const [i, step] of lesson.steps.entries()) {
      if (i > 0) await page.click('#lesson-next');
      const view = await shown(page);
      const where = `${lesson.id} step ${i + 1}`;
      assert.equal(view.where, `Step ${i + 1} of ${lesson.steps.length}`, where);
      assert.equal(view.title, `${i + 1}. ${step.title}`, where);
      assert.equal(view.scenario, step.state.scenario, where);
      assert.equal(view.seed, step.state.seed, where);
      assert.equal(view.nowMs, step.state.at_ms, `${where}: paused at the step's time`);
      assert.equal(view.playing, false, where);
      assert.equal(view.message, '', `${where}: no message`);
      assert.equal(view.checks.length, step.expect.length, where);
      for (const line of view.checks) assert.match(line, /^✓ holds now: /, `${where}: ${line}`);
      assert.match(view.hash, new RegExp(`lesson=${lesson.id}&step=${i + 1}$`), where);
      steps += 1;
    }
    assert.equal(await page.isDisabled('#lesson-next'), true, `${lesson.id}: Next stops at the last step`);
  }
  assert.ok(steps >= 19 * 3, `${steps} steps visited`);
  assertClean(opened);
  await page.close();
});

test('Previous restores a step exactly after the student played on and crashed a broker', async () => {
  const opened = await openPage(ctx.browser, `${ctx.site.url}#lesson=replication-acks&step=2`);
  const { page } = opened;
  const before = await shown(page);
  assert.equal(before.nowMs, 10000);
  assert.match(before.checks.join('\n'), /✓ holds now: fates\.acked_lost > 0/);
  await page.click('#lesson-next');
  await page.click('#play');
  await page.waitForFunction(() => window.dhara.app.lab.now_ms() > 10500);
  await page.click('#crash-broker');
  await page.click('#lesson-prev');
  const back = await shown(page);
  assert.deepEqual({ ...back, hash: undefined }, { ...before, hash: undefined }, 'the same state, to the trace hash');
  assert.equal(back.hash, before.hash);
  await page.click('#play');
  await page.waitForFunction(() => window.dhara.app.lab.now_ms() > 10400);
  await page.click('#crash-broker');
  await page.click('#lesson-reset');
  assert.equal((await shown(page)).traceHash, before.traceHash, 'Reset step brings it back too');
  // A presenter's clicker: Page Down and Page Up walk the steps.
  await page.focus('#flow');
  await page.keyboard.press('PageDown');
  assert.equal((await shown(page)).where, 'Step 3 of 5');
  await page.keyboard.press('PageUp');
  assert.equal((await shown(page)).traceHash, before.traceHash, 'Reset step brings it back too');
  assertClean(opened);
  await page.close();
});

test('a page-written link reopens the run and the lesson beside it; bad lesson parts are named', async () => {
  const first = await openPage(ctx.browser, `${ctx.site.url}#lesson=consumer-lag&step=3`);
  await first.page.fill('#seed', '5');
  await first.page.press('#seed', 'Enter');
  await first.page.click('#play');
  const written = await shown(first.page);
  assert.match(written.hash, /seed=5/);
  assert.match(written.hash, /lesson=consumer-lag&step=3/);
  await first.page.close();
  const again = await openPage(ctx.browser, `${ctx.site.url}${written.hash}`);
  const reopened = await shown(again.page);
  assert.equal(reopened.seed, '5', 'the link\'s own state, not the step\'s');
  assert.equal(reopened.where, 'Step 3 of 6');
  assertClean(again);
  await again.page.close();

  const bad = await openPage(ctx.browser, `${ctx.site.url}#lesson=no-such-lesson&step=2`);
  const badView = await shown(bad.page);
  assert.match(badView.message, /lesson must be one of log-offsets, partitions-keys, .*troubleshooting \(got "no-such-lesson"\)/);
  assert.equal(await bad.page.isHidden('#lesson'), true);
  await bad.page.close();
  const badStep = await openPage(ctx.browser, `${ctx.site.url}#lesson=windows&step=9`);
  const stepView = await shown(badStep.page);
  assert.match(stepView.message, /step must be 1 to 3 for lesson windows \(got 9\); opened step 1/);
  assert.equal(stepView.where, 'Step 1 of 3');
  await badStep.page.close();
});

test('predict, then reveal: a choice shows the answer and why', async () => {
  const opened = await openPage(ctx.browser, `${ctx.site.url}#lesson=replication-acks&step=1`);
  const { page } = opened;
  const lesson = await page.evaluate(() => window.dhara.bindings.lessons().find((e) => e.lesson?.id === 'replication-acks').lesson);
  const { choices, answer, explain } = lesson.steps[0].question;
  const wrong = answer === 0 ? 1 : 0;
  await page.click(`.lesson-question button >> nth=${wrong}`);
  const reveal = await page.textContent('.lesson-reveal');
  assert.ok(reveal.startsWith(`Not quite: it is "${choices[answer]}".`), reveal);
  assert.ok(reveal.endsWith(explain));
  assert.equal(await page.isDisabled(`.lesson-question button >> nth=${answer}`), true, 'one answer per visit');
  assertClean(opened);
  await page.close();
});

test('a lesson file from disk opens, and a malformed one is named by step and field', async () => {
  const opened = await openPage(ctx.browser, ctx.site.url);
  const { page } = opened;
  await page.click('#lessons-open');
  const before = await shown(page);
  const source = {
    id: 'my-lesson', title: 'Mine <img src=x onerror="window.pwned=1">', summary: 'A test.', simplifies: ['Everything.'],
    steps: [{ title: '<b>bold?</b>', text: 'Text.', state: { scenario: 'upi-acks1', seed: 3, at_ms: 2000 }, notice: 'Look.', expect: ['fates.acked > 0'] }],
  };
  const broken = structuredClone(source);
  broken.steps.push({ title: 'Two', text: 'T', state: { set: { 'producer.acks': '2' } }, notice: 'N', expect: [] });
  await page.setInputFiles('#lesson-file', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)) });
  await page.waitForFunction(() => /broken\.json/.test(document.getElementById('message').textContent));
  assert.match(await page.textContent('#message'), /Lesson file broken\.json not opened: steps\[1\]\.state\.set\.producer\.acks: /);
  const after = await shown(page);
  assert.deepEqual([after.where, after.traceHash], [before.where, before.traceHash], 'the open lesson and its run are kept');
  await page.setInputFiles('#lesson-file', { name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(source)) });
  await page.waitForFunction(() => /^1\. <b>bold\?<\/b>$/.test(document.querySelector('.lesson-title')?.textContent ?? ''));
  const view = await shown(page);
  assert.equal(view.scenario, 'upi-acks1');
  assert.equal(view.nowMs, 2000);
  assert.match(view.checks[0], /^✓ holds now: fates\.acked > 0/);
  assert.doesNotMatch(view.hash, /lesson=/, 'a file on this computer is not in links');
  assert.equal(await page.evaluate(() => window.pwned), undefined, 'lesson text is never HTML');
  assert.equal(await page.locator('.lesson img, .lesson b').count(), 0);
  assertClean(opened);
  await page.close();
});

test('embedded, a lesson link opens the step\'s run full width, the words left to the host page', async () => {
  const opened = await openPage(ctx.browser, `${ctx.site.url}?embed#lesson=replication-acks&step=2`, { width: 640, height: 400 });
  const { page } = opened;
  const view = await shown(page);
  assert.equal(view.nowMs, 10000);
  assert.equal(view.scenario, 'upi-acks1');
  assert.equal(await page.isHidden('#lesson'), true);
  const width = await page.evaluate(() => document.getElementById('flow').getBoundingClientRect().width);
  assert.ok(width > 600, `the flow fills the frame (${width} px)`);
  assertClean(opened);
  await page.close();
});
