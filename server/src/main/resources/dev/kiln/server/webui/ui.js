// Small DOM helpers: icons, element building, copying to the clipboard, a toast.

const SVG = 'http://www.w3.org/2000/svg';

// 24x24 stroked paths (drawn for this page)
const ICONS = {
  copy: 'M9 9h10v12H9z M5 15H4V3h11v1',
  edit: 'M4 20h4L19 9l-4-4L4 16z M14 6l4 4',
  regenerate: 'M20 11a8 8 0 1 0-2.3 5.7 M20 4v7h-7',
  trash: 'M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13',
  rename: 'M4 20h4L19 9l-4-4L4 16z',
  send: 'M12 19V5 M5 12l7-7 7 7',
  stop: 'M7 7h10v10H7z',
  settings: 'M4 6h9 M17 6h3 M15 4v4 M4 12h3 M11 12h9 M9 10v4 M4 18h11 M19 18h1 M17 16v4',
  sun: 'M12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M12 2v2 M12 20v2 M4.9 4.9l1.4 1.4 M17.7 17.7l1.4 1.4 M2 12h2 M20 12h2 M4.9 19.1l1.4-1.4 M17.7 6.3l1.4-1.4',
  moon: 'M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z',
  menu: 'M4 7h16 M4 12h16 M4 17h16',
  close: 'M6 6l12 12 M18 6L6 18',
  tool: 'M14.7 6.3a4 4 0 0 0-5.4 5.4L4 17l3 3 5.3-5.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.4-.6-.6-2.4z',
  check: 'M5 12l5 5 9-10',
};

export function icon(name) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

/** An element with a class and children (strings become text nodes, never HTML). */
export function el(tag, className, ...children) {
  const e = document.createElement(tag);
  if (className) {
    e.className = className;
  }
  e.append(...children.filter(c => c != null));
  return e;
}

export function iconButton(name, title, onClick) {
  const b = el('button', 'icon-button small', icon(name));
  b.type = 'button';
  b.title = title;
  b.setAttribute('aria-label', title);
  b.addEventListener('click', onClick);
  return b;
}

/** Copies {@code text}; on plain http from another machine (no Clipboard API) falls back to a selected textarea. */
export async function copyText(text, button) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch (e) {
    const area = el('textarea', 'offscreen');
    area.value = text;
    document.body.append(area);
    area.select();
    ok = document.execCommand('copy');
    area.remove();
  }
  if (button) {
    button.classList.add(ok ? 'copied' : 'copy-failed');
    setTimeout(() => button.classList.remove('copied', 'copy-failed'), 1200);
  }
  toast(ok ? 'Copied' : 'Copying was refused by the browser');
}

let toastTimer = 0;

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 1800);
}

export function seconds(ms) {
  return ms < 10_000 ? (ms / 1000).toFixed(1) + ' s' : Math.round(ms / 1000) + ' s';
}
