// Page weight and load benchmark: what a visitor downloads, and how soon the page paints and
// answers. It serves the built site (dist/) from loopback, opens it cold (a new browser
// context each time, HTTP cache off) in headless Chromium, records every file the page
// fetches with its raw and gzip -9 size (what a compressing host would send), and reads first
// paint and first contentful paint from the Paint Timing API and "interactive" from the mark
// main.js sets once the first frame is drawn with the controls wired. Prints one JSON object
// and writes a dated "Page weight and load" section to BENCHMARKS.md.
//
// Usage: npm run bench:load [-- --loads 10 --dist DIR] (build first: bash scripts/build.sh dist).
// With --against OLD_DIR it compares two builds instead: loads alternate between DIR and
// OLD_DIR in one browser, so a busy machine's noise lands on both alike; it prints both
// medians and writes nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { CHROMIUM, DIST, ROOT, launchBrowser, serveSite } from '../tests/web/helpers.mjs';
import { writeSection } from './bench-sections.mjs';
import { STANDALONE_NAME } from './standalone.mjs';

/** The mark www/main.js sets after its first frame: wasm instantiated, run drawn, controls wired. */
const INTERACTIVE_MARK = 'dhara-interactive';
/** Issue 9's targets for the page. */
export const LOAD_TARGET = { total_gz_bytes: 250_000, first_paint_ms: 100, interactive_ms: 500 };

function parseArgs(argv) {
  const options = { loads: 10, dist: DIST, against: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--loads') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1 || n > 100) fail(`--loads: must be a whole number from 1 to 100, got ${JSON.stringify(argv[i] ?? '')}`);
      options.loads = n;
    } else if (flag === '--dist') {
      options.dist = argv[++i];
      if (!options.dist || !existsSync(join(options.dist, 'index.html'))) fail(`--dist: must be a built site (a directory with index.html), got ${JSON.stringify(options.dist ?? '')}`);
    } else if (flag === '--against') {
      options.against = argv[++i];
      if (!options.against || !existsSync(join(options.against, 'index.html'))) fail(`--against: must be a built site to compare with (a directory with index.html), got ${JSON.stringify(options.against ?? '')}`);
    } else fail(`${flag}: unknown flag (allowed: --loads N, --dist DIR, --against DIR)`);
  }
  return options;
}

function fail(message) {
  console.error(`bench-load: ${message}`);
  process.exit(2);
}

/** The gzip CLI, not node:zlib, so the sizes equal scripts/build.sh's (zlib's level 9 differs by ~1%). */
const gzipBytes = (bytes) => execFileSync('gzip', ['-9c'], { input: bytes, maxBuffer: 64 << 20 }).length;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One cold load: fresh context, cache off; returns the files fetched and the page's timings. */
async function coldLoad(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    // Bodies are read once the page is interactive: reading them while it loads (3 MB of wasm
    // over the DevTools pipe) took CPU from the load being timed.
    const responses = [];
    page.on('response', (response) => responses.push(response));
    await page.goto(url);
    // Poll on a timer, not on rAF: the page's own frames are what is being timed.
    await page.waitForFunction((mark) => performance.getEntriesByName(mark).length > 0, INTERACTIVE_MARK, { polling: 20, timeout: 60000 });
    const timings = await page.evaluate((mark) => {
      const paint = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        first_paint_ms: paint['first-paint'] ?? null,
        first_contentful_paint_ms: paint['first-contentful-paint'] ?? null,
        dom_content_loaded_ms: nav.domContentLoadedEventEnd,
        load_event_ms: nav.loadEventEnd,
        interactive_ms: performance.getEntriesByName(mark)[0].startTime,
      };
    }, INTERACTIVE_MARK);
    // "Interactive" means the controls answer: pausing must take effect.
    const before = await page.getAttribute('#play', 'aria-pressed');
    await page.click('#play');
    const after = await page.getAttribute('#play', 'aria-pressed');
    if (before === after) throw new Error(`the play button did not respond after ${INTERACTIVE_MARK} (aria-pressed stayed ${before})`);
    const fetched = (await Promise.all(responses.map((response) => response.body().then((body) => ({ url: response.url(), status: response.status(), body }), () => null)))).filter(Boolean);
    const bad = fetched.find((f) => f.status !== 200 && f.status !== 304);
    if (bad) throw new Error(`${bad.url} answered ${bad.status}`);
    return { timings, files: fetched };
  } finally {
    await context.close();
  }
}

function describeFiles(files, origin) {
  const rows = files.map((f) => ({ file: decodeURIComponent(new URL(f.url).pathname.slice(1)) || 'index.html', raw_bytes: f.body.length, gz_bytes: gzipBytes(f.body) }));
  const foreign = files.filter((f) => !f.url.startsWith(`${origin}/`));
  if (foreign.length) throw new Error(`the page fetched from elsewhere: ${foreign.map((f) => f.url).join(', ')}`);
  rows.sort((a, b) => b.gz_bytes - a.gz_bytes);
  const sum = (key) => rows.reduce((total, r) => total + r[key], 0);
  return { files: rows, total_raw_bytes: sum('raw_bytes'), total_gz_bytes: sum('gz_bytes') };
}

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] || cpus()[0]?.model || 'unknown';
  let chromium = 'unknown';
  try { chromium = execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { /* reported as unknown */ }
  return { cores: cpus().length, cpu_model: model, chromium, load_average_1m: Number(loadavg()[0].toFixed(2)) };
}

export async function measureLoad({ loads, dist = DIST }) {
  const started = machine();
  const site = await serveSite(dist);
  const browser = await launchBrowser();
  const runs = [];
  try {
    for (let i = 0; i < loads; i++) runs.push(await coldLoad(browser, site.url));
  } finally {
    await browser.close();
    site.close();
  }
  const weight = describeFiles(runs[0].files, site.origin);
  const standalone = readFileSync(join(dist, STANDALONE_NAME));
  const keys = Object.keys(runs[0].timings);
  const medians = Object.fromEntries(keys.map((k) => [k, runs.every((r) => r.timings[k] !== null) ? Number(median(runs.map((r) => r.timings[k])).toFixed(1)) : null]));
  return {
    date: new Date().toISOString().slice(0, 10),
    machine: started,
    dist: relative(ROOT, dist) || '.',
    loads,
    ...weight,
    standalone: { file: STANDALONE_NAME, raw_bytes: standalone.length, gz_bytes: gzipBytes(standalone) },
    median: medians,
    each: Object.fromEntries(keys.map((k) => [k, runs.map((r) => r.timings[k] === null ? null : Number(r.timings[k].toFixed(1)))])),
    targets: LOAD_TARGET,
  };
}

/**
 * Interleaved cold loads of two builds (new, old, then old, new: neither always goes first),
 * so load from other work on the machine hits both alike. Returns each build's medians.
 */
export async function compareLoads({ loads, dist, against }) {
  const sites = [await serveSite(dist), await serveSite(against)];
  const browser = await launchBrowser();
  const runs = [[], []];
  try {
    for (let i = 0; i < loads; i++) {
      const order = i % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) runs[k].push((await coldLoad(browser, sites[k].url)).timings);
    }
  } finally {
    await browser.close();
    sites.forEach((site) => site.close());
  }
  const keys = Object.keys(runs[0][0]);
  const medians = (timings) => Object.fromEntries(keys.map((k) => [k, Number(median(timings.map((t) => t[k])).toFixed(1))]));
  // Paired by round: the two loads of a round ran under the same background load, so the
  // median of their differences is steadier than the difference of the two medians.
  const differences = Object.fromEntries(keys.map((k) => [k, Number(median(runs[0].map((t, i) => t[k] - runs[1][i][k])).toFixed(1))]));
  return {
    machine: machine(),
    loads,
    new: { dist: relative(ROOT, dist) || '.', median: medians(runs[0]) },
    old: { dist: against, median: medians(runs[1]) },
    median_difference_new_minus_old: differences,
  };
}

const n = (x) => Math.round(x).toLocaleString('en-US');
const ms = (x) => (x === null ? 'not reported' : `${x} ms`);

export function loadSection(r) {
  const m = r.median;
  const met = (value, target) => (value !== null && value <= target ? 'met' : 'not met');
  return [
    `## Page weight and load (${r.date})`,
    '',
    `Machine: ${r.machine.cores} cores, ${r.machine.cpu_model}; ${r.machine.chromium} (headless, --disable-gpu); 1-minute load average ${r.machine.load_average_1m} at the start${r.machine.load_average_1m > r.machine.cores / 2 ? ' (a busy machine: other work was running, so read the times as upper bounds)' : ''}. Command: \`npm run bench:load\` (scripts/bench-load.mjs; \`npm run bench\` runs it too).`,
    `Site: ${r.dist}/ served from 127.0.0.1 by scripts/serve.mjs (no compression, no network throttling), the default page (upi-lag) at 1280×720; ${r.loads} cold loads, each in a new browser context with the HTTP cache off. Sizes are of what the page fetched; "gzip" is \`gzip -9\` of each file, what a compressing host sends.`,
    '',
    '| file the page loads | raw bytes | gzip bytes |',
    '|---|---:|---:|',
    ...r.files.map((f) => `| ${f.file} | ${n(f.raw_bytes)} | ${n(f.gz_bytes)} |`),
    `| **total (${r.files.length} files)** | **${n(r.total_raw_bytes)}** | **${n(r.total_gz_bytes)}** |`,
    `| ${r.standalone.file} (the single-file build, not loaded by the page) | ${n(r.standalone.raw_bytes)} | ${n(r.standalone.gz_bytes)} |`,
    '',
    `Target: the whole page ≤ ${n(r.targets.total_gz_bytes)} bytes gzipped: ${met(r.total_gz_bytes, r.targets.total_gz_bytes)} (${(r.total_gz_bytes / r.targets.total_gz_bytes).toFixed(2)}× the target).`,
    '',
    '| median of the cold loads | ms from navigation start | target |',
    '|---|---:|---|',
    `| first paint | ${ms(m.first_paint_ms)} | ≤ ${r.targets.first_paint_ms} ms: ${met(m.first_paint_ms, r.targets.first_paint_ms)} |`,
    `| first contentful paint | ${ms(m.first_contentful_paint_ms)} | |`,
    `| DOMContentLoaded done | ${ms(m.dom_content_loaded_ms)} | |`,
    `| load event done | ${ms(m.load_event_ms)} | |`,
    `| interactive (\`${INTERACTIVE_MARK}\`: wasm instantiated, first frame drawn, controls wired) | ${ms(m.interactive_ms)} | ≤ ${r.targets.interactive_ms} ms: ${met(m.interactive_ms, r.targets.interactive_ms)} |`,
    '',
    `Each load's interactive time (ms): ${r.each.interactive_ms.join(', ')}. After each load the bench presses Pause and checks the button answered.`,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = parseArgs(process.argv.slice(2));
  if (options.against) {
    console.log(JSON.stringify(await compareLoads(options), null, 2));
  } else {
    const report = await measureLoad(options);
    writeSection(loadSection(report));
    console.log(JSON.stringify(report, null, 2));
  }
}
