// The time bar: drag back to any moment of the run and it is replayed there exactly (from the
// engine's nearest periodic snapshot, with the command log); play on and the same future
// replays, or press "Fork here" (or send any command) to make a new one from that moment.

const $ = (id) => document.getElementById(id);

const seconds = (ms) => {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${(s - m * 60).toFixed(0).padStart(2, '0')} s`;
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
