// The time bar: drag back to any moment of the run and it is replayed there exactly (from the
// engine's nearest periodic snapshot, with the command log); play on and the same future
// replays, or press "Fork here" (or send any command) to make a new one from that moment.

const $ = (id) => document.getElementById(id);

/** The time bar's reading: "12.5 s", "4 min 05 s", "6 h 05 min 09 s". */
export const seconds = (ms) => {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.floor(s);
  const secs = `${String(whole % 60).padStart(2, '0')} s`;
  // A fast-forward reaches hours: "6 h 05 min 09 s", not "365 min 09 s".
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${secs}`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min ${secs}`;
};

export function createTimebar(deps) {
  const bar = $('time');
  let dragging = false;
  let pendingMs = null;

  /** Seeks at most once per animation frame however fast the slider moves. */
  function seekSoon(ms) {
    if (pendingMs === null) {
      requestAnimationFrame(() => {
        const target = pendingMs;
        pendingMs = null;
        deps.drive((lab) => lab.seek(target));
        deps.app.parts.ab.seek(deps.app.lab.now_ms());
        deps.invalidate();
        deps.syncHash();
        show(deps.app.lab);
      });
    }
    pendingMs = ms;
  }

  function show(lab) {
    const now = lab.now_ms();
    const furthest = lab.furthest_ms();
    if (!dragging) {
      bar.max = String(Math.ceil(furthest));
      bar.value = String(Math.floor(now));
    }
    const text = now < furthest - 1 ? `${seconds(now)} of ${seconds(furthest)}` : seconds(now);
    $('time-out').textContent = text;
    bar.setAttribute('aria-valuetext', text);
    const later = deps.app.state.commands.filter((c) => c.at_ms > now).length;
    $('fork').disabled = later === 0;
    $('fork').title = later === 0 ? 'No later commands: playing on already makes a new future' : `Forget the ${later} later command${later === 1 ? '' : 's'} and make a new future from here`;
  }

  bar.addEventListener('pointerdown', () => { dragging = true; deps.setPlaying(false); });
  bar.addEventListener('pointerup', () => { dragging = false; });
  bar.addEventListener('input', () => {
    deps.setPlaying(false);
    seekSoon(Number(bar.value));
  });
  bar.addEventListener('change', () => { dragging = false; });
  $('fork').onclick = () => {
    const dropped = deps.app.lab.fork();
    deps.app.parts.ab.fork(deps.app.lab.now_ms());
    deps.app.state.commands = JSON.parse(deps.app.lab.command_log());
    deps.showMessage(`Forked at ${seconds(deps.app.lab.now_ms())}: ${dropped} later command${dropped === 1 ? '' : 's'} forgotten; play makes a new future`, false);
    deps.syncHash();
    show(deps.app.lab);
  };
  return { update: show };
}
