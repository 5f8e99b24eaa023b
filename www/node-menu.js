// Per-node actions: click a broker, a consumer, the producer, a partition or a stream task in
// the flow for a small menu of what can be done to it; from the keyboard, focus the flow and
// press Enter to pick the node first (a keyboard has no pointer to say which).
// The engine says which node is under the pointer (`Lab.node_at`, from the same layout the
// drawing uses), and every action is an ordinary command.

import { HOT_KEY_PERCENT, LATE_EVENTS_OFFSET_MS, SLOW_FACTOR, isolate } from './controls.js';
import { TEXT_SCALE_BIG } from './url-state.js';


/** [label, command] pairs for `node`, given the current view. */
export function actionsFor(node, view) {
  const [kind, index] = [node.replace(/-\d+$/, ''), Number(node.split('-').pop())];
  if (kind === 'broker') {
    const up = view.brokers[index]?.up;
    return [
      up ? [`Crash ${node}`, { command: 'crash_broker', broker: index }] : [`Restart ${node}`, { command: 'restart_broker', broker: index }],
      [`Isolate ${node} from the cluster`, isolate(index, view.brokers.length)],
      [`Slow ${node}'s network ×${SLOW_FACTOR}`, { command: 'slow_node', node, factor: SLOW_FACTOR }],
      [`${node} at normal speed`, { command: 'slow_node', node, factor: 1 }],
      ['Heal the network', { command: 'heal_network' }],
    ];
  }
  if (kind === 'consumer') {
    const crashed = view.consumers[index]?.state === 'crashed';
    return [
      crashed ? [`Restart ${node}`, { command: 'restart_consumer', consumer: index }] : [`Crash ${node}`, { command: 'crash_consumer', consumer: index }],
      [`Slow ${node} ×${SLOW_FACTOR}`, { command: 'slow_node', node, factor: SLOW_FACTOR }],
      [`${node} at normal speed`, { command: 'slow_node', node, factor: 1 }],
      ['Add a consumer to the group', { command: 'add_consumer' }],
    ];
  }
  if (kind === 'producer') {
    return [
      [`Hot key: ${HOT_KEY_PERCENT} % of records on one key`, { command: 'hot_key', percent: HOT_KEY_PERCENT }],
      ['No hot key', { command: 'hot_key', percent: 0 }],
      [`Late events: clock ${-LATE_EVENTS_OFFSET_MS / 1000} s behind`, { command: 'skew_clock', node, offset_ms: LATE_EVENTS_OFFSET_MS }],
      ['Clock correct again', { command: 'skew_clock', node, offset_ms: 0 }],
    ];
  }
  if (kind === 'partition') {
    const leader = view.topic.partitions[index]?.leader;
    return leader === null || leader === undefined ? [] : [[`Crash its leader, broker-${leader}`, { command: 'crash_broker', broker: leader }]];
  }
  if (kind === 'task') return [[`Crash ${node} (the job restores its last checkpoint)`, { command: 'crash_task', task: index }]];
  return [];
}

/** The nodes a keyboard user picks from: the producer, every broker and every consumer. */
export function nodesOf(view) {
  return ['producer-0', ...view.brokers.map((b) => b.node), ...view.consumers.map((c) => c.node)];
}

export function createNodeMenu(canvas, menu, deps) {
  let lastNode = null;

  function close() {
    menu.hidden = true;
    menu.replaceChildren();
  }

  /** Shows `entries` ([label, onPick]) under `titleText` at (x, y) and focuses `focusAt`. */
  function show(titleText, label, entries, x, y, focusAt = 0) {
    const title = document.createElement('p');
    title.className = 'node-menu-title';
    title.textContent = titleText;
    const items = entries.map(([text, pick]) => {
      const item = document.createElement('button');
      item.type = 'button';
      item.setAttribute('role', 'menuitem');
      item.textContent = text;
      item.onclick = pick;
      return item;
    });
    menu.replaceChildren(title, ...items);
    menu.setAttribute('aria-label', label);
    menu.style.left = `${Math.max(0, Math.min(x, canvas.clientWidth - 260))}px`;
    menu.style.top = `${Math.max(0, Math.min(y, canvas.clientHeight - 40))}px`;
    menu.hidden = false;
    (items[focusAt] ?? items[0] ?? title).focus?.();
  }

  function open(node, x, y) {
    const actions = actionsFor(node, deps.app.lab.snapshot());
    show(actions.length ? node : `${node}: nothing to do here`, `Actions for ${node}`, actions.map(([label, command]) => [label, () => {
      close();
      deps.command(command);
      canvas.focus();
    }]), x, y);
  }

  /** The keyboard's way in: every node, the last one clicked focused first. */
  function choose() {
    const nodes = nodesOf(deps.app.lab.snapshot());
    show('Which node?', 'Pick a node for its actions', nodes.map((node) => [node, () => {
      lastNode = node;
      open(node, 16, 16);
    }]), 16, 16, Math.max(0, nodes.indexOf(lastNode)));
  }

  function nodeAt(x, y) {
    const ratio = window.devicePixelRatio || 1;
    return deps.app.lab.node_at(canvas.width, canvas.height, x * ratio, y * ratio, deps.app.state.big ? TEXT_SCALE_BIG : 1) ?? null;
  }

  canvas.addEventListener('click', (event) => {
    const rect = canvas.getBoundingClientRect();
    const [x, y] = [event.clientX - rect.left, event.clientY - rect.top];
    const node = nodeAt(x, y);
    if (!node) return close();
    lastNode = node;
    open(node, x, y);
  });
  canvas.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    choose();
  });
  menu.addEventListener('keydown', (event) => {
    const items = [...menu.querySelectorAll('[role=menuitem]')];
    const at = items.indexOf(document.activeElement);
    if (event.key === 'Escape') {
      close();
      canvas.focus();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = (at + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    }
  });
  document.addEventListener('click', (event) => {
    // The path as dispatched: an item that replaced the menu's content is no longer inside it.
    if (!menu.hidden && !event.composedPath().includes(menu) && event.target !== canvas) close();
  });
  return { close };
}
