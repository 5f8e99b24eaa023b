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

export const label = (name) => name.replace(/_/g, ' ');

export function fmt(value) {
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

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** Facts as a definition list: [[label, value], …]. */
export function facts(pairs, className = 'workload-facts') {
  const list = el('dl', undefined, className);
  for (const [name, value] of pairs) list.append(el('dt', name), el('dd', typeof value === 'string' ? value : fmt(value)));
  return list;
}

/**
 * Rows as a table with the given columns: [[heading, (row) => text, (row) => class?], …]
 * (the optional third function gives a cell its class, e.g. to mark a wrong value).
 */
export function tableOf(caption, rows, columns) {
  const t = el('table');
  t.append(el('caption', caption));
  const head = el('tr');
  head.append(...columns.map(([heading]) => el('th', heading)));
  t.append(el('thead'));
  t.tHead.append(head);
  const body = el('tbody');
  for (const row of rows.slice(0, ROWS_SHOWN)) {
    const tr = el('tr');
    tr.append(...columns.map(([, cell, classOf]) => el('td', cell(row), classOf?.(row))));
    body.append(tr);
  }
  if (rows.length === 0) {
    const none = el('td', 'none yet', 'muted');
    none.colSpan = columns.length;
    body.append(el('tr'));
    body.lastChild.append(none);
  }
  t.append(body);
  return t;
}

/** A list of records as a table with one column per field. */
const recordTable = (caption, rows) => tableOf(caption, rows, Object.keys(rows[0]).map((c) => [label(c), (row) => fmt(row[c])]));

/** The view's scalar fields as facts, and its lists of records as tables. */
function renderGeneric(view) {
  const fields = Object.entries(view).filter(([name]) => name !== 'kind');
  const scalars = fields.filter(([, value]) => !isTable(value) && !(Array.isArray(value) && value.length === 0));
  const tables = fields.filter(([, value]) => isTable(value)).map(([name, value]) => recordTable(label(name), value));
  return [facts(scalars.map(([name, value]) => [label(name), value])), ...tables];
}

const percent = (x) => (x === null || x === undefined ? '—' : `${x.toFixed(1)} %`);
const rupees = (paise) => `₹${Math.round(paise / 100).toLocaleString('en-IN')}`;
const seconds = (ms) => `${fmt(ms / 1000)} s`;
const rankChange = (change) => (change === null || change === undefined ? 'new' : change > 0 ? `▲ ${change}` : change < 0 ? `▼ ${-change}` : '=');

function renderSocial(view) {
  const [hi, hinglish, en] = view.created_languages;
  const out = [facts([
    ['posts created', view.created],
    ['posts / s', view.posts_per_s],
    ['burst now', view.burst ?? 'none'],
    ['written in Hindi / Hinglish / English', `${fmt(hi)} / ${fmt(hinglish)} / ${fmt(en)}`],
  ])];
  for (const pane of view.panes) {
    const span = `[${seconds(pane.window_start_ms)}, ${seconds(pane.window_end_ms)})`;
    out.push(tableOf(`Trending hashtags in ${span}, ${fmt(pane.posts)} posts`, pane.hashtags, [
      ['#', (t) => String(t.rank)], ['hashtag', (t) => t.tag], ['count', (t) => fmt(t.count)],
      ['before', (t) => fmt(t.previous_count)], ['trend', (t) => `×${t.score.toFixed(2)}`], ['rank', (t) => rankChange(t.rank_change)],
    ]));
    const mix = Object.entries(pane.languages).filter(([, n]) => n > 0);
    out.push(tableOf('Language mix (as read)', mix, [['language', ([l]) => l], ['posts', ([, n]) => fmt(n)], ['share', ([, n]) => percent((100 * n) / Math.max(1, pane.posts))]]));
    out.push(tableOf('Top words (no stop words)', pane.words, [['word', (w) => w.word ?? w.text ?? fmt(w)], ['count', (w) => fmt(w.count)]]));
  }
  return out;
}

function renderShop(view) {
  const f = view.funnel;
  const c = f.counts;
  const out = [facts([
    ['sessions (viewed)', c.sessions], ['added to cart', `${fmt(c.cart)} (${percent(f.view_to_cart_percent)})`],
    ['checked out', `${fmt(c.checkout)} (${percent(f.cart_to_checkout_percent)})`], ['purchased', `${fmt(c.purchase)} (${percent(f.checkout_to_purchase_percent)})`],
    ['view → purchase', percent(f.view_to_purchase_percent)], ['carts abandoned', percent(f.cart_abandonment_percent)],
    ['revenue', rupees(c.revenue_paise)], ['events / s', view.events_per_s], ['sale now', view.spike ?? 'none'],
  ])];
  out.push(tableOf('Funnel per hour (by session end)', view.hourly, [
    ['hour from', (h) => seconds(h.hour_start_ms)], ['sessions', (h) => fmt(h.funnel.counts.sessions)], ['cart', (h) => fmt(h.funnel.counts.cart)],
    ['checkout', (h) => fmt(h.funnel.counts.checkout)], ['purchase', (h) => fmt(h.funnel.counts.purchase)], ['conversion', (h) => percent(h.funnel.view_to_purchase_percent)],
  ]));
  const product = [['product', (p) => p.name], ['category', (p) => p.category], ['count', (p) => fmt(p.count)]];
  out.push(tableOf('Top viewed', view.top_viewed, product), tableOf('Top purchased', view.top_purchased, product));
  out.push(tableOf('Revenue per category', view.revenue_by_category, [['category', ([name]) => name], ['revenue', ([, r]) => `₹${fmt(r)}`]]));
  const alerts = [...view.inventory_alerts].reverse();
  out.push(tableOf('Inventory alerts (newest first)', alerts, [['at', (a) => seconds(a.at_ms)], ['product', (a) => a.name], ['left', (a) => (a.sold_out ? 'sold out' : fmt(a.units_left))]]));
  return out;
}

const share = (x) => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)} %`);
const ratio = (x) => (x === null || x === undefined ? '— (none yet)' : x.toFixed(3));

function renderUpi(view) {
  const out = [facts([
    ['payments created', view.created], ['payments / s', view.tps], ['spike now', view.spike ?? 'none'],
    ['success', share(view.success_rate)], ['declined', share(view.failure_rate)], ['timed out', share(view.timeout_rate)],
    ['latency p50 / p99', `${fmt(view.latency_p50_ms)} / ${fmt(view.latency_p99_ms)} ms`],
    ['fraud injected', view.fraud_created], ['payments alerted', `${fmt(view.alerts)} (${fmt(view.alerts_per_min)} in the last minute)`],
    ['precision', ratio(view.precision)], [`recall (fraud older than ${fmt(view.settle_horizon_ms / 1000)} s)`, ratio(view.recall)],
    ['caught late (after that)', view.caught_late],
    ['alert delay p50 / max', view.alert_delay_p50_ms === null ? '—' : `${fmt(view.alert_delay_p50_ms / 1000)} / ${fmt(view.alert_delay_max_ms / 1000)} s`],
  ])];
  out.push(tableOf('Recall per fraud pattern', view.per_pattern, [
    ['pattern', (p) => label(p.pattern)], ['injected', (p) => fmt(p.created)], ['settled', (p) => fmt(p.settled)],
    ['caught', (p) => fmt(p.detected)], ['recall', (p) => ratio(p.recall)],
  ]));
  const alerts = [...view.recent_alerts].reverse();
  out.push(tableOf('Fraud alerts (newest first)', alerts, [
    ['at', (a) => seconds(a.at_ms)], ['payer', (a) => a.payer_vpa], ['payee', (a) => a.payee_vpa],
    ['amount', (a) => `₹${fmt(a.amount_rupees)}`], ['score', (a) => a.score.toFixed(2)],
    ['why', (a) => a.reasons.map(label).join(', ') + (a.retroactive ? ' (retroactive)' : '')],
  ]));
  return out;
}

const RENDERERS = { upi: renderUpi, social: renderSocial, shop: renderShop };

/** A domain's own layout, or every field generically for a view this file does not know. */
function renderDomain(view) {
  const render = RENDERERS[view.kind] ?? renderGeneric;
  return render(view);
}

function renderTruth(truth) {
  if (!truth) return [];
  const rows = truth.rows.map(([group, value]) => ({ group, value }));
  const caption = `True answer: ${truth.title} (window from ${fmt(truth.window_start_ms / 1000)} s)`;
  return rows.length ? [recordTable(caption, rows)] : [];
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
        // The chart is drawn by Rust (Lab.draw_workload_chart), from main.js's frame loop.
        const chart = el('canvas', undefined, 'workload-chart');
        chart.id = 'workload-chart';
        chart.setAttribute('aria-label', 'The workload analytics over time');
        root.append(el('h2', TITLES[kind] ?? kind), el('div', undefined, 'workload-body'), chart);
      }
    },
    /** The canvas main.js draws the workload chart into (null when hidden). */
    chart() {
      return panel.active ? root.querySelector('canvas') : null;
    },
    update(view) {
      if (!panel.active || !view) return;
      const body = root.querySelector('.workload-body');
      body.replaceChildren(...renderDomain(view.domain), ...renderTruth(view.truth));
    },
  };
  return panel;
}
