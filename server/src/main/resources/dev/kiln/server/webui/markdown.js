// Model output to DOM: Markdown (marked) with raw HTML shown as text, then sanitised (DOMPurify) before it becomes
// nodes, code blocks highlighted (highlight.js) with a copy button. Model text is never inserted as HTML unsanitised;
// HTML the model writes appears literally, as the characters it wrote.

import {copyText, icon} from './ui.js';

const {marked, DOMPurify, hljs} = window;

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
}

const parser = new marked.Marked({gfm: true, breaks: false});
parser.use({
  renderer: {
    // block and inline HTML in the model's Markdown: shown as text, never interpreted
    html(token) {
      return escapeHtml(token.text);
    },
  },
});

const PURIFY = {
  USE_PROFILES: {html: true},
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'option', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style', 'id', 'name'],
};

DOMPurify.addHook('afterSanitizeAttributes', node => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

hljs.configure({ignoreUnescapedHTML: true});

/** Replaces the children of {@code target} with {@code text} rendered as sanitised Markdown. */
export function renderMarkdown(target, text) {
  const html = DOMPurify.sanitize(parser.parse(text), PURIFY);
  const template = document.createElement('template');
  template.innerHTML = html;                     // sanitised above
  for (const code of template.content.querySelectorAll('pre > code')) {
    decorateCode(code);
  }
  // images the model links to would load from other origins, which the page's policy refuses: show them as links
  for (const img of template.content.querySelectorAll('img')) {
    const link = document.createElement('a');
    link.textContent = '[image: ' + (img.getAttribute('alt') || img.getAttribute('src') || '') + ']';
    if (/^https?:/i.test(img.getAttribute('src') ?? '')) {
      link.href = img.getAttribute('src');
      link.target = '_blank';
      link.rel = 'noopener noreferrer nofollow';
    }
    img.replaceWith(link);
  }
  target.replaceChildren(template.content);
}

function decorateCode(code) {
  const pre = code.parentElement;
  const language = [...code.classList].find(c => c.startsWith('language-'))?.slice(9) ?? '';
  const source = code.textContent;
  if (language && hljs.getLanguage(language)) {
    code.innerHTML = hljs.highlight(source, {language, ignoreIllegals: true}).value;   // escapes the source
  } else if (source.length < 20_000) {
    code.innerHTML = hljs.highlightAuto(source).value;
  }
  code.classList.add('hljs');
  const block = document.createElement('div');
  block.className = 'code-block';
  const head = document.createElement('div');
  head.className = 'code-head';
  const label = document.createElement('span');
  label.textContent = language || 'text';
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'code-copy';
  copy.title = 'Copy code';
  copy.append(icon('copy'), document.createTextNode('Copy'));
  copy.addEventListener('click', () => copyText(source, copy));
  head.append(label, copy);
  pre.replaceWith(block);
  block.append(head, pre);
}
