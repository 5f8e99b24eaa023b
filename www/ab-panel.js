// A/B: a second run, B, beside the main one, A: the same scenario, seed and commands, with a
// few knobs changed (acks=1 against acks=all, one consumer against three). Both advance to
// the same simulated instant every frame, so every difference in the table is the knobs'.

import { messageOf, openLab, withKnobs } from './runs.js';
import { parseKnobValue } from './url-state.js';

/** [label, field of the summary] compared side by side. */
const ROWS = [
  ['Produced', 'produced'], ['Acknowledged', 'acked'], ['Acknowledged, then lost', 'acked_lost'],
  ['Failed sends', 'failed'], ['Consumed', 'consumed'], ['Duplicates', 'duplicates'], ['Lag (records)', 'lag_records'],
];

const el = (tag, text) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
};

export function createAbPanel(section, deps) {
  let lab = null;
  let baseJson = '';
  let flow = null;
  let table = null;

  /** B replays A's command log; one B refuses is dropped from B's log with the rest, and said. */
  function replay(action) {
    try {
      action(lab);
    } catch (error) {
      deps.showMessage(`B: ${messageOf(error)}; B dropped it and its later commands`);
    }
  }

  function stop() {
    lab?.free();
    lab = null;
    section.hidden = true;
    section.replaceChildren();
    document.body.classList.remove('ab-on');
  }

  function setKnob(path, raw) {
    const { app } = deps;
    const bKnobs = { ...app.state.bKnobs, [path]: parseKnobValue(raw.trim()) };
    try {
      deps.dhara.scenario_with(baseJson, JSON.stringify({ ...app.state.knobs, ...bKnobs }));
    } catch (error) {
      deps.showMessage(`B not changed: ${messageOf(error)}`);
      return;
    }
    deps.restartWith({ bKnobs });
  }

  function editor() {
    const knobs = deps.dhara.knobs(baseJson);
    const path = el('select');
    path.setAttribute('aria-label', 'Knob B changes');
    path.append(...knobs.map((k) => new Option(`${k.label ?? k.path} (${k.path})`, k.path)));
    const value = el('input');
    value.setAttribute('aria-label', 'B\'s value for that knob');
    value.size = 8;
    const show = () => {
      const knob = knobs.find((k) => k.path === path.value);
      value.value = String(deps.app.state.bKnobs[path.value] ?? knob?.value ?? '');
    };
    path.onchange = show;
    show();
    const set = el('button', 'Set for B');
    set.type = 'button';
    set.onclick = () => setKnob(path.value, value.value);
    const form = el('div');
    form.className = 'ab-editor';
    form.append(path, value, set);
    const differences = el('ul');
    differences.className = 'ab-differences';
    for (const [p, v] of Object.entries(deps.app.state.bKnobs)) {
      const item = el('li', `B: ${p} = ${JSON.stringify(v)} `);
      const remove = el('button', 'Remove');
      remove.type = 'button';
      remove.setAttribute('aria-label', `Remove B's change of ${p}`);
      remove.onclick = () => {
        const { [p]: _, ...rest } = deps.app.state.bKnobs;
        deps.restartWith({ bKnobs: rest });
      };
      item.append(remove);
      differences.append(item);
    }
    if (!differences.children.length) differences.append(el('li', 'B equals A: change a knob for B to compare.'));
    return [form, differences];
  }

  function build() {
    const heading = el('h2', 'A/B: the same seed and commands, different knobs');
    flow = el('canvas');
    flow.className = 'ab-flow';
    flow.setAttribute('aria-label', 'Message flow of configuration B');
    table = el('table');
    table.className = 'ab-table';
    section.replaceChildren(heading, ...editor(), flow, table);
    section.hidden = false;
    document.body.classList.add('ab-on');
  }

  function renderTable(a, b) {
    const caption = el('caption', 'A against B, now');
    const head = el('tr');
    head.append(el('th', ''), el('th', 'A'), el('th', 'B'), el('th', 'B − A'));
    const rows = ROWS.map(([label, field]) => {
      const row = el('tr');
      const diff = b[field] - a[field];
      const cell = el('td', diff > 0 ? `+${diff.toLocaleString('en-US')}` : diff.toLocaleString('en-US'));
      if (diff !== 0) cell.className = 'ab-diff';
      row.append(el('th', label), el('td', a[field].toLocaleString('en-US')), el('td', b[field].toLocaleString('en-US')), cell);
      return row;
    });
    table.replaceChildren(caption, head, ...rows);
  }

  return {
    start(json, state, report) {
      stop();
      if (!state.ab) return;
      baseJson = json;
      const { json: bJson, knobs } = withKnobs(deps.dhara, json, { ...state.knobs, ...state.bKnobs }, 'b.', report);
      state.bKnobs = Object.fromEntries(Object.entries(state.bKnobs).filter(([p]) => Object.hasOwn(knobs, p)));
      lab = openLab(deps.dhara, bJson, state.seed, state.commands, report).lab;
      if (state.t !== null) replay((b) => b.seek(state.t));
      build();
    },
    /**
     * B's refusal of a command A accepted at `atMs` ('' if B took it too). B first moves to
     * that instant: a paused A may have stepped without B, and a command B logged at another
     * time would make a different run, not the same one with other knobs.
     */
    apply(command, atMs) {
      if (!lab) return '';
      if (lab.now_ms() !== atMs) replay((b) => b.seek(atMs));
      try {
        lab.apply(JSON.stringify(command));
        return '';
      } catch (error) {
        return messageOf(error);
      }
    },
    advanceTo(ms) { if (lab && ms > lab.now_ms()) replay((b) => b.seek(ms)); },
    seek(ms) { if (lab) replay((b) => b.seek(ms)); },
    fork(atMs) {
      if (!lab) return;
      if (lab.now_ms() !== atMs) replay((b) => b.seek(atMs));
      lab.fork();
    },
    canvases: () => (lab ? [flow] : []),
    drawFlow(textScale, reducedMotion) { if (lab) lab.draw_flow_with(flow, textScale, reducedMotion); },
    update() { if (lab) renderTable(deps.app.lab.summary(), lab.summary()); },
    get lab() { return lab; },
  };
}
