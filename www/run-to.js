// "Run to…": fast-forward the run to a chosen simulated time as fast as the engine can, with a
// progress bar (share done, simulated time reached, records per wall-clock second, time left)
// like `dhara run --progress`. Each frame spends most of its time simulating and still draws,
// so the flow, the time bar and the dashboards keep moving. Commands sent meanwhile are applied
// at the instant reached (as when playing) and the fast-forward goes on; Esc or Cancel, play,
// step, a seek or a new run stop it where it is.

import { groupDigits } from './controls.js';
import { T_MS_MAX } from './url-state.js';

const $ = (id) => document.getElementById(id);

/**
 * Wall-clock ms a fast-forward frame aims to take, from its start to the next one: two 60 Hz
 * frames, so the page still draws and answers input about 30 times a second. Frames come on
 * the display's beat, so simulating for a fixed 32 ms and then drawing would miss the second
 * beat and wait for the third; the frame simulates up to its deadline less what drawing takes.
 */
export const FAST_FRAME_MS = 2000 / 60;
/**
 * Wall-clock ms a fast-forward frame simulates at least, whatever its deadline: a frame that
 * starts late (the machine was busy) still does as much as playing at top speed would.
 */
const FAST_SIMULATE_MIN_MS = 12;
/**
 * Wall-clock ms a fast-forward frame keeps for drawing and the browser's rendering: the flow
 * and the panels take 2 to 4 ms; a dashboard redraw (every 250 ms) more, and that frame may
 * come a beat late.
 */
const DRAW_RESERVE_MS = 6;

const UNIT_MS = { ms: 1, s: 1000, m: 60000, min: 60000, h: 3600000, d: 86400000 };
const ALLOWED = 'a simulated time with units, like 90 s, 10 min, 1 h 30 min or 24 h (units ms, s, min or m, h, d), more than 0 and at most 7 d';

/**
 * Reads the "Run to" field: one or more number-and-unit parts ("24h", "1 h 30 min", "1.5h"),
 * rounded to a whole millisecond. A bare number has no unit to guess, so it is refused.
 * Returns `{ ms }` or `{ error }`, the error naming the field and what it allows.
 */
export function parseRunTo(text) {
  const trimmed = String(text).trim();
  const part = /\s*(\d+(?:\.\d+)?)\s*(ms|min|s|m|h|d)(?![a-z])/iy;
  let ms = 0;
  let parts = 0;
  while (part.lastIndex < trimmed.length) {
    const match = part.exec(trimmed);
    if (!match) {
      parts = 0;
      break;
    }
    ms += Number(match[1]) * UNIT_MS[match[2].toLowerCase()];
    parts += 1;
  }
  ms = Math.round(ms);
  if (parts === 0 || ms <= 0 || ms > T_MS_MAX) return { error: `Run to must be ${ALLOWED} (got "${trimmed}")` };
  return { ms };
}

/** Milliseconds as a person says them: "12.5 s", "12 min 5 s", "2 min", "3 h 20 min", "24 h", "2 d 3 h". */
export function span(ms) {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const whole = Math.floor(s);
  const pair = (major, unit, minor, minorUnit) => (minor === 0 ? `${major} ${unit}` : `${major} ${unit} ${minor} ${minorUnit}`);
  if (whole < 3600) return pair(Math.floor(whole / 60), 'min', whole % 60, 's');
  // A day is said in hours, as the field's presets are.
  if (whole <= 86400) return pair(Math.floor(whole / 3600), 'h', Math.floor((whole % 3600) / 60), 'min');
  return pair(Math.floor(whole / 86400), 'd', Math.floor((whole % 86400) / 3600), 'h');
}

const grouped = (n) => groupDigits(String(Math.round(n)));

/**
 * A fast-forward's progress as the CLI's line gives it: the share of its way done, records
 * made per wall-clock second since it started, and the wall time left at that pace.
 */
export function measure(run, nowMs, wallNowMs) {
  const share = Math.min(1, (nowMs - run.fromMs) / (run.targetMs - run.fromMs));
  const wallMs = wallNowMs - run.wallStart;
  const perWallS = wallMs > 0 ? ((run.produced - run.producedFrom) * 1000) / wallMs : 0;
  return { now: nowMs, share, wallMs, perWallS, leftMs: share > 0 ? (wallMs * (1 - share)) / share : null };
}

/**
 * Advances the run towards `targetMs` in main.js's pace-sized slices until `deadline`
 * (performance.now() time). Returns the last summary, undefined if there was nothing to do,
 * or null when a logged command was refused (main.js's drive has said which).
 */
function advanceUntil(deps, targetMs, deadline) {
  let summary;
  while (performance.now() < deadline) {
    // From where the engine is, not a running sum: the run stops at exactly its target.
    const left = targetMs - deps.app.lab.now_ms();
    if (left <= 0) break;
    ({ summary } = deps.advanceSlice(left, deadline));
    if (summary === null) return null;
  }
  return summary;
}

/**
 * `deps` is the page's (main.js): app, advanceSlice, setPlaying, showMessage, invalidate, syncHash.
 * Returns `{ active, simulate(frameMs), stop() }`: the frame loop calls `simulate` instead of its
 * own while `active`; main.js's setPlaying calls `stop`, so play, step and seeks end it.
 */
export function createRunTo(deps) {
  const { app } = deps;
  const bar = $('run-to-bar');
  const input = $('run-to');
  /** The fast-forward under way: its run, target and where and when it started. */
  let run = null;

  function start() {
    const parsed = parseRunTo(input.value);
    const now = app.lab.now_ms();
    let error = parsed.error;
    if (!error && parsed.ms <= now) {
      error = `Run to must be later than now, ${span(now)} (got "${input.value.trim()}"); drag the time bar to go back`;
    }
    input.setAttribute('aria-invalid', String(Boolean(error)));
    if (error) {
      deps.showMessage(error);
      return;
    }
    // Paused underneath: when the fast-forward ends, by reaching the target or cancelled,
    // the run stays where it got to.
    deps.setPlaying(false);
    const produced = app.lab.summary().produced;
    run = { lab: app.lab, fromMs: now, targetMs: parsed.ms, wallStart: performance.now(), producedFrom: produced, produced };
    deps.showMessage('');
    $('run-to-target').textContent = span(run.targetMs);
    $('run-to-progress').hidden = false;
    show();
  }

  /**
   * Simulates until the frame's deadline: `frameMs`, its start, plus FAST_FRAME_MS, less the
   * time kept for drawing (but at least FAST_SIMULATE_MIN_MS from now).
   */
  function simulate(frameMs) {
    if (app.lab !== run.lab) {
      end(null); // a new run replaced this one
      return;
    }
    const deadline = Math.max(frameMs + FAST_FRAME_MS - DRAW_RESERVE_MS, performance.now() + FAST_SIMULATE_MIN_MS);
    const summary = advanceUntil(deps, run.targetMs, deadline);
    if (summary === null) {
      end(null); // a logged command was refused: drive's message says which
      return;
    }
    app.parts.ab.advanceTo(app.lab.now_ms());
    if (summary) run.produced = summary.produced;
    if (app.lab.now_ms() >= run.targetMs) reached();
    else show();
  }

  function show() {
    const { now, share, perWallS, leftMs } = measure(run, app.lab.now_ms(), performance.now());
    const percent = `${(share * 100).toFixed(1)} %`;
    bar.value = share;
    bar.setAttribute('aria-valuetext', `${percent}: ${span(now)} of ${span(run.targetMs)} simulated`);
    $('run-to-percent').textContent = percent;
    $('run-to-reached').textContent = span(now);
    $('run-to-rate').textContent = grouped(perWallS);
    $('run-to-left').textContent = leftMs === null ? 'estimating…' : `about ${span(leftMs)} left`;
  }

  function reached() {
    const { wallMs, perWallS } = measure(run, app.lab.now_ms(), performance.now());
    const ran = span(run.targetMs - run.fromMs);
    end(`Reached ${span(run.targetMs)}: ${ran} simulated in ${span(wallMs)} of wall time, ${grouped(perWallS)} records per wall s. Paused.`);
  }

  /** Ends the fast-forward; the run stays paused where it is. `message` null: say nothing. */
  function end(message) {
    run = null;
    // Cancel is about to be hidden: hand its focus to Go rather than drop it to the page.
    if ($('run-to-progress').contains(document.activeElement)) $('run-to-go').focus();
    $('run-to-progress').hidden = true;
    deps.invalidate();
    deps.syncHash();
    if (message !== null) deps.showMessage(message, false);
  }

  /** Cancels the fast-forward, if one is under way, keeping everything simulated so far. */
  function stop() {
    if (!run) return;
    if (app.lab !== run.lab) end(null);
    else end(`Fast-forward to ${span(run.targetMs)} stopped at ${span(app.lab.now_ms())}; nothing was lost.`);
  }

  $('run-to-form').addEventListener('submit', (event) => {
    event.preventDefault();
    start();
  });
  input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
  $('run-to-cancel').onclick = stop;
  document.addEventListener('keydown', (event) => {
    // A dialog or the node menu closes on Esc first; the fast-forward goes on.
    if (event.key !== 'Escape' || !run || event.target.closest?.('[role=menu], dialog')) return;
    event.preventDefault();
    stop();
  });
  return { get active() { return run !== null; }, simulate, stop };
}
