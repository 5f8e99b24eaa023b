// Dhara's page shell: controls, URL state and the frame loop. All simulation and drawing is
// in Rust (the `Lab` handle from ../dhara.js); per frame this calls `advance` once and the
// two draw functions, never anything per message. A scenario with a stream job also gets
// the stream panel (./stream-panel.js), one with a workload the workload panel
// (./workload-panel.js), and one with architectures the architectures panel
// (./arch-panel.js), all fed by one `snapshot()` call a few times a second.
//
// Contract with src/lib.rs: Lab(scenarioJson, seed: BigInt), advance(ms) -> summary,
// step(), apply(commandJson), snapshot(), scenario(), draw_flow(canvas), draw_lag_chart(canvas),
// draw_workload_chart(canvas), draw_arch_chart(canvas),
// trace_hash(); scenario_names(), scenario_json(name), random_seed().

import init, * as dhara from '../dhara.js';
import { parseSeed, readHash, writeHash } from './url-state.js';
import { createStreamPanel } from './stream-panel.js';
import { createWorkloadPanel } from './workload-panel.js';
import { createArchPanel } from './arch-panel.js';
// share hook (embed mode, copy embed code, export, the single-file build's inlined wasm):
import { installEmbed } from './embed.js';
import { installExport } from './export.js';
import { wasmSource } from './wasm-source.js';

const $ = (id) => document.getElementById(id);
/** Simulated time one frame may cover is capped at this many wall-clock ms × speed. */
const FRAME_MS_MAX = 100;
const CHART_INTERVAL_MS = 250;
const PANEL_INTERVAL_MS = 200;

const app = {
  lab: null,
  state: { scenario: '', seed: '42', speed: 1, arch: false },
  playing: true,
  lastFrameMs: null,
  lastChartMs: -Infinity,
  lastPanelMs: -Infinity,
  streamPanel: null,
  workloadPanel: null,
  archPanel: null,
  frames: 0,
  failed: false,
};
// For tests and the console: window.dhara.app.lab is the live handle.
window.dhara = { app, bindings: dhara };

function showMessage(text, isError = true) {
  const el = $('message');
  el.textContent = text;
  el.classList.toggle('error', isError);
  el.hidden = !text;
}

function showOverlay(error) {
  if (app.failed) return;
  app.failed = true;
  app.playing = false;
  console.error('Dhara stopped:', error);
  $('overlay-error').textContent = String(error && error.stack ? error.stack : error);
  $('overlay-scenario').textContent = app.state.scenario;
  $('overlay-seed').textContent = app.state.seed;
  $('overlay-link').href = writeHash(app.state);
  $('overlay-link').onclick = () => setTimeout(() => location.reload(), 0);
  $('overlay').hidden = false;
}

function sizeCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
    return true;
  }
  return false;
}

/** The value at a path of the scenario ("workload.traffic.spikes[1].multiplier"), for display. */
function valueAt(scenario, path) {
  const parts = path.split(/[.[]/).map((part) => (part.endsWith(']') ? Number(part.slice(0, -1)) : part));
  const value = parts.reduce((at, part) => (at == null ? undefined : at[part]), scenario);
  if (value === undefined || value === null) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The scenario's "knobs that matter": path, current value, and what turning it does. */
function describeKnobs(scenario) {
  const knobs = scenario.knobs ?? [];
  $('knobs-title').hidden = knobs.length === 0;
  $('knobs').hidden = knobs.length === 0;
  $('knobs').replaceChildren(...knobs.flatMap((knob) => {
    const term = document.createElement('dt');
    const code = document.createElement('code');
    code.textContent = knob.path;
    const value = document.createElement('b');
    value.textContent = ` = ${valueAt(scenario, knob.path)}`;
    term.append(code, value);
    const about = document.createElement('dd');
    about.textContent = knob.about;
    return [term, about];
  }));
}

function describe(scenario) {
  app.embed.describe(scenario); // share hook
  describeKnobs(scenario);
  $('about-title').textContent = scenario.title;
  $('about-text').textContent = scenario.description;
  const list = $('simplifications');
  list.replaceChildren(...scenario.simplifications.map((text) => {
    const item = document.createElement('li');
    item.textContent = text;
    return item;
  }));
  $('producer-rate').value = scenario.producer.records_per_s;
  $('consumer-rate').value = scenario.consumer.records_per_s;
  const brokers = scenario.cluster?.brokers ?? 1;
  const names = Array.from({ length: brokers }, (_, i) => `broker-${i}`);
  $('broker').replaceChildren(...names.map((name, i) => new Option(name, String(i))));
  // A stream job restarts its own source tasks (the consumers) and has a fixed parallelism:
  // the engine refuses restart_consumer and add_consumer, so the page does not offer them.
  $('restart').hidden = Boolean(scenario.stream);
  $('add-consumer').hidden = Boolean(scenario.stream);
  app.streamPanel.start(scenario);
  app.workloadPanel.start(scenario);
  app.archPanel.start(scenario);
}

/** Lists the group's current members in the consumer picker, keeping the selection. */
function syncConsumerChoices() {
  const picker = $('consumer');
  const members = app.lab.snapshot().consumers.map((c) => c.node);
  if (picker.options.length === members.length) return;
  const selected = picker.value;
  picker.replaceChildren(...members.map((name, i) => new Option(name, String(i))));
  if (selected) picker.value = selected;
}

/** The window the page gives architectures added to a workload scenario: one closes in a minute. */
const ADDED_ARCH_WINDOW_MS = 60000;

/**
 * The scenario's JSON, with Lambda, Kappa and CQRS added when the user asked for them and the
 * scenario has a workload (its query is what they answer) but no architectures of its own.
 */
function scenarioJson() {
  const json = dhara.scenario_json(app.state.scenario);
  const doc = JSON.parse(json);
  const addable = Boolean(doc.workload) && !doc.architectures;
  $('arch').disabled = !addable;
  $('arch').checked = Boolean(doc.architectures) || (addable && app.state.arch);
  if (app.state.arch && !doc.workload) showMessage(`arch: ${app.state.scenario} has no workload, so no query for the architectures to answer; pick a upi, social or shop scenario`);
  if (!addable || !app.state.arch) return json;
  doc.architectures = { window_ms: ADDED_ARCH_WINDOW_MS };
  return JSON.stringify(doc);
}

/** Starts a new run of the current scenario and seed. */
function startRun() {
  const json = scenarioJson();
  const lab = new dhara.Lab(json, BigInt(app.state.seed));
  if (app.lab) app.lab.free();
  app.lab = lab;
  describe(lab.scenario());
  syncConsumerChoices();
  $('scenario').value = app.state.scenario;
  $('seed').value = app.state.seed;
  $('speed').value = String(app.state.speed);
  history.replaceState(null, '', writeHash(app.state));
  app.lastChartMs = -Infinity;
  app.lastPanelMs = -Infinity;
}

function setPlaying(playing) {
  app.playing = playing;
  $('play').textContent = playing ? 'Pause' : 'Play';
  $('play').setAttribute('aria-pressed', String(playing));
}

/**
 * Sends a command to the engine; a refusal is shown, the run goes on. Returns the refusal's
 * text ('' when the command was applied), so a panel can show it next to its own controls.
 */
function command(object) {
  try {
    app.lab.apply(JSON.stringify(object));
    showMessage('');
    app.lastPanelMs = -Infinity;
    return '';
  } catch (error) {
    const text = `Command refused: ${error.message ?? error}`;
    showMessage(text);
    return text;
  }
}

function rateCommand(name, input) {
  const value = Number(input.value);
  if (!Number.isInteger(value) || value < 1 || value > 1000000) {
    showMessage(`${input.getAttribute('aria-label')} must be a whole number from 1 to 1000000 (got "${input.value}")`);
    return;
  }
  command({ command: name, records_per_s: value });
}

function wireControls() {
  $('play').onclick = () => setPlaying(!app.playing);
  $('step').onclick = () => {
    setPlaying(false);
    app.lab.step();
    app.lastChartMs = -Infinity;
    app.lastPanelMs = -Infinity;
  };
  $('speed').onchange = () => {
    app.state.speed = Number($('speed').value);
    history.replaceState(null, '', writeHash(app.state));
  };
  $('scenario').onchange = () => {
    app.state.scenario = $('scenario').value;
    startRun();
  };
  $('seed').onchange = () => {
    const seed = parseSeed($('seed').value);
    if (seed.error) {
      showMessage(`Seed not changed: ${seed.error}`);
      $('seed').value = app.state.seed;
      return;
    }
    showMessage('');
    app.state.seed = seed.value;
    startRun();
  };
  $('arch').onchange = () => {
    app.state.arch = $('arch').checked;
    startRun();
  };
  $('new-seed').onclick = () => {
    app.state.seed = dhara.random_seed();
    startRun();
  };
  $('producer-rate').onchange = () => rateCommand('set_producer_rate', $('producer-rate'));
  $('consumer-rate').onchange = () => rateCommand('set_consumer_rate', $('consumer-rate'));
  $('crash').onclick = () => command({ command: 'crash_consumer', consumer: Number($('consumer').value) });
  $('restart').onclick = () => command({ command: 'restart_consumer', consumer: Number($('consumer').value) });
  $('add-consumer').onclick = () => {
    command({ command: 'add_consumer' });
    syncConsumerChoices();
  };
  $('crash-broker').onclick = () => command({ command: 'crash_broker', broker: Number($('broker').value) });
  $('restart-broker').onclick = () => command({ command: 'restart_broker', broker: Number($('broker').value) });
  $('isolate-broker').onclick = () => {
    const broker = Number($('broker').value);
    const others = Array.from($('broker').options, (o) => Number(o.value)).filter((b) => b !== broker);
    command({ command: 'partition_network', a: [`broker-${broker}`], b: ['controller', ...others.map((b) => `broker-${b}`)] });
  };
  $('heal').onclick = () => command({ command: 'heal_network' });
  $('abort-txn').onclick = () => command({ command: 'abort_transaction' });
  window.addEventListener('hashchange', () => {
    const { state, errors } = readHash(location.hash, app.state, dhara.scenario_names());
    if (errors.length) showMessage(`URL: ${errors.join('; ')}. Kept the rest.`);
    app.state = state;
    startRun();
  });
}

function frame(nowMs) {
  if (app.failed) return;
  try {
    const elapsed = app.lastFrameMs === null ? 0 : Math.min(nowMs - app.lastFrameMs, FRAME_MS_MAX);
    app.lastFrameMs = nowMs;
    if (app.playing && elapsed > 0) app.lab.advance(elapsed * app.state.speed);
    const flow = $('flow');
    sizeCanvas(flow);
    app.lab.draw_flow(flow);
    const lag = $('lag');
    const workloadChart = app.workloadPanel.chart();
    const archChart = app.archPanel.chart();
    // Every canvas is sized each frame (no short-circuit): a resize redraws at once.
    const resized = [lag, workloadChart, archChart].map((canvas) => (canvas ? sizeCanvas(canvas) : false)).some(Boolean);
    if (resized || nowMs - app.lastChartMs >= CHART_INTERVAL_MS) {
      app.lab.draw_lag_chart(lag);
      if (workloadChart) app.lab.draw_workload_chart(workloadChart);
      if (archChart) app.lab.draw_arch_chart(archChart);
      app.lastChartMs = nowMs;
    }
    const panels = app.streamPanel.active || app.workloadPanel.active || app.archPanel.active;
    if (panels && nowMs - app.lastPanelMs >= PANEL_INTERVAL_MS) {
      const snapshot = app.lab.snapshot();
      if (app.streamPanel.active) app.streamPanel.update(snapshot.stream);
      app.workloadPanel.update(snapshot.workload);
      app.archPanel.update(snapshot.architectures);
      app.lastPanelMs = nowMs;
    }
    app.frames += 1;
  } catch (error) {
    showOverlay(error);
    return;
  }
  requestAnimationFrame(frame);
}

async function boot() {
  window.addEventListener('error', (event) => showOverlay(event.error ?? event.message));
  window.addEventListener('unhandledrejection', (event) => showOverlay(event.reason));
  // Relative to this module, so the site works under any sub-path (the single-file build
  // carries the bytes instead: see wasm-source.js).
  await init({ module_or_path: wasmSource(import.meta.url) });
  // share hook: before the first run, so describe() can tell the embed module its title.
  app.embed = installEmbed({ tools: $('share-tools'), showMessage });
  installExport({ tools: $('share-tools'), lab: () => app.lab, showMessage });
  app.streamPanel = createStreamPanel($('stream'), { command, rateCommand, showMessage });
  app.workloadPanel = createWorkloadPanel($('workload'));
  app.archPanel = createArchPanel($('architectures'), { command });
  const names = dhara.scenario_names();
  $('scenario').replaceChildren(...names.map((name) => new Option(name, name)));
  const defaults = { scenario: names[0], seed: '42', speed: 1, arch: false };
  const { state, errors } = readHash(location.hash, defaults, names);
  if (errors.length) showMessage(`URL: ${errors.join('; ')}. Used the defaults for those and kept the rest.`);
  app.state = state;
  startRun();
  wireControls();
  setPlaying(true);
  requestAnimationFrame(frame);
}

boot().catch(showOverlay);
