// Small DOM helpers shared by the views: element building (text only, never HTML strings), toasts, a confirm
// dialog, and the API key prompt.
import { icon } from './icons.js';
import { setApiKey } from './api.js';

/**
 * Creates an element: el('button.btn.small', {type: 'button', onclick}, 'text', child...). Attributes starting
 * with "on" are listeners; "dataset" and "aria" objects set data-* / aria-*; strings are text nodes.
 */
export function el(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const node = document.createElement(tag || 'div');
  if (classes.length) node.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'aria') for (const [a, val] of Object.entries(v)) node.setAttribute('aria-' + a, val);
    else if (k === 'text') node.textContent = v;
    else if (k === 'icon') node.append(icon(v));
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** An icon-only button with an accessible name. */
export function iconButton(name, label, onclick, extraClass = '') {
  return el('button.icon-btn' + (extraClass ? '.' + extraClass : ''), { type: 'button', 'aria-label': label, title: label, onclick, icon: name });
}

/** A short message at the corner of the screen. */
export function toast(message, kind = 'info', ms = 3500) {
  const box = document.getElementById('toasts');
  // The same message again (e.g. every save failing while the server is down) restarts the one shown.
  const same = [...box.children].find((t) => t.textContent === message && t.classList.contains('error') === (kind === 'error'));
  if (same) {
    clearTimeout(same.hearthTimer);
    same.hearthTimer = setTimeout(() => same.remove(), ms);
    return;
  }
  const t = el('div.toast' + (kind === 'error' ? '.error' : ''), { role: kind === 'error' ? 'alert' : 'status' }, message);
  box.append(t);
  t.hearthTimer = setTimeout(() => t.remove(), ms);
}

/** Asks to confirm a destructive action; resolves to true if confirmed. */
export function confirmAction(title, text, okLabel) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    document.getElementById('confirm-ok').focus();
  });
}

let keyDialogOpen = null;

/** Asks for the API key; resolves to true if the user saved one. */
export function askForApiKey(reason) {
  if (keyDialogOpen) return keyDialogOpen;
  const dialog = document.getElementById('key-dialog');
  const input = document.getElementById('key-input');
  document.getElementById('key-reason').textContent = reason
    || 'Enter the API key of this Hearth server (the value of HEARTH_API_KEY where it runs).';
  input.value = '';
  dialog.returnValue = '';
  keyDialogOpen = new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      keyDialogOpen = null;
      const ok = dialog.returnValue === 'save' && input.value.trim() !== '';
      if (ok) setApiKey(input.value, document.getElementById('key-remember').checked);
      resolve(ok);
    }, { once: true });
    dialog.showModal();
    input.focus();
  });
  return keyDialogOpen;
}
