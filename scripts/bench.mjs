// Throughput benchmark: how many simulated UPI payments the engine gets through per second
// of wall-clock time, natively (`dhara bench`) and as wasm under Node (the page's own
// dhara_bg.wasm driven through `Lab`, nothing drawn), plus the page's frame time
// (scripts/bench-frame.mjs), its weight and load time (scripts/bench-load.mjs) and Apache
// Beam's DirectRunner on a sliding-window count. The wasm run must end on the native run's
// trace hash: the same work, or the ratio means nothing. Prints one JSON object and writes a
// dated "Throughput" section (and bench-load's "Page weight and load") to BENCHMARKS.md.
//
// Usage: npm run bench [-- --seconds 60 --runs 3 --no-build --no-frame --no-load --no-beam]
// Beam is installed on first use into a venv under ~/.cache/dhara (pip, a few minutes).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIST, ROOT } from '../tests/web/helpers.mjs';
import { loadSection, measureLoad } from './bench-load.mjs';
import { writeSection } from './bench-sections.mjs';

const SCENARIO = 'upi-fraud';
const SEED = 1n;
/** Lab.advance per call, as `dhara bench`'s page-like run (cli/src/bench.rs PAGE_ADVANCE_MS). */
const ADVANCE_MS = 1000;
/** The targets (transactions per wall second, one core) and wasm/native ratio. */
const TARGET = { native: 3_000_000, wasm: 2_000_000, ratio: 0.7 };
const BEAM_VENV = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dhara', 'beam-venv');

function parseArgs(argv) {
  const options = { seconds: 60, runs: 3, build: true, frame: true, load: true, beam: true, beamRecords: 20000 };
  const whole = (flag, text, max) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) fail(`${flag}: must be a whole number from 1 to ${max}, got ${JSON.stringify(text ?? '')}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--seconds') options.seconds = whole(flag, argv[++i], 86400);
    else if (flag === '--runs') options.runs = whole(flag, argv[++i], 20);
    else if (flag === '--beam-records') options.beamRecords = whole(flag, argv[++i], 10_000_000);
    else if (flag === '--no-build') options.build = false;
    else if (flag === '--no-frame') options.frame = false;
    else if (flag === '--no-load') options.load = false;
    else if (flag === '--no-beam') options.beam = false;
    else fail(`${flag}: unknown flag (allowed: --seconds N, --runs N, --beam-records N, --no-build, --no-frame, --no-load, --no-beam)`);
  }
  return options;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const log = (message) => console.error(`bench: ${message}`);
const targetDir = () => process.env.CARGO_TARGET_DIR || join(ROOT, 'target');

function build() {
  log('cargo build --release -p dhara-cli');
  execFileSync('cargo', ['build', '--release', '-p', 'dhara-cli', '--locked', '--quiet'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  log('bash scripts/build.sh dist');
  execFileSync('bash', ['scripts/build.sh', 'dist'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
}

/** The best of `runs` native runs: least wall time, for the dhara-run path and the page path.
 * `scale` is null (the scenario as it is: class scale) or 'real' (UPI's real-world rate). */
function native(options, scale = null) {
  const cli = join(targetDir(), 'release', 'dhara');
  if (!existsSync(cli)) fail(`${cli} is missing: run without --no-build`);
  const reports = [];
  const scaleArgs = scale ? ['--scale', scale] : [];
  for (let i = 0; i < options.runs; i++) {
    const out = execFileSync(cli, ['bench', '--json', '--seconds', String(options.seconds), '--scenario', SCENARIO, ...scaleArgs], { encoding: 'utf8' });
    reports.push(JSON.parse(out));
  }
  const best = reports.reduce((a, b) => (b.wall_s < a.wall_s ? b : a));
  const bestPage = reports.map((r) => r.page_like).reduce((a, b) => (b.wall_s < a.wall_s ? b : a));
  return { ...best, page_like: bestPage, runs: reports.map((r) => ({ wall_s: r.wall_s, page_like_wall_s: r.page_like.wall_s })) };
}

/** The page's wasm under Node: the same scenario, seed, scale and 1 s advances; best of `runs`. */
async function wasm(options, nativeHash, scale = null) {
  const bindings = await import(pathToFileURL(join(DIST, 'dhara.js')).href);
  bindings.initSync({ module: readFileSync(join(DIST, 'dhara_bg.wasm')) });
  const scenario = JSON.parse(bindings.scenario_json(SCENARIO));
  if (scale) scenario.workload.scale = scale;
  const json = JSON.stringify(scenario);
  const runs = [];
  for (let i = 0; i < options.runs; i++) {
    const lab = new bindings.Lab(json, SEED);
    const start = performance.now();
    for (let s = 0; s < (options.seconds * 1000) / ADVANCE_MS; s++) lab.advance(ADVANCE_MS);
    const wallS = (performance.now() - start) / 1000;
    const summary = lab.summary();
    const hash = lab.trace_hash();
    lab.free();
    if (hash !== nativeHash) throw new Error(`wasm run ${i + 1} ended on trace hash ${hash}, native on ${nativeHash}: not the same work`);
    runs.push({ wall_s: wallS, transactions: Number(summary.produced), events: Number(summary.events), simulated_s: Number(summary.simulated_us) / 1e6, trace_hash: hash });
  }
  const best = runs.reduce((a, b) => (b.wall_s < a.wall_s ? b : a));
  return {
    ...best,
    wall_s: Number(best.wall_s.toFixed(4)),
    transactions_per_wall_s: Math.round(best.transactions / best.wall_s),
    events_per_wall_s: Math.round(best.events / best.wall_s),
    simulated_s_per_wall_s: Number((best.simulated_s / best.wall_s).toFixed(2)),
    node: process.version,
    runs: runs.map((r) => Number(r.wall_s.toFixed(4))),
  };
}

/** Runs scripts/bench-frame.mjs (it writes its own BENCHMARKS.md section) and reads its table. */
function frame() {
  log('npm run bench:frame (scripts/bench-frame.mjs)');
  const child = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bench-frame.mjs')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 2], timeout: 20 * 60 * 1000 });
  if (child.status !== 0) return { result: null, reason: `bench-frame.mjs exited ${child.status ?? child.signal}` };
  const rows = {};
  for (const line of child.stdout.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (!['records', 'dots', 'dots at 10×'].includes(cells[1])) continue;
    rows[cells[1]] = { frame_p50_ms: Number(cells[4]), frame_p95_ms: Number(cells[5]), frame_max_ms: Number(cells[6]), simulated_s_per_wall_s_over_speed: Number(cells[10]) };
  }
  return { result: rows, reason: null };
}

/** Cold loads of the built page (scripts/bench-load.mjs); writes its own section. */
async function load() {
  log('page weight and load (scripts/bench-load.mjs, 10 cold loads)');
  try {
    const result = await measureLoad({ loads: 10 });
    writeSection(loadSection(result));
    return { result, reason: null };
  } catch (error) {
    return { result: null, reason: `bench-load failed: ${error.message}` };
  }
}

/** Beam's DirectRunner via scripts/bench_beam.py, installing apache-beam on first use. */
function beam(options) {
  const python = join(BEAM_VENV, 'bin', 'python');
  const run = (cmd, args, timeoutMin) => spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMin * 60 * 1000 });
  if (!existsSync(python)) {
    log(`python3 -m venv ${BEAM_VENV}`);
    const venv = run('python3', ['-m', 'venv', BEAM_VENV], 5);
    if (venv.status !== 0) return { result: null, reason: `python3 -m venv failed: ${(venv.stderr || '').trim().slice(-300)}` };
  }
  if (run(python, ['-c', 'import apache_beam'], 2).status !== 0) {
    log('pip install apache-beam (first use; a few minutes)');
    const pip = run(join(BEAM_VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', 'apache-beam'], 20);
    if (pip.status !== 0) return { result: null, reason: `pip install apache-beam failed: ${(pip.stderr || String(pip.error)).trim().slice(-300)}` };
  }
  log(`Beam DirectRunner, ${options.beamRecords} records`);
  const child = run(python, [join(ROOT, 'scripts', 'bench_beam.py'), '--records', String(options.beamRecords)], 20);
  if (child.status !== 0) return { result: null, reason: `bench_beam.py exited ${child.status ?? child.signal}: ${(child.stderr || '').trim().slice(-300)}` };
  return { result: JSON.parse(child.stdout.trim().split('\n').pop()), reason: null };
}

/**
 * Dhara on the Beam run's shape: upi-windows with the same keys (uniform), the same sliding
 * windows and the same records spread over the same span of event time, counted per key by the
 * stream job, behind a Kafka topic, consumers and exactly-once checkpoints that Beam's run does
 * not have. Best of `runs` native `dhara bench` runs; the ratio is Dhara's records/s over Beam's.
 */
function windowedCount(options, beamRun) {
  if (!beamRun) return { result: null, reason: 'no Beam run to compare with' };
  const cli = join(targetDir(), 'release', 'dhara');
  const scenario = JSON.parse(execFileSync(cli, ['scenario', 'show', 'upi-windows'], { encoding: 'utf8' }));
  scenario.name = 'bench-windowed-count';
  Object.assign(scenario.producer, { keys: beamRun.keys, key_skew: 0, records_per_s: Math.max(1, Math.round(beamRun.records / beamRun.span_s)) });
  scenario.stream.operator.windowing = { type: 'sliding', size_ms: beamRun.window_s * 1000, period_ms: beamRun.period_s * 1000 };
  const file = join(mkdtempSync(join(tmpdir(), 'dhara-bench-')), 'windowed-count.json');
  writeFileSync(file, JSON.stringify(scenario));
  const reports = [];
  for (let i = 0; i < options.runs; i++) {
    reports.push(JSON.parse(execFileSync(cli, ['bench', '--json', '--seconds', String(beamRun.span_s), '--scenario', file], { encoding: 'utf8' })));
  }
  const best = reports.reduce((a, b) => (b.wall_s < a.wall_s ? b : a));
  return {
    result: {
      records: best.transactions, keys: beamRun.keys, span_s: beamRun.span_s, wall_s: best.wall_s,
      records_per_wall_s: best.transactions_per_wall_s, trace_hash: best.trace_hash,
      dhara_over_beam: best.transactions_per_wall_s / beamRun.records_per_wall_s,
    },
    reason: null,
  };
}

function machine() {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] || cpus()[0]?.model || 'unknown';
  return { cores: cpus().length, cpu_model: model, load_average_1m: Number(loadavg()[0].toFixed(2)) };
}

const n = (x) => Math.round(x).toLocaleString('en-US');
const pct = (x) => `${(x * 100).toFixed(2)}%`;

/** One row of the throughput table: a run's rates against the target for its build. */
function rateRow(label, run, target) {
  return `| ${label} | ${n(run.transactions_per_wall_s)} | ${n(run.events_per_wall_s)} | ${run.simulated_s_per_wall_s} | ${run.wall_s} | ${pct(run.transactions_per_wall_s / target)} of ${n(target)} |`;
}

/** The rows of one scale: native the `dhara run` way and the page's way, then wasm. */
function scaleRows({ native: nat, wasm: w }, [cli, page, wasm]) {
  return [rateRow(cli, nat, TARGET.native), rateRow(page, nat.page_like, TARGET.native), rateRow(wasm, w, TARGET.wasm)];
}

/** The real-scale rows: the same pipeline at UPI's real-world rate, which is what a real-scale
 * day needs, and where a produce request carries many records. */
function realRows({ native: nat, wasm: w }) {
  const kept = `the consumer group took in ${n(nat.consumed)} of them, ${n(nat.lag_records_at_end)} waiting at the end`;
  return [
    `| *real scale* (\`--scale real\`: ${n(nat.transactions)} transactions, ${n(nat.events)} events; ${kept}; trace ${nat.trace_hash}) | | | | | |`,
    ...scaleRows({ native: nat, wasm: w }, ['native, as \`dhara run\`', 'native, as the page', 'wasm in Node, through \`Lab.advance\`']),
  ];
}

function windowedLine(windowed) {
  const d = windowed.result;
  if (!d) return `Dhara on the same shape: not measured (${windowed.reason}).`;
  return `Dhara on the same shape (upi-windows with ${n(d.keys)} uniform keys, the same sliding windows, ${n(d.records)} records over ${d.span_s} s of event time, counted per key by the stream job behind a 6-partition Kafka topic, three consumers and exactly-once checkpoints; native \`dhara bench\`, best of the runs): ${n(d.records_per_wall_s)} records/s, ${d.dhara_over_beam.toFixed(0)}× Beam's DirectRunner (trace ${d.trace_hash}).`;
}

function section(r) {
  const { native: nat, wasm: w } = r;
  const page = nat.page_like;
  const frameRows = r.frame.result ? Object.entries(r.frame.result).map(([name, f]) => `${name}: p50 ${f.frame_p50_ms} ms, p95 ${f.frame_p95_ms} ms, pace ${f.simulated_s_per_wall_s_over_speed}`).join('; ') : `not measured (${r.frame.reason})`;
  const l = r.load.result;
  const loadLine = l ? `${n(l.total_gz_bytes)} bytes gzipped over ${l.files.length} files (${n(l.total_raw_bytes)} raw; target ${n(l.targets.total_gz_bytes)}); median of ${l.loads} cold loads: first paint ${l.median.first_paint_ms} ms, interactive ${l.median.interactive_ms} ms` : `not measured (${r.load.reason})`;
  const b = r.beam.result;
  const beamLine = b ? `${n(b.records_per_wall_s)} records/s (${n(b.records)} records, ${n(b.keys)} keys, sliding ${b.window_s} s every ${b.period_s} s over ${b.span_s} s of event time, ${b.wall_s} s wall; Beam ${b.beam_version})` : `not measured (${r.beam.reason})`;
  return [
    `## Throughput (${r.date})`,
    '',
    `Machine: ${r.machine.cores} cores, ${r.machine.cpu_model}; 1-minute load average ${r.machine.load_average_1m} at the start${r.machine.load_average_1m > r.machine.cores / 2 ? ' (a busy machine: other work was running, so read these as lower bounds)' : ''}. Node ${w.node}. Each row is the best of ${r.runs} runs (wall s of each, native \`dhara run\` path: ${nat.runs.map((x) => x.wall_s).join(', ')}; native page path: ${nat.runs.map((x) => x.page_like_wall_s).join(', ')}; wasm: ${w.runs.join(', ')}${w.runs[0] > 2 * w.wall_s ? '; the first wasm run pays V8\'s compilation tiers, as the page\'s first seconds do' : ''}).`,
    `Command: \`npm run bench\` (scripts/bench.mjs; native numbers from \`dhara bench --json --seconds ${r.seconds}\`). Work: ${SCENARIO}, seed 1, ${r.seconds} simulated s: ${n(nat.transactions)} transactions, ${n(nat.events)} events, trace hash ${nat.trace_hash} in every run, native and wasm.`,
    '',
    '| run | transactions per wall s | events per wall s | simulated s per wall s | wall s | share of target |',
    '|---|---:|---:|---:|---:|---:|',
    ...scaleRows(r, ['native, as \`dhara run\` (no snapshots, one advance)', 'native, as the page (snapshots, 1 s advances + summary)', 'wasm in Node, through \`Lab.advance\` (same calls)']),
    ...realRows(r.real),
    '',
    `wasm/native, like for like (both as the page): ${r.ratios.wasm_over_native_page.toFixed(3)} (target ≥ ${TARGET.ratio}); wasm over native \`dhara run\` path: ${r.ratios.wasm_over_native_cli.toFixed(3)}. Peak memory (VmHWM): ${n(nat.peak_memory_kib / 1024)} MiB for the \`dhara run\` path, ${n(nat.peak_memory_kib_with_snapshots / 1024)} MiB once the page path's snapshots are added; at real scale ${n(r.real.native.peak_memory_kib / 1024)} and ${n(r.real.native.peak_memory_kib_with_snapshots / 1024)} MiB; wasm/native at real scale, as the page: ${r.ratios.real_wasm_over_native_page.toFixed(3)}.`,
    '',
    `Page frame time (\`npm run bench:frame\`, the Frame time section above): ${frameRows}.`,
    '',
    `Page weight and load (\`npm run bench:load\`, the section above): ${loadLine}.`,
    '',
    `Beam DirectRunner (\`scripts/bench_beam.py\`, count per key in sliding event-time windows): ${beamLine}. ${windowedLine(r.windowed)}`,
    '',
  ].join('\n');
}

const options = parseArgs(process.argv.slice(2));
const started = machine();
if (options.build) build();
log(`native: dhara bench --json --seconds ${options.seconds} (${options.runs} runs)`);
const nat = native(options);
log(`wasm in Node (${options.runs} runs)`);
const w = await wasm(options, nat.trace_hash);
log(`real scale: dhara bench --scale real and wasm (${options.runs} runs each)`);
const realNative = native(options, 'real');
const real = { native: realNative, wasm: await wasm(options, realNative.trace_hash, 'real') };
const report = {
  date: new Date().toISOString().slice(0, 10),
  scenario: SCENARIO, seed: String(SEED), seconds: options.seconds, runs: options.runs,
  machine: started,
  native: nat,
  wasm: w,
  real,
  ratios: {
    wasm_over_native_page: w.transactions_per_wall_s / nat.page_like.transactions_per_wall_s,
    wasm_over_native_cli: w.transactions_per_wall_s / nat.transactions_per_wall_s,
    real_wasm_over_native_page: real.wasm.transactions_per_wall_s / real.native.page_like.transactions_per_wall_s,
  },
  targets: { native_transactions_per_wall_s: TARGET.native, wasm_transactions_per_wall_s: TARGET.wasm, wasm_over_native: TARGET.ratio },
  frame: options.frame ? frame() : { result: null, reason: 'skipped (--no-frame)' },
  load: options.load ? await load() : { result: null, reason: 'skipped (--no-load)' },
  beam: options.beam ? beam(options) : { result: null, reason: 'skipped (--no-beam)' },
};
report.windowed = windowedCount(options, report.beam.result);
writeSection(section(report));
console.log(JSON.stringify(report, null, 2));
