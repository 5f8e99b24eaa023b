// The page's URL state parser (www/url-state.js), without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SEED_MAX, parseSeed, readHash, writeHash } from '../../www/url-state.js';

const NAMES = ['upi-lag', 'upi-steady'];
const DEFAULTS = { scenario: 'upi-lag', seed: '42', speed: 1 };

test('seeds are whole numbers from 0 to 2^64 - 1, kept exactly as strings', () => {
  assert.deepEqual(parseSeed('0'), { value: '0' });
  assert.deepEqual(parseSeed(' 007 '), { value: '7' });
  assert.deepEqual(parseSeed(SEED_MAX.toString()), { value: '18446744073709551615' });
  for (const bad of ['', '-1', '1.5', '1e3', 'abc', '18446744073709551616', '123456789012345678901']) {
    assert.match(parseSeed(bad).error, /seed must be a whole number from 0 to 18446744073709551615/, bad);
  }
});

test('a state round-trips through the hash', () => {
  const state = { scenario: 'upi-steady', seed: '18446744073709551615', speed: 0.25 };
  assert.deepEqual(readHash(writeHash(state), DEFAULTS, NAMES), { state, errors: [] });
  assert.deepEqual(readHash('', DEFAULTS, NAMES), { state: DEFAULTS, errors: [] });
});

test('bad parts are named and fall back alone; good parts are kept', () => {
  const { state, errors } = readHash('#scenario=nope&seed=9&speed=7&color=red', DEFAULTS, NAMES);
  assert.deepEqual(state, { scenario: 'upi-lag', seed: '9', speed: 1 });
  assert.equal(errors.length, 3);
  assert.match(errors[0], /scenario must be one of upi-lag, upi-steady \(got "nope"\)/);
  assert.match(errors[1], /speed must be one of 0.1, 0.25, 0.5, 1, 2, 5, 10, 100 \(got "7"\)/);
  assert.match(errors[2], /unknown setting "color"/);
});

test('arch=1 asks for the architectures beside the scenario and round-trips; anything else is named', () => {
  const state = { scenario: 'upi-steady', seed: '3', speed: 10, arch: true };
  assert.equal(writeHash(state), '#scenario=upi-steady&seed=3&speed=10&arch=1');
  assert.deepEqual(readHash(writeHash(state), DEFAULTS, NAMES), { state, errors: [] });
  assert.equal(writeHash({ ...state, arch: false }), '#scenario=upi-steady&seed=3&speed=10', 'off is the default and stays out of links');
  const { state: kept, errors } = readHash('#scenario=upi-steady&arch=yes', DEFAULTS, NAMES);
  assert.deepEqual(kept, { ...DEFAULTS, scenario: 'upi-steady' });
  assert.match(errors[0], /arch must be 1 .* or 0 \(got "yes"\)/);
});
