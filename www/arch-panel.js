// The "Architectures" panel: Lambda, Kappa and event sourcing + CQRS answering the workload's
// query side by side, scored against the truth the engine knows. It reads
// `snapshot().architectures` (one boundary call, made by main.js a few times a second).
//
// Contract: the view is engine/src/arch/compare.rs's ArchView (query, window_ms, latest and
// settled: WindowRows {start_ms, settled, rows [{group, truth, lambda, kappa, cqrs,
// cqrs_refused}]} or null, lambda: LambdaView, kappa:
// KappaView, cqrs: CqrsView, each with a Measure), plus kappa.rs's Switch and cqrs.rs's
// RebuildDone. Rename a field there and you must rename it here. The controls send the
// commands of engine/src/command.rs through main.js's `command`, like every other control.
// Everything is set with textContent: no engine or scenario text is parsed as HTML.

import { el, facts, fmt, label, tableOf } from './workload-panel.js';

const LOGICS = ['exact', 'sampled', 'processing_time'];
const LAYERS = [
  ['lambda_batch', 'Lambda batch layer'], ['lambda_speed', 'Lambda speed layer'], ['kappa', 'Kappa stream job'],
  ['cqrs_commands', 'CQRS command handler'], ['cqrs_projection', 'CQRS projection'],
];
const ARCHS = [
  ['lambda', 'Lambda', 'A batch layer recomputes the whole answer from the master dataset every few minutes, a speed layer covers what arrived since, and the serving layer adds the two: two codebases for one answer.'],
  ['kappa', 'Kappa', 'One stream job keeps the answer; to change its logic you deploy a new version that replays the topic from offset 0 into a new table, and the serving pointer moves once it has caught up.'],
  ['cqrs', 'Event sourcing + CQRS', 'Each record is a command checked against its key\'s aggregate (a payer\'s daily limit, a shopper\'s order); every outcome is logged as an event, and a projection folds the accepted ones into the read model that queries see. Refusals are left out on purpose.'],
];

const seconds = (ms) => `${fmt(ms / 1000)} s`;
const duration = (ms) => (ms === null || ms === undefined ? '—' : ms < 1000 ? `${fmt(ms)} ms` : seconds(ms));
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
/** A small error must not read as none: 0.004 % shows as "< 0.01 %". */
const percent = (p) => (p > 0 && p < 0.01 ? '< 0.01 %' : `${p.toFixed(2)} %`);
const records = (n) => `${fmt(n)} records`;
const logicName = (logic) => label(logic);

/** A <select> of [value, text] pairs with an accessible name, wrapped in its visible label. */
function picker(text, ariaLabel, options, value) {
  const select = el('select');
  select.setAttribute('aria-label', ariaLabel);
  select.append(...options.map(([v, t]) => new Option(t, v)));
  select.value = value;
  const wrap = el('label', `${text} `);
  wrap.append(select);
  return { wrap, select };
}

function button(text, ariaLabel, onClick) {
  const b = el('button', text);
  b.type = 'button';
  b.setAttribute('aria-label', ariaLabel);
  b.onclick = onClick;
  return b;
}

const logicOptions = LOGICS.map((l) => [l, logicName(l)]);

/** The numbers every architecture is measured by (compare.rs Measure and Recovery). */
function measured(m, recovery) {
  const s = m.score;
  const settled = s.cells_settled > 0;
  const spell = recovery.stale_since_ms !== null ? `stale since ${seconds(recovery.stale_since_ms)}` : recovery.last_recovery_ms !== null ? `${duration(recovery.last_recovery_ms)} (${fmt(recovery.spells)} stale spells)` : 'never stale';
  return [
    ['staleness', duration(m.staleness_ms)], ['error vs truth (settled)', settled ? percent(s.error_percent) : '— (none settled yet)'],
    ['cells wrong / settled', `${fmt(s.cells_wrong)} / ${fmt(s.cells_settled)}`], ['core time', `${fmt(m.cpu_s)} core-s`],
    ['storage', megabytes(m.storage_bytes)], ['late rows dropped', fmt(m.late_dropped_rows)], ['recovery after a fault', spell],
  ];
}

const STATE = {
  lambda(v) {
    const batch = v.batch_state === 'running' ? `running, ${v.batch_progress_percent} %` : v.batch_state;
    return {
      badge: v.speed_down ? 'speed layer down' : `batch ${batch}`,
      warn: v.speed_down || v.batch_state === 'restarting',
      facts: [
        ['batch view', batch], ['batch runs', v.batch_runs], ['last batch took', duration(v.last_batch_ms)],
        ['batch covers', records(v.batch_covers_records)],
        ['master dataset', records(v.master_records) + (v.master_full ? ' (full)' : '')],
        ['speed layer', (v.speed_down ? 'down' : `${records(v.speed_lag_records)} behind`) + (v.realtime_full ? ' (view full)' : '')],
        ['logic batch / speed', `${logicName(v.batch_logic)} / ${logicName(v.speed_logic)}${v.logic_differs ? ' (differ!)' : ''}`],
        ['logic changes (two codebases)', v.logic_changes],
        ['core time batch / speed', `${fmt(v.batch_cpu_s)} / ${fmt(v.speed_cpu_s)} core-s`],
      ],
    };
  },
  kappa(v) {
    const r = v.replaying;
    return {
      badge: v.serving_down ? `v${v.serving_version} down` : r ? `replaying v${r.version}` : `serving v${v.serving_version}`,
      warn: v.serving_down,
      facts: [
        ['serving', `v${v.serving_version} (${logicName(v.serving_logic)})${v.serving_down ? ', down' : ''}`],
        ['replay', r ? `v${r.version} (${logicName(r.logic)}): ${records(r.lag_records)} behind${r.records_missed ? `, ${fmt(r.records_missed)} missed` : ''}` : 'none'],
        ['records missed', v.records_missed],
        // The latest switches of the serving pointer, newest first.
        ...v.switches.slice(0, 3).map((s) => [`→ v${s.version} at ${seconds(s.at_ms)}`, `replayed ${fmt(s.records_replayed)} in ${duration(s.replay_ms)}${s.records_missed ? `, ${fmt(s.records_missed)} missed` : ''}`]),
      ],
    };
  },
  cqrs(v) {
    const rejected = Object.entries(v.rejections).map(([why, n]) => [`rejected: ${label(why)}`, n]);
    const last = v.rebuilds[0];
    const rebuild = v.rebuild_left !== null ? `running, ${fmt(v.rebuild_left)} events to go` : last ? 'done' : 'none yet';
    const lastRebuild = last ? [
      ['last rebuilt from event', last.from_snapshot_at], ['replayed', `${fmt(last.events_replayed)} events in ${duration(last.duration_ms)}`],
      ['rebuilt = live model?', last.equal_to_live ? 'yes, equal' : 'NO, differs'],
    ] : [];
    const down = [v.commands_down && 'command handler', v.projection_down && 'projection'].filter(Boolean);
    const rw = v.read_your_writes_ms;
    return {
      badge: down.length ? `${down.join(' + ')} down` : v.rebuild_left !== null ? 'rebuilding' : 'running',
      warn: down.length > 0 || (last && !last.equal_to_live),
      facts: [
        ['events logged', fmt(v.events) + (v.event_log_full ? ' (log full)' : '')], ['projection at event', v.projection_position], ['aggregates', v.aggregates], ['core time commands / projection', `${fmt(v.commands_cpu_s)} / ${fmt(v.projection_cpu_s)} core-s`],
        ...(rejected.length ? rejected : [['rejected', 'none']]), ['read-your-writes p50 / p99', rw ? `${fmt(rw[0])} / ${fmt(rw[1])} ms` : '—'],
        ['snapshot at event', v.snapshot_at ?? 'none yet'], ['rebuild', rebuild], ...lastRebuild,
      ],
    };
  },
};

/**
 * The side-by-side table of one window; a served value that differs from the truth is marked.
 * CQRS's rules refuse some commands on purpose, so its value is compared with the truth
 * minus what it refused (shown beside it).
 */
function answerTable(caption, window) {
  const expected = (row, key) => (key === 'cqrs' ? row.truth - row.cqrs_refused : row.truth);
  const text = (row, key) => {
    const refused = key === 'cqrs' && row.cqrs_refused ? ` (−${fmt(row.cqrs_refused)} refused)` : '';
    return `${fmt(row[key])}${refused}${row[key] === expected(row, key) ? '' : ' ≠'}`;
  };
  const served = (key) => [key === 'cqrs' ? 'CQRS' : ARCHS.find(([k]) => k === key)[1], (row) => text(row, key), (row) => (row[key] === expected(row, key) ? '' : 'arch-off')];
  const table = tableOf(caption, window.rows, [['group', (row) => row.group], ['truth', (row) => fmt(row.truth)], ...['lambda', 'kappa', 'cqrs'].map(served)]);
  // Each cell names its column, so a phone can lay a row out as a small card (style.css).
  const headings = Array.from(table.tHead.rows[0].cells, (th) => th.textContent);
  for (const row of table.tBodies[0].rows) Array.from(row.cells, (td, i) => td.setAttribute('data-label', headings[i]));
  return table;
}

const windowName = (window, windowMs) => `[${seconds(window.start_ms)}, ${seconds(window.start_ms + windowMs)})`;

/**
 * The panel for `root` (a hidden <section>). `command(object)` sends a command the way the
 * rest of the page does and returns the refusal's text ('' when applied).
 */
export function createArchPanel(root, { command }) {
  let settleMs = 0;
  let f = {};
  const send = (object) => {
    const refusal = command(object);
    f.status.textContent = refusal;
    f.status.hidden = !refusal;
  };

  function build() {
    f = { cards: {} };
    f.query = el('p', undefined, 'arch-query');
    f.table = el('div', undefined, 'arch-table');
    const cards = el('div', undefined, 'arch-cards');
    for (const [key, title, explain] of ARCHS) {
      const badge = el('span', '', 'badge');
      const head = el('div', undefined, 'arch-card-head');
      head.append(el('h3', title), badge);
      const card = { badge, numbers: el('div'), state: el('div'), controls: el('div', undefined, 'arch-controls') };
      const article = el('article', undefined, `arch-card arch-${key}`);
      article.setAttribute('aria-label', title);
      article.append(head, el('p', explain, 'arch-explain'), card.numbers, card.state, card.controls);
      cards.append(article);
      f.cards[key] = card;
    }
    // Lambda: run the batch now, and each layer's logic ("two codebases").
    f.speedLogic = picker('Speed logic', 'Lambda speed-layer logic', logicOptions, 'exact');
    f.speedLogic.select.onchange = () => send({ command: 'set_logic', layer: 'lambda_speed', logic: f.speedLogic.select.value });
    f.batchLogic = picker('Batch logic', 'Lambda batch-layer logic', logicOptions, 'exact');
    f.batchLogic.select.onchange = () => send({ command: 'set_logic', layer: 'lambda_batch', logic: f.batchLogic.select.value });
    f.cards.lambda.controls.append(button('Run batch now', 'Run the Lambda batch layer now', () => send({ command: 'run_batch_now' })), f.speedLogic.wrap, f.batchLogic.wrap);
    // Kappa: deploy the next version with a logic, optionally accepting lost history.
    const deployLogic = picker('Logic', 'Logic of the new Kappa version', logicOptions, 'exact');
    const allowLoss = el('input');
    allowLoss.type = 'checkbox';
    allowLoss.setAttribute('aria-label', 'Allow loss: replay even if retention removed records');
    const lossLabel = el('label');
    lossLabel.append(allowLoss, ' allow loss');
    f.deploy = button('Deploy v2', 'Deploy a new Kappa version (replays the topic from offset 0)', () => send({ command: 'deploy_v2', logic: deployLogic.select.value, allow_loss: allowLoss.checked }));
    f.cards.kappa.controls.append(f.deploy, deployLogic.wrap, lossLabel);
    // CQRS: rebuild the read model from the latest snapshot and the event log.
    f.cards.cqrs.controls.append(button('Rebuild projection', 'Rebuild the CQRS projection from its latest snapshot', () => send({ command: 'rebuild_projection' })));
    // Faults: crash one layer; it restarts by itself.
    const layer = picker('Layer', 'Layer to crash', LAYERS, 'lambda_batch');
    const foot = el('div', undefined, 'arch-foot');
    foot.append(layer.wrap, button('Crash layer', 'Crash the chosen layer', () => send({ command: 'crash_layer', layer: layer.select.value })));
    f.status = el('p', '', 'arch-status');
    f.status.setAttribute('role', 'status');
    f.status.hidden = true;
    // Drawn by Rust (Lab.draw_arch_chart) from main.js's frame loop: the series over time.
    f.chart = el('canvas', undefined, 'arch-chart');
    f.chart.id = 'arch-chart';
    f.chart.setAttribute('aria-label', 'Staleness, error against the truth and core time of Lambda, Kappa and CQRS over time');
    root.replaceChildren(el('h2', 'Three architectures, one question'), f.query, f.table, f.chart, cards, foot, f.status);
  }

  /** Keeps a logic picker on the engine's value unless someone is using it. */
  const follow = (select, value) => {
    if (document.activeElement !== select && select.value !== value) select.value = value;
  };

  return {
    active: false,
    /** Shows the panel for a scenario with an `architectures` section, hides it otherwise. */
    start(scenario) {
      this.active = Boolean(scenario.architectures);
      root.hidden = !this.active;
      root.replaceChildren();
      if (!this.active) return;
      settleMs = scenario.architectures.settle_ms ?? 0;
      build();
    },
    /** The canvas main.js draws the architectures chart into (null when hidden). */
    chart() {
      return this.active ? f.chart : null;
    },
    /** Renders an ArchView (`snapshot().architectures`) at simulated time `nowUs`. */
    update(view) {
      if (!this.active || !view) return;
      f.query.textContent = `${view.query}. “≠” marks a value that differs from the truth; only settled windows (ended more than ${seconds(settleMs)} ago) are scored.`;
      const tables = [];
      if (view.settled) tables.push(answerTable(`Settled window ${windowName(view.settled, view.window_ms)}: what is still different is really wrong`, view.settled));
      if (view.latest && view.latest.start_ms !== view.settled?.start_ms) tables.push(answerTable(`Latest window ${windowName(view.latest, view.window_ms)}, still filling`, view.latest));
      f.table.replaceChildren(...(tables.length ? tables : [el('p', 'No data yet.')]));
      for (const [key] of ARCHS) {
        const card = f.cards[key];
        const state = STATE[key](view[key]);
        card.badge.textContent = state.badge;
        card.badge.className = `badge ${state.warn ? 'warn' : 'ok'}`;
        card.numbers.replaceChildren(facts(measured(view[key].measure, view[key].recovery), 'workload-facts arch-facts'));
        card.state.replaceChildren(facts(state.facts, 'workload-facts arch-facts'));
      }
      follow(f.speedLogic.select, view.lambda.speed_logic);
      follow(f.batchLogic.select, view.lambda.batch_logic);
      const next = `Deploy v${(view.kappa.replaying?.version ?? view.kappa.serving_version) + 1}`;
      if (f.deploy.textContent !== next) f.deploy.textContent = next;
    },
  };
}
