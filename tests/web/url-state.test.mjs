// The page's URL state parser (www/url-state.js), without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LINK_COMMANDS_MAX, SEED_MAX, SPEEDS, defaultState, isBareLessonLink, parseKnobValue, parseSeed, writeKnobValue, readHash, writeHash } from '../../www/url-state.js';

const NAMES = ['upi-lag', 'upi-steady'];
const DEFAULTS = defaultState('upi-lag');

test('seeds are whole numbers from 0 to 2^64 - 1, kept exactly as strings', () => {
  assert.deepEqual(parseSeed('0'), { value: '0' });
  assert.deepEqual(parseSeed(' 007 '), { value: '7' });
  assert.deepEqual(parseSeed(SEED_MAX.toString()), { value: '18446744073709551615' });
  for (const bad of ['', '-1', '1.5', '1e3', 'abc', '18446744073709551616', '123456789012345678901']) {
    assert.match(parseSeed(bad).error, /seed must be a whole number from 0 to 18446744073709551615/, bad);
  }
});

test('speeds run from 0.1× to 10,000× on a log scale', () => {
  assert.equal(SPEEDS[0], 0.1);
  assert.equal(SPEEDS.at(-1), 10000);
  for (let i = 1; i < SPEEDS.length; i += 1) {
    const ratio = SPEEDS[i] / SPEEDS[i - 1];
    assert.ok(ratio >= 2 && ratio <= 2.5, `each step multiplies by 2 to 2.5 (${SPEEDS[i - 1]} → ${SPEEDS[i]})`);
  }
});

test('the whole state round-trips through the hash exactly', () => {
  const state = {
    scenario: 'upi-steady', seed: '18446744073709551615', speed: 0.2, arch: true,
    knobs: { 'producer.acks': '1', 'topic.partitions': 12, 'workload.traffic.spikes[0].multiplier': 2.5, 'producer.enable_idempotence': false },
    commands: [{ at_ms: 5000, command: 'crash_broker', broker: 0 }, { at_ms: 9001, command: 'partition_network', a: ['broker-1'], b: ['controller'] }],
    t: 12345, ab: true, bKnobs: { 'producer.acks': 'all' }, big: true, lesson: 'replication-acks', step: 2,
  };
  assert.deepEqual(readHash(writeHash(state), DEFAULTS, NAMES), { state, errors: [] });
  assert.deepEqual(readHash('', DEFAULTS, NAMES), { state: DEFAULTS, errors: [] });
  assert.equal(writeHash(DEFAULTS), '#scenario=upi-lag&seed=42&speed=1', 'defaults stay out of links');
});

test('a lesson link is read; a bad lesson id or step is named and dropped alone', () => {
  const { state, errors } = readHash('#lesson=late-data&step=3', DEFAULTS, NAMES);
  assert.deepEqual(errors, []);
  assert.deepEqual([state.lesson, state.step, state.scenario], ['late-data', 3, DEFAULTS.scenario]);
  assert.equal(isBareLessonLink('#lesson=late-data&step=3&speed=2'), true);
  assert.equal(isBareLessonLink('#scenario=upi-lag&lesson=late-data&step=3'), false, 'a page-written link holds its own state');
  const bad = readHash('#lesson=Late%20Data&step=0&seed=5', DEFAULTS, NAMES);
  assert.deepEqual([bad.state.lesson, bad.state.step, bad.state.seed], [null, null, '5']);
  assert.match(bad.errors[0], /^lesson must be a lesson's id: lowercase letters, digits and dashes \(got "Late Data"\)$/);
  assert.match(bad.errors[1], /^step must be a step number from 1 \(got "0"\)$/);
});

test('knob values keep their JSON type', () => {
  assert.equal(parseKnobValue('12'), 12);
  assert.equal(parseKnobValue('-0.5'), -0.5);
  assert.equal(parseKnobValue('true'), true);
  assert.equal(parseKnobValue('all'), 'all');
  assert.equal(parseKnobValue('1'), 1);
  assert.equal(parseKnobValue('"1"'), '1', 'a quoted string stays a string (acks "1")');
  assert.equal(writeKnobValue('1'), '"1"');
  assert.equal(writeKnobValue('all'), 'all');
  assert.equal(writeKnobValue(2.5), '2.5');
});

test('bad parts are named and fall back alone; good parts are kept', () => {
  const hash = '#scenario=nope&seed=9&speed=7&color=red&t=-3&set.Bad%20Path=1&set.producer.linger_ms=20&cmds=%5Bnot%20json&b.x=1';
  const { state, errors } = readHash(hash, DEFAULTS, NAMES);
  assert.deepEqual(state, { ...DEFAULTS, seed: '9', knobs: { 'producer.linger_ms': 20 }, bKnobs: { x: 1 } });
  assert.equal(errors.length, 6, errors.join('\n'));
  assert.match(errors[0], /scenario must be one of upi-lag, upi-steady \(got "nope"\)/);
  assert.match(errors[1], /speed must be one of 0.1, 0.2, 0.5, 1, .*, 10000 \(got "7"\)/);
  assert.match(errors[2], /unknown setting "color"/);
  assert.match(errors[3], /t must be a whole number of simulated milliseconds/);
  assert.match(errors[4], /set.Bad Path: a knob path looks like producer.acks/);
  assert.match(errors[5], /cmds must be a JSON array of commands/);
});

test('a command log in a link is bounded and must hold objects', () => {
  const long = JSON.stringify(Array.from({ length: LINK_COMMANDS_MAX + 1 }, (_, i) => ({ at_ms: i, command: 'heal_network' })));
  assert.match(readHash(`#cmds=${encodeURIComponent(long)}`, DEFAULTS, NAMES).errors[0], /at most 500 command objects/);
  assert.match(readHash('#cmds=[1,2]', DEFAULTS, NAMES).errors[0], /command objects/);
  assert.deepEqual(readHash('#cmds=[1,2]', DEFAULTS, NAMES).state.commands, [], 'a bad log is dropped whole; the engine names bad entries');
});

test('flags are 1 or 0; anything else is named', () => {
  const { state: kept, errors } = readHash('#scenario=upi-steady&arch=yes&ab=2&big=1', DEFAULTS, NAMES);
  assert.deepEqual(kept, { ...DEFAULTS, scenario: 'upi-steady', big: true });
  assert.match(errors[0], /arch must be 1 .* or 0 \(got "yes"\)/);
  assert.match(errors[1], /ab must be 1 .* or 0 \(got "2"\)/);
});

test('fuzz: 5,000 seeded random hashes never throw and always give a well-typed state', () => {
  let x = 0x9e3779b9;
  const next = (n) => { x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; return x % n; };
  const keys = ['scenario', 'seed', 'speed', 't', 'arch', 'ab', 'big', 'cmds', 'set.producer.acks', 'set.a[1].b', 'b.topic.partitions', 'set.', 'b.', 'x', ''];
  const values = ['', '0', '1', '-1', '1e400', 'NaN', 'upi-lag', '18446744073709551616', '[{"at_ms":1,"command":"heal_network"}]', '[', '{}', '"1"', '%', '<b>', '\u0000', 'x'.repeat(5000)];
  for (let i = 0; i < 5000; i += 1) {
    const pairs = Array.from({ length: next(6) }, () => `${encodeURIComponent(keys[next(keys.length)])}=${encodeURIComponent(values[next(values.length)])}`);
    const hash = `#${pairs.join('&')}${next(4) === 0 ? '&&=%' : ''}`;
    const { state, errors } = readHash(hash, DEFAULTS, NAMES);
    assert.ok(NAMES.includes(state.scenario) && typeof state.seed === 'string' && SPEEDS.includes(state.speed), hash);
    assert.ok(state.t === null || (Number.isInteger(state.t) && state.t >= 0), hash);
    assert.ok(Array.isArray(state.commands) && Array.isArray(errors), hash);
    assert.equal(readHash(writeHash(state), DEFAULTS, NAMES).errors.length, 0, `what is kept writes a clean link: ${hash}`);
  }
});
