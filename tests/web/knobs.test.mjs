// Knobs through the wasm (dist/, under Node): the list the page shows for a scenario, and a
// scenario with knobs turned, which runs exactly as `dhara run --set` runs it natively.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DIST, NATIVE_CLI, requireFile } from './helpers.mjs';

requireFile(join(DIST, 'dhara_bg.wasm'), 'run scripts/build.sh first');
requireFile(NATIVE_CLI, 'run cargo build -p dhara-cli first');
const dhara = await import(join(DIST, 'dhara.js'));
dhara.initSync({ module: readFileSync(join(DIST, 'dhara_bg.wasm')) });

const KINDS = new Set(['integer', 'number', 'choice', 'flag', 'other']);
const byPath = (knobs, path) => knobs.find((k) => k.path === path) ?? assert.fail(`no knob ${path}`);

test('every scenario lists its knobs with a label, a line of explanation, a kind and a value', () => {
  for (const name of dhara.scenario_names()) {
    const knobs = dhara.knobs(dhara.scenario_json(name));
    assert.ok(knobs.length >= 18, `${name}: ${knobs.length} knobs`);
    for (const knob of knobs) {
      assert.ok(knob.path && knob.label && knob.about, `${name}: ${JSON.stringify(knob)}`);
      assert.ok(KINDS.has(knob.kind), `${name}: ${knob.kind}`);
      assert.ok('value' in knob, `${name}: ${knob.path} has a value`);
      if (knob.kind === 'integer' && knob.min !== null) assert.ok(knob.min <= knob.max, `${name}: ${knob.path}`);
      if (knob.kind === 'choice') assert.ok(knob.options.includes(knob.value), `${name}: ${knob.path} = ${knob.value}`);
    }
  }
});

test('the knobs follow the scenario: a stream job brings its own, ranges come from validation', () => {
  const windowsJson = dhara.scenario_json('upi-windows');
  const windows = dhara.knobs(windowsJson);
  const acks = byPath(windows, 'producer.acks');
  assert.deepEqual([acks.kind, acks.options, acks.value], ['choice', ['0', '1', 'all'], 'all']);
  assert.match(acks.about, /leader/);
  const delay = byPath(windows, 'stream.watermark.out_of_orderness_ms');
  assert.deepEqual([delay.kind, delay.min, delay.max, delay.unit], ['integer', 0, 3600000, 'ms']);
  assert.equal(delay.value, JSON.parse(windowsJson).stream.watermark.out_of_orderness_ms);
  const lag = dhara.knobs(dhara.scenario_json('upi-lag'));
  assert.ok(!lag.some((k) => k.path.startsWith('stream.')), 'no stream job, no stream knobs');
  const own = byPath(dhara.knobs(dhara.scenario_json('social-trends')), 'stream.operator.top_k');
  assert.deepEqual([own.kind, own.min, own.max], ['integer', null, null], 'range unknown outside the catalogue');
  // upi-replication sets enable_idempotence: only acks=all is accepted until it is turned off.
  const replication = dhara.scenario_json('upi-replication');
  assert.deepEqual(byPath(dhara.knobs(replication), 'producer.acks').options, ['all']);
  const off = dhara.scenario_with(replication, '{"producer.enable_idempotence": false}');
  assert.deepEqual(byPath(dhara.knobs(off), 'producer.acks').options, ['0', '1', 'all']);
});

test('a scenario with knobs turned runs in wasm exactly as dhara run --set runs natively', () => {
  const overrides = { 'producer.enable_idempotence': false, 'producer.acks': '1', 'topic.partitions': '9' };
  const json = dhara.scenario_with(dhara.scenario_json('upi-replication'), JSON.stringify(overrides));
  const scenario = JSON.parse(json);
  assert.deepEqual([scenario.producer.acks, scenario.topic.partitions], ['1', 9]);
  const lab = new dhara.Lab(json, 8n);
  const fromWasm = lab.advance(20000);
  lab.free();
  const sets = Object.entries(overrides).flatMap(([path, value]) => ['--set', `${path}=${value}`]);
  const result = spawnSync(NATIVE_CLI, ['run', 'upi-replication', '--seed', '8', '--for', '20s', ...sets], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(fromWasm, JSON.parse(result.stdout));
  const plain = new dhara.Lab(dhara.scenario_json('upi-replication'), 8n);
  assert.notEqual(plain.advance(20000).trace_hash, fromWasm.trace_hash, 'the knobs changed the run');
  plain.free();
});

test('bad overrides are refused naming the path', () => {
  const lag = dhara.scenario_json('upi-lag');
  assert.throws(() => dhara.scenario_with(lag, '{"topic.partitions": 0}'), /topic\.partitions: must be between 1 and 256 \(got 0\)/);
  assert.throws(() => dhara.scenario_with(lag, '{"producer.akcs": "1"}'), /producer\.akcs: is not a field of this scenario; its knobs are cluster\.brokers/);
  assert.throws(() => dhara.scenario_with(lag, '{"producer.acks": "maybe"}'), /producer\.acks/);
  assert.throws(() => dhara.scenario_with(lag, '["producer.acks"]'), /overrides/);
  assert.throws(() => dhara.knobs('{"name": 5}'), /name/);
});
