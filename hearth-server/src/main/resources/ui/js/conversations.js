// The sidebar's list of saved chats: grouped by day, searchable by title, renamed in place, deleted after a
// confirmation. The list comes from the server, so it is the same in every browser.
import { api } from './api.js';
import { el, iconButton, toast, confirmAction } from './ui.js';
import { state, emit, on } from './state.js';
import { dayGroup } from './format.js';

const listEl = document.getElementById('chat-list');
const search = document.getElementById('chat-search');

let items = [];
let query = '';
let loading = null;
let renaming = null;

/** Reloads the list from the server (coalescing calls made while one is under way). */
export async function refresh() {
  if (loading) {
    loading.again = true;
    return loading.promise;
  }
  loading = { again: false };
  loading.promise = (async () => {
    try {
      do {
        loading.again = false;
        const q = query;
        const res = await api.conversations(q);
        if (q === query) items = res.conversations || [];
      } while (loading.again);
      render();
    } catch (e) {
      listEl.replaceChildren(el('p.list-empty', { role: 'alert' }, 'Could not load chats: ' + e.message));
      if (e.kind === 'offline') emit('server-down');
    } finally {
      loading = null;
    }
  })();
  return loading.promise;
}

function render() {
  if (renaming) return; // do not pull the input from under the user's fingers
  const activeId = state.conv && state.conv.id;
  if (!items.length) {
    listEl.replaceChildren(el('p.list-empty', {}, query
      ? 'No chats match "' + query + '".'
      : 'Your chats will appear here, saved on this computer.'));
    return;
  }
  const groups = new Map();
  for (const c of items) {
    const g = dayGroup(c.updated_at);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(c);
  }
  const nodes = [];
  for (const [name, list] of groups) {
    const id = 'group-' + name.toLowerCase().replace(/\W+/g, '-');
    nodes.push(el('h2.chat-group', { id }, name));
    nodes.push(el('ul', { aria: { labelledby: id } }, list.map((c) => item(c, c.id === activeId))));
  }
  listEl.replaceChildren(...nodes);
}

function item(c, active) {
  const li = el('li.chat-item' + (active ? '.active' : ''), { dataset: { id: c.id } });
  const link = el('a.chat-link', { href: '#/c/' + c.id, title: c.title, 'aria-current': active ? 'page' : null }, c.title);
  li.append(link, el('div.item-actions', {},
    iconButton('edit', 'Rename chat ' + c.title, () => startRename(li, c)),
    iconButton('trash', 'Delete chat ' + c.title, () => remove(c))));
  return li;
}

function startRename(li, c) {
  renaming = c.id;
  const input = el('input.rename-input', { type: 'text', maxlength: '200', 'aria-label': 'New name for the chat' });
  input.value = c.title;
  let done = false;
  const finish = async (saveIt) => {
    if (done) return;
    done = true;
    renaming = null;
    const title = input.value.trim();
    if (saveIt && title && title !== c.title) {
      try {
        const updated = await api.patchConversation(c.id, { title });
        c.title = updated.title;
        emit('conversation-renamed', { id: c.id, title: updated.title });
      } catch (e) {
        toast('Could not rename the chat: ' + e.message, 'error');
      }
    }
    await refresh();
    const link = listEl.querySelector(`.chat-item[data-id="${c.id}"] .chat-link`);
    if (link) link.focus();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); finish(true); }
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); finish(false); }
  });
  input.addEventListener('blur', () => finish(true));
  li.replaceChildren(input);
  input.focus();
  input.select();
}

async function remove(c) {
  const ok = await confirmAction('Delete this chat?', '"' + c.title + '" will be deleted from this computer. This cannot be undone.', 'Delete');
  if (!ok) return;
  try {
    await api.deleteConversation(c.id);
    toast('Chat deleted');
    emit('conversation-deleted', c.id);
  } catch (e) {
    toast('Could not delete the chat: ' + e.message, 'error');
  }
  await refresh();
}

let timer = 0;
search.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    query = search.value.trim();
    refresh();
  }, 150);
});
search.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && search.value) {
    e.preventDefault();
    search.value = '';
    query = '';
    refresh();
  }
});

on('conversations-changed', () => refresh());
on('conversation-opened', () => render());
