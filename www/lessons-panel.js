// Guided lessons: a card above the flow that walks through one concept step by step. Each
// step sets an exact run (scenario, seed, knobs, commands, time), so Previous and Next always
// restore it; "what to notice" comes with the engine's own check of it, live; a question asks
// the student to predict before the answer is revealed. The lessons themselves are data
// (www/lessons/*.json, built in, or a file opened here), validated by the engine.

const $ = (id) => document.getElementById(id);

/** One element with text (never HTML: lesson text is data). */
function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/**
 * `root` is the lesson card; `deps` is the page's: app, startRun, setPlaying, showMessage,
 * syncHash and dhara. Returns the panel: `open(id, step)`, `refresh(lab)`, `close()`,
 * `find(id)`, and `stateOf(id, step)` for bare lesson links.
 */
export function createLessonsPanel(root, deps) {
  const { app, dhara } = deps;
  // Parsing and validating the built-in lessons is the page's largest start-up cost, and most
  // visits open none: the list is built the first time something needs it (the Lessons
  // button, a lesson named in the URL), not before the first frame.
  let lessons = null;
  let broken = [];
  let current = null; // { lesson, index }
  let checks = [];

  /** The lessons, built on first use; a built-in file the engine refuses is kept in `broken`. */
  function list() {
    if (lessons) return lessons;
    const entries = dhara.lessons();
    // Numbered by their file names (07-event-time.json is lesson 7), as the README lists them.
    lessons = entries.filter((e) => e.lesson).map((e, i) => ({ ...e.lesson, builtIn: true, number: Number(/^\d+/.exec(e.file)?.[0] ?? i + 1) }));
    broken = entries.filter((e) => e.error).map((e) => e.error);
    fillPicker();
    return lessons;
  }

  const find = (id) => list().find((l) => l.id === id) ?? null;

  /** The page state a step stands for (knobs and commands copied, so edits never reach the lesson). */
  function stateOf(lesson, index) {
    const { scenario, seed, set, commands, at_ms: atMs } = lesson.steps[index].state;
    return { scenario, seed, knobs: { ...set }, commands: commands.map((c) => ({ ...c })), t: atMs, arch: false, ab: false, bKnobs: {} };
  }

  /** Loads step `index` of `lesson` exactly: the run is rebuilt and paused at the step's time. */
  function load(lesson, index) {
    current = { lesson, index };
    Object.assign(app.state, stateOf(lesson, index), { lesson: lesson.builtIn ? lesson.id : null, step: lesson.builtIn ? index + 1 : null });
    deps.startRun();
    deps.setPlaying(false);
    const { show } = lesson.steps[index];
    if (show) app.parts.dashboards.select(show);
    render();
  }

  function render() {
    root.hidden = current === null;
    document.body.classList.toggle('lesson-open', current !== null);
    $('lessons-open').setAttribute('aria-expanded', String(current !== null));
    if (!current) return;
    const { lesson, index } = current;
    const step = lesson.steps[index];
    const count = lesson.steps.length;
    $('lesson-pick').value = lesson.id;
    $('lesson-where').textContent = `Step ${index + 1} of ${count}`;
    $('lesson-prev').disabled = index === 0;
    $('lesson-next').disabled = index === count - 1;
    $('lesson-link').hidden = !lesson.builtIn;
    const body = $('lesson-body');
    const notice = el('div', undefined, 'lesson-notice');
    notice.append(el('strong', 'Notice: '), el('span', step.notice));
    checks = step.expect.map((text) => ({ text, line: el('li') }));
    const checked = el('ul', undefined, 'lesson-checks');
    checked.setAttribute('aria-label', 'What Dhara checks on the run');
    checked.append(...checks.map((c) => c.line));
    const simplifies = el('details', undefined, 'lesson-simplifies');
    simplifies.append(el('summary', 'What Dhara simplifies here'), ...lesson.simplifies.map((line) => el('p', line)));
    body.replaceChildren(
      el('h2', `${index + 1}. ${step.title}`, 'lesson-title'),
      ...(index === 0 ? [el('p', lesson.summary, 'lesson-summary')] : []),
      ...step.text.split('\n').map((line) => el('p', line)),
      ...(step.question ? [question(step.question)] : []),
      notice,
      checked,
      simplifies,
    );
    refresh(app.lab);
  }

  /** Predict, then reveal: the choices are buttons; picking one reveals the answer and why. */
  function question({ ask, choices, answer, explain }) {
    const box = el('fieldset', undefined, 'lesson-question');
    box.append(el('legend', `Predict: ${ask}`));
    const reveal = el('p', undefined, 'lesson-reveal');
    reveal.setAttribute('aria-live', 'polite');
    const buttons = choices.map((choice, i) => {
      const button = el('button', choice);
      button.type = 'button';
      button.onclick = () => {
        buttons.forEach((b, k) => {
          b.disabled = true;
          b.classList.toggle('right', k === answer);
          b.classList.toggle('wrong', k === i && i !== answer);
        });
        reveal.textContent = `${i === answer ? 'Right.' : `Not quite: it is "${choices[answer]}".`} ${explain}`;
      };
      return button;
    });
    box.append(...buttons, reveal);
    return box;
  }

  /** Re-checks the step's expectations on the run as it is now (after play, knobs, faults). */
  function refresh(lab) {
    if (checks.length === 0) return;
    const results = lab.check(checks.map((c) => c.text));
    checks.forEach((check, i) => {
      const { holds, left, right, error } = results[i];
      check.line.textContent = error === undefined
        ? `${holds ? '✓ holds now' : '✗ not now'}: ${check.text}  (${format(left)} vs ${format(right)})`
        : `? ${check.text}: ${error}`;
      check.line.className = holds ? 'holds' : 'fails';
    });
  }

  function close() {
    current = null;
    app.state.lesson = null;
    app.state.step = null;
    render();
    deps.syncHash();
  }

  function addFromFile(file) {
    file.text().then((text) => {
      let lesson;
      try {
        lesson = { ...dhara.parse_lesson(text), builtIn: false };
      } catch (error) {
        deps.showMessage(`Lesson file ${file.name} not opened: ${String(error?.message ?? error)}`);
        return;
      }
      lesson.title = `${lesson.title} (from ${file.name})`;
      lesson.id = `file-${list().length}-${lesson.id}`.slice(0, 60);
      lessons.push(lesson);
      fillPicker();
      load(lesson, 0);
      deps.showMessage(`Opened ${file.name}: its steps are not in links, since the file is only on this computer.`, false);
    });
  }

  function fillPicker() {
    $('lesson-pick').replaceChildren(...lessons.map((l) => new Option(`${l.builtIn ? `${l.number}. ` : ''}${l.title}`, l.id)));
  }

  $('lessons-open').onclick = () => {
    if (current) {
      close();
      return;
    }
    const first = !lessons;
    load(list()[0], 0);
    if (first && broken.length) deps.showMessage(broken.map((e) => `Lesson file ${e}`).join('; '));
  };
  $('lesson-pick').onchange = () => load(find($('lesson-pick').value), 0);
  $('lesson-prev').onclick = () => load(current.lesson, current.index - 1);
  $('lesson-next').onclick = () => load(current.lesson, current.index + 1);
  $('lesson-reset').onclick = () => load(current.lesson, current.index);
  $('lesson-close').onclick = close;
  $('lesson-link').onclick = () => {
    const url = new URL(location.href);
    url.hash = `lesson=${current.lesson.id}&step=${current.index + 1}`;
    navigator.clipboard?.writeText(url.href).then(
      () => deps.showMessage(`Link to this step copied: ${url.href}`, false),
      () => deps.showMessage(`Link to this step: ${url.href}`, false),
    ) ?? deps.showMessage(`Link to this step: ${url.href}`, false);
  };
  $('lesson-open-file').onclick = () => $('lesson-file').click();
  $('lesson-file').onchange = () => {
    const [file] = $('lesson-file').files;
    if (file) addFromFile(file);
    $('lesson-file').value = '';
  };

  return {
    find,
    ids: () => list().filter((l) => l.builtIn).map((l) => l.id),
    /** Built-in lesson files the engine refused (empty until the list is first built). */
    get broken() { return broken; },
    /** Whether the list has been built (the page builds it on first use only). */
    get loaded() { return lessons !== null; },
    get current() { return current; },
    /** Opens `id` at step `step` (1-based). With `load` false the run is the URL's own (a changed step). */
    open(id, step, { load: loadState }) {
      const lesson = find(id);
      const index = step - 1;
      current = { lesson, index };
      if (loadState) load(lesson, index);
      else render();
    },
    refresh(lab) {
      if (current) refresh(lab);
    },
    close,
  };
}

/** A value read from the run, short: numbers to three decimals, long text cut. */
function format(value) {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3).replace(/\.?0+$/, '');
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
