// Talking to the Hearth server that served this page (same origin only: the page's Content-Security-Policy
// allows no other connection). Adds the API key when the user gave one, turns every failure into an ApiError
// with a message a person can act on, and reads NDJSON streams (/api/chat, /api/pull) line by line.

const KEY_NAME = 'hearth.apiKey';

/** A failed call: status (0 when the server could not be reached), message, and a kind the page reacts to. */
export class ApiError extends Error {
  constructor(status, message, kind) {
    super(message);
    this.status = status;
    this.kind = kind;
  }
}

let apiKey = readKey();
let askForKey = null;

function readKey() {
  try {
    return sessionStorage.getItem(KEY_NAME) || localStorage.getItem(KEY_NAME) || '';
  } catch {
    return '';
  }
}

/** Sets the API key; remembered across browser restarts only if asked. */
export function setApiKey(key, remember) {
  apiKey = key.trim();
  try {
    localStorage.removeItem(KEY_NAME);
    sessionStorage.removeItem(KEY_NAME);
    if (apiKey) (remember ? localStorage : sessionStorage).setItem(KEY_NAME, apiKey);
  } catch { /* storage disabled: the key lasts until the page closes */ }
}

export function hasApiKey() {
  return apiKey !== '';
}

/**
 * Registers what to do on a 401: a function that asks the user for the key and resolves to true if one was
 * given (the call is then tried again once).
 */
export function onKeyNeeded(fn) {
  askForKey = fn;
}

function kindOf(status, message) {
  if (status === 0) return 'offline';
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 503 || status === 429) return 'busy';
  if (status === 507 || /\b(memory|RAM|heap)\b/i.test(message)) return 'memory';
  return 'error';
}

async function errorFrom(res) {
  let message = '';
  try {
    const text = await res.text();
    try {
      const j = JSON.parse(text);
      message = typeof j.error === 'string' ? j.error : (j.error && j.error.message) || '';
    } catch {
      message = text.slice(0, 300);
    }
  } catch { /* body unreadable */ }
  if (!message) message = `Hearth answered ${res.status} ${res.statusText}`.trim();
  return new ApiError(res.status, message, kindOf(res.status, message));
}

/**
 * Calls the API. body (if any) is sent as JSON; the answer's JSON is returned (null for an empty body), or
 * the Response itself with raw: true (for streams).
 */
export async function request(path, { method = 'GET', body, signal, raw = false, quiet = false } = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (apiKey) headers.Authorization = 'Bearer ' + apiKey;
    let res;
    try {
      res = await fetch(path, {
        method, headers, signal, cache: 'no-store', credentials: 'omit',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, 'Cannot reach Hearth. Is hearth serve still running?', 'offline');
    }
    if (res.status === 401 && attempt < 3 && askForKey && !quiet) {
      const reason = headers.Authorization
        ? 'Hearth did not accept that key. Enter the value of HEARTH_API_KEY where hearth serve runs.'
        : 'This Hearth server needs an API key: the value of HEARTH_API_KEY where hearth serve runs.';
      if (await askForKey(reason)) continue;
    }
    if (!res.ok) throw await errorFrom(res);
    if (raw) return res;
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }
}

/**
 * Posts body and yields each JSON line of the streamed answer. A line with an "error" field (a failure after
 * the stream started) is thrown as an ApiError.
 */
export async function* stream(path, body, signal) {
  const res = await request(path, { method: 'POST', body, signal, raw: true });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (e.name === 'AbortError' || (signal && signal.aborted)) throw e;
        throw new ApiError(0, 'The connection to Hearth broke off. Is hearth serve still running?', 'offline');
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) yield parseLine(line);
      }
    }
    buffer += decoder.decode();
    if (buffer.trim()) yield parseLine(buffer.trim());
  } finally {
    reader.releaseLock();
  }
}

function parseLine(line) {
  let obj;
  try {
    obj = JSON.parse(line);
  } catch {
    throw new ApiError(500, 'Hearth sent a line that is not JSON: ' + line.slice(0, 120), 'error');
  }
  if (obj && typeof obj.error === 'string') throw new ApiError(500, obj.error, kindOf(500, obj.error));
  return obj;
}

// ---- the endpoints the page uses ----------------------------------------------------------------------

export const api = {
  version: () => request('/api/version'),
  system: () => request('/api/hearth/system'),
  fits: () => request('/api/hearth/models'),
  tags: () => request('/api/tags'),
  ps: () => request('/api/ps'),
  show: (model) => request('/api/show', { method: 'POST', body: { model } }),
  deleteModel: (model) => request('/api/delete', { method: 'DELETE', body: { model } }),
  unload: (model) => request('/api/generate', { method: 'POST', body: { model, keep_alive: 0 } }),
  // Loads a model without a message (Ollama's empty chat); never asks for an API key.
  load: (model, options) => request('/api/chat', {
    method: 'POST', quiet: true, body: { model, messages: [], stream: false, ...(options ? { options } : {}) },
  }),
  pull: (model, signal, insecure) => stream('/api/pull', { model, stream: true, ...(insecure ? { insecure: true } : {}) }, signal),
  chat: (body, signal) => stream('/api/chat', { ...body, stream: true }, signal),

  conversations: (q) => request('/api/hearth/conversations' + (q ? '?q=' + encodeURIComponent(q) : '')),
  conversation: (id) => request('/api/hearth/conversations/' + encodeURIComponent(id)),
  createConversation: (c) => request('/api/hearth/conversations', { method: 'POST', body: c }),
  saveConversation: (id, c) => request('/api/hearth/conversations/' + encodeURIComponent(id), { method: 'PUT', body: c }),
  patchConversation: (id, fields) => request('/api/hearth/conversations/' + encodeURIComponent(id), { method: 'PATCH', body: fields }),
  deleteConversation: (id) => request('/api/hearth/conversations/' + encodeURIComponent(id), { method: 'DELETE' }),
};
