// Hearth's chat page: start-up, routing (#/ new chat, #/c/<id> a saved chat, #/new/<model> a new chat with
// that model, #/models), the sidebar drawer on narrow screens, theme and API key buttons, and the server
// status light.
import { api, onKeyNeeded, hasApiKey, setApiKey } from './api.js';
import { fillIcons, icon } from './icons.js';
import { askForApiKey, toast } from './ui.js';
import { state, on } from './state.js';
import * as chat from './chat.js';
import * as conversations from './conversations.js';
import * as models from './models.js';

const $ = (id) => document.getElementById(id);

fillIcons();
onKeyNeeded(askForApiKey);

// ---- routing --------------------------------------------------------------------------------------------

let current = '';

async function route() {
  const hash = location.hash || '#/';
  closeSidebar();
  const isModels = hash === '#/models';
  $('chat-view').hidden = isModels;
  $('models-view').hidden = !isModels;
  $('nav-models').classList.toggle('active', isModels);
  if (isModels) {
    if (current !== hash) models.show();
    document.title = 'Models · Hearth';
    current = hash;
    return;
  }
  models.hide();
  current = hash;
  const m = /^#\/c\/([0-9a-f]{32})$/.exec(hash);
  if (m) {
    await chat.openConversation(m[1]);
    return;
  }
  const n = /^#\/new\/(.+)$/.exec(hash);
  if (n) {
    history.replaceState(null, '', '#/');
    current = '#/';
    chat.openNew(decodeURIComponent(n[1]));
    return;
  }
  if (state.conv && !state.conv.id && !state.inflight.has(state.conv) && hash === '#/' && state.conv.messages.length === 0) {
    chat.focusPrompt();
    return;
  }
  chat.openNew();
}

window.addEventListener('hashchange', route);

$('new-chat').addEventListener('click', () => {
  if (location.hash === '#/' || location.hash === '') chat.openNew();
  else location.hash = '#/';
  chat.focusPrompt();
});

document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.shiftKey && (e.key === 'o' || e.key === 'O')) {
    e.preventDefault();
    $('new-chat').click();
  }
});

// ---- sidebar drawer (narrow screens) ---------------------------------------------------------------------

function openSidebar() {
  $('app').classList.add('sidebar-open');
  $('backdrop').hidden = false;
  $('open-sidebar').setAttribute('aria-expanded', 'true');
  $('chat-search').focus();
}

function closeSidebar() {
  if (!$('app').classList.contains('sidebar-open')) return;
  $('app').classList.remove('sidebar-open');
  $('backdrop').hidden = true;
  $('open-sidebar').setAttribute('aria-expanded', 'false');
}

$('open-sidebar').addEventListener('click', openSidebar);
$('open-sidebar-2').addEventListener('click', openSidebar);
$('close-sidebar').addEventListener('click', closeSidebar);
$('backdrop').addEventListener('click', closeSidebar);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && $('app').classList.contains('sidebar-open')) closeSidebar();
});
$('sidebar').addEventListener('click', (e) => {
  if (e.target.closest('a.chat-link, a.nav-link, a.brand')) closeSidebar();
});

// ---- theme ----------------------------------------------------------------------------------------------

const THEMES = ['system', 'light', 'dark'];
const THEME_ICONS = { system: 'monitor', light: 'sun', dark: 'moon' };

function renderThemeButton() {
  const choice = document.documentElement.dataset.themeChoice || 'system';
  const b = $('theme-toggle');
  const next = THEMES[(THEMES.indexOf(choice) + 1) % THEMES.length];
  b.replaceChildren(icon(THEME_ICONS[choice]));
  const label = 'Theme: ' + choice + ' (switch to ' + next + ')';
  b.setAttribute('aria-label', label);
  b.title = label;
}

$('theme-toggle').addEventListener('click', () => {
  const choice = document.documentElement.dataset.themeChoice || 'system';
  window.hearthSetTheme(THEMES[(THEMES.indexOf(choice) + 1) % THEMES.length]);
  renderThemeButton();
});
renderThemeButton();

// ---- API key ---------------------------------------------------------------------------------------------

$('key-button').addEventListener('click', async () => {
  const reason = hasApiKey()
    ? 'A key is set for this browser. Enter a new one, or save an empty field to forget it.'
    : 'Only needed when the server was started with HEARTH_API_KEY.';
  const dialog = $('key-dialog');
  const saved = await askForApiKey(reason);
  if (saved) {
    toast('API key saved');
    reloadAll();
  } else if (dialog.returnValue === 'save' && hasApiKey()) {
    setApiKey('', false);
    toast('API key forgotten');
  }
});

// ---- server status ---------------------------------------------------------------------------------------

let down = false;

function setServerState(isUp, text) {
  const s = $('server-state');
  s.classList.toggle('down', !isUp);
  s.textContent = text;
  down = !isUp;
}

async function ping() {
  try {
    const v = await api.version();
    const wasDown = down;
    setServerState(true, 'Hearth ' + (v.hearth || v.version || ''));
    if (wasDown) {
      toast('Connected to Hearth again');
      reloadAll();
    }
  } catch (e) {
    setServerState(e.kind !== 'offline', e.kind === 'offline' ? 'Offline' : 'Hearth');
  }
}

on('server-down', () => {
  setServerState(false, 'Offline');
});
setInterval(() => { if (!document.hidden) ping(); }, 10000);
document.addEventListener('visibilitychange', () => { if (!document.hidden) ping(); });

async function reloadAll() {
  await Promise.allSettled([models.loadModels(), models.loadSystem(), conversations.refresh()]);
  if (location.hash === '#/models') models.show();
}

// ---- start ----------------------------------------------------------------------------------------------

(async () => {
  await ping();
  await Promise.allSettled([models.loadModels(), models.loadSystem()]);
  await route();
  conversations.refresh();
})();
