// Dhara's page shell: the run's lifecycle, URL state and the frame loop. All simulation and
// drawing is in Rust (the `Lab` handle from ../dhara.js); per frame this calls `advance` once
// and the draw functions, never anything per message. The controls (./controls.js), the
// knobs (./knobs-panel.js), the time bar (./timebar.js), the narration (./narrator.js), the
// node menu (./node-menu.js), the dashboards (./dashboards.js), A/B (./ab-panel.js), the
// fast-forward "Run to…" (./run-to.js) and the scenario panels (stream, workload,
// architectures) are modules fed from here.
//
// Contract with src/: Lab(scenarioJson, seed: BigInt), advance(ms) -> summary, step(),
// apply(commandJson) -> later commands dropped, seek(ms), fork(), command_log(),
// load_commands(json), now_ms(), furthest_ms(), last_sample_ms(), snapshot(), scenario(), summary(),
// draw_flow_with(canvas, textScale, reducedMotion), node_at(w, h, x, y),
// draw_dashboard(canvas, name), draw_workload_chart(canvas), draw_arch_chart(canvas),
// narration_since(seq, max), trace_len(), trace_hash(); scenario_names(), scenario_json(name),
// knobs(json), scenario_with(json, overridesJson), random_seed().

import init, * as dhara from '../dhara.js';
import { TEXT_SCALE_BIG, defaultState, isBareLessonLink, readHash, writeHash } from './url-state.js';
import { createStreamPanel } from './stream-panel.js';
import { createWorkloadPanel } from './workload-panel.js';
import { createArchPanel } from './arch-panel.js';
import { baseScenarioJson, messageOf, openLab, withKnobs } from './runs.js';
import { wireControls, syncControls } from './controls.js';
import { createKnobsPanel } from './knobs-panel.js';
import { createTimebar } from './timebar.js';
import { createNarrator } from './narrator.js';
import { createNodeMenu } from './node-menu.js';
import { createDashboards } from './dashboards.js';
import { createAbPanel } from './ab-panel.js';
import { createLessonsPanel } from './lessons-panel.js';
import { createRunTo } from './run-to.js';
// Embed mode, copy embed code, export, and the single-file build's inlined wasm:
import { installEmbed } from './embed.js';
import { installExport } from './export.js';
import { wasmSource } from './wasm-source.js';

const $ = (id) => document.getElementById(id);
/** Simulated time one frame may owe is capped at this many wall-clock ms × speed. */
const FRAME_MS_MAX = 100;
/**
 * Wall-clock ms a frame may spend simulating. A scenario the engine cannot run at the asked
 * speed falls behind (its debt waits for the next frame, up to the cap) instead of freezing
 * the page; drawing is cheap and never what slows simulated time.
 */
const SIMULATE_BUDGET_MS = 12;

const CHART_INTERVAL_MS = 250;
const PANEL_INTERVAL_MS = 200;

const app = {
  lab: null,
  state: defaultState(''),
  scenario: null,
  playing: true,
  lastFrameMs: null,
  lastChartMs: -Infinity,
  /** Charts must be redrawn whatever the engine sampled (a seek, a command, a new run). */
  chartsStale: true,
  lastPanelMs: -Infinity,
  frames: 0,
  /** Simulated ms the clock owes the run: what a slow frame could not simulate yet. */
  debtMs: 0,
  /** The engine's recent pace, simulated ms per wall-clock ms: sizes the slices. */
  paceMsPerMs: 1,
  failed: false,
  reducedMotion: false,
  parts: {},
};
// For tests and the console: window.dhara.app.lab is the live handle.
window.dhara = { app, bindings: dhara };

export function showMessage(text, isError = true) {
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

export function sizeCanvas(canvas) {
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

function describe(scenario) {
  app.embed.describe(scenario);
  $('about-title').textContent = scenario.title;
  $('about-text').textContent = scenario.description;
  $('simplifications').replaceChildren(...scenario.simplifications.map((text) => {
    const item = document.createElement('li');
    item.textContent = text;
    return item;
  }));
  for (const part of ['streamPanel', 'workloadPanel', 'archPanel', 'dashboards']) app.parts[part].start(scenario);
}

/**
 * The URL now. A paused run writes its time cursor (the link opens paused there); a playing
 * one leaves it out, so the link plays the same run from the start.
 */
export function syncHash() {
  if (!app.lab) return;
  app.state.t = app.playing ? null : Math.floor(app.lab.now_ms());
  history.replaceState(null, '', writeHash(app.state));
}

/**
 * Starts a new run of the state's scenario, seed, knobs and command log, at its time cursor.
 * Every refused part is dropped alone and named in one message.
 */
export function startRun() {
  const problems = [];
  const report = (text) => problems.push(text);
  const base = baseScenarioJson(dhara, app.state, report);
  $('arch').disabled = !base.addable;
  $('arch').checked = base.builtIn || (base.addable && app.state.arch);
  const { json, knobs } = withKnobs(dhara, base.json, app.state.knobs, 'set.', report);
  app.state.knobs = knobs;
  const opened = openLab(dhara, json, app.state.seed, app.state.commands, report);
  if (app.lab) app.lab.free();
  app.lab = opened.lab;
  app.state.commands = opened.commands;
  app.baseJson = base.json;
  app.scenario = app.lab.scenario();
  describe(app.scenario);
  app.parts.knobs.start(base.json, json, app.state.knobs);
  app.parts.narrator.start(app.lab);
  app.parts.ab.start(base.json, app.state, report);
  syncControls(app, app.lab.snapshot());
  showMessage(problems.length ? `URL: ${problems.join('; ')}. Kept the rest.` : '');
  // After the message: replaying to the cursor may report a command the run refuses.
  const cursor = app.state.t;
  if (cursor !== null) {
    setPlaying(false);
    drive((lab) => lab.seek(cursor));
  }
  syncHash();
  invalidate();
}

/** Applies `changes` to the state and starts the run again from 0 s, playing. */
export function restartWith(changes) {
  Object.assign(app.state, changes, { t: null });
  startRun();
  setPlaying(true);
}

export function setPlaying(playing) {
  // Play, step, a seek or a new run end a fast-forward where it got to.
  app.parts.runTo?.stop();
  app.playing = playing;
  app.debtMs = 0;
  $('play').textContent = playing ? 'Pause' : 'Play';
  $('play').setAttribute('aria-pressed', String(playing));
  syncHash();
}

/** How the engine names a logged command it refused when replaying it (then drops it and the rest). */
const REPLAY_REFUSAL = /^commands\[\d+\]/;

/**
 * Runs `action(lab)` (advance, step, seek: anything that replays the command log). A logged
 * command the run refuses when its time comes (a link that crashes a broker twice) is
 * reported and dropped with the ones after it; the run goes on. Anything else is a bug and
 * reaches the overlay.
 */
export function drive(action) {
  try {
    return action(app.lab);
  } catch (error) {
    const text = messageOf(error);
    if (!REPLAY_REFUSAL.test(text)) throw error;
    app.state.commands = JSON.parse(app.lab.command_log());
    showMessage(`Replay stopped at a command this run refuses: ${text}. It and the later commands were dropped; the run goes on.`);
    syncHash();
    return null;
  }
}

/** Redraw and refresh panels on the next frame (after a step, a seek, a command). */
export function invalidate() {
  app.lastChartMs = -Infinity;
  app.lastPanelMs = -Infinity;
  app.chartsStale = true;
}

/**
 * Sends a command to the engine (and to B in an A/B run); a refusal is shown, the run goes
 * on. Returns the refusal's text ('' when applied), so a panel can show it beside its controls.
 */
export function command(object) {
  try {
    const dropped = app.lab.apply(JSON.stringify(object));
    app.state.commands = JSON.parse(app.lab.command_log());
    const refusedByB = app.parts.ab.apply(object, app.lab.now_ms());
    const notes = [];
    if (dropped > 0) notes.push(`Forked: a new future from ${(app.lab.now_ms() / 1000).toFixed(1)} s; the ${dropped} later command${dropped === 1 ? ' was' : 's were'} dropped`);
    if (refusedByB) notes.push(`B refused it: ${refusedByB}`);
    showMessage(notes.join('. '), Boolean(refusedByB));
    syncHash();
    invalidate();
    return '';
  } catch (error) {
    const text = `Command refused: ${messageOf(error)}`;
    showMessage(text);
    return text;
  }
}

/** A rate command from a number input, range-checked here so the message names the input. */
export function rateCommand(name, input) {
  const value = Number(input.value);
  if (!Number.isInteger(value) || value < 1 || value > 1000000) {
    showMessage(`${input.getAttribute('aria-label')} must be a whole number from 1 to 1000000 (got "${input.value}")`);
    return;
  }
  command({ command: name, records_per_s: value });
}

function drawCharts(nowMs) {
  const { dashboards, workloadPanel, archPanel, ab } = app.parts;
  const canvases = [dashboards.canvas(), workloadPanel.chart(), archPanel.chart(), ...ab.canvases()];
  // Every canvas is sized each frame (no short-circuit): a resize redraws at once.
  const resized = canvases.map((canvas) => (canvas ? sizeCanvas(canvas) : false)).some(Boolean);
  if (!resized && nowMs - app.lastChartMs < CHART_INTERVAL_MS) return;
  dashboards.draw(app.lab, app.lab.last_sample_ms(), resized || app.chartsStale);
  app.chartsStale = false;
  if (workloadPanel.chart()) app.lab.draw_workload_chart(workloadPanel.chart());
  if (archPanel.chart()) app.lab.draw_arch_chart(archPanel.chart());
  app.lastChartMs = nowMs;
}

function updatePanels(nowMs) {
  const { streamPanel, workloadPanel, archPanel, narrator, timebar, ab } = app.parts;
  if (nowMs - app.lastPanelMs < PANEL_INTERVAL_MS) return;
  const snapshot = app.lab.snapshot();
  if (streamPanel.active) streamPanel.update(snapshot.stream);
  workloadPanel.update(snapshot.workload);
  archPanel.update(snapshot.architectures);
  narrator.update(app.lab);
  timebar.update(app.lab);
  ab.update(snapshot);
  app.parts.lessons.refresh(app.lab);
  syncControls(app, snapshot);
  app.lastPanelMs = nowMs;
}

/**
 * Simulates what the frame owes, slice by slice, until it is paid or the budget is spent.
 * Slices are sized from the engine's measured pace (simulated ms per wall ms), so even one
 * slice stays within the budget when a scenario is heavy.
 */
/**
 * Advances the run by at most `wantMs` simulated ms in one slice, sized from the engine's pace
 * (`app.paceMsPerMs`, simulated ms per wall-clock ms) to take about half the wall time left
 * before `deadline` (a performance.now() time), and learns the pace from it. Playing and the
 * fast-forward (./run-to.js) both simulate in these slices. Returns the simulated ms and the
 * summary, null when a logged command was refused (drive has said which).
 */
export function advanceSlice(wantMs, deadline) {
  const started = performance.now();
  const ms = Math.min(wantMs, Math.max(0.001, (app.paceMsPerMs * (deadline - started)) / 2));
  const summary = drive((lab) => lab.advance(ms));
  if (summary !== null) {
    const wallMs = performance.now() - started;
    // A moving average of the engine's pace; a slice too quick to time says only that the
    // pace is at least twice what was assumed (else slices would stay too small to time).
    app.paceMsPerMs = wallMs > 0.2 ? 0.7 * app.paceMsPerMs + 0.3 * (ms / wallMs) : app.paceMsPerMs * 2;
  }
  return { ms, summary };
}

function simulate(elapsedMs) {
  app.debtMs = Math.min(app.debtMs + elapsedMs * app.state.speed, FRAME_MS_MAX * app.state.speed);
  const deadline = performance.now() + SIMULATE_BUDGET_MS;
  while (app.debtMs >= 0.001 && performance.now() < deadline) {
    const { ms, summary } = advanceSlice(app.debtMs, deadline);
    if (summary === null) {
      app.debtMs = 0;
      break;
    }
    app.debtMs -= ms;
  }
  app.parts.ab.advanceTo(app.lab.now_ms());
}

function frame(nowMs) {
  if (app.failed) return;
  try {
    const elapsed = app.lastFrameMs === null ? 0 : Math.min(nowMs - app.lastFrameMs, FRAME_MS_MAX);
    app.lastFrameMs = nowMs;
    if (app.parts.runTo.active) app.parts.runTo.simulate(nowMs);
    else if (app.playing && elapsed > 0) simulate(elapsed);
    const flow = $('flow');
    sizeCanvas(flow);
    const textScale = app.state.big ? TEXT_SCALE_BIG : 1;
    app.lab.draw_flow_with(flow, textScale, app.reducedMotion);
    app.parts.ab.drawFlow(textScale, app.reducedMotion);
    drawCharts(nowMs);
    updatePanels(nowMs);
    app.frames += 1;
    if (app.frames === 1) performance.mark('dhara-interactive'); // scripts/bench-load.mjs: first frame drawn, controls wired
  } catch (error) {
    showOverlay(error);
    return;
  }
  requestAnimationFrame(frame);
}

function createParts() {
  const deps = { app, command, rateCommand, showMessage, startRun, restartWith, setPlaying, invalidate, syncHash, drive, advanceSlice, dhara };
  app.parts = {
    streamPanel: createStreamPanel($('stream'), { command, rateCommand, showMessage }),
    workloadPanel: createWorkloadPanel($('workload')),
    archPanel: createArchPanel($('architectures'), { command }),
    knobs: createKnobsPanel($('knobs-panel'), deps),
    timebar: createTimebar(deps),
    narrator: createNarrator($('narration'), $('announce')),
    nodeMenu: createNodeMenu($('flow'), $('node-menu'), deps),
    dashboards: createDashboards($('dash-tabs'), $('lag')),
    ab: createAbPanel($('ab-panel'), deps),
  };
  // After the dashboards: a lesson step may bring one forward.
  app.parts.lessons = createLessonsPanel($('lesson'), deps);
  app.parts.runTo = createRunTo(deps);
  return deps;
}

/**
 * Opens the run a hash describes. A lesson's own link (`#lesson=ID&step=N`) opens the step's
 * state; a link the page wrote while in a lesson holds its whole state and opens the lesson
 * card beside it. Bad parts are named and fall back alone.
 */
function openFromHash(hash, names, fallback) {
  const { state, errors } = readHash(hash, defaultState(names[0]), names);
  app.state = state;
  const { lessons } = app.parts;
  const lesson = state.lesson ? lessons.find(state.lesson) : null;
  if (state.lesson && !lesson) {
    errors.push(`lesson must be one of ${lessons.ids().join(', ')} (got "${state.lesson}")`);
    Object.assign(state, { lesson: null, step: null });
  } else if (lesson && !(state.step >= 1 && state.step <= lesson.steps.length)) {
    if (state.step !== null) errors.push(`step must be 1 to ${lesson.steps.length} for lesson ${lesson.id} (got ${state.step}); opened step 1`);
    state.step = 1;
  }
  if (lesson && isBareLessonLink(hash)) {
    lessons.open(lesson.id, state.step, { load: true });
  } else {
    startRun();
    if (lesson) lessons.open(lesson.id, state.step, { load: false });
    else lessons.close();
    if (app.state.t === null) setPlaying(true);
  }
  if (lessons.broken.length) errors.push(...lessons.broken.map((e) => `lesson file ${e}`));
  if (errors.length) showMessage(`URL: ${errors.join('; ')}. ${fallback}.`);
}

async function boot() {
  window.addEventListener('error', (event) => showOverlay(event.error ?? event.message));
  window.addEventListener('unhandledrejection', (event) => showOverlay(event.reason));
  // Relative to this module, so the site works under any sub-path.
  await init({ module_or_path: wasmSource(import.meta.url) });
  // Before the first run, so describe() can tell the embed module its title.
  app.embed = installEmbed({ tools: $('share-tools'), showMessage });
  installExport({ tools: $('share-tools'), lab: () => app.lab, showMessage });
  const motion = window.matchMedia('(prefers-reduced-motion: reduce)');
  app.reducedMotion = motion.matches;
  motion.addEventListener('change', () => { app.reducedMotion = motion.matches; });
  const deps = createParts();
  const names = dhara.scenario_names();
  $('scenario').replaceChildren(...names.map((name) => new Option(name, name)));
  wireControls(deps);
  openFromHash(location.hash, names, 'Used the defaults for those and kept the rest');
  window.addEventListener('hashchange', () => {
    if (location.hash !== writeHash(app.state)) openFromHash(location.hash, names, 'Kept the rest');
  });
  requestAnimationFrame(frame);
}

boot().catch(showOverlay);
