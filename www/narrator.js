// The narration: what just happened (leader elected, rebalance, window fired, alert raised),
// in sentences the engine writes (engine/src/narrate.rs). The visible list shows every line
// in order, a repeat of the same kind folded into the line before it ("×3"). A screen
// reader hears a separate, hidden live region that speaks at most once every few seconds:
// the first line it has not said yet, and how many more came since.

/** Lines kept on screen. */
const SHOWN_MAX = 4;
/** Wall-clock ms between two announcements. */
const ANNOUNCE_QUIET_MS = 3000;
/** Lines asked of the engine per poll. */
const POLL_MAX = 16;
/** Which news a screen reader hears first when several came at once: faults before routine. */
const PRIORITY = { broker: 0, leader: 1, job: 1, group: 2, architecture: 3, output: 4 };
/** The kind of a sentence: its words before the first colon ("Leader elected"). */
const kindOf = (line) => line.text.split(':')[0];

export function createNarrator(list, announcer) {
  let nextSeq = 0;
  let lastKind = null;
  let repeats = 1;
  let unsaid = [];
  let saidAt = -Infinity;
  /** Simulated time at the last poll: less now means the run was moved back. */
  let polledAtMs = 0;

  function show(line) {
    const time = document.createElement('span');
    time.className = 'narration-time';
    time.textContent = `${(line.at_ms / 1000).toFixed(1)} s`;
    if (kindOf(line) === lastKind && list.lastElementChild) {
      repeats += 1;
      list.lastElementChild.replaceChildren(time, ` ${line.text} (×${repeats})`);
      return;
    }
    lastKind = kindOf(line);
    repeats = 1;
    const item = document.createElement('li');
    item.append(time, ` ${line.text}`);
    list.append(item);
    while (list.children.length > SHOWN_MAX) list.firstElementChild.remove();
  }

  function announce(now) {
    if (unsaid.length === 0 || now - saidAt < ANNOUNCE_QUIET_MS) return;
    // Faults and failovers before routine news, so a window firing never hides a crash.
    const rank = (line) => PRIORITY[line.topic] ?? PRIORITY.output;
    const first = unsaid.reduce((best, line) => (rank(line) < rank(best) ? line : best));
    const more = unsaid.length - 1;
    announcer.textContent = `${first.text}${more > 0 ? `, and ${more} more` : ''}.`;
    unsaid = [];
    saidAt = now;
  }

  return {
    /** A new run: listen from now on, with an empty list. */
    start(lab) {
      nextSeq = lab.trace_len();
      polledAtMs = lab.now_ms();
      lastKind = null;
      unsaid = [];
      list.replaceChildren();
      announcer.textContent = '';
    },
    update(lab) {
      const len = lab.trace_len();
      const nowMs = lab.now_ms();
      const rewound = len < nextSeq || nowMs < polledAtMs;
      polledAtMs = nowMs;
      if (rewound) {
        // A seek back: what was said after the new moment has not happened yet, so the list
        // shows the latest lines up to now instead, and nothing old is announced again.
        lastKind = null;
        unsaid = [];
        list.replaceChildren();
        for (const line of lab.narration_since(0, SHOWN_MAX)) show(line);
        nextSeq = len;
        return;
      }
      const lines = lab.narration_since(nextSeq, POLL_MAX);
      nextSeq = len;
      for (const line of lines) show(line);
      unsaid.push(...lines);
      announce(performance.now());
    },
  };
}
