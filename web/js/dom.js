// dom.js: building the page without HTML strings. Text from the server is
// only ever set as text (never parsed as markup), and no element gets a
// style attribute: positions go through CSS custom properties.

import { t, locale } from './i18n.js';

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'vars') for (const [n, x] of Object.entries(v)) el.style.setProperty(`--${n}`, String(x));
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
      else if (k === 'value' && (tag === 'input' || tag === 'textarea' || tag === 'select')) el.value = v;
      else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = !!v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) { while (el.firstChild) el.firstChild.remove(); return el; }

let uid = 0;
export function nextId(prefix = 'f') { uid += 1; return `${prefix}-${uid}`; }

// A labelled form field. input gets an id; hint is linked by aria-describedby.
export function field(label, input, hint, cls = '') {
  if (!input.id) input.id = nextId();
  const wrap = h('div', { class: `field ${cls}`.trim() });
  const lab = h('label', { for: input.id }, label);
  if (input.type === 'checkbox') {
    wrap.classList.add('field-check');
    wrap.append(input, lab);
  } else {
    wrap.append(lab, input);
  }
  if (hint) {
    const hid = `${input.id}-hint`;
    wrap.append(h('span', { class: 'hint', id: hid }, hint));
    input.setAttribute('aria-describedby', hid);
  }
  return wrap;
}

export function select(options, value, props = {}) {
  const s = h('select', props);
  for (const o of options) {
    if (o.group) {
      const g = h('optgroup', { label: o.group });
      for (const x of o.options) g.append(h('option', { value: x.value, selected: String(x.value) === String(value) }, x.label));
      s.append(g);
    } else {
      s.append(h('option', { value: o.value, selected: String(o.value) === String(value) }, o.label));
    }
  }
  if (value !== undefined && value !== null) s.value = String(value);
  return s;
}

export function button(label, onclick, cls = '', props = {}) {
  return h('button', { type: 'button', class: `btn ${cls}`.trim(), onclick, ...props }, label);
}

// A message box: kind ok|error|info|warn. role=alert for errors, status otherwise.
export function message(kind, title, body, actions) {
  const box = h('div', { class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status' });
  if (title) box.append(h('p', { class: 'msg-title' }, title));
  if (body) append(box, [body]);
  if (actions && actions.length) box.append(h('div', { class: 'msg-actions' }, actions));
  return box;
}

// Replaces the content of a message slot (kept in the page so screen readers
// announce changes) with a new message, or empties it.
export function showIn(slot, msg) {
  clear(slot);
  if (msg) slot.append(msg);
}

export function empty(title, text) {
  return h('div', { class: 'empty' }, h('strong', null, title), text ? h('span', null, text) : null);
}

export function badge(text, kind = '') { return h('span', { class: `badge ${kind ? `badge-${kind}` : ''}`.trim() }, text); }

export function table(columns, rows, opts = {}) {
  const tbl = h('table', { class: `data ${opts.responsive === false ? '' : 'responsive'}`.trim() });
  if (opts.caption) tbl.append(h('caption', { class: 'sr-only' }, opts.caption));
  // A column without a visible heading (the row's buttons) still has one
  // for screen readers, so every cell has a header.
  tbl.append(h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.cls || null },
    c.label || h('span', { class: 'sr-only' }, t('common.actions')))))));
  const body = h('tbody');
  for (const r of rows) {
    body.append(h('tr', r.__attrs || null, columns.map((c) => {
      const v = c.render ? c.render(r) : r[c.key];
      return h('td', { class: c.cls || null, 'data-label': c.label && !c.cls?.includes('actions') ? c.label : null }, v);
    })));
  }
  tbl.append(body);
  return h('div', { class: 'table-wrap' }, tbl);
}

export function toast(text, kind = 'ok') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}` }, text);
  box.append(el);
  setTimeout(() => el.remove(), 6000);
}

export function announce(text) {
  const el = document.getElementById('sr-live');
  el.textContent = '';
  setTimeout(() => { el.textContent = text; }, 30);
}

// A modal dialog; returns {dialog, body, close}. Focus returns to the opener.
// Focus goes back to what opened a dialog. When that element was redrawn
// meanwhile (a list reloaded after the change the dialog made), the button
// with the same name takes its place once it is there; failing that, the
// page's heading, so focus never falls back to the top of the document.
function returnFocus(opener) {
  if (!opener || !opener.focus) return;
  if (opener.isConnected) { opener.focus(); return; }
  const name = opener.getAttribute('aria-label') || opener.textContent;
  const tag = opener.tagName;
  const started = Date.now();
  const look = () => {
    if (document.querySelector('dialog[open]')) return;   /* another dialog took over */
    const same = [...document.querySelectorAll(`main ${tag}`)]
      .filter((el) => (el.getAttribute('aria-label') || el.textContent) === name);
    if (same.length === 1) { same[0].focus(); return; }   /* only an unmistakable match */
    if (Date.now() - started < 1500) { setTimeout(look, 50); return; }
    const h1 = document.querySelector('main h1');
    if (h1) { h1.tabIndex = -1; h1.focus(); }
  };
  setTimeout(look, 0);
}

export function modal(title, { onClose } = {}) {
  const opener = document.activeElement;
  const hid = nextId('dlg');
  const body = h('div', { class: 'modal-body' });
  const dialog = h('dialog', { class: 'modal', 'aria-labelledby': hid },
    h('div', { class: 'modal-head' },
      h('h2', { id: hid }, title),
      h('button', { type: 'button', class: 'modal-close', 'aria-label': t('common.close'), onclick: () => close() }, '×')),
    body);
  function close() {
    if (!dialog.isConnected) return;
    dialog.close();
  }
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose();
    returnFocus(opener);
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, close };
}

// Asks a yes/no question in a dialog; resolves true on confirm.
export function confirmDialog(title, text, confirmLabel, danger = true) {
  return new Promise((resolve) => {
    let answer = false;
    const m = modal(title, { onClose: () => resolve(answer) });
    m.body.append(
      h('p', null, text),
      h('div', { class: 'form-actions' },
        button(t('common.cancel'), () => m.close()),
        button(confirmLabel, () => { answer = true; m.close(); }, danger ? 'btn-primary btn-danger-solid' : 'btn-primary')));
    m.body.querySelector('.btn-primary').focus();
  });
}

// Copies text to the clipboard; falls back to selecting the input.
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (input) { input.focus(); input.select(); }
    try { return document.execCommand('copy'); } catch { return false; }
  }
}

export function copyBox(value, label) {
  const input = h('input', { type: 'text', readonly: true, value, 'aria-label': label });
  const b = button(t('common.copy'), async () => {
    const ok = await copyText(value, input);
    toast(ok ? t('common.copied') : t('common.copyManually'), ok ? 'ok' : 'error');
  });
  input.addEventListener('focus', () => input.select());
  return h('div', { class: 'copy-box' }, input, b);
}

export function pageHead(title, lead, ...tools) {
  return h('div', { class: 'page-head' },
    h('div', null, h('h1', { tabindex: '-1' }, title), lead ? h('p', { class: 'lead' }, lead) : null),
    tools.length ? h('div', { class: 'toolbar' }, tools) : null);
}

// Simple tab strip: tabs [{id, label}], calls onSelect(id).
export function tabs(items, current, onSelect) {
  const strip = h('div', { class: 'tabs', role: 'tablist' });
  for (const it of items) {
    const b = h('button', { type: 'button', role: 'tab', 'aria-selected': String(it.id === current), id: `tab-${it.id}`,
      tabindex: it.id === current ? '0' : '-1', onclick: () => onSelect(it.id) }, it.label);
    strip.append(b);
  }
  strip.addEventListener('keydown', (e) => {
    const bs = [...strip.querySelectorAll('[role=tab]')];
    const i = bs.indexOf(document.activeElement);
    if (i < 0) return;
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % bs.length;
    if (e.key === 'ArrowLeft') j = (i - 1 + bs.length) % bs.length;
    if (j >= 0) { e.preventDefault(); bs[j].focus(); bs[j].click(); }
  });
  return strip;
}

// Money in cents as a localised currency string.
export function money(cents, currency = 'EUR', loc = locale()) {
  if (cents === undefined || cents === null || Number.isNaN(Number(cents))) return '—';
  return new Intl.NumberFormat(loc, { style: 'currency', currency }).format(Number(cents) / 100);
}
