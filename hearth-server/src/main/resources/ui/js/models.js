// The Models page: installed models with their size, family, quantization and whether they fit this
// computer's memory; pulling a model with a live progress bar; models loaded in memory, and unloading one.
import { api, ApiError } from './api.js';
import { el, iconButton, toast, confirmAction } from './ui.js';
import { state, emit } from './state.js';
import { bytes, duration } from './format.js';

const $ = (id) => document.getElementById(id);

/** Loads the installed models (and how each fits this computer) into state. */
export async function loadModels() {
  try {
    const [res, fits] = await Promise.all([api.tags(), api.fits().catch(() => null)]);
    state.models = (res.models || []).map((m) => ({ ...m, name: m.name || m.model }));
    state.fits = new Map(((fits && fits.models) || []).map((f) => [f.name, f]));
  } catch (e) {
    if (!state.models) state.models = [];
    if (e.kind === 'offline') emit('server-down');
    throw e;
  } finally {
    emit('models-changed');
  }
}

export async function loadSystem() {
  try {
    state.system = await api.system();
  } catch {
    state.system = null;
  }
}

/** Called when the page is shown. */
export async function show() {
  renderMachine();
  await Promise.allSettled([
    loadModels().then(renderInstalled, (e) => showListError('installed-list', e)),
    refreshLoaded(),
    state.system ? null : loadSystem().then(() => { renderMachine(); renderInstalled(); }),
  ]);
  startPolling();
}

export function hide() {
  stopPolling();
}

// ---- this machine and memory fit ----------------------------------------------------------------------

function renderMachine() {
  const s = state.system;
  if (!s || !s.memory || !s.memory.total) {
    $('machine').textContent = '';
    return;
  }
  $('machine').textContent = 'This computer: ' + bytes(s.memory.total) + ' of memory ('
    + bytes(s.memory.available) + ' free now), ' + s.cpus + ' processor cores.';
}

const FIT_LABELS = {
  comfortable: ['good', 'Fits'],
  tight: ['tight', 'Tight fit'],
  too_large: ['bad', 'Too big for this computer'],
  unknown: ['unknown', 'Fit unknown'],
};

/**
 * How a model fits this computer's memory: the server's estimate (weights, KV cache at the default context
 * length, runtime; the same as hearth pull's), else a rough one from the file size.
 */
export function fit(m) {
  const total = state.system && state.system.memory ? state.system.memory.total : 0;
  const f = state.fits.get(m.name);
  if (f && f.memory) {
    const [cls, label] = FIT_LABELS[f.fit] || FIT_LABELS.unknown;
    const mem = f.memory;
    return {
      cls, label, need: mem.total, fit: f.fit,
      title: 'Needs about ' + bytes(mem.total) + ' with ' + mem.context_length + ' tokens of context (weights '
        + bytes(mem.weights) + ', KV cache ' + bytes(mem.kv_cache) + ', runtime ' + bytes(mem.overhead) + ')'
        + (total ? '; this computer has ' + bytes(total) : ''),
    };
  }
  if (!total || !m.size) return { cls: 'unknown', label: 'Fit unknown', need: 0, fit: 'unknown', title: 'This computer\'s memory is unknown' };
  const need = m.size + Math.max(512e6, m.size / 6);
  const key = need <= total * 0.75 ? 'comfortable' : need <= total ? 'tight' : 'too_large';
  const [cls, label] = FIT_LABELS[key];
  return { cls, label, need, fit: key, title: 'Needs roughly ' + bytes(need) + '; this computer has ' + bytes(total) };
}

// ---- installed ------------------------------------------------------------------------------------------

function renderInstalled() {
  const box = $('installed-list');
  const models = state.models || [];
  if (!models.length) {
    box.replaceChildren(el('p.list-note.center', {},
      'No models installed yet. Pull one above: for example ', el('code', {}, 'qwen3:0.6b'),
      ' (about 500 MB) or ', el('code', {}, 'llama3.2:1b'), ' (about 1.3 GB).'));
    return;
  }
  box.replaceChildren(el('div.model-list', {}, models.map(modelRow)));
}

function modelRow(m) {
  const d = m.details || {};
  const f = fit(m);
  const meta = [
    d.family && el('span', { title: 'Family' }, d.family),
    d.parameter_size && el('span', { title: 'Parameters' }, d.parameter_size + ' parameters'),
    d.quantization_level && el('span', { title: 'Quantization' }, d.quantization_level),
    el('span', { title: 'Size on disk' }, bytes(m.size)),
  ].filter(Boolean);
  return el('div.model-row', { dataset: { model: m.name } },
    el('div.model-main', {},
      el('div.model-name', {}, m.name),
      el('div.model-meta', {}, meta, el('span.fit.' + f.cls, { title: f.title }, f.label))),
    el('div.model-actions', {},
      el('a.btn.small', { href: '#/new/' + encodeURIComponent(m.name), icon: 'chat' }, 'Chat'),
      iconButton('trash', 'Delete model ' + m.name, () => removeModel(m))));
}

async function removeModel(m) {
  const ok = await confirmAction('Delete ' + m.name + '?', 'This frees ' + bytes(m.size)
    + ' of disk space (files shared with other models stay). You can pull it again later.', 'Delete');
  if (!ok) return;
  try {
    await api.deleteModel(m.name);
    toast('Deleted ' + m.name);
  } catch (e) {
    toast('Could not delete ' + m.name + ': ' + e.message, 'error');
  }
  await loadModels().catch(() => {});
  renderInstalled();
  refreshLoaded();
}

function showListError(id, e) {
  $(id).replaceChildren(el('p.list-note', { role: 'alert' }, e instanceof ApiError ? e.message : String(e)));
}

// ---- loaded ---------------------------------------------------------------------------------------------

let poll = 0;

function startPolling() {
  stopPolling();
  poll = setInterval(() => { if (!document.hidden) refreshLoaded(); }, 5000);
}

function stopPolling() {
  clearInterval(poll);
  poll = 0;
}

async function refreshLoaded() {
  const box = $('loaded-list');
  let res;
  try {
    res = await api.ps();
  } catch (e) {
    showListError('loaded-list', e);
    return;
  }
  const models = res.models || [];
  if (!models.length) {
    box.replaceChildren(el('p.list-note', {}, 'No model is loaded. A model loads when a chat uses it, and unloads after a few idle minutes.'));
    return;
  }
  box.replaceChildren(el('div.model-list', {}, models.map((m) => {
    const until = Date.parse(m.expires_at);
    const left = Number.isFinite(until) ? (until - Date.now()) / 1000 : NaN;
    const expiry = !Number.isFinite(left) ? '' : left > 365 * 86400 ? 'Stays loaded' : left > 0 ? 'Unloads in ' + duration(left) : 'Unloading';
    return el('div.model-row', { dataset: { model: m.name } },
      el('div.model-main', {},
        el('div.model-name', {}, m.name),
        el('div.model-meta', {},
          el('span', { title: 'Memory used' }, bytes(m.size) + ' in memory'),
          m.context_length ? el('span', {}, m.context_length + ' tokens of context') : null,
          expiry ? el('span', {}, expiry) : null)),
      el('div.model-actions', {},
        el('button.btn.small', { type: 'button', icon: 'eject', onclick: (e) => unload(m.name, e.currentTarget) }, 'Unload')));
  })));
}

async function unload(name, button) {
  button.disabled = true;
  try {
    await api.unload(name);
    toast('Unloaded ' + name);
  } catch (e) {
    toast('Could not unload ' + name + ': ' + e.message, 'error');
  }
  await refreshLoaded();
}

$('refresh-loaded').addEventListener('click', refreshLoaded);

// ---- pull -----------------------------------------------------------------------------------------------

let pulling = null;

/** Plain HTTP is fine for a registry on this same machine (nothing crosses a network); elsewhere HTTPS. */
function isLocalRegistry(name) {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\//i.test(name);
}

$('pull-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('pull-name').value.trim();
  if (name && !pulling) pull(name);
});

$('pull-cancel').addEventListener('click', () => {
  if (pulling) pulling.abort();
  else $('pull-progress').hidden = true;
});

async function pull(name) {
  const controller = new AbortController();
  pulling = controller;
  const box = $('pull-progress');
  const bar = $('pull-bar');
  const fill = $('pull-fill');
  box.hidden = false;
  bar.hidden = false;
  box.classList.remove('done', 'failed');
  for (const a of box.querySelectorAll('.pull-actions a')) a.remove();
  $('pull-model').textContent = name;
  $('pull-button').disabled = true;
  $('pull-name').disabled = true;
  $('pull-cancel').textContent = 'Cancel';
  const setStatus = (text) => { $('pull-status').textContent = text; };
  const setBytes = (text) => { $('pull-bytes').textContent = text; };
  const setRate = (text) => { $('pull-rate').textContent = text; };
  const setPercent = (p) => {
    bar.classList.toggle('indeterminate', p === null);
    if (p !== null) {
      fill.style.width = (p * 100).toFixed(1) + '%';
      bar.setAttribute('aria-valuenow', String(Math.round(p * 100)));
    } else {
      bar.removeAttribute('aria-valuenow');
    }
  };
  setStatus('Starting…');
  setBytes('');
  setRate('');
  setPercent(null);

  const totals = new Map();
  const done = new Map();
  let lastBytes = 0;
  let lastTime = performance.now();
  let speed = 0;
  try {
    for await (const p of api.pull(name, controller.signal, isLocalRegistry(name))) {
      if (p.digest && Number.isFinite(p.total) && p.total > 0) {
        totals.set(p.digest, p.total);
        done.set(p.digest, Math.min(p.completed || 0, p.total));
      }
      const total = [...totals.values()].reduce((a, b) => a + b, 0);
      const completed = [...done.values()].reduce((a, b) => a + b, 0);
      const status = p.status || '';
      if (/^pulling [0-9a-f]{6,}/.test(status) || /^downloading/.test(status)) setStatus('Downloading');
      else if (status === 'success') setStatus('Done');
      else if (status) setStatus(status.charAt(0).toUpperCase() + status.slice(1));
      if (total > 0) {
        setPercent(completed / total);
        setBytes(bytes(completed) + ' of ' + bytes(total));
        const now = performance.now();
        if (now - lastTime >= 500) {
          const instant = (completed - lastBytes) / ((now - lastTime) / 1000);
          speed = speed ? speed * 0.7 + instant * 0.3 : instant;
          lastBytes = completed;
          lastTime = now;
          setRate(speed > 0 && completed < total ? bytes(speed) + '/s · ' + duration((total - completed) / speed) + ' left' : '');
        }
      }
      if (status === 'success') {
        setPercent(1);
        setRate('');
      }
    }
    box.classList.add('done');
    setStatus('Installed');
    $('pull-cancel').textContent = 'Close';
    const actions = box.querySelector('.pull-actions');
    for (const a of actions.querySelectorAll('a')) a.remove();
    actions.prepend(el('a.btn.btn-primary', { href: '#/new/' + encodeURIComponent(name), icon: 'chat' }, 'Chat with it'));
    $('pull-name').value = '';
    toast('Installed ' + name);
  } catch (e) {
    box.classList.add('failed');
    bar.hidden = totals.size === 0; // an empty bar under "not found" says nothing; a partial one shows what is kept
    setPercent(totals.size ? [...done.values()].reduce((a, b) => a + b, 0) / [...totals.values()].reduce((a, b) => a + b, 0) : 0);
    setRate('');
    if (e.name === 'AbortError') {
      setStatus('Cancelled; pulling again resumes where it stopped');
    } else {
      setStatus(e.kind === 'not-found' ? 'Not found: ' + e.message : e.message);
    }
    $('pull-cancel').textContent = 'Close';
  } finally {
    pulling = null;
    $('pull-button').disabled = false;
    $('pull-name').disabled = false;
  }
  await loadModels().catch(() => {});
  renderInstalled();
}
