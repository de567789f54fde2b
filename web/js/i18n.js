// i18n.js: English and Dutch. t(key, params) looks a text up in the
// current language ({name} placeholders); the choice is kept in
// localStorage under "labpass.lang". strings.js holds [English, Dutch]
// for every key (a browser test checks that both are there).

import { STRINGS } from './strings.js';

const KEY = 'labpass.lang';
const LANGS = ['en', 'nl'];
let current = pick();
const listeners = [];

function pick() {
  try {
    const saved = localStorage.getItem(KEY);
    if (LANGS.includes(saved)) return saved;
  } catch { /* storage may be off */ }
  const nav = (navigator.language || 'en').slice(0, 2).toLowerCase();
  return LANGS.includes(nav) ? nav : 'en';
}

export function lang() { return current; }
export function locale() { return current === 'nl' ? 'nl-NL' : 'en-GB'; }

export function setLang(code) {
  if (!LANGS.includes(code) || code === current) return;
  current = code;
  try { localStorage.setItem(KEY, code); } catch { /* not kept: fine */ }
  document.documentElement.lang = code;
  for (const fn of listeners) fn(code);
}

export function onLangChange(fn) { listeners.push(fn); }

export function t(key, params) {
  const entry = STRINGS[key];
  let s = entry ? entry[current === 'nl' ? 1 : 0] ?? entry[0] : key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

// Plural-aware: key.one / key.other.
export function tn(key, n, params = {}) {
  return t(n === 1 ? `${key}.one` : `${key}.other`, { n, ...params });
}
