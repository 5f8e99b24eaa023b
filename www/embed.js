// Embedding: a teacher puts a live run inside a course page with an iframe. With `?embed` in
// the query (`index.html?embed#scenario=…&seed=…`, the run's state stays in the hash) the page
// shows only the flow, the lag chart, play/pause, speed, the scenario's title and a link to
// the full page; it fills the frame the host sizes and never scrolls, so the host page's
// wheel scrolling passes straight through. The full page gets a "Copy embed code" button.

/** The height the copied iframe asks for: the flow and the lag chart both stay readable. */
export const EMBED_HEIGHT_PX = 460;

/** True when the page runs embedded (`?embed`, with or without a value). */
export function isEmbedded(search) {
  return new URLSearchParams(search).has('embed');
}

/** The embedded page's URL for `href`: the same page and hash, with `?embed` as the query. */
export function embedUrl(href) {
  const url = new URL(href);
  url.search = 'embed';
  return url.href;
}

/** The full page's URL for an embedded `href`: `embed` dropped from the query, hash kept. */
export function fullPageUrl(href) {
  const url = new URL(href);
  const params = new URLSearchParams(url.search);
  params.delete('embed');
  url.search = params.toString();
  return url.href;
}

/** Text made safe inside a double-quoted HTML attribute. */
export function escapeAttribute(text) {
  const entities = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' };
  return String(text).replace(/[&"'<>]/g, (c) => entities[c]);
}

/** The iframe snippet for a page at `src` showing a scenario titled `title`. */
export function embedCode({ src, title }) {
  return `<iframe src="${escapeAttribute(src)}" title="${escapeAttribute(`Dhara: ${title}`)}" `
    + `width="100%" height="${EMBED_HEIGHT_PX}" style="border:0" loading="lazy"></iframe>`;
}

const $ = (id) => document.getElementById(id);

/**
 * Sets up embed mode or the copy button, depending on the URL. `tools` is where the full
 * page's share buttons go; `showMessage(text, isError)` is the page's status line. Returns
 * `{ embedded, describe(scenario) }`: call `describe` whenever a run starts.
 */
export function installEmbed({ tools, showMessage }) {
  let title = '';
  if (!isEmbedded(location.search)) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = 'copy-embed';
    button.textContent = 'Copy embed code';
    button.title = 'Copy an <iframe> that shows this scenario and seed in another page';
    button.addEventListener('click', () => copyEmbedCode(embedCode({ src: embedUrl(location.href), title }), showMessage));
    tools.append(button);
    return { embedded: false, describe: (scenario) => { title = scenario.title; } };
  }
  document.documentElement.classList.add('embed');
  const bar = buildBar();
  return {
    embedded: true,
    describe: (scenario) => {
      bar.title.textContent = scenario.title;
      bar.title.title = scenario.title;
      bar.refresh();
    },
  };
}

/** The embedded page's one line: title, play/pause and speed (moved here), and the link out. */
function buildBar() {
  const bar = document.createElement('div');
  bar.className = 'embed-bar';
  const title = document.createElement('span');
  title.className = 'embed-title';
  const open = document.createElement('a');
  open.className = 'embed-open';
  open.target = '_blank';
  open.rel = 'noopener';
  open.textContent = 'Open in Dhara ↗';
  // The page writes the run's state to the hash right after it starts a run or changes speed,
  // so the link follows a moment later; a click reads the hash again to be sure.
  const refresh = () => setTimeout(() => { open.href = fullPageUrl(location.href); }, 0);
  open.addEventListener('click', () => { open.href = fullPageUrl(location.href); });
  $('speed').addEventListener('change', refresh);
  bar.append(title, $('play'), $('speed').closest('label'), open);
  document.body.prepend(bar);
  return { title, refresh };
}

async function copyEmbedCode(code, showMessage) {
  try {
    if (!navigator.clipboard?.writeText) throw new Error('no clipboard here');
    await navigator.clipboard.writeText(code);
    showMessage('Embed code copied: paste it into your page.', false);
  } catch {
    // Plain http and denied permissions refuse the clipboard: show the code to copy by hand.
    showCodeDialog(code);
  }
}

function showCodeDialog(code) {
  let dialog = $('embed-dialog');
  if (!dialog) {
    dialog = document.createElement('dialog');
    dialog.id = 'embed-dialog';
    dialog.className = 'embed-dialog';
    dialog.setAttribute('aria-labelledby', 'embed-dialog-title');
    const heading = document.createElement('h2');
    heading.id = 'embed-dialog-title';
    heading.textContent = 'Embed code';
    const hint = document.createElement('p');
    hint.textContent = 'The browser did not allow copying. Press Ctrl+C (⌘C) to copy the selected code:';
    const text = document.createElement('textarea');
    text.readOnly = true;
    text.rows = 4;
    text.setAttribute('aria-label', 'Embed code');
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = 'Close';
    close.addEventListener('click', () => dialog.close());
    dialog.append(heading, hint, text, close);
    document.body.append(dialog);
  }
  const text = dialog.querySelector('textarea');
  text.value = code;
  dialog.showModal();
  text.focus();
  text.select();
}
