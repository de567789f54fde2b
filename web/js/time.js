// time.js: instants shown and entered in the site's time zone (not the
// browser's), so a lab in Amsterdam reads the same everywhere. Civil dates
// are "YYYY-MM-DD" strings; instants are epoch milliseconds.

import { locale, t } from './i18n.js';

let zone = 'Europe/Amsterdam';
let partsFmt = null;
const fmtCache = new Map();

export function setZone(z) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: z });
    zone = z;
  } catch { /* unknown zone: keep the default */ }
  partsFmt = null;
  fmtCache.clear();
}
export function getZone() { return zone; }

const WD = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

// Wall-clock parts of instant ms in the site zone; wd: Monday = 0.
export function zparts(ms) {
  partsFmt ||= new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  const o = {};
  for (const p of partsFmt.formatToParts(new Date(ms))) o[p.type] = p.value;
  return { y: +o.year, m: +o.month, d: +o.day, h: +o.hour % 24, mi: +o.minute, s: +o.second, wd: WD[o.weekday] };
}

// The zone's offset from UTC at instant ms, in minutes.
export function offsetMin(ms) {
  const p = zparts(ms);
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - whole) / 60000);
}

// The instant of wall-clock y-m-d h:mi in the site zone.
export function fromZoned(y, m, d, h = 0, mi = 0) {
  const guess = Date.UTC(y, m - 1, d, h, mi);
  const t = guess - offsetMin(guess) * 60000;
  return guess - offsetMin(t) * 60000;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

export function dateStr(y, m, d) {
  const t = new Date(Date.UTC(y, m - 1, d));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}
export function parseDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  return m ? { y: +m[1], m: +m[2], d: +m[3] } : null;
}
export function validDate(s) { const p = parseDate(s); return !!p && dateStr(p.y, p.m, p.d) === s; }
export function addDays(s, n) { const p = parseDate(s); return dateStr(p.y, p.m, p.d + n); }
export function weekday(s) { const p = parseDate(s); return (new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay() + 6) % 7; }
export function mondayOf(s) { return addDays(s, -weekday(s)); }
export function today() { const p = zparts(Date.now()); return dateStr(p.y, p.m, p.d); }
export function dateOf(ms) { const p = zparts(ms); return dateStr(p.y, p.m, p.d); }
// Minutes since local midnight of instant ms (site zone).
export function minuteOfDay(ms) { const p = zparts(ms); return p.h * 60 + p.mi; }
// The instant of minute-of-day min on civil date s (site zone).
export function at(s, min) { const p = parseDate(s); return fromZoned(p.y, p.m, p.d, Math.floor(min / 60), min % 60); }
export function hhmm(min) { return `${pad(Math.floor(min / 60))}:${pad(min % 60)}`; }
export function parseHHMM(s) {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s || '');
  if (!m || +m[1] > 24 || +m[2] > 59) return null;
  return +m[1] * 60 + +m[2];
}

// RFC 3339 with the site zone's offset, as the API wants it.
export function rfc3339(ms) {
  const p = zparts(ms);
  const off = offsetMin(ms);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}
export function parseTime(s) { const t = Date.parse(s); return Number.isNaN(t) ? null : t; }

function fmt(opts) {
  const key = locale() + JSON.stringify(opts);
  let f = fmtCache.get(key);
  if (!f) { f = new Intl.DateTimeFormat(locale(), { timeZone: zone, ...opts }); fmtCache.set(key, f); }
  return f;
}

export const fmtTime = (ms) => fmt({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
export const fmtDay = (ms) => fmt({ weekday: 'short', day: 'numeric', month: 'short' }).format(ms);
export const fmtDayLong = (ms) => fmt({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(ms);
export const fmtDate = (ms) => fmt({ day: 'numeric', month: 'short', year: 'numeric' }).format(ms);
export const fmtDateTime = (ms) => fmt({ weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
export const fmtMonth = (ms) => fmt({ month: 'long', year: 'numeric' }).format(ms);
export const fmtWeekdayShort = (ms) => fmt({ weekday: 'short' }).format(ms);
export const fmtDayNum = (ms) => fmt({ day: 'numeric', month: 'short' }).format(ms);

// "Tue 1 Dec, 10:00–12:00", or both ends in full across days.
export function fmtRange(s, e) {
  if (dateOf(s) === dateOf(e - 1)) return `${fmtDay(s)}, ${fmtTime(s)}–${fmtTime(e)}`;
  return `${fmtDateTime(s)} – ${fmtDateTime(e)}`;
}

// Minutes as "1 h 30 min" / "45 min" ("1 u 30 min" in Dutch).
export function fmtMinutes(n) {
  const h = Math.floor(n / 60), m = n % 60;
  if (!h) return `${m} ${t('time.min')}`;
  return m ? `${h} ${t('time.h')} ${m} ${t('time.min')}` : `${h} ${t('time.h')}`;
}

// Every RFC 3339 instant inside a server message, as instants.
export function instantsIn(text) {
  const re = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;
  return (String(text || '').match(re) || []).map(parseTime).filter((x) => x !== null);
}
