// What the views share: installed models, this machine, the open chat, and a bus for "something changed".

export const state = {
  /** /api/tags models, newest first; null until first loaded. */
  models: null,
  /** /api/hearth/system; null until loaded. */
  system: null,
  /** Memory fit by model name, from /api/hearth/models: {fit, memory: {total, weights, kv_cache, ...}}. */
  fits: new Map(),
  /** The open chat: {id (null until first saved), title, model, system, options, messages, ...}. */
  conv: null,
  /** Chats generating right now: conversation object -> {controller}. */
  inflight: new Map(),
};

const bus = new EventTarget();

export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

export function on(name, fn) {
  bus.addEventListener(name, (e) => fn(e.detail));
}
