// The toolbar and the keyboard: run controls (play, step, speed on a log scale), faults and
// load (crash, restart, slow, isolate, hot key, late events), presenter mode and the help.
// Every button sends a command of engine/src/command.rs through main.js's `command`, so it
// lands in the command log, the URL and the trace like any other.

import { SPEEDS, parseSeed } from './url-state.js';

const $ = (id) => document.getElementById(id);
/** The hot key's share of records, in percent, and how far behind the late producer's clock runs. */
export const HOT_KEY_PERCENT = 80;
export const LATE_EVENTS_OFFSET_MS = -30000;
export const SLOW_FACTOR = 10;
/** Arrow keys move this far in simulated time. */
const ARROW_SEEK_MS = 1000;

/**
 * A whole number's digits with their thousands grouped ("10000" → "10,000"). Written out rather
 * than with toLocaleString: the page's first call of that loads the number formatter (about
 * 12 ms), and the speed label is drawn before the first frame.
 */
export function groupDigits(digits) {
  return digits.replace(/\B(?=(\d{3})+$)/g, ',');
}

/** A speed as the label shows it, thousands grouped ("10,000×"). */
export function speedText(speed) {
  const [whole, fraction] = String(speed).split('.');
  return `${groupDigits(whole)}${fraction === undefined ? '' : `.${fraction}`}×`;
}

/** Shows `speed` on the slider and its label. */
function showSpeed(speed) {
  const index = SPEEDS.indexOf(speed);
  $('speed').value = String(index < 0 ? SPEEDS.indexOf(1) : index);
  $('speed-out').textContent = speedText(speed);
  $('speed').setAttribute('aria-valuetext', speedText(speed));
}

function setSpeed(deps, speed) {
  deps.app.state.speed = speed;
  showSpeed(speed);
  deps.syncHash();
}

function nudgeSpeed(deps, direction) {
  const index = SPEEDS.indexOf(deps.app.state.speed) + direction;
  if (index >= 0 && index < SPEEDS.length) setSpeed(deps, SPEEDS[index]);
}

/** A toggle sends `on` or `off`; its pressed state follows the command log (syncToggles). */
function toggle(deps, id, on, off) {
  const pressed = $(id).getAttribute('aria-pressed') === 'true';
  if (!deps.command(pressed ? off : on)) syncToggles(deps.app);
}

const selectedConsumer = () => Number($('consumer').value);
const selectedBroker = () => Number($('broker').value);

function wireFaults(deps) {
  const { command } = deps;
  $('producer-rate').onchange = () => deps.rateCommand('set_producer_rate', $('producer-rate'));
  $('consumer-rate').onchange = () => deps.rateCommand('set_consumer_rate', $('consumer-rate'));
  $('hot-key').onclick = () => toggle(deps, 'hot-key', { command: 'hot_key', percent: HOT_KEY_PERCENT }, { command: 'hot_key', percent: 0 });
  $('late-events').onclick = () => toggle(deps, 'late-events', { command: 'skew_clock', node: 'producer-0', offset_ms: LATE_EVENTS_OFFSET_MS }, { command: 'skew_clock', node: 'producer-0', offset_ms: 0 });
  $('abort-txn').onclick = () => command({ command: 'abort_transaction' });
  $('crash').onclick = () => command({ command: 'crash_consumer', consumer: selectedConsumer() });
  $('restart').onclick = () => command({ command: 'restart_consumer', consumer: selectedConsumer() });
  $('slow-consumer').onclick = () => {
    const node = `consumer-${selectedConsumer()}`;
    toggle(deps, 'slow-consumer', { command: 'slow_node', node, factor: SLOW_FACTOR }, { command: 'slow_node', node, factor: 1 });
  };
  $('add-consumer').onclick = () => command({ command: 'add_consumer' });
  $('crash-broker').onclick = () => command({ command: 'crash_broker', broker: selectedBroker() });
  $('restart-broker').onclick = () => command({ command: 'restart_broker', broker: selectedBroker() });
  $('isolate-broker').onclick = () => command(isolate(selectedBroker(), $('broker').options.length));
  $('heal').onclick = () => command({ command: 'heal_network' });
}

/** The command that cuts `broker` off from the controller and the other brokers. */
export function isolate(broker, brokers) {
  const others = Array.from({ length: brokers }, (_, b) => b).filter((b) => b !== broker).map((b) => `broker-${b}`);
  return { command: 'partition_network', a: [`broker-${broker}`], b: ['controller', ...others] };
}

function wireRun(deps) {
  const { app } = deps;
  $('play').onclick = () => deps.setPlaying(!app.playing);
  $('step').onclick = () => {
    deps.setPlaying(false);
    deps.drive((lab) => lab.step());
    app.parts.ab.seek(app.lab.now_ms());
    deps.invalidate();
    deps.syncHash();
  };
  $('speed').oninput = () => setSpeed(deps, SPEEDS[Number($('speed').value)]);
  $('scenario').onchange = () => {
    // Knobs, commands and time belong to the scenario they were made for.
    deps.restartWith({ scenario: $('scenario').value, knobs: {}, commands: [], bKnobs: {} });
  };
  $('seed').onchange = () => {
    const seed = parseSeed($('seed').value);
    if (seed.error) {
      deps.showMessage(`Seed not changed: ${seed.error}`);
      $('seed').value = app.state.seed;
      return;
    }
    if (seed.value === app.state.seed) return;
    deps.restartWith({ seed: seed.value });
  };
  $('new-seed').onclick = () => {
    deps.restartWith({ seed: deps.dhara.random_seed() });
  };
  $('arch').onchange = () => {
    Object.assign(app.state, { arch: $('arch').checked, t: null });
    deps.startRun();
  };
  $('ab').onchange = () => {
    app.state.ab = $('ab').checked;
    deps.startRun();
  };
}

function setPresenter(deps, on) {
  deps.app.state.big = on;
  document.body.classList.toggle('presenter', on);
  $('presenter').setAttribute('aria-pressed', String(on));
  deps.invalidate();
  deps.syncHash();
}

function seekBy(deps, ms) {
  const { app } = deps;
  deps.setPlaying(false);
  deps.drive((lab) => lab.seek(Math.max(0, Math.floor(lab.now_ms()) + ms)));
  app.parts.ab.seek(app.lab.now_ms());
  deps.invalidate();
  deps.syncHash();
}

/** Keys act unless the user is typing into a field (or a menu or dialog has the focus). */
/** Clicks the button `id` if a lesson is open and the button can be pressed. */
function clickIfOn(id) {
  if (!$('lesson').hidden && !$(id).disabled) $(id).click();
}

function onKey(deps, event) {
  const target = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target.closest?.('input, select, textarea, [role=menu], dialog')) return;
  const actions = {
    ' ': () => $('play').click(),
    ArrowRight: () => (event.shiftKey ? seekBy(deps, ARROW_SEEK_MS) : $('step').click()),
    ArrowLeft: () => seekBy(deps, -ARROW_SEEK_MS),
    '+': () => nudgeSpeed(deps, 1),
    '=': () => nudgeSpeed(deps, 1),
    '-': () => nudgeSpeed(deps, -1),
    p: () => setPresenter(deps, !deps.app.state.big),
    P: () => setPresenter(deps, !deps.app.state.big),
    '?': () => $('help').showModal(),
    // A presenter's clicker sends Page Down / Page Up: the open lesson's next and previous step.
    PageDown: () => clickIfOn('lesson-next'),
    PageUp: () => clickIfOn('lesson-prev'),
  };
  const action = actions[event.key];
  if (!action || (target.tagName === 'BUTTON' && event.key === ' ')) return;
  event.preventDefault();
  action();
}

export function wireControls(deps) {
  wireRun(deps);
  wireFaults(deps);
  $('presenter').onclick = () => setPresenter(deps, !deps.app.state.big);
  $('faults-toggle').onclick = () => {
    const open = $('faults').classList.toggle('open');
    $('faults-toggle').setAttribute('aria-expanded', String(open));
  };
  $('help-open').onclick = () => $('help').showModal();
  document.addEventListener('keydown', (event) => onKey(deps, event));
}

/** The last logged command at or before `nowMs` that `matches`, if any. */
export function lastCommand(log, nowMs, matches) {
  let found = null;
  for (const entry of log) {
    if (entry.at_ms > nowMs) break;
    if (matches(entry)) found = entry;
  }
  return found;
}

/** Toggle buttons show what the command log says is in force now (also after a seek). */
function syncToggles(app) {
  const log = app.state.commands;
  const now = app.lab.now_ms();
  const pressed = (id, entry, on) => $(id).setAttribute('aria-pressed', String(Boolean(entry && on(entry))));
  pressed('hot-key', lastCommand(log, now, (c) => c.command === 'hot_key'), (c) => c.percent > 0);
  pressed('late-events', lastCommand(log, now, (c) => c.command === 'skew_clock' && c.node === 'producer-0'), (c) => c.offset_ms !== 0);
  const node = `consumer-${selectedConsumer()}`;
  pressed('slow-consumer', lastCommand(log, now, (c) => c.command === 'slow_node' && c.node === node), (c) => c.factor > 1);
}

/** Brings the controls in line with the run: pickers, rates, what this scenario allows. */
export function syncControls(app, view) {
  const { scenario } = app;
  // The panels refresh while the page plays: never overwrite what the user is typing.
  const editing = (id) => document.activeElement === $(id);
  if (!editing('scenario')) $('scenario').value = app.state.scenario;
  if (!editing('seed')) $('seed').value = app.state.seed;
  $('ab').checked = app.state.ab;
  showSpeed(app.state.speed);
  document.body.classList.toggle('presenter', app.state.big);
  $('presenter').setAttribute('aria-pressed', String(app.state.big));
  const members = view.consumers.map((c) => c.node);
  if ($('consumer').options.length !== members.length) {
    const selected = $('consumer').value;
    $('consumer').replaceChildren(...members.map((name, i) => new Option(name, String(i))));
    if (selected && Number(selected) < members.length) $('consumer').value = selected;
  }
  const brokers = view.brokers.length;
  if ($('broker').options.length !== brokers) {
    $('broker').replaceChildren(...view.brokers.map((b, i) => new Option(b.node, String(i))));
  }
  if (!editing('producer-rate')) $('producer-rate').value = view.producer.rate_records_per_s;
  if (!editing('consumer-rate')) $('consumer-rate').value = view.consumers[0]?.rate_records_per_s ?? scenario.consumer.records_per_s;
  // A stream job restarts its own source tasks (the consumers) and has a fixed parallelism:
  // the engine refuses restart_consumer and add_consumer, so the page does not offer them.
  $('restart').hidden = Boolean(scenario.stream);
  $('add-consumer').hidden = Boolean(scenario.stream);
  $('hot-key').hidden = Boolean(scenario.workload);
  $('abort-txn').hidden = !scenario.producer.transactional_id;
  syncToggles(app);
}
