// The "Workload" panel: what a domain scenario's analytics say right now: UPI fraud alerts
// with precision and recall, trending hashtags with their trend scores, the shop's funnel,
// and the true answer to the workload's query. It reads `snapshot().workload` (one boundary
// call, made by main.js a few times a second).
//
// Contract: `workload.domain` is engine/src/workload/mod.rs's DomainView (its `kind` and the
// fields of UpiView, SocialView or ShopView in engine/src/{upi,social,shop}/), and
// `workload.truth` is QueryView (title, window_ms, window_start_ms, rows [[group, value]]).
// The panel renders those views generically (numbers as facts, lists of records as tables),
// so a field added there shows up here; field names are turned into labels
// ("alerts_per_min" → "alerts per min"). Everything is set with textContent: no engine or
// scenario text is ever parsed as HTML.

const TITLES = { upi: 'UPI payments and fraud alerts', social: 'Trends in Hindi, English and Hinglish', shop: 'Festival sale: sessions and funnel' };
/** Rows shown of any list (the views keep their own bounds). */
const ROWS_SHOWN = 8;

const label = (name) => name.replace(/_/g, ' ');

function fmt(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value.toLocaleString('en-IN');
    return Math.abs(value) < 1 ? value.toFixed(3) : value.toLocaleString('en-IN', { maximumFractionDigits: 1 });
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.map(fmt).join(', ');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${label(k)} ${fmt(v)}`).join(' · ');
  return String(value);
}

const isTable = (value) => Array.isArray(value) && value.length > 0 && value.every((row) => row && typeof row === 'object' && !Array.isArray(row));

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function table(caption, rows) {
  const t = el('table');
  t.append(el('caption', caption));
  const columns = Object.keys(rows[0]);
  const head = el('tr');
  head.append(...columns.map((c) => el('th', label(c))));
  t.append(el('thead'));
  t.tHead.append(head);
  const body = el('tbody');
  for (const row of rows.slice(0, ROWS_SHOWN)) {
    const tr = el('tr');
    tr.append(...columns.map((c) => el('td', fmt(row[c]))));
    body.append(tr);
  }
  t.append(body);
  return t;
}

/** The view's scalar fields as facts, and its lists of records as tables. */
function renderDomain(view) {
  const facts = el('dl', undefined, 'workload-facts');
  const tables = [];
  for (const [name, value] of Object.entries(view)) {
    if (name === 'kind') continue;
    if (isTable(value)) {
      tables.push(table(label(name), value));
    } else if (!(Array.isArray(value) && value.length === 0)) {
      facts.append(el('dt', label(name)), el('dd', fmt(value)));
    }
  }
  return [facts, ...tables];
}

function renderTruth(truth) {
  if (!truth) return [];
  const rows = truth.rows.map(([group, value]) => ({ group, value }));
  const caption = `True answer: ${truth.title} (window from ${fmt(truth.window_start_ms / 1000)} s)`;
  return rows.length ? [table(caption, rows)] : [];
}

/** The panel for `root`; `start(scenario)` shows or hides it, `update(view)` redraws it. */
export function createWorkloadPanel(root) {
  const panel = {
    active: false,
    start(scenario) {
      panel.active = Boolean(scenario.workload);
      root.hidden = !panel.active;
      root.replaceChildren();
      if (panel.active) {
        const kind = scenario.workload.kind;
        root.append(el('h2', TITLES[kind] ?? kind), el('div', undefined, 'workload-body'));
      }
    },
    update(view) {
      if (!panel.active || !view) return;
      const body = root.querySelector('.workload-body');
      body.replaceChildren(...renderDomain(view.domain), ...renderTruth(view.truth));
    },
  };
  return panel;
}
