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
