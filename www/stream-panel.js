// The "Stream job" panel: what a scenario's stream job is doing, in numbers a teacher can
// project. It reads `snapshot().stream` (one boundary call, made by main.js a few times a
// second) and builds its DOM once per run, then only rewrites text that changed.
//
// Contract: every field name read here (job, delivery, status, restarts, sources[].task /
// watermark_us / idle / backpressured / stalled_by / skew_us / records_in / records_out,
// tasks[].task / watermark_us / records_in / records_out / late_dropped / state_bytes /
// queued_records / aligning, checkpoints.completed / abandoned / in_progress / latest,
// sink.visible / duplicates / aborted / pending, recent_outputs[].id / value, waiting) is
// defined by engine/src/stream/job/view.rs (JobView and friends) and the Output, SinkCounts
// and CheckpointStat structs it embeds, and a domain result's fields (domain, score,
// reasons, hashtags, furthest, cart_abandoned) by DomainOutput in engine/src/workload/mod.rs.
// Rename one there and you must rename it here.

/** Results listed in the panel (the snapshot holds up to 20, newest first). */
const RESULTS_SHOWN = 6;

const DELIVERY = {
  exactly_once: ['exactly-once', 'Exactly-once: results go into transactions that commit when a checkpoint completes; a crash aborts the open ones and replays them, so a reader sees each result once. "Pending" waits for the next checkpoint.'],
  at_least_once: ['at-least-once', 'At-least-once: results are visible as soon as they are written; a crash rewinds to the last checkpoint and writes the results since then again, so some arrive twice ("duplicates").'],
  at_most_once: ['at-most-once', 'At-most-once: no checkpoints; a crash restarts the job empty from where its sources were, so results can be lost but never repeated.'],
};

const fmtInt = (n) => Number(n).toLocaleString('en-US');
const fmtSeconds = (us) => {
  const s = us / 1e6;
  return `${Number.isInteger(s) ? s : s.toFixed(1)}`.replace('-', '−');
};
const fmtWatermark = (us) => (us === null || us === undefined ? '—' : `${fmtSeconds(us)} s`);
function fmtDuration(us) {
  if (us >= 10e6) return `${(us / 1e6).toFixed(1)} s`;
  return us >= 10e3 ? `${fmtInt(Math.round(us / 1e3))} ms` : `${(us / 1e3).toFixed(1)} ms`;
}
function fmtBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A result's value in a few words, whatever the operator. */
function fmtValue(value) {
  switch (value.kind) {
    case 'pane': {
      const v = value.value;
      switch (v.kind) {
        case 'count': return `count ${fmtInt(v.count)}`;
        case 'sum': return `sum ${fmtInt(v.sum)}`;
        case 'min': return v.min === null ? 'min —' : `min ${fmtInt(v.min)}`;
        case 'max': return v.max === null ? 'max —' : `max ${fmtInt(v.max)}`;
        case 'average': return v.mean === null ? 'mean —' : `mean ${v.mean.toFixed(1)} of ${fmtInt(v.count)}`;
        case 'top_k': return `top ${v.top.map((t) => `${t.tag}×${t.count}`).join(', ') || '—'}`;
        case 'distinct_approx': return `≈${fmtInt(v.estimate)} distinct`;
        default: return v.kind;
      }
    }
    case 'alert': return `alert: ${fmtInt(value.count)} records`;
    case 'pair': return `pair ${value.left_id} + ${value.right_id}`;
    case 'enriched': return `record ${value.record_id} · ${value.table_value ?? 'no match'}`;
    case 'domain': return fmtDomain(value);
    default: return value.kind;
  }
}

/** A domain operator's result (engine/src/workload/mod.rs DomainOutput) in a few words. */
function fmtDomain(value) {
  switch (value.domain) {
    case 'fraud': return `alert ${value.score.toFixed(2)}: ${value.reasons.join(', ').replace(/_/g, ' ')}`;
    case 'trends': return `top ${value.hashtags.slice(0, 3).map((t) => `${t.tag}×${t.count}`).join(', ') || '—'}`;
    case 'funnel': return `session: ${value.furthest}${value.cart_abandoned ? ', cart abandoned' : ''}`;
    default: return value.domain;
  }
}

const MARKUP = `
  <div class="stream-head">
    <h2>Stream job <span class="stream-name" data-f="job"></span></h2>
    <span class="badge" data-f="delivery"></span>
    <span class="badge" data-f="status"></span>
    <span>restarts <b data-f="restarts"></b></span>
  </div>
  <p class="stream-waiting" data-f="waiting" hidden><b>Why no output yet?</b> <span data-f="waiting-text"></span></p>
  <div class="stream-grid">
    <div class="stream-tasks">
      <table>
        <caption>Source tasks (Kafka readers)</caption>
        <thead><tr><th>task</th><th>watermark</th><th>in</th><th>state</th><th>held back by</th><th>skew</th></tr></thead>
        <tbody data-f="sources"></tbody>
      </table>
      <table>
        <caption>Keyed tasks (window operator)</caption>
        <thead><tr><th>task</th><th>watermark</th><th>in</th><th>out</th><th>late dropped</th><th>state</th><th>queued</th><th>aligning</th></tr></thead>
        <tbody data-f="tasks"></tbody>
      </table>
    </div>
    <dl class="stream-facts">
      <dt class="stream-sub">Checkpoints</dt><dd></dd>
      <dt>completed</dt><dd data-f="cp-completed"></dd>
      <dt>abandoned</dt><dd data-f="cp-abandoned"></dd>
      <dt>in progress</dt><dd data-f="cp-progress"></dd>
      <dt>last took</dt><dd data-f="cp-duration"></dd>
      <dt>last size</dt><dd data-f="cp-size"></dd>
      <dt class="stream-sub">Sink</dt><dd></dd>
      <dt>visible results</dt><dd data-f="visible"></dd>
      <dt>duplicates</dt><dd data-f="duplicates"></dd>
      <dt>aborted</dt><dd data-f="aborted"></dd>
      <dt>pending</dt><dd data-f="pending"></dd>
    </dl>
    <table class="stream-results">
      <caption>Latest results</caption>
      <thead><tr><th>key</th><th>window [start, end)</th><th>timing</th><th>value</th></tr></thead>
      <tbody data-f="results"></tbody>
    </table>
  </div>
  <div class="stream-foot">
    <p class="stream-explain" data-f="explain"></p>
    <span class="stream-controls">
      <label>Task <input data-f="task" type="number" min="0" step="1" value="0" aria-label="Keyed task to crash"></label>
      <button data-f="crash" type="button" title="Fail the job: every task restarts from the last completed checkpoint">Crash task 0</button>
      <label>Operator <input data-f="rate" type="number" min="1" max="1000000" step="100" aria-label="Operator rate, records per second"> rec/s</label>
    </span>
  </div>`;

/** Sets a node's text only when it changed (the panel updates several times a second). */
function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

function rows(body, count, columns) {
  if (body.rows.length === count) return;
  body.replaceChildren(...Array.from({ length: count }, () => {
    const row = document.createElement('tr');
    for (let i = 0; i < columns; i += 1) row.appendChild(document.createElement('td'));
    return row;
  }));
}

/**
 * Builds the panel inside `root` (a hidden <section>). `command(object)` sends a command the
 * way the rest of the page does (a refusal is shown in the page's message line);
 * `rateCommand(name, input)` validates a rate input first; `showMessage(text)` reports bad input.
 */
export function createStreamPanel(root, { command, rateCommand, showMessage }) {
  root.innerHTML = MARKUP;
  const f = Object.fromEntries(Array.from(root.querySelectorAll('[data-f]'), (el) => [el.dataset.f, el]));
  let taskCount = 1;

  const syncCrashLabel = () => setText(f.crash, `Crash task ${f.task.value === '' ? '?' : f.task.value}`);
  f.task.oninput = syncCrashLabel;
  f.crash.onclick = () => {
    const task = Number(f.task.value);
    if (f.task.value === '' || !Number.isInteger(task) || task < 0) {
      showMessage(`Task must be a whole number from 0 to ${taskCount - 1} (got "${f.task.value}")`);
      return;
    }
    command({ command: 'crash_task', task });
  };
  f.rate.onchange = () => rateCommand('set_operator_rate', f.rate);

  return {
    /** Shows the panel for a scenario with a `stream` section, hides it otherwise. */
    start(scenario) {
      const stream = scenario.stream;
      root.hidden = !stream;
      if (!stream) return;
      taskCount = stream.parallelism ?? 1;
      f.task.max = String(taskCount - 1);
      f.task.value = '0';
      syncCrashLabel();
      f.sources.replaceChildren();
      f.tasks.replaceChildren();
      f.results.replaceChildren();
    },

    get active() { return !root.hidden; },

    /** Renders a JobView (`snapshot().stream`). */
    update(job) {
      if (!job) return;
      setText(f.job, job.job);
      const [deliveryName, explain] = DELIVERY[job.delivery] ?? [job.delivery, ''];
      setText(f.delivery, deliveryName);
      setText(f.explain, explain);
      setText(f.status, job.status);
      f.status.className = `badge ${job.status === 'running' ? 'ok' : 'warn'}`;
      setText(f.restarts, job.restarts);
      // The rate the tasks run at (at real scale the scenario's grown), unless being typed.
      if (document.activeElement !== f.rate) f.rate.value = job.operator_records_per_s;
      f.waiting.hidden = !job.waiting;
      if (job.waiting) setText(f['waiting-text'], job.waiting);

      if (job.tasks.length !== taskCount) {
        taskCount = job.tasks.length;
        f.task.max = String(taskCount - 1);
      }

      rows(f.sources, job.sources.length, 6);
      job.sources.forEach((s, i) => {
        const cells = f.sources.rows[i].cells;
        const badges = [s.idle && 'idle', s.backpressured && 'backpressured'].filter(Boolean);
        setText(cells[0], s.task);
        setText(cells[1], fmtWatermark(s.watermark_us));
        setText(cells[2], fmtInt(s.records_in));
        setText(cells[3], badges.join(', ') || 'active');
        cells[3].className = s.backpressured ? 'warn' : s.idle ? 'muted' : '';
        setText(cells[4], s.stalled_by ?? '—');
        setText(cells[5], s.skew_us === null ? '—' : fmtDuration(s.skew_us));
      });

      rows(f.tasks, job.tasks.length, 8);
      job.tasks.forEach((t, i) => {
        const cells = f.tasks.rows[i].cells;
        setText(cells[0], t.task);
        setText(cells[1], fmtWatermark(t.watermark_us));
        setText(cells[2], fmtInt(t.records_in));
        setText(cells[3], fmtInt(t.records_out));
        setText(cells[4], fmtInt(t.late_dropped));
        setText(cells[5], fmtBytes(t.state_bytes));
        setText(cells[6], fmtInt(t.queued_records));
        setText(cells[7], t.aligning === null ? '—' : `#${t.aligning}`);
      });

      const cp = job.checkpoints;
      setText(f['cp-completed'], fmtInt(cp.completed));
      setText(f['cp-abandoned'], fmtInt(cp.abandoned));
      setText(f['cp-progress'], cp.in_progress === null ? '—' : `#${cp.in_progress}`);
      setText(f['cp-duration'], cp.latest ? fmtDuration(cp.latest.duration_us) : '—');
      setText(f['cp-size'], cp.latest ? fmtBytes(cp.latest.size_bytes) : '—');

      const sink = job.sink;
      setText(f.visible, fmtInt(sink.visible));
      setText(f.duplicates, fmtInt(sink.duplicates));
      f.duplicates.className = sink.duplicates > 0 ? 'warn' : '';
      setText(f.aborted, fmtInt(sink.aborted));
      setText(f.pending, fmtInt(sink.pending));

      const results = job.recent_outputs.slice(0, RESULTS_SHOWN);
      rows(f.results, results.length, 4);
      results.forEach((out, i) => {
        const cells = f.results.rows[i].cells;
        setText(cells[0], out.id.key);
        setText(cells[1], `[${fmtSeconds(out.id.start_us)}, ${fmtSeconds(out.id.end_us)}) s`);
        setText(cells[2], out.value.timing ?? '—');
        setText(cells[3], fmtValue(out.value));
      });
    },
  };
}
