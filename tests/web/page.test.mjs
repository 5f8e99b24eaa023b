// The page in headless Chromium: it loads the wasm, runs the default scenario, draws the flow
// and the lag chart, and its controls, URL state and error handling do what they say. The
// same checks run against the Trunk build and against a copy served under a sub-path.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIST, DIST_TRUNK, canvasPixels, launchBrowser, openPage, serveSite, setSpeed } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const snapshot = (page) => page.evaluate(() => window.dhara.app.lab.snapshot());

/** The default scenario runs, both canvases are drawn, and the flow changes while playing. */
async function assertRunsAndDraws(page) {
  const flow = await canvasPixels(page, 'flow');
  assert.ok(flow.width > 300 && flow.height > 200, `flow canvas ${flow.width}×${flow.height}`);
  assert.ok(flow.colours > 8, `flow canvas has ${flow.colours} colours: it is drawn`);
  const lag = await canvasPixels(page, 'lag');
  assert.ok(lag.colours > 8, `lag chart has ${lag.colours} colours: it is drawn`);
  const before = await snapshot(page);
  await page.waitForTimeout(600);
  const later = await snapshot(page);
  assert.ok(later.now_us > before.now_us, 'simulated time advances while playing');
  assert.ok(later.producer.sent > before.producer.sent, 'the producer keeps sending');
  assert.notEqual((await canvasPixels(page, 'flow')).hash, flow.hash, 'the flow view changes');
  assert.equal(later.scenario, 'upi-lag');
  assert.equal(await page.evaluate(() => performance.getEntriesByName('dhara-interactive').length), 1, 'main.js marks its first frame once (scripts/bench-load.mjs times it)');
}

function assertClean({ problems, requests }, origin) {
  assert.deepEqual(problems, [], 'no console errors or page errors');
  const foreign = requests.filter((url) => !url.startsWith(origin));
  assert.deepEqual(foreign, [], 'no request leaves the site');
}

describe('the built page (dist/)', () => {
  let site;
  before(async () => { site = await serveSite(DIST); });
  after(() => site?.close());

  test('loads, draws the flow and the lag chart, and changes after play', async () => {
    const opened = await openPage(browser, site.url);
    await assertRunsAndDraws(opened.page);
    assertClean(opened, site.origin);
    assert.match(await opened.page.title(), /Dhara/);
    await opened.page.close();
  });

  test('pause stops simulated time; step processes exactly one event; play resumes', async () => {
    const opened = await openPage(browser, site.url);
    const { page } = opened;
    await page.click('#play');
    assert.equal(await page.textContent('#play'), 'Play');
    const paused = await snapshot(page);
    await page.waitForTimeout(300);
    assert.equal((await snapshot(page)).events, paused.events, 'no events while paused');
    await page.click('#step');
    assert.equal((await snapshot(page)).events, paused.events + 1, 'one step, one event');
    await page.click('#play');
    await page.waitForTimeout(300);
    assert.ok((await snapshot(page)).events > paused.events + 1, 'playing again');
    assertClean(opened, site.origin);
    await page.close();
  });

  test('speed, crash and restart drive the engine', async () => {
    const opened = await openPage(browser, site.url);
    const { page } = opened;
    await setSpeed(page, 10);
    assert.match(page.url(), /speed=10/);
    await page.click('#crash');
    assert.equal((await snapshot(page)).consumers[0].state, 'crashed');
    const lagAtCrash = (await snapshot(page)).topic.partitions.reduce((sum, p) => sum + p.lag_records, 0);
    await page.waitForTimeout(800);
    const crashed = await snapshot(page);
    const lagNow = crashed.topic.partitions.reduce((sum, p) => sum + p.lag_records, 0);
    assert.ok(lagNow > lagAtCrash + 500, `lag grows without a consumer: ${lagAtCrash} → ${lagNow}`);
    await page.click('#crash');
    assert.match(await page.textContent('#message'), /already crashed/);
    await page.click('#restart');
    assert.notEqual((await snapshot(page)).consumers[0].state, 'crashed');
    await page.fill('#consumer-rate', '5000');
    await page.dispatchEvent('#consumer-rate', 'change');
    assert.equal((await snapshot(page)).consumers[0].rate_records_per_s, 5000);
    await page.click('#add-consumer');
    assert.equal((await snapshot(page)).consumers.length, 2);
    assert.equal(await page.locator('#consumer option').count(), 2, 'the picker lists the new member');
    await page.waitForFunction(() => {
      const view = window.dhara.app.lab.snapshot();
      return view.consumers.every((c) => c.assigned.length > 0) && view.topic.partitions.every((p) => p.lag_records < 300);
    }, null, { timeout: 20000 });
    assertClean(opened, site.origin);
    await page.close();
  });

  test('crashing the leading broker moves leadership, and acks=1 counts what it lost', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-acks1&seed=3&speed=10`);
    const { page } = opened;
    await page.waitForFunction(() => window.dhara.app.lab.snapshot().now_us > 5e6, null, { timeout: 15000 });
    const before = (await snapshot(page)).topic.partitions[0];
    await page.selectOption('#broker', String(before.leader));
    await page.click('#crash-broker');
    const crashed = await snapshot(page);
    assert.equal(crashed.brokers[before.leader].up, false);
    await page.waitForFunction((old) => {
      const p0 = window.dhara.app.lab.snapshot().topic.partitions[0];
      return p0.leader !== null && p0.leader !== old;
    }, before.leader, { timeout: 15000 });
    const after = await snapshot(page);
    assert.ok(after.topic.partitions[0].leader_epoch > before.leader_epoch, 'a new leader epoch');
    assert.ok(after.topic.under_replicated > 0, 'partitions are under-replicated while the broker is down');
    await page.click('#crash-broker');
    assert.match(await page.textContent('#message'), /already crashed/);
    await page.click('#restart-broker');
    assert.equal((await snapshot(page)).brokers[before.leader].up, true);
    await page.click('#heal');
    assert.match(await page.textContent('#message'), /no partition to heal/);
    await page.click('#isolate-broker');
    await page.waitForFunction(() => window.dhara.app.lab.snapshot().brokers.some((b) => b.fenced), null, { timeout: 15000 });
    await page.click('#heal');
    await page.waitForFunction(() => window.dhara.app.lab.snapshot().brokers.every((b) => !b.fenced), null, { timeout: 15000 });
    assertClean(opened, site.origin);
    await page.close();
  });

  test('an aborted transaction is booked as aborted and never reaches a read_committed consumer', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-transactions&seed=2&speed=5`);
    const { page } = opened;
    await page.waitForFunction(() => window.dhara.app.lab.snapshot().producer.acked > 200, null, { timeout: 15000 });
    await page.click('#abort-txn');
    assert.equal(await page.isVisible('#message'), false, 'the command was accepted');
    await page.waitForFunction(() => window.dhara.app.lab.snapshot().fates.aborted > 0, null, { timeout: 15000 });
    const view = await snapshot(page);
    assert.ok(view.consumers[0].processed <= view.fates.acked, 'aborted records are not consumed');
    assert.ok(view.topic.partitions.every((p) => p.last_stable_offset <= p.high_watermark));
    assertClean(opened, site.origin);
    await page.close();
  });

  test('bad control input is refused with a message and changes nothing', async () => {
    const opened = await openPage(browser, site.url);
    const { page } = opened;
    await page.fill('#consumer-rate', '0');
    await page.dispatchEvent('#consumer-rate', 'change');
    assert.match(await page.textContent('#message'), /Consumer rate.*whole number from 1 to 1000000/);
    assert.equal((await snapshot(page)).consumers[0].rate_records_per_s, 320);
    await page.fill('#seed', 'banana');
    await page.dispatchEvent('#seed', 'change');
    assert.match(await page.textContent('#message'), /Seed not changed: seed must be a whole number/);
    assert.equal(await page.inputValue('#seed'), '42');
    assertClean(opened, site.origin);
    await page.close();
  });

  test('the URL hash holds scenario, seed and speed, and reopens the same run', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=upi-hot-key&seed=99&speed=2`);
    const { page } = opened;
    const view = await snapshot(page);
    assert.equal(view.scenario, 'upi-hot-key');
    assert.equal(view.seed, '99');
    assert.equal(await page.textContent('#speed-out'), '2×');
    await page.selectOption('#scenario', 'upi-steady');
    assert.match(page.url(), /scenario=upi-steady&seed=99&speed=2/);
    assertClean(opened, site.origin);
    await page.close();
  });

  test('a bad URL hash is reported by name and only its bad parts fall back', async () => {
    const opened = await openPage(browser, `${site.url}#scenario=nope&seed=7&speed=3`);
    const { page } = opened;
    const message = await page.textContent('#message');
    assert.match(message, /scenario must be one of upi-lag, upi-steady, upi-hot-key, upi-replication, upi-acks1, upi-consumer-group, upi-transactions, upi-windows, upi-fraud, upi-bank-totals, upi-architectures, social-trends, social-hashtag-counts, shop-sessions, shop-category-purchases \(got "nope"\)/);
    assert.match(message, /speed must be one of/);
    const view = await snapshot(page);
    assert.equal(view.scenario, 'upi-lag');
    assert.equal(view.seed, '7', 'the good part (seed) is kept');
    await page.close();
  });

  test('a hostile URL hash is shown as text, never run or parsed as HTML', async () => {
    const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const opened = await openPage(browser, `${site.url}#scenario=${encodeURIComponent(hostile)}&seed=${encodeURIComponent('<b>7</b>')}&arch=${encodeURIComponent('<i>1</i>')}`);
    const { page } = opened;
    let dialogs = 0;
    page.on('dialog', (dialog) => { dialogs += 1; dialog.dismiss(); });
    await page.waitForTimeout(500);
    const message = await page.textContent('#message');
    assert.ok(message.includes(`(got "${hostile}")`), `the scenario is quoted as text: ${message}`);
    assert.ok(message.includes('(got "<b>7</b>")') && message.includes('(got "<i>1</i>")'), message);
    assert.equal(await page.evaluate(() => window.pwned), undefined, 'nothing in the hash ran');
    assert.equal(await page.$$eval('#message img, #message script, #message b, #message i', (nodes) => nodes.length), 0, 'no element was made from it');
    assert.equal(dialogs, 0);
    assert.equal((await snapshot(page)).scenario, 'upi-lag', 'the defaults run');
    assertClean(opened, site.origin);
    await page.close();
  });

  test('an error shows an overlay with the seed and scenario, never a blank page', async () => {
    const opened = await openPage(browser, `${site.url}#seed=1234`);
    const { page } = opened;
    await page.evaluate(() => window.dhara.app.lab.free());
    await page.waitForSelector('#overlay:not([hidden])', { timeout: 5000 });
    assert.equal(await page.textContent('#overlay-seed'), '1234');
    assert.equal(await page.textContent('#overlay-scenario'), 'upi-lag');
    assert.match(await page.getAttribute('#overlay-link', 'href'), /seed=1234/);
    await page.close();
  });
});

/** The smoke check for another build or location of the same site. */
function smokeTest(title, root, base) {
  describe(title, () => {
    let site;
    before(async () => { site = await serveSite(root, base); });
    after(() => site?.close());

    test('loads, runs and draws, requesting nothing outside its own directory', async () => {
      const opened = await openPage(browser, site.url);
      await assertRunsAndDraws(opened.page);
      assertClean(opened, site.url);
      await opened.page.close();
    });
  });
}

smokeTest('the same site under a sub-path', DIST, '/courses/streaming/dhara/');
smokeTest('the Trunk build (dist-trunk/)', DIST_TRUNK, '/');
