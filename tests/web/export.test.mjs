// Export from the page: "Export CSV" and "Export JSON" download files made in the tab (no
// request leaves it). The CSV has one row per sample of `lab.series`; the JSON's scenario,
// seed and command log, given to the native CLI, reproduce the page's trace hash exactly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportFileName } from '../../www/export.js';
import { NATIVE_CLI, openPage, requireFile, useBrowserAndSite } from './helpers.mjs';

requireFile(NATIVE_CLI, 'run cargo build -p dhara-cli first');

test('file names say scenario, seed and simulated time, with nothing unsafe in them', () => {
  assert.equal(exportFileName({ scenario: 'upi-lag', seed: '42', simulated_us: 90000999 }, 'csv'), 'dhara-upi-lag-seed-42-t90000ms.csv');
  assert.equal(exportFileName({ scenario: '../a b', seed: '7', simulated_us: 0 }, 'json'), 'dhara--a-b-seed-7-t0ms.json');
});

const ctx = useBrowserAndSite();

/** Clicks `button` and returns the downloaded file's name and text. */
async function downloadFrom(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

/**
 * Pauses the page, moves its clock to a whole millisecond (the CLI's command log counts in
 * ms), then crashes and restarts the consumer with the page's buttons between steps.
 */
async function runWithCommands(page) {
  await page.click('#play');
  const advance = (ms) => page.evaluate((by) => window.dhara.app.lab.advance(by), ms);
  const nowUs = await page.evaluate(() => window.dhara.app.lab.summary().simulated_us);
  await advance((Math.ceil(nowUs / 1000) * 1000 - nowUs) / 1000 + 2000);
  await page.click('#crash');
  await advance(3000);
  await page.click('#restart');
  await advance(1500);
  return page.evaluate(() => {
    const { lab } = window.dhara.app;
    return { summary: lab.summary(), hash: lab.trace_hash(), lag: Array.from(lab.series('lag_records')) };
  });
}

test('CSV and JSON downloads match the run, and the CLI replays the JSON to the same hash', async () => {
  const opened = await openPage(ctx.browser, `${ctx.site.url}#scenario=upi-steady&seed=7`);
  const { page } = opened;
  const run = await runWithCommands(page);
  const ms = Math.floor(run.summary.simulated_us / 1000);
  assert.equal(run.summary.simulated_us % 1000, 0, 'the clock is on a whole millisecond');

  const csv = await downloadFrom(page, '#export-csv');
  assert.equal(csv.name, `dhara-upi-steady-seed-7-t${ms}ms.csv`);
  const rows = csv.text.replace(/\r\n$/, '').split('\r\n').map((line) => line.split(','));
  assert.equal(rows[0][0], 'time_s');
  assert.equal(rows[0][1], 'lag_records');
  assert.ok(rows.every((row) => row.length === rows[0].length), 'every row has every column');
  assert.equal(rows.length - 1, run.lag.length, 'one row per sample');
  assert.deepEqual(rows.slice(1).map((row) => Number(row[1])), run.lag);

  const events = await downloadFrom(page, '#export-events-csv');
  assert.equal(events.name, `dhara-upi-steady-seed-7-t${ms}ms.events.csv`);
  const lines = events.text.replace(/\r\n$/, '').split('\r\n');
  assert.equal(lines[0], 'seq,time_s,kind,node,detail');
  const held = await page.evaluate(() => window.dhara.app.lab.trace_since(0).length);
  assert.equal(lines.length - 1, held, 'one row per event held in memory');
  assert.ok(lines.some((line) => /,command,/.test(line)), 'the crash and restart are among the events');

  const json = await downloadFrom(page, '#export-json');
  assert.equal(json.name, `dhara-upi-steady-seed-7-t${ms}ms.json`);
  const doc = JSON.parse(json.text);
  assert.deepEqual([doc.scenario.name, doc.seed, doc.now_ms], ['upi-steady', '7', ms]);
  assert.deepEqual(doc.commands.map((c) => c.command), ['crash_consumer', 'restart_consumer']);
  assert.ok(doc.commands.every((c) => Number.isInteger(c.at_ms)), JSON.stringify(doc.commands));
  assert.equal(doc.summary.trace_hash, run.hash);
  assert.deepEqual(doc.series.lag_records.map(([, value]) => value), run.lag);
  assert.ok(doc.trace.length > 100 && doc.trace[0].seq >= 0);

  const dir = mkdtempSync(join(tmpdir(), 'dhara-export-'));
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(doc.scenario));
  writeFileSync(join(dir, 'commands.json'), JSON.stringify(doc.commands));
  const cli = spawnSync(NATIVE_CLI, ['run', join(dir, 'scenario.json'), '--seed', doc.seed, '--for', `${doc.now_ms}ms`,
    '--commands', join(dir, 'commands.json')], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).trace_hash, run.hash, 'the CLI replays the export to the page\'s trace hash');

  assert.deepEqual(opened.problems, []);
  const foreign = opened.requests.filter((url) => !url.startsWith(ctx.site.origin) && !url.startsWith(`blob:${ctx.site.origin}`));
  assert.deepEqual(foreign, [], 'the downloads are made in the tab');
  await page.close();
});
