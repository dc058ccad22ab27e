// Model output -> safe HTML. Model output is untrusted text: raw HTML in it is shown as text (not rendered),
// marked turns the Markdown into HTML, and DOMPurify removes anything that could still run or load (scripts,
// event handlers, styles, remote images, javascript: links) before it reaches the page.
import { Marked } from '../vendor/marked.esm.js';
import DOMPurify from '../vendor/purify.es.mjs';
import hljs from '../vendor/highlight/core.min.js';
import bash from '../vendor/highlight/languages/bash.min.js';
import c from '../vendor/highlight/languages/c.min.js';
import cpp from '../vendor/highlight/languages/cpp.min.js';
import csharp from '../vendor/highlight/languages/csharp.min.js';
import css from '../vendor/highlight/languages/css.min.js';
import diff from '../vendor/highlight/languages/diff.min.js';
import dockerfile from '../vendor/highlight/languages/dockerfile.min.js';
import go from '../vendor/highlight/languages/go.min.js';
import ini from '../vendor/highlight/languages/ini.min.js';
import java from '../vendor/highlight/languages/java.min.js';
import javascript from '../vendor/highlight/languages/javascript.min.js';
import json from '../vendor/highlight/languages/json.min.js';
import kotlin from '../vendor/highlight/languages/kotlin.min.js';
import lua from '../vendor/highlight/languages/lua.min.js';
import makefile from '../vendor/highlight/languages/makefile.min.js';
import markdown from '../vendor/highlight/languages/markdown.min.js';
import php from '../vendor/highlight/languages/php.min.js';
import plaintext from '../vendor/highlight/languages/plaintext.min.js';
import powershell from '../vendor/highlight/languages/powershell.min.js';
import python from '../vendor/highlight/languages/python.min.js';
import r from '../vendor/highlight/languages/r.min.js';
import ruby from '../vendor/highlight/languages/ruby.min.js';
import rust from '../vendor/highlight/languages/rust.min.js';
import scala from '../vendor/highlight/languages/scala.min.js';
import shell from '../vendor/highlight/languages/shell.min.js';
import sql from '../vendor/highlight/languages/sql.min.js';
import swift from '../vendor/highlight/languages/swift.min.js';
import typescript from '../vendor/highlight/languages/typescript.min.js';
import xml from '../vendor/highlight/languages/xml.min.js';
import yaml from '../vendor/highlight/languages/yaml.min.js';
import { icon } from './icons.js';

const LANGUAGES = {
  bash, c, cpp, csharp, css, diff, dockerfile, go, ini, java, javascript, json, kotlin, lua, makefile, markdown,
  php, plaintext, powershell, python, r, ruby, rust, scala, shell, sql, swift, typescript, xml, yaml,
};
for (const [name, grammar] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, grammar);
hljs.registerAliases(['toml'], { languageName: 'ini' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['sh', 'zsh', 'console'], { languageName: 'bash' });
hljs.configure({ ignoreUnescapedHTML: true });

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch]));
}

/** Highlighted HTML for code in a language (by name or alias); escaped plain text if unknown. */
export function highlight(code, lang) {
  const name = (lang || '').trim().split(/\s+/)[0].toLowerCase();
  if (name && hljs.getLanguage(name)) {
    try {
      return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
    } catch { /* fall through to plain text */ }
  }
  return escapeHtml(code);
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    code({ text, lang }) {
      const label = (lang || '').trim().split(/\s+/)[0] || 'text';
      return '<div class="code-block"><div class="code-head"><span class="code-lang">' + escapeHtml(label.slice(0, 30))
        + '</span></div><pre><code class="hljs">' + highlight(text, lang) + '</code></pre></div>';
    },
    // Images from elsewhere are not fetched (that would be a request to another server, and the page's
    // policy blocks it): they become a link to the image, instead of a broken-image icon.
    image({ href, text }) {
      const label = '[image: ' + escapeHtml(text || 'not shown') + ']';
      if (/^data:image\/(png|gif|jpeg|webp);/i.test(href || '')) {
        return '<img src="' + escapeHtml(href) + '" alt="' + escapeHtml(text || '') + '">';
      }
      return /^https?:/i.test(href || '') ? '<a href="' + escapeHtml(href) + '">' + label + '</a>' : label;
    },
    // Raw HTML in the model's answer is shown as the text it is.
    html({ text }) {
      return escapeHtml(text);
    },
  },
});

const purifier = DOMPurify(window);
purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    const href = node.getAttribute('href') || '';
    if (!/^(https?:|mailto:|#)/i.test(href)) node.removeAttribute('href');
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  } else if (node.tagName === 'IMG') {
    // Images from elsewhere would be a request to another server (and the page's policy blocks them anyway).
    const src = node.getAttribute('src') || '';
    if (!/^data:image\/(png|gif|jpeg|webp);/i.test(src)) {
      node.removeAttribute('src');
      node.setAttribute('alt', '[image: ' + (node.getAttribute('alt') || 'not shown') + ']');
    }
  } else if (node.tagName === 'INPUT') {
    node.setAttribute('disabled', '');
  }
});

const PURIFY_OPTIONS = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'button', 'textarea', 'select', 'option', 'iframe', 'object', 'embed', 'dialog'],
  FORBID_ATTR: ['style', 'srcset', 'action', 'formaction'],
  ADD_ATTR: ['target'],
};

/** Sanitised HTML for Markdown text. */
export function renderHtml(text) {
  return purifier.sanitize(marked.parse(text), PURIFY_OPTIONS);
}

/** Renders Markdown into an element and gives its code blocks a copy button. */
export function renderInto(el, text) {
  el.innerHTML = renderHtml(text);
  for (const head of el.querySelectorAll('.code-head')) {
    head.append(copyButton(() => head.nextElementSibling.textContent));
  }
}

/** A "Copy" button that copies what getText returns and says so. */
export function copyButton(getText, label = 'Copy') {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'copy-btn';
  b.setAttribute('aria-label', label === 'Copy' ? 'Copy code' : label);
  const text = document.createElement('span');
  text.textContent = label;
  b.append(icon('copy'), text);
  b.addEventListener('click', async () => {
    const ok = await copyText(getText());
    b.replaceChildren(icon(ok ? 'check' : 'alert'), Object.assign(document.createElement('span'), { textContent: ok ? 'Copied' : 'Copy failed' }));
    setTimeout(() => b.replaceChildren(icon('copy'), text), 1600);
  });
  return b;
}

/** Copies text; the async clipboard API needs a secure context (localhost is one), else the old way. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall back */ }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.className = 'visually-hidden';
  document.body.append(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch { /* nothing more to try */ }
  ta.remove();
  return ok;
}
