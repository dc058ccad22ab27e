// The chat view: messages (Markdown, streamed), the composer, stop / regenerate / edit, the per-chat model and
// settings, and saving the chat on the server after every exchange.
import { api, ApiError } from './api.js';
import { renderInto, copyText } from './markdown.js';
import { el, iconButton, toast } from './ui.js';
import { state, emit, on } from './state.js';
import { rate, bytes } from './format.js';
import { fit } from './models.js';

const LAST_MODEL = 'hearth.lastModel';
const TITLE_LENGTH = 60;

const $ = (id) => document.getElementById(id);
const messagesEl = $('messages');
const scroller = $('scroller');
const prompt = $('prompt');
const sendBtn = $('send');
const stopBtn = $('stop');
const modelSelect = $('model-select');
const banner = $('chat-banner');
const emptyEl = $('chat-empty');

/** DOM of the messages of the open chat, by index, for in-place updates while streaming. */
let views = [];

// ---- opening chats -------------------------------------------------------------------------------------

function blankConversation() {
  return { id: null, title: 'New chat', model: defaultModel(), system: '', options: {}, messages: [] };
}

/** Shows a new, unsaved chat (saved on the first message), with the given model or the last one used. */
export function openNew(model) {
  const conv = blankConversation();
  if (model) {
    conv.model = model;
    try { localStorage.setItem(LAST_MODEL, model); } catch { /* storage disabled */ }
  }
  showConversation(conv);
  prompt.focus();
}

/** Opens a saved chat by id; one that is still generating is shown live from memory. */
export async function openConversation(id) {
  for (const conv of state.inflight.keys()) {
    if (conv.id === id) {
      showConversation(conv);
      return;
    }
  }
  if (state.conv && state.conv.id === id) {
    showConversation(state.conv);
    return;
  }
  try {
    const conv = await api.conversation(id);
    showConversation(conv);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      toast('That chat no longer exists.', 'error');
      location.hash = '#/';
    } else {
      showConversation(blankConversation());
      showBanner(e.message, 'error');
    }
  }
}

function showConversation(conv) {
  state.conv = conv;
  $('chat-title').textContent = conv.title || 'New chat';
  document.title = conv.id ? conv.title + ' · Hearth' : 'Hearth';
  hideBanner();
  renderModelSelect();
  renderAll();
  updateComposer();
  scrollToBottom();
  warnIfTooBig();
  emit('conversation-opened', conv);
}

// ---- models ----------------------------------------------------------------------------------------------

function defaultModel() {
  const names = (state.models || []).map((m) => m.name);
  let last = '';
  try { last = localStorage.getItem(LAST_MODEL) || ''; } catch { /* storage disabled */ }
  return names.includes(last) ? last : names[0] || '';
}

function renderModelSelect() {
  const conv = state.conv;
  const names = (state.models || []).map((m) => m.name);
  // A chat not yet started follows the installed models (one may just have been pulled or deleted).
  if (conv && !conv.messages.length && !names.includes(conv.model)) conv.model = defaultModel();
  const options = names.map((n) => el('option', { value: n }, n));
  if (conv && conv.model && !names.includes(conv.model)) {
    options.unshift(el('option', { value: conv.model }, conv.model + ' (not installed)'));
  }
  if (!options.length) options.push(el('option', { value: '' }, state.models ? 'No models installed' : 'Loading models…'));
  modelSelect.replaceChildren(...options);
  modelSelect.value = conv && conv.model ? conv.model : '';
  modelSelect.disabled = !names.length;
}

modelSelect.addEventListener('change', async () => {
  const conv = state.conv;
  conv.model = modelSelect.value;
  try { localStorage.setItem(LAST_MODEL, conv.model); } catch { /* storage disabled */ }
  hideBanner();
  renderAll();
  warnIfTooBig();
  if (conv.id) {
    try {
      await api.patchConversation(conv.id, { model: conv.model });
    } catch (e) {
      toast('Could not save the model choice: ' + e.message, 'error');
    }
  }
});

on('models-changed', () => {
  if (!state.conv) return;
  renderModelSelect();
  if (!state.conv.messages.length) renderAll();
  updateComposer();
  warnIfTooBig();
});

/** Says so before the first message when the chat's model needs more memory than this computer has. */
function warnIfTooBig() {
  const conv = state.conv;
  const m = (state.models || []).find((x) => x.name === conv.model);
  if (!m) return;
  const f = fit(m);
  if (f.fit !== 'too_large') return;
  const total = state.system && state.system.memory ? state.system.memory.total : 0;
  showBanner(conv.model + ' needs about ' + bytes(f.need) + ' of memory' + (total ? ', more than this computer\'s ' + bytes(total) : '')
    + '. It will probably fail to load or run very slowly; a smaller model or a shorter context length would fit.', 'warn');
}

// ---- rendering -------------------------------------------------------------------------------------------

function renderAll() {
  const conv = state.conv;
  $('chat-title').textContent = conv.title || 'New chat';
  views = conv.messages.map((m, i) => messageView(conv, m, i));
  messagesEl.replaceChildren(...views.map((v) => v.root));
  renderEmpty();
}

function renderEmpty() {
  const conv = state.conv;
  if (conv.messages.length) {
    emptyEl.replaceChildren();
    return;
  }
  const logo = el('img.logo', { src: 'favicon.svg', alt: '' });
  if (state.models && state.models.length === 0) {
    emptyEl.replaceChildren(logo,
      el('h2', {}, 'No models installed yet'),
      el('p', {}, 'Hearth runs models on this computer. Download one to start chatting; a small one (about 1 GB) works on most laptops.'),
      el('a.btn.btn-primary', { href: '#/models', icon: 'download' }, 'Get a model'));
    return;
  }
  const suggestions = [
    ['Explain a concept', 'How do vaccines train the immune system?'],
    ['Write code', 'Write a Python function that checks whether a string is a palindrome.'],
    ['Draft a message', 'Write a friendly note asking my neighbour to water my plants next week.'],
    ['Brainstorm', 'Give me five names for a cosy coffee shop.'],
  ];
  emptyEl.replaceChildren(logo,
    el('h2', {}, 'What can I help with?'),
    el('p', {}, conv.model ? 'Chatting with ' + conv.model + ', privately, on this computer.' : 'Choose a model above to start.'),
    el('div.suggestions', {}, suggestions.map(([title, text]) => el('button.suggestion', {
      type: 'button',
      onclick: () => { prompt.value = text; autosize(); prompt.focus(); },
    }, el('strong', {}, title), el('span', {}, text)))));
}

function messageView(conv, m, i) {
  const isLast = i === conv.messages.length - 1;
  const root = el('div.msg.' + (m.role === 'user' ? 'user' : 'assistant'), { dataset: { index: String(i) } });
  if (isLast) root.classList.add('last');
  const bubble = el('div.bubble');
  const foot = el('div.msg-foot');
  const view = { root, bubble, foot, md: null, message: m };
  if (m.role === 'user') {
    bubble.textContent = m.content;
    foot.append(el('div.msg-actions', {},
      iconButton('copy', 'Copy message', () => copyMessage(m)),
      iconButton('edit', 'Edit and resend', () => startEdit(i))));
    root.append(bubble, foot);
    return view;
  }
  if (m.role === 'system') {
    root.append(el('div.who', {}, 'System'), bubble);
    bubble.textContent = m.content;
    return view;
  }
  root.append(el('div.who', {}, el('img', { src: 'favicon.svg', alt: '' }), m.model || conv.model || 'Assistant'));
  view.md = el('div.md');
  bubble.append(view.md);
  root.append(bubble, foot);
  fillAssistant(view, conv, i);
  return view;
}

/** (Re)draws an assistant message: its text, its footer (stats, actions) and its error, if any. */
function fillAssistant(view, conv, i) {
  const m = view.message;
  const streaming = isStreaming(conv, m);
  view.root.classList.toggle('streaming', streaming && m.content !== '');
  view.root.classList.toggle('error', !!m.error);
  view.root.setAttribute('aria-busy', streaming ? 'true' : 'false');
  if (streaming && m.content === '') {
    view.md.replaceChildren(el('div.typing', { aria: { label: 'Thinking' }, role: 'status' }, el('span'), el('span'), el('span')));
  } else {
    renderInto(view.md, m.content);
  }
  for (const old of view.bubble.querySelectorAll('.msg-error')) old.remove();
  if (m.error) view.bubble.append(errorBox(m, conv));
  view.foot.replaceChildren(...footParts(view, conv, i, streaming));
}

function footParts(view, conv, i, streaming) {
  const m = view.message;
  const parts = [];
  if (streaming) {
    const live = view.live;
    if (live && live.tokens > 1) {
      parts.push(el('span.stat', {}, live.tokens + ' tokens'), el('span.stat.speed', {}, rate(liveRate(live))));
    } else {
      parts.push(el('span.stat', {}, 'Generating…'));
    }
    return parts;
  }
  const s = m.stats || {};
  if (s.eval_count) parts.push(el('span.stat', {}, s.eval_count + ' tokens'));
  if (s.eval_count && s.eval_duration) {
    parts.push(el('span.stat.speed', { title: speedTitle(s) }, rate(s.eval_count / (s.eval_duration / 1e9))));
  }
  if (m.stopped) parts.push(el('span.tag', {}, 'Stopped'));
  if (m.done_reason === 'length') parts.push(el('span.tag.warn', { title: 'The answer reached the token or context limit' }, 'Cut off at the length limit'));
  const isLast = i === conv.messages.length - 1;
  const actions = el('div.msg-actions');
  if (m.content) actions.append(iconButton('copy', 'Copy answer', () => copyMessage(m)));
  if (isLast && !m.error) actions.append(iconButton('regenerate', 'Regenerate', () => regenerate()));
  parts.push(actions);
  return parts;
}

/** Tokens per second between the first and the last streamed piece. */
function liveRate(live) {
  const seconds = (live.last - live.first) / 1000;
  return seconds > 0 ? (live.tokens - 1) / seconds : NaN;
}

function speedTitle(s) {
  const lines = [];
  if (s.prompt_eval_count && s.prompt_eval_duration) {
    lines.push('Prompt: ' + s.prompt_eval_count + ' tokens, ' + rate(s.prompt_eval_count / (s.prompt_eval_duration / 1e9)));
  }
  if (s.load_duration) lines.push('Model load: ' + (s.load_duration / 1e9).toFixed(2) + ' s');
  if (s.total_duration) lines.push('Total: ' + (s.total_duration / 1e9).toFixed(2) + ' s');
  return lines.join('\n');
}

const HINTS = {
  offline: 'Start it again with hearth serve, then retry.',
  busy: 'Hearth is busy with other requests. Wait a moment, then retry.',
  memory: 'This model needs more memory than this computer has free. Try a smaller model, or a shorter context length in the chat settings.',
  'not-found': 'Pick another model above, or download this one on the Models page.',
  forbidden: 'Open this page at the address hearth serve prints, or add this address to HEARTH_ORIGINS.',
  auth: 'Hearth did not accept the API key. Set it with the key button at the bottom left.',
};

function errorBox(m, conv) {
  const kind = m.error_kind || 'error';
  const box = el('div.msg-error', {},
    el('div.msg-error-text', { role: 'alert' }, m.error),
    HINTS[kind] ? el('div.msg-error-hint', {}, HINTS[kind]) : null);
  const actions = el('div.msg-error-actions');
  if (conv.messages[conv.messages.length - 1] === m) {
    actions.append(el('button.btn.small', { type: 'button', onclick: () => regenerate(), icon: 'regenerate' }, 'Retry'));
  }
  if (kind === 'not-found') actions.append(el('a.btn.small', { href: '#/models', icon: 'cube' }, 'Models'));
  if (kind === 'memory') actions.append(el('button.btn.small', { type: 'button', onclick: () => openSettings(), icon: 'sliders' }, 'Chat settings'));
  if (actions.childElementCount) box.append(actions);
  return box;
}

async function copyMessage(m) {
  toast(await copyText(m.content) ? 'Copied' : 'Could not copy', 'info', 1500);
}

function isStreaming(conv, m) {
  const f = state.inflight.get(conv);
  return !!f && f.message === m;
}

function nearBottom() {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
}

function scrollToBottom() {
  scroller.scrollTop = scroller.scrollHeight;
}

// ---- composer ------------------------------------------------------------------------------------------

function autosize() {
  prompt.style.height = 'auto';
  prompt.style.height = Math.min(prompt.scrollHeight, window.innerHeight * 0.4) + 'px';
  updateComposer();
}

function updateComposer() {
  const conv = state.conv;
  const busy = !!(conv && state.inflight.has(conv));
  sendBtn.hidden = busy;
  stopBtn.hidden = !busy;
  sendBtn.disabled = prompt.value.trim() === '';
}

prompt.addEventListener('input', autosize);
prompt.addEventListener('input', preload);

/** Model and context length pairs this page asked to load ahead of a message. */
const preloaded = new Set();

/**
 * Asks the server to load the chat's model once the user starts typing: loading (a second or two for a 1 B
 * model the first time) and the server's warm-up of a new model then happen while they type, not after they
 * send. Once per model and context length; a failure shows when the message is sent.
 */
function preload() {
  const conv = state.conv;
  if (!conv || !conv.model || prompt.value.trim() === '') return;
  const options = {};
  if (conv.options && Number.isFinite(conv.options.num_ctx)) options.num_ctx = conv.options.num_ctx;
  const key = conv.model + '\n' + (options.num_ctx || '');
  if (preloaded.has(key)) return;
  preloaded.add(key);
  api.load(conv.model, Object.keys(options).length ? options : undefined).catch(() => {});
}
prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !e.altKey && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    send();
  }
});
$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
stopBtn.addEventListener('click', () => stop());
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && state.conv && state.inflight.has(state.conv) && !document.querySelector('dialog[open]')) {
    stop();
  }
});

function send() {
  const conv = state.conv;
  const text = prompt.value.trim();
  // Enter pressed while the page is still loading (no chat yet): keep the text, send nothing.
  if (!conv || !text || state.inflight.has(conv)) return;
  if (!conv.model) {
    showBanner(state.models && state.models.length === 0
      ? 'No model is installed yet. Download one on the Models page.'
      : 'Choose a model for this chat first.', 'warn', state.models && state.models.length === 0 ? ['Models', '#/models'] : null);
    return;
  }
  prompt.value = '';
  autosize();
  conv.messages.push({ role: 'user', content: text, created_at: new Date().toISOString() });
  if (conv.messages.filter((m) => m.role === 'user').length === 1 && (!conv.title || conv.title === 'New chat')) {
    conv.title = titleFrom(text);
  }
  renderAll();
  scrollToBottom();
  generate(conv);
}

function titleFrom(text) {
  const line = text.split('\n').find((l) => l.trim()) || text;
  // Markdown markup the user typed (a heading, a quote, bold, code) is not part of a title.
  const plain = line.trim().replace(/^(#{1,6}\s+|>\s*)+/, '').replace(/\*\*|__|`+/g, '');
  const t = (plain.trim() || line.trim()).replace(/\s+/g, ' ');
  return t.length > TITLE_LENGTH ? t.slice(0, TITLE_LENGTH - 1).trimEnd() + '…' : t;
}

function stop() {
  const f = state.inflight.get(state.conv);
  if (f) f.controller.abort();
}

// ---- generation ------------------------------------------------------------------------------------------

/** The messages the model sees: the system prompt, then the chat without failed or empty answers. */
function requestMessages(conv, upTo) {
  const out = [];
  if (conv.system && conv.system.trim()) out.push({ role: 'system', content: conv.system });
  for (const m of conv.messages.slice(0, upTo)) {
    if (m.role === 'assistant' && (m.error || !m.content)) continue;
    out.push({ role: m.role, content: m.content });
  }
  return out;
}

/** Saves the chat (its first upTo messages): creates it on the first message, then replaces it. */
async function save(conv, upTo = conv.messages.length) {
  if (conv.deleted) return;
  const body = {
    title: conv.title, model: conv.model, system: conv.system, options: conv.options,
    messages: conv.messages.slice(0, upTo).map((m) => {
      const out = { role: m.role, content: m.content };
      for (const k of ['model', 'created_at', 'stats', 'done_reason', 'stopped', 'error']) {
        if (m[k] !== undefined && m[k] !== null) out[k] = m[k];
      }
      return out;
    }),
  };
  if (!conv.id) {
    const created = await api.createConversation(body);
    conv.id = created.id;
    conv.created_at = created.created_at;
    if (state.conv === conv) {
      history.replaceState(null, '', '#/c/' + conv.id);
      document.title = conv.title + ' · Hearth';
      $('chat-title').textContent = conv.title;
      emit('conversation-opened', conv);
    }
  } else {
    await api.saveConversation(conv.id, body);
  }
  emit('conversations-changed');
}

/** Streams an answer to the chat's last user message into a new assistant message, then saves the chat. */
async function generate(conv) {
  const upTo = conv.messages.length;
  const message = { role: 'assistant', content: '', model: conv.model, created_at: new Date().toISOString() };
  conv.messages.push(message);
  let finish;
  const flight = { controller: new AbortController(), message, finished: new Promise((r) => { finish = r; }) };
  state.inflight.set(conv, flight);
  const visible = () => state.conv === conv;
  const view = () => (visible() ? views[conv.messages.indexOf(message)] : null);
  if (visible()) {
    renderAll();
    updateComposer();
    scrollToBottom();
  }
  try {
    await save(conv, upTo); // the question survives a reload even while the answer is being written
  } catch (e) {
    toast('Could not save this chat: ' + e.message, 'error');
  }

  let frame = 0;
  const live = { tokens: 0, first: 0, last: 0 };
  let lastPaint = 0;
  const paint = () => {
    frame = 0;
    // Re-rendering the whole answer costs more as it grows: a long one is redrawn about eight times a second.
    if (message.content.length > 8000 && performance.now() - lastPaint < 120) {
      frame = requestAnimationFrame(paint);
      return;
    }
    lastPaint = performance.now();
    const v = view();
    if (!v) return;
    v.live = live;
    const stick = nearBottom();
    fillAssistant(v, conv, conv.messages.indexOf(message));
    if (stick) scrollToBottom();
  };
  try {
    const options = {};
    if (conv.options && Number.isFinite(conv.options.temperature)) options.temperature = conv.options.temperature;
    if (conv.options && Number.isFinite(conv.options.num_ctx)) options.num_ctx = conv.options.num_ctx;
    if (conv.options && Number.isFinite(conv.options.num_predict)) options.num_predict = conv.options.num_predict;
    const body = { model: conv.model, messages: requestMessages(conv, upTo) };
    if (Object.keys(options).length) body.options = options;
    for await (const chunk of api.chat(body, flight.controller.signal)) {
      const piece = chunk.message && typeof chunk.message.content === 'string' ? chunk.message.content : '';
      if (piece) {
        // Timed by the server's clock (each piece's created_at), so network buffering cannot skew the speed.
        const t = Date.parse(chunk.created_at);
        const at = Number.isFinite(t) ? t : Date.now();
        if (live.tokens === 0) live.first = at;
        live.last = at;
        live.tokens++;
        message.content += piece;
      }
      if (chunk.done) {
        message.stats = {};
        for (const k of ['total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count', 'eval_duration']) {
          if (Number.isFinite(chunk[k])) message.stats[k] = chunk[k];
        }
        if (chunk.done_reason) message.done_reason = chunk.done_reason;
      }
      if (!frame) frame = requestAnimationFrame(paint);
    }
  } catch (e) {
    if (e.name === 'AbortError') {
      message.stopped = true;
      if (live.tokens > 1 && live.last > live.first) {
        // A stopped answer gets no statistics from the server: count the streamed pieces (one token each) and
        // time them, so that eval_count / eval_duration is the speed seen while it streamed.
        message.stats = { eval_count: live.tokens, eval_duration: Math.round(live.tokens / liveRate(live) * 1e9) };
      }
    } else {
      message.error = e.message || String(e);
      message.error_kind = e.kind || 'error';
      if (e.kind === 'offline') emit('server-down');
    }
  } finally {
    if (frame) cancelAnimationFrame(frame);
    if (state.inflight.get(conv) === flight) state.inflight.delete(conv);
  }
  if (visible()) {
    const v = view();
    if (v) {
      const stick = nearBottom();
      fillAssistant(v, conv, conv.messages.indexOf(message));
      if (stick || message.error) scrollToBottom();
    }
    updateComposer();
    // Streaming text is not read out token by token; screen readers hear when the answer is complete.
    $('sr-status').textContent = message.error ? 'The answer failed: ' + message.error
      : message.stopped ? 'Answer stopped.' : 'Answer complete.';
  }
  try {
    await save(conv);
  } catch (e) {
    toast('Could not save this chat: ' + e.message, 'error');
  }
  finish();
}

/** Stops the chat's generation, if any, and waits until it has wound up (and saved). */
async function settle(conv) {
  const f = state.inflight.get(conv);
  if (!f) return;
  f.controller.abort();
  await f.finished;
}

async function regenerate() {
  const conv = state.conv;
  await settle(conv);
  const last = conv.messages[conv.messages.length - 1];
  if (last && last.role === 'assistant') conv.messages.pop();
  if (!conv.messages.length || conv.messages[conv.messages.length - 1].role !== 'user') return;
  renderAll();
  generate(conv);
}

function startEdit(i) {
  const conv = state.conv;
  const v = views[i];
  const original = conv.messages[i].content;
  const area = el('textarea', { 'aria-label': 'Edit your message' });
  area.value = original;
  const cancel = () => renderAll();
  const submit = async () => {
    const text = area.value.trim();
    if (!text) return;
    await settle(conv);
    conv.messages = conv.messages.slice(0, i);
    conv.messages.push({ role: 'user', content: text, created_at: new Date().toISOString() });
    if (i === 0) conv.title = titleFrom(text);
    if (state.conv === conv) renderAll();
    generate(conv);
  };
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); cancel(); }
  });
  const box = el('div.edit-box', {}, area, el('div.edit-actions', {},
    el('button.btn.small', { type: 'button', onclick: cancel }, 'Cancel'),
    el('button.btn.btn-primary.small', { type: 'button', onclick: submit }, 'Send')));
  v.root.replaceChildren(box);
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
}

// ---- banner ---------------------------------------------------------------------------------------------

function showBanner(text, kind = 'warn', action = null) {
  banner.replaceChildren(el('span', {}, text));
  if (action) banner.append(el('a.btn.small', { href: action[1] }, action[0]));
  banner.classList.toggle('error', kind === 'error');
  banner.hidden = false;
}

function hideBanner() {
  banner.hidden = true;
}

// ---- settings dialog --------------------------------------------------------------------------------------

const dialog = $('settings-dialog');
const temperature = $('set-temperature');
const temperatureDefault = $('set-temperature-default');
const temperatureOut = $('temperature-out');

function showTemperature() {
  temperature.disabled = temperatureDefault.checked;
  temperatureOut.textContent = temperatureDefault.checked ? 'model default' : Number(temperature.value).toFixed(2);
}
temperature.addEventListener('input', showTemperature);
temperatureDefault.addEventListener('change', showTemperature);

export function openSettings() {
  const conv = state.conv;
  $('set-system').value = conv.system || '';
  const t = conv.options && conv.options.temperature;
  temperatureDefault.checked = !Number.isFinite(t);
  temperature.value = Number.isFinite(t) ? t : 0.8;
  showTemperature();
  const ctx = conv.options && conv.options.num_ctx;
  $('set-ctx').value = Number.isFinite(ctx) ? ctx : '';
  const predict = conv.options && conv.options.num_predict;
  $('set-predict').value = Number.isFinite(predict) ? predict : '';
  dialog.returnValue = '';
  dialog.showModal();
}

$('chat-settings-button').addEventListener('click', openSettings);

dialog.addEventListener('close', async () => {
  if (dialog.returnValue !== 'save') return;
  const conv = state.conv;
  conv.system = $('set-system').value;
  const options = { ...(conv.options || {}) };
  if (temperatureDefault.checked) delete options.temperature; else options.temperature = Number(temperature.value);
  const ctx = parseInt($('set-ctx').value, 10);
  if (Number.isFinite(ctx) && ctx > 0) options.num_ctx = ctx; else delete options.num_ctx;
  const predict = parseInt($('set-predict').value, 10);
  if (Number.isFinite(predict) && predict > 0) options.num_predict = predict; else delete options.num_predict;
  conv.options = options;
  if (conv.id) {
    try {
      await api.patchConversation(conv.id, { system: conv.system, options: conv.options });
      toast('Chat settings saved');
    } catch (e) {
      toast('Could not save the settings: ' + e.message, 'error');
    }
  }
});

/** The chat was renamed or deleted elsewhere (the sidebar). */
on('conversation-renamed', ({ id, title }) => {
  for (const conv of [state.conv, ...state.inflight.keys()]) {
    if (conv && conv.id === id) conv.title = title;
  }
  if (state.conv && state.conv.id === id) {
    $('chat-title').textContent = title;
    document.title = title + ' · Hearth';
  }
});

on('conversation-deleted', (id) => {
  for (const [conv, f] of state.inflight) {
    if (conv.id === id) {
      f.controller.abort();
      conv.id = null; // never save it again
      conv.deleted = true;
    }
  }
  if (state.conv && state.conv.id === id) location.hash = '#/';
});

export function focusPrompt() {
  prompt.focus();
}

autosize();
