// The narration: a short list of what just happened (leader elected, rebalance, window fired,
// alert raised), in sentences the engine writes (engine/src/narrate.rs). The list is an ARIA
// live region, so a screen reader says each new line; to stay listenable, each topic speaks
// at most once per few seconds of wall time, with its latest news.

/** Lines kept on screen. */
const SHOWN_MAX = 4;
/** Wall-clock ms between two lines of the same topic. */
const TOPIC_QUIET_MS = { output: 6000, default: 2500 };
/** Lines asked of the engine per poll. */
const POLL_MAX = 16;

export function createNarrator(list) {
  let nextSeq = 0;
  const spokeAt = new Map();
  /** Per topic: its latest unspoken line and how many more it stands for. */
  const pending = new Map();

  function say(line) {
    const item = document.createElement('li');
    const time = document.createElement('span');
    time.className = 'narration-time';
    time.textContent = `${(line.at_ms / 1000).toFixed(1)} s`;
    item.append(time, ` ${line.text}${line.more ? ` (and ${line.more} more like it)` : ''}`);
    list.append(item);
    while (list.children.length > SHOWN_MAX) list.firstElementChild.remove();
  }

  return {
    /** A new run (or a seek): listen from now on, with an empty list. */
    start(lab) {
      nextSeq = lab.trace_len();
      spokeAt.clear();
      pending.clear();
      list.replaceChildren();
    },
    update(lab) {
      const len = lab.trace_len();
      // A seek back rewinds the trace: start listening again from there.
      if (len < nextSeq) nextSeq = len;
      const lines = lab.narration_since(nextSeq, POLL_MAX);
      nextSeq = len;
      for (const line of lines) {
        const waiting = pending.get(line.topic);
        pending.set(line.topic, { ...line, more: waiting ? waiting.more + 1 : 0 });
      }
      const now = performance.now();
      for (const [topic, line] of pending) {
        const quiet = TOPIC_QUIET_MS[topic] ?? TOPIC_QUIET_MS.default;
        if (now - (spokeAt.get(topic) ?? -Infinity) < quiet) continue;
        spokeAt.set(topic, now);
        pending.delete(topic);
        say(line);
      }
    },
  };
}
