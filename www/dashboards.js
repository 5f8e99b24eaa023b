// The dashboards: one chart at a time, chosen by tabs, drawn in Rust with plotters
// (`Lab.draw_dashboard`): lag per partition with time-lag and time-to-drain, throughput in and
// out, latency p50/p99, and for a stream job the event-time × processing-time plot with the
// watermark curve and the window panes by timing.

const DASHBOARDS = [
  ['lag', 'Lag', 'Consumer lag per partition over time, with time-lag and time to drain', () => true],
  ['throughput', 'Throughput', 'Records per second in (produced) and out (consumed) over time', () => true],
  ['latency', 'Latency', 'End-to-end latency p50 and p99 over time', () => true],
  ['event_time', 'Event time', 'Event time against processing time, with the watermark curve', (s) => Boolean(s.stream)],
  ['panes', 'Window panes', 'Window panes by timing: early, on time, late and dropped', (s) => Boolean(s.stream)],
];

/**
 * Dashboards drawn from the engine's metric series alone: their picture changes only when the
 * engine takes a sample (every metrics.sample_interval_ms of simulated time), so they are
 * redrawn then, not on every chart tick: a plotters redraw costs a frame 5 to 7 ms.
 */
const SAMPLED = new Set(['lag', 'throughput', 'latency']);

export function createDashboards(tabs, canvas) {
  let current = 'lag';
  /** When the sample the canvas shows was taken, simulated ms (null: redraw at the next chance). */
  let drawnSample = null;

  function select(name) {
    current = name;
    drawnSample = null;
    for (const tab of tabs.children) tab.setAttribute('aria-selected', String(tab.dataset.name === name));
    const [, , about] = DASHBOARDS.find(([n]) => n === name);
    canvas.setAttribute('aria-label', about);
  }

  return {
    canvas: () => canvas,
    get current() { return current; },
    start(scenario) {
      const shown = DASHBOARDS.filter(([, , , fits]) => fits(scenario));
      tabs.replaceChildren(...shown.map(([name, label]) => {
        const tab = document.createElement('button');
        tab.type = 'button';
        tab.setAttribute('role', 'tab');
        tab.dataset.name = name;
        tab.textContent = label;
        tab.onclick = () => select(name);
        return tab;
      }));
      select(shown.some(([name]) => name === current) ? current : 'lag');
    },
    /** Draws the current dashboard, unless it is a sampled one already showing `sample`
     * (when the engine took its latest metrics sample, `Lab.last_sample_ms()`) and `force`
     * is false. */
    draw(lab, sample, force) {
      if (!force && SAMPLED.has(current) && sample === drawnSample) return;
      lab.draw_dashboard(canvas, current);
      drawnSample = sample;
    },
    select,
  };
}
