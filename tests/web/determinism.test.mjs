// Determinism across platforms: the release wasm (dist/, run under Node) and the native CLI
// compute the same trace hash, and the same summary, for the same scenario, seed and
// command log. A different seed gives a different hash.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DIST, NATIVE_CLI, requireFile } from './helpers.mjs';

requireFile(join(DIST, 'dhara_bg.wasm'), 'run scripts/build.sh first');
requireFile(NATIVE_CLI, 'run cargo build -p dhara-cli first');
const dhara = await import(join(DIST, 'dhara.js'));
dhara.initSync({ module: readFileSync(join(DIST, 'dhara_bg.wasm')) });

const CASES = [
  { scenario: 'upi-lag', seed: '42', forMs: 90000, commands: [] },
  { scenario: 'upi-hot-key', seed: '18446744073709551615', forMs: 45000, commands: [] },
  {
    scenario: 'upi-steady', seed: '7', forMs: 30000,
    commands: [
      { at_ms: 4000, command: 'crash_consumer' },
      { at_ms: 9000, command: 'restart_consumer' },
      { at_ms: 9000, command: 'set_producer_rate', records_per_s: 750 },
      { at_ms: 20000, command: 'set_consumer_rate', records_per_s: 1200 },
    ],
  },
  {
    scenario: 'upi-acks1', seed: '11', forMs: 40000,
    commands: [
      { at_ms: 8000, command: 'crash_broker', broker: 0 },
      { at_ms: 25000, command: 'restart_broker', broker: 0 },
    ],
  },
  {
    scenario: 'upi-transactions', seed: '5', forMs: 30000,
    commands: [
      { at_ms: 6000, command: 'abort_transaction' },
      { at_ms: 9000, command: 'partition_network', a: ['broker-1'], b: ['controller', 'broker-0', 'broker-2'] },
      { at_ms: 15000, command: 'heal_network' },
      { at_ms: 16000, command: 'add_consumer' },
    ],
  },
  {
    // A stream job: windows, checkpoints, a task crash and restore, backpressure.
    scenario: 'upi-windows', seed: '9', forMs: 45000,
    commands: [
      { at_ms: 12500, command: 'crash_task', task: 1 },
      { at_ms: 20000, command: 'set_operator_rate', records_per_s: 150 },
      { at_ms: 30000, command: 'crash_consumer', consumer: 2 },
      { at_ms: 32000, command: 'set_operator_rate', records_per_s: 5000 },
    ],
  },
  // The domain workloads: generators (floats through libm), payloads through Kafka, domain
  // operators and their analytics must agree bit for bit too.
  { scenario: 'upi-fraud', seed: '5', forMs: 30000, commands: [{ at_ms: 12000, command: 'crash_task', task: 0 }] },
  { scenario: 'social-trends', seed: '5', forMs: 30000, commands: [] },
  { scenario: 'shop-sessions', seed: '5', forMs: 30000, commands: [] },
  {
    // Lambda, Kappa and CQRS on the same topic, with their own commands and a broker crash.
    scenario: 'upi-architectures', seed: '3', forMs: 60000,
    commands: [
      { at_ms: 10000, command: 'set_logic', layer: 'lambda_speed', logic: 'sampled' },
      { at_ms: 15000, command: 'run_batch_now' },
      { at_ms: 20000, command: 'deploy_v2', logic: 'processing_time', allow_loss: false },
      { at_ms: 25000, command: 'crash_broker', broker: 1 },
      { at_ms: 30000, command: 'rebuild_projection' },
      { at_ms: 35000, command: 'crash_layer', layer: 'lambda_speed' },
      { at_ms: 40000, command: 'restart_broker', broker: 1 },
    ],
  },
];

function native({ scenario, seed, forMs, commands }) {
  const args = ['run', scenario, '--seed', seed, '--for', `${forMs}ms`];
  if (commands.length) {
    const file = join(mkdtempSync(join(tmpdir(), 'dhara-')), 'commands.json');
    writeFileSync(file, JSON.stringify(commands));
    args.push('--commands', file);
  }
  const result = spawnSync(NATIVE_CLI, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function wasm({ scenario, seed, forMs, commands }) {
  const lab = new dhara.Lab(dhara.scenario_json(scenario), BigInt(seed));
  let nowMs = 0;
  for (const { at_ms: atMs, ...command } of commands) {
    lab.advance(atMs - nowMs);
    nowMs = atMs;
    lab.apply(JSON.stringify(command));
  }
  const summary = lab.advance(forMs - nowMs);
  assert.equal(lab.trace_hash(), summary.trace_hash);
  lab.free();
  return summary;
}

for (const run of CASES) {
  test(`wasm and native agree: ${run.scenario} seed ${run.seed}, ${run.commands.length} commands`, () => {
    const fromNative = native(run);
    const fromWasm = wasm(run);
    assert.match(fromWasm.trace_hash, /^[0-9a-f]{16}$/);
    assert.equal(fromWasm.trace_hash, fromNative.trace_hash);
    assert.deepEqual(fromWasm, fromNative);
    assert.equal(fromWasm.seed, run.seed);
    assert.ok(fromWasm.events > 10000, `a real run: ${fromWasm.events} events`);
    if (run.scenario === 'upi-acks1') assert.ok(fromWasm.acked_lost > 0, 'the leader crash lost acknowledged records');
    if (run.scenario === 'upi-transactions') assert.ok(fromWasm.acked > 0 && fromWasm.consumed > 0);
    if (run.scenario === 'upi-architectures') {
      const a = fromWasm.architectures;
      assert.ok(a.lambda.batch_runs >= 1 && a.kappa.serving_version === 2 && a.cqrs.rebuilds.length === 1, JSON.stringify(a));
    }
  });
}

test('a different seed gives a different trace hash in wasm', () => {
  const base = { scenario: 'upi-lag', forMs: 20000, commands: [] };
  assert.notEqual(wasm({ ...base, seed: '1' }).trace_hash, wasm({ ...base, seed: '2' }).trace_hash);
  assert.equal(wasm({ ...base, seed: '1' }).trace_hash, wasm({ ...base, seed: '1' }).trace_hash);
});

test('the wasm handle refuses bad input with the field named', () => {
  assert.throws(() => new dhara.Lab('{"name": 5}', 1n), /name/);
  const json = JSON.parse(dhara.scenario_json('upi-lag'));
  json.topic.partitions = 1e9;
  assert.throws(() => new dhara.Lab(JSON.stringify(json), 1n), /topic\.partitions: must be between 1 and 256/);
  const lab = new dhara.Lab(dhara.scenario_json('upi-lag'), 1n);
  assert.throws(() => lab.advance(-5), /ms: must be a number from 0/);
  assert.throws(() => lab.apply('{"command":"warp"}'), /command: unknown variant `warp`/);
  assert.throws(() => lab.apply('{"command":"restart_consumer"}'), /consumer-0 is running/);
  assert.throws(() => lab.series('nope'), /unknown series/);
  assert.throws(() => dhara.scenario_json('nope'), /built-in scenarios are upi-lag/);
  lab.advance(5000);
  assert.equal(lab.series('lag_records').length, 5);
  assert.ok(lab.trace_since(0).length > 100);
  lab.free();
});

// Time travel: a Lab driven like the page (uneven frames, commands between frames at
// instants off the millisecond grid, a seek back, a seek forward, a fork and a new command)
// keeps a command log that `dhara run --commands` turns into the very same run.
function advanceInFrames(lab, untilMs) {
  const frames = [16.7, 33.3, 8.25, 101.9, 16.6, 250.05];
  for (let i = 0; lab.now_ms() < untilMs; i += 1) lab.advance(Math.min(frames[i % frames.length], untilMs - lab.now_ms()));
}

test('a Lab that seeks back, replays and forks matches dhara run with its command log', () => {
  const scenario = 'upi-replication';
  const lab = new dhara.Lab(dhara.scenario_json(scenario), 21n);
  advanceInFrames(lab, 4000.3);
  assert.equal(lab.apply(JSON.stringify({ command: 'crash_broker', broker: 0 })), 0);
  assert.equal(lab.now_ms(), 4001, 'the command waits for the next whole millisecond');
  advanceInFrames(lab, 8999.2);
  lab.apply(JSON.stringify({ command: 'restart_broker', broker: 0 }));
  lab.apply(JSON.stringify({ command: 'set_producer_rate', records_per_s: 700 }));
  advanceInFrames(lab, 14000.5);
  assert.deepEqual(Array.from(lab.snapshot_times_ms()), [5000, 10000]);
  const atEnd = lab.trace_hash();
  const logBefore = JSON.parse(lab.command_log());
  assert.deepEqual(logBefore.map((e) => e.at_ms), [4001, 9000, 9000]);

  // Back to 6 s, forward again in frames: the logged commands replay, the run is the same.
  assert.equal(lab.seek(6000).simulated_us, 6000000);
  assert.equal(lab.furthest_ms(), 14000.5);
  advanceInFrames(lab, 14000.5);
  assert.equal(lab.trace_hash(), atEnd);
  assert.equal(lab.seek(12000).simulated_us, 12000000);

  // Back to 7 s: fork away the future, then a different command.
  lab.seek(7000.4);
  assert.equal(lab.now_ms(), 7000);
  assert.equal(lab.fork(), 2);
  assert.equal(lab.furthest_ms(), 7000);
  assert.deepEqual(Array.from(lab.snapshot_times_ms()), [5000]);
  advanceInFrames(lab, 7300.77);
  assert.equal(lab.apply(JSON.stringify({ command: 'set_consumer_rate', records_per_s: 250 })), 0);
  advanceInFrames(lab, 11000);
  lab.seek(5500);
  assert.equal(lab.apply(JSON.stringify({ command: 'add_consumer' })), 1, 'applying in the past drops the later command');
  advanceInFrames(lab, 15333.3);
  const summary = lab.seek(16000);
  const log = JSON.parse(lab.command_log());
  assert.deepEqual(log.map((e) => e.at_ms), [4001, 5500]);

  const fromNative = native({ scenario, seed: '21', forMs: 16000, commands: log });
  assert.equal(summary.trace_hash, lab.trace_hash());
  assert.equal(fromNative.trace_hash, summary.trace_hash);
  assert.deepEqual(summary, fromNative);

  // The same log loaded into a fresh Lab (as from a shared link) replays to the same run.
  const replay = new dhara.Lab(dhara.scenario_json(scenario), 21n);
  replay.load_commands(lab.command_log());
  advanceInFrames(replay, 16000);
  assert.equal(replay.trace_hash(), summary.trace_hash);
  assert.throws(() => replay.load_commands('[]'), /commands: can only be loaded into a fresh run/);
  replay.free();
  lab.free();
});

test('time travel refuses bad input with the field named', () => {
  const lab = new dhara.Lab(dhara.scenario_json('upi-lag'), 1n);
  for (const bad of [-1, NaN, 604800001]) assert.throws(() => lab.seek(bad), /^Error: ms: must be a number from 0 to 604800000/);
  assert.throws(() => lab.load_commands('[{"at_ms": 5, "command": "crash_consumer"}, {"at_ms": 4, "command": "add_consumer"}]'), /commands\[1\]\.at_ms: must not be earlier/);
  assert.throws(() => lab.load_commands('[{"at_ms": 5, "command": "set_consumer_rate", "records_per_s": 0}]'), /commands\[0\]\.records_per_s: must be between 1/);
  assert.throws(() => lab.load_commands('{}'), /commands: command log/);
  lab.load_commands('[{"at_ms": 1000, "command": "restart_consumer"}]');
  assert.throws(() => lab.advance(2000), /commands\[0\]: command: consumer-0 is running/);
  assert.equal(lab.now_ms(), 1000, 'the replay stops at the refused command');
  assert.equal(lab.command_log(), '[]', 'and drops it');
  lab.free();
});

test('last_sample_ms says when the engine last took a metrics sample, not where the clock is', () => {
  const lab = new dhara.Lab(dhara.scenario_json('upi-lag'), 1n); // one sample per simulated second
  const before = lab.last_sample_ms();
  lab.advance(2500);
  assert.equal(lab.last_sample_ms(), 2000, `before any advance it was ${before}`);
  lab.advance(400);
  assert.equal(lab.last_sample_ms(), 2000, 'no new sample before 3 s');
  lab.advance(100);
  assert.equal(lab.last_sample_ms(), 3000);
  lab.free();
});
