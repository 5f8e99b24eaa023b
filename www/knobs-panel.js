// The knobs: every setting of the current scenario a learner should try (brokers, partitions,
// RF, acks, linger, consumers, assignor, watermark delay, window size, lateness, delivery…),
// each with its range and one line on what turning it does (engine/src/scenario/knobs.rs).
// A change restarts the run on the same seed and command log; the engine validates it
// first, so a refused value is named and the run the user had is kept.

import { parseKnobValue } from './url-state.js';
import { messageOf } from './runs.js';

/** The value an input holds, typed as its knob's kind. */
function inputValue(knob, input) {
  if (knob.kind === 'flag') return input.checked;
  if (knob.kind === 'integer' || knob.kind === 'number') return input.value.trim() === '' ? NaN : Number(input.value);
  if (knob.kind === 'choice') return input.value;
  return parseKnobValue(input.value.trim());
}

function showValue(knob, input, value) {
  if (knob.kind === 'flag') input.checked = Boolean(value);
  else input.value = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? '');
}

function inputFor(knob) {
  if (knob.kind === 'choice') {
    const select = document.createElement('select');
    select.append(...knob.options.map((option) => new Option(String(option), String(option))));
    return select;
  }
  const input = document.createElement('input');
  if (knob.kind === 'flag') input.type = 'checkbox';
  else if (knob.kind === 'integer' || knob.kind === 'number') {
    input.type = 'number';
    if (knob.min !== null && knob.min !== undefined) input.min = String(knob.min);
    if (knob.max !== null && knob.max !== undefined) input.max = String(knob.max);
    input.step = knob.kind === 'integer' ? '1' : 'any';
  } else input.type = 'text';
  return input;
}

function rangeText(knob) {
  const unit = knob.unit ? ` ${knob.unit}` : '';
  if (knob.kind === 'integer' || knob.kind === 'number') return knob.min !== null && knob.min !== undefined ? `${knob.min} to ${knob.max}${unit}` : unit.trim();
  return '';
}

export function createKnobsPanel(details, deps) {
  const list = details.querySelector('#knob-list');
  const reset = details.querySelector('#knobs-reset');
  let baseJson = '';
  /** Each knob's value in the scenario as written, before any override. */
  let baseValues = new Map();

  function change(knob, input) {
    const { app } = deps;
    const value = inputValue(knob, input);
    const knobs = { ...app.state.knobs };
    if (JSON.stringify(value) === JSON.stringify(baseValues.get(knob.path))) delete knobs[knob.path];
    else knobs[knob.path] = value;
    try {
      deps.dhara.scenario_with(baseJson, JSON.stringify(knobs));
    } catch (error) {
      deps.showMessage(`Knob not changed: ${messageOf(error)}`);
      showValue(knob, input, knob.value);
      return;
    }
    deps.restartWith({ knobs });
    deps.showMessage(`${knob.path} = ${JSON.stringify(value)}: the run restarted from 0 s on the same seed${app.state.commands.length ? ', replaying its commands' : ''}`, false);
  }

  function row(knob, current) {
    const id = `knob-${knob.path.replace(/[^a-z0-9]+/gi, '-')}`;
    const wrap = document.createElement('div');
    wrap.className = 'knob';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = knob.label ?? knob.path;
    label.title = knob.path;
    const input = inputFor(knob);
    input.id = id;
    input.setAttribute('aria-describedby', `${id}-about`);
    showValue(knob, input, current);
    input.addEventListener('change', () => change(knob, input));
    const range = document.createElement('span');
    range.className = 'knob-range';
    range.textContent = rangeText(knob);
    const about = document.createElement('p');
    about.id = `${id}-about`;
    about.className = 'knob-about';
    about.textContent = knob.about;
    const changed = Object.hasOwn(deps.app.state.knobs, knob.path);
    wrap.classList.toggle('changed', changed);
    const path = document.createElement('code');
    path.textContent = knob.path;
    wrap.append(label, input, range, about, path);
    return wrap;
  }

  reset.onclick = (event) => {
    event.preventDefault();
    deps.restartWith({ knobs: {} });
  };

  return {
    /**
     * Lists the knobs of `currentJson` (the scenario with `knobs` applied: its ranges and
     * choices are the ones that validate with the other values as they are now); `json` is
     * the scenario before overrides.
     */
    start(json, currentJson, knobs) {
      baseJson = json;
      const base = deps.dhara.knobs(json);
      baseValues = new Map(base.map((knob) => [knob.path, knob.value]));
      // Without overrides (every page load) the two lists are one: the engine validates once.
      const current = currentJson === json ? base : deps.dhara.knobs(currentJson);
      list.replaceChildren(...current.map((knob) => row(knob, knob.value)));
      reset.hidden = Object.keys(knobs).length === 0;
    },
  };
}
