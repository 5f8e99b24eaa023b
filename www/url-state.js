// The whole state of a run lives in the URL hash, so a link reopens exactly the same view:
// #scenario=upi-lag&seed=42&speed=1, plus &arch=1 (Lambda, Kappa and CQRS beside a workload
// scenario), &set.PATH=VALUE per changed knob, &cmds=[…] (the command log, in the CLI's
// --commands format), &t=MS (the time cursor: the link opens paused there), &ab=1 with
// &b.PATH=VALUE (an A/B run whose B differs in those knobs), &big=1 (presenter mode) and
// &lesson=ID&step=N (the guided lesson open at step N; a link with only those opens the
// step's own state).
// Parsing is strict: a bad part is reported by name and replaced by its default; the good
// parts are kept. The engine validates knob values and commands (see main.js).

export const SEED_MAX = 18446744073709551615n;
/** Speeds on a log scale (1–2–5 steps), 0.1× to 10,000×. */
export const SPEEDS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
/** Simulated time a link may point at: a week, as the CLI's --for. */
export const T_MS_MAX = 7 * 24 * 3600 * 1000;
/** The flow's text scale in presenter mode (big=1). */
export const TEXT_SCALE_BIG = 1.5;
/** Knob overrides a link may carry, per side. */
export const KNOBS_MAX = 64;
/** Commands a link may carry; a longer log is exported as JSON instead. */
export const LINK_COMMANDS_MAX = 500;
const LESSON_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;
const PATH_PATTERN = /^[a-z_]+(\.[a-z_]+|\[\d{1,3}\])*$/;

/** Parses a seed: a whole decimal number from 0 to 2^64 - 1, returned as a string. */
export function parseSeed(text) {
  const trimmed = String(text).trim();
  if (!/^\d{1,20}$/.test(trimmed) || BigInt(trimmed) > SEED_MAX) {
    return { error: `seed must be a whole number from 0 to ${SEED_MAX} (got "${trimmed}")` };
  }
  return { value: BigInt(trimmed).toString() };
}

const NUMBER_PATTERN = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * A knob value as text in a link: numbers and true/false as JSON, anything else as a bare
 * string; a string that would read as a number or flag (acks "1") is quoted.
 */
export function parseKnobValue(raw) {
  if (NUMBER_PATTERN.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^".*"$/.test(raw)) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

export function writeKnobValue(value) {
  if (typeof value !== 'string') return String(value);
  return NUMBER_PATTERN.test(value) || value === 'true' || value === 'false' || /^".*"$/.test(value) ? JSON.stringify(value) : value;
}

export function defaultState(scenario) {
  return { scenario, seed: '42', speed: 1, arch: false, knobs: {}, commands: [], t: null, ab: false, bKnobs: {}, big: false, lesson: null, step: null };
}

function readKnob(state, errors, side, key, raw) {
  const prefix = side === 'knobs' ? 'set.' : 'b.';
  const path = key.slice(prefix.length);
  if (!PATH_PATTERN.test(path) || path.length > 120) {
    errors.push(`${key}: a knob path looks like producer.acks or workload.traffic.spikes[0].multiplier (got "${path}")`);
  } else if (Object.keys(state[side]).length >= KNOBS_MAX) {
    errors.push(`${key}: a link holds at most ${KNOBS_MAX} knobs per side`);
  } else {
    state[side][path] = parseKnobValue(raw);
  }
}

function readCommands(state, errors, raw) {
  let log;
  try {
    log = JSON.parse(raw);
  } catch {
    errors.push(`cmds must be a JSON array of commands such as [{"at_ms":5000,"command":"crash_broker","broker":0}] (got "${raw.slice(0, 80)}")`);
    return;
  }
  if (!Array.isArray(log) || log.length > LINK_COMMANDS_MAX || !log.every((c) => c && typeof c === 'object' && !Array.isArray(c))) {
    errors.push(`cmds must be a JSON array of at most ${LINK_COMMANDS_MAX} command objects`);
    return;
  }
  state.commands = log;
}

/** Reads one `key=raw` pair into `state`, or names what is wrong with it in `errors`. */
function readPair(state, errors, key, raw, scenarioNames) {
  const flag = (name, about) => {
    if (raw === '1' || raw === '0') state[name] = raw === '1';
    else errors.push(`${key} must be 1 (${about}) or 0 (got "${raw}")`);
  };
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
  } else if (key === 't') {
    const t = Number(raw);
    if (/^\d{1,12}$/.test(raw) && t <= T_MS_MAX) state.t = t;
    else errors.push(`t must be a whole number of simulated milliseconds from 0 to ${T_MS_MAX} (got "${raw}")`);
  } else if (key === 'arch') flag('arch', 'run Lambda, Kappa and CQRS beside the scenario');
  else if (key === 'ab') flag('ab', 'run a second configuration B beside A');
  else if (key === 'big') flag('big', 'presenter mode, large text');
  else if (key === 'cmds') readCommands(state, errors, raw);
  else if (key === 'lesson') {
    if (LESSON_ID_PATTERN.test(raw)) state.lesson = raw;
    else errors.push(`lesson must be a lesson's id: lowercase letters, digits and dashes (got "${raw.slice(0, 60)}")`);
  } else if (key === 'step') {
    if (/^\d{1,2}$/.test(raw) && Number(raw) >= 1) state.step = Number(raw);
    else errors.push(`step must be a step number from 1 (got "${raw.slice(0, 20)}")`);
  }
  else if (key.startsWith('set.')) readKnob(state, errors, 'knobs', key, raw);
  else if (key.startsWith('b.')) readKnob(state, errors, 'bKnobs', key, raw);
  else errors.push(`unknown setting "${key}"; the URL may hold scenario, seed, speed, arch, set.KNOB, cmds, t, ab, b.KNOB, big, lesson and step`);
}

/**
 * Reads the hash. Returns { state, errors }: state has every field (defaults filled in for
 * missing or bad parts) and errors names each bad part.
 */
export function readHash(hash, defaults, scenarioNames) {
  const state = { ...defaults, knobs: { ...defaults.knobs }, bKnobs: { ...defaults.bKnobs }, commands: [...(defaults.commands ?? [])] };
  const errors = [];
  const params = new URLSearchParams(String(hash).replace(/^#/, ''));
  for (const [key, raw] of params) readPair(state, errors, key, raw, scenarioNames);
  return { state, errors };
}

/** The hash for `state`; defaults stay out of links so they stay short. */
export function writeHash(state) {
  const params = new URLSearchParams({ scenario: state.scenario, seed: state.seed, speed: String(state.speed) });
  if (state.arch) params.set('arch', '1');
  for (const [path, value] of Object.entries(state.knobs ?? {})) params.set(`set.${path}`, writeKnobValue(value));
  if (state.commands?.length) params.set('cmds', JSON.stringify(state.commands));
  if (state.t !== null && state.t !== undefined) params.set('t', String(state.t));
  if (state.ab) {
    params.set('ab', '1');
    for (const [path, value] of Object.entries(state.bKnobs ?? {})) params.set(`b.${path}`, writeKnobValue(value));
  }
  if (state.big) params.set('big', '1');
  if (state.lesson) {
    params.set('lesson', state.lesson);
    params.set('step', String(state.step ?? 1));
  }
  return `#${params}`;
}

/** True for a lesson's own link (`#lesson=ID&step=N`, maybe with speed or big): it opens the step's state. */
export function isBareLessonLink(hash) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ''));
  return params.has('lesson') && !params.has('scenario');
}
