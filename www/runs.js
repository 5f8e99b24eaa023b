// Opening a run from the page's state: the scenario's JSON (with the architectures added when
// asked), the knob overrides, then a Lab with the command log to replay, at the time cursor.
// The engine validates every part; a part it refuses is dropped alone and reported by name,
// so a link with one bad knob or command still opens everything else.

/** The window the page gives architectures added to a workload scenario: one closes in a minute. */
const ADDED_ARCH_WINDOW_MS = 60000;

/** The built-in scenario's JSON, with Lambda, Kappa and CQRS added when asked and possible. */
export function baseScenarioJson(dhara, state, report) {
  const json = dhara.scenario_json(state.scenario);
  const doc = JSON.parse(json);
  const addable = Boolean(doc.workload) && !doc.architectures;
  if (state.arch && !doc.workload) report(`arch: ${state.scenario} has no workload, so no query for the architectures to answer; pick a upi, social or shop scenario`);
  if (!addable || !state.arch) return { json, addable, builtIn: Boolean(doc.architectures) };
  doc.architectures = { window_ms: ADDED_ARCH_WINDOW_MS };
  return { json: JSON.stringify(doc), addable, builtIn: false };
}

/** The engine's message without the JS error's prefix. */
export const messageOf = (error) => String(error?.message ?? error);

/**
 * Applies `knobs` ({path: value}) one at a time, so each refusal names its own knob; returns
 * the scenario JSON and the knobs that were kept. A knob refused only because of another
 * one later in the link (acks=1 before enable_idempotence=false) is tried again once the
 * others are in, so the order of a link's knobs never matters, as with the CLI's --set.
 */
export function withKnobs(dhara, json, knobs, side, report) {
  const kept = {};
  let current = json;
  let pending = Object.entries(knobs);
  let refusals = [];
  while (pending.length > 0) {
    const refused = [];
    refusals = [];
    for (const [path, value] of pending) {
      try {
        current = dhara.scenario_with(json, JSON.stringify({ ...kept, [path]: value }));
        kept[path] = value;
      } catch (error) {
        refused.push([path, value]);
        refusals.push(`${side}${path}: ${messageOf(error)}`);
      }
    }
    if (refused.length === pending.length) break;
    pending = refused;
  }
  refusals.forEach(report);
  return { json: current, knobs: kept };
}

/** The index a command-log error names (`commands[3].at_ms` or `[3]`), if any. */
function entryOf(message) {
  const match = /^(?:commands)?\[(\d+)\]/.exec(message);
  return match ? Number(match[1]) : null;
}

/**
 * A Lab for `json` and `seed` with `commands` to replay. A refused entry is dropped and
 * reported; returns the Lab and the log it kept.
 */
export function openLab(dhara, json, seed, commands, report) {
  let log = commands;
  for (let attempt = 0; attempt <= commands.length; attempt += 1) {
    const lab = new dhara.Lab(json, BigInt(seed));
    if (log.length === 0) return { lab, commands: log };
    try {
      lab.load_commands(JSON.stringify(log));
      return { lab, commands: log };
    } catch (error) {
      lab.free();
      const message = messageOf(error);
      const index = entryOf(message);
      report(`cmds: ${message}${index === null ? '; the whole command log was dropped' : '; that command was dropped'}`);
      log = index === null ? [] : log.filter((_, i) => i !== index);
    }
  }
  return { lab: new dhara.Lab(json, BigInt(seed)), commands: [] };
}
