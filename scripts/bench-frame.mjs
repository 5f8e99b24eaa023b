// Frame-time benchmark: opens the built site (dist/) in headless Chromium, runs a run with
// more than 10,000 records in flight, and measures the page's own frame work (simulation
// advance + flow view + charts) per requestAnimationFrame with performance.now(), around
// each callback main.js registers: nothing in the page changes. It also checks that
// simulated time keeps pace with the wall clock. Writes a section to BENCHMARKS.md.
//
// Usage: npm run bench:frame (build first: bash scripts/build.sh dist).
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, DIST, ROOT, launchBrowser, serveSite } from '../tests/web/helpers.mjs';

const FRAMES = 600;
const WARMUP_FRAMES = 60;
const BENCHMARKS = join(ROOT, 'BENCHMARKS.md');

/**
 * The runs: upi-lag with the producer at 20,000 records/s and 500 ms links. "records": big
 * batches (1 MiB, linger 100 ms), so over 10,000 records ride in few messages; "dots": small
 * batches (linger 0), so the snapshot's list of messages on the wire is full (400 dots).
 */
const RUNS = {
  records: { linger_ms: 100, batch_size_bytes: 1048576 },
  dots: { linger_ms: 0, batch_size_bytes: 16384 },
};

function scenarioFor(base, producer) {
  const scenario = JSON.parse(base);
  Object.assign(scenario.producer, { records_per_s: 20000 }, producer);
  scenario.consumer.records_per_s = 20000;
  scenario.network = { latency_ms: 500, jitter_ms: 20 };
  return JSON.stringify(scenario);
}

/** Times every rAF callback the page registers (installed before the page's scripts run). */
function timeFrames() {
  window.__frameMs = [];
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => raf((now) => {
    const start = performance.now();
    callback(now);
    window.__frameMs.push(performance.now() - start);
  });
}

function percentile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function measure(browser, url, name, producer) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.addInitScript(timeFrames);
  await page.goto(`${url}#scenario=upi-lag&seed=42&speed=1`);
  await page.waitForFunction(() => window.dhara?.app?.frames > 5, null, { timeout: 20000 });
  const json = scenarioFor(await page.evaluate(() => window.dhara.bindings.scenario_json('upi-lag')), producer);
  // The page's frame loop drives whatever run app.lab holds: swap in the heavy one.
  await page.evaluate((scenario) => {
    const { app, bindings } = window.dhara;
    app.lab = new bindings.Lab(scenario, 42n);
  }, json);
  // Let the wire fill (links of 500 ms), then measure.
  await page.waitForFunction(() => window.dhara.app.lab.snapshot().now_us > 3e6, null, { timeout: 60000 });
  await page.waitForFunction((n) => window.__frameMs.length >= n, WARMUP_FRAMES, { timeout: 60000 });
  const before = await page.evaluate(() => ({ n: window.__frameMs.length, wallMs: performance.now(), simUs: window.dhara.app.lab.snapshot().now_us }));
  await page.waitForFunction((n) => window.__frameMs.length >= n, before.n + FRAMES, { timeout: 600000 });
  const result = await page.evaluate((from) => {
    const snapshot = window.dhara.app.lab.snapshot();
    const drawn = snapshot.in_flight.filter((m) => !/heartbeat|replica_fetch$|alter_partition|partition_change/.test(m.kind));
    return {
      frames: window.__frameMs.slice(from, from + 600),
      wallMs: performance.now(),
      simUs: snapshot.now_us,
      recordsOnWire: snapshot.in_flight.reduce((sum, m) => sum + m.records, 0),
      messagesOnWire: snapshot.in_flight_total,
      dots: drawn.length,
    };
  }, before.n);
  await page.close();
  const sorted = [...result.frames].sort((a, b) => a - b);
  const wallS = (result.wallMs - before.wallMs) / 1e3;
  const simS = (result.simUs - before.simUs) / 1e6;
  return {
    name, frames: sorted.length,
    p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), max: sorted[sorted.length - 1],
    recordsOnWire: result.recordsOnWire, messagesOnWire: result.messagesOnWire, dots: result.dots,
    wallS, simS, pace: simS / wallS,
  };
}

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] || cpus()[0]?.model || 'unknown';
  let chromium = 'unknown';
  try { chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim(); } catch { /* reported as unknown */ }
  return { nproc: cpus().length, model, chromium };
}

const site = await serveSite(DIST);
const browser = await launchBrowser();
const results = [];
try {
  for (const [name, producer] of Object.entries(RUNS)) results.push(await measure(browser, site.url, name, producer));
} finally {
  await browser.close();
  site.close();
}

const m = machine();
const f = (ms) => ms.toFixed(2);
const lines = [
  '',
  `## Frame time (${new Date().toISOString().slice(0, 10)})`,
  '',
  `Machine: ${m.nproc} cores, ${m.model}; ${m.chromium} (headless, --disable-gpu). Command: \`npm run bench:frame\` (scripts/bench-frame.mjs).`,
  'Page: dist/ at 1280×720, devicePixelRatio 1; upi-lag with the producer and consumer at 20,000 records/s and 500 ms links, speed 1.',
  `Frame time is the page's whole requestAnimationFrame callback (advance + draw_flow + charts when due), ${FRAMES} frames after a warm-up.`,
  '',
  '| run | records on the wire | messages on the wire (dots drawn) | p50 ms | p95 ms | max ms | simulated s per wall s |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...results.map((r) => `| ${r.name} | ${r.recordsOnWire.toLocaleString('en-US')} | ${r.messagesOnWire.toLocaleString('en-US')} (${r.dots}) | ${f(r.p50)} | ${f(r.p95)} | ${f(r.max)} | ${r.pace.toFixed(3)} |`),
  '',
];
if (!existsSync(BENCHMARKS)) writeFileSync(BENCHMARKS, '# Benchmarks\n\nMeasured on the machine named in each section; rerun the command to compare.\n');
appendFileSync(BENCHMARKS, lines.join('\n'));
console.log(lines.join('\n'));
