// The run's state in the URL hash (#scenario=upi-lag&seed=42&speed=1, plus &arch=1 when the
// architectures run beside a workload scenario), so a link reopens the same run. Parsing is strict: a bad part is reported by name and replaced by its default;
// the good parts are kept.

export const SEED_MAX = 18446744073709551615n;
export const SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 100];

/** Parses a seed: a whole decimal number from 0 to 2^64 - 1, returned as a string. */
export function parseSeed(text) {
  const trimmed = String(text).trim();
  if (!/^\d{1,20}$/.test(trimmed) || BigInt(trimmed) > SEED_MAX) {
    return { error: `seed must be a whole number from 0 to ${SEED_MAX} (got "${trimmed}")` };
  }
  return { value: BigInt(trimmed).toString() };
}

/**
 * Reads the hash. Returns { state, errors }: state has every field (defaults filled in for
 * missing or bad parts) and errors names each bad part.
 */
export function readHash(hash, defaults, scenarioNames) {
  const state = { ...defaults };
  const errors = [];
  const params = new URLSearchParams(String(hash).replace(/^#/, ''));
  for (const [key, raw] of params) {
    if (key === 'scenario') {
      if (scenarioNames.includes(raw)) state.scenario = raw;
      else errors.push(`scenario must be one of ${scenarioNames.join(', ')} (got "${raw}")`);
    } else if (key === 'seed') {
      const seed = parseSeed(raw);
      if (seed.error) errors.push(seed.error);
      else state.seed = seed.value;
    } else if (key === 'speed') {
      const speed = Number(raw);
      if (SPEEDS.includes(speed)) state.speed = speed;
      else errors.push(`speed must be one of ${SPEEDS.join(', ')} (got "${raw}")`);
    } else if (key === 'arch') {
      if (raw === '1' || raw === '0') state.arch = raw === '1';
      else errors.push(`arch must be 1 (run Lambda, Kappa and CQRS beside the scenario) or 0 (got "${raw}")`);
    } else {
      errors.push(`unknown setting "${key}"; the URL may hold scenario, seed, speed and arch`);
    }
  }
  return { state, errors };
}

export function writeHash(state) {
  const params = new URLSearchParams({ scenario: state.scenario, seed: state.seed, speed: String(state.speed) });
  if (state.arch) params.set('arch', '1');
  return `#${params}`;
}
