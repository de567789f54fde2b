// calendar.js: week and day calendars of one resource or of a lab (the lab
// and the equipment behind its door), showing free, closed and busy time.
// Book by dragging or clicking on the grid, by keyboard (arrows move,
// Shift+arrows stretch, Enter books), or with the form. Other tenants'
// bookings arrive from the server as bare "busy" blocks and are drawn so.

import { listReservations, getAvailability, listDowntimes } from '../api.js';
import * as data from '../data.js';
import { h, clear, select, field, button, pageHead, message, showIn, announce, nextId } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { openBooking, openReservation } from '../booking.js';
import { priceText } from '../price.js';
import {
  today, addDays, mondayOf, weekday, validDate, parseDate, at, hhmm, rfc3339, parseTime, minuteOfDay, dateOf,
  fmtDay, fmtDayLong, fmtDayNum, fmtWeekdayShort, fmtTime, fmtRange,
} from '../time.js';

const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const SHOWN = new Set(['requested', 'confirmed', 'checked_in', 'completed', 'busy']);

// Opening hours of r on weekday wd as [[from, to], ...] minutes; null hours = always open.
function openIntervals(r, wd) {
  if (!r.opening_hours) return [[0, 1440]];
  const txt = r.opening_hours[DAY_KEYS[wd]];
  return txt.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(p);
    return m ? [+m[1] * 60 + +m[2], +m[3] * 60 + +m[4] || 1440] : null;
  }).filter(Boolean);
}

// A short column label: the code at the end of a name ("BSC-1"), else the name.
function shortName(r) {
  const m = /\b([A-Z]{2,}-\d+\w*)$/.exec(r.name);
  return m ? m[1] : r.name;
}

function snapOf(r) {
  const g = r.granularity_min;
  return g > 0 && g <= 240 ? g : 15;
}

// Greedy lanes for overlapping blocks: sets b.lane and b.lanes.
function layLanes(blocks) {
  blocks.sort((a, b) => a.s - b.s || b.e - a.e);
  let cluster = [], clusterEnd = -1;
  const flush = () => {
    const lanes = [];
    for (const b of cluster) {
      let i = lanes.findIndex((end) => end <= b.s);
      if (i < 0) { i = lanes.length; lanes.push(0); }
      lanes[i] = b.e;
      b.lane = i;
    }
    for (const b of cluster) b.lanes = lanes.length;
    cluster = [];
  };
  for (const b of blocks) {
    if (cluster.length && b.s >= clusterEnd) flush();
    cluster.push(b);
    clusterEnd = Math.max(clusterEnd, b.e);
  }
  flush();
}

export default async function calendar(root, ctx) {
  const [resources, labs, prices] = await Promise.all([data.resources(), data.labs(), data.myPrices(ctx.me)]);
  const resById = data.byId(resources);
  const narrow = window.matchMedia('(max-width: 640px)').matches;

  const st = {
    target: ctx.params.get('target') || (labs[0] ? `lab:${labs[0].key}` : resources[0] ? `r:${resources[0].id}` : ''),
    view: ctx.params.get('view') === 'day' || ctx.params.get('view') === 'week' ? ctx.params.get('view') : narrow ? 'day' : 'week',
    date: validDate(ctx.params.get('date')) ? ctx.params.get('date') : today(),
    cols: [], grid: [0, 1440], sel: null, active: 0, data: null,
  };
  if (!shownResources().length && resources[0]) st.target = `r:${resources[0].id}`;

  const newBtn = button(t('cal.newBooking'), () => book({}), 'btn-primary');
  root.append(pageHead(t('cal.title'), t('cal.lead'), newBtn));
  if (!resources.length) {
    root.append(message('info', t('cal.noResources.title'), t('cal.noResources')));
    return undefined;
  }

  const targetOpts = [];
  if (labs.length) {
    targetOpts.push({ group: t('cal.labs'), options: labs.map((l) => ({ value: `lab:${l.key}`, label: l.members.length > 1 ? t('cal.labWith', { name: l.lab.name, n: l.members.length - 1 }) : l.lab.name })) });
  }
  targetOpts.push({ group: t('cal.resources'), options: resources.map((r) => ({ value: `r:${r.id}`, label: r.name })) });
  const targetSel = select(targetOpts, st.target);
  targetSel.addEventListener('change', () => { st.target = targetSel.value; st.sel = null; refresh(); });

  const weekBtn = h('button', { type: 'button', class: 'btn', 'aria-pressed': String(st.view === 'week'), onclick: () => setView('week') }, t('cal.week'));
  const dayBtn = h('button', { type: 'button', class: 'btn', 'aria-pressed': String(st.view === 'day'), onclick: () => setView('day') }, t('cal.day'));
  const titleEl = h('h2', { class: 'cal-title', 'aria-live': 'polite' });
  const controls = h('div', { class: 'cal-controls' },
    field(t('cal.show'), targetSel),
    h('div', { class: 'btn-group', role: 'group', 'aria-label': t('cal.viewLabel') }, weekBtn, dayBtn),
    h('div', { class: 'cal-nav' },
      button('‹', () => move(-1), '', { 'aria-label': t('cal.prev') }),
      button(t('cal.today'), () => { st.date = today(); refresh(); }),
      button('›', () => move(1), '', { 'aria-label': t('cal.next') }),
      titleEl));
  const hintId = nextId('cal-hint');
  const legend = h('div', { class: 'cal-legend', 'aria-hidden': 'true' },
    h('span', null, h('i', { class: 'swatch swatch-free' }), t('cal.legend.free')),
    h('span', null, h('i', { class: 'swatch swatch-closed' }), t('cal.legend.closed')),
    h('span', null, h('i', { class: 'swatch swatch-down' }), t('cal.legend.down')),
    h('span', null, h('i', { class: 'swatch swatch-mine' }), t('cal.legend.mine')),
    h('span', null, h('i', { class: 'swatch swatch-req' }), t('cal.legend.requested')),
    h('span', null, h('i', { class: 'swatch swatch-busy' }), t('cal.legend.busy')));
  const hint = h('p', { class: 'cal-hint', id: hintId }, t('cal.hint'));
  // The caller's company's price of each resource shown (people of a tenant).
  const priceBox = h('ul', { class: 'cal-prices small', 'aria-label': t('est.yourPrice') });
  function showPrices() {
    if (!prices) { priceBox.hidden = true; return; }
    priceBox.replaceChildren(...shownResources().map((r) => h('li', null, h('strong', null, `${r.name}: `), priceText(prices.get(r.id)))));
  }
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const calBox = h('div', { class: 'cal', role: 'region', 'aria-label': t('cal.gridLabel') });
  const listBox = h('details', { class: 'cal-list card' });
  root.append(controls, legend, hint, priceBox, out, calBox, listBox);

  function shownResources() {
    if (st.target.startsWith('lab:')) {
      const l = labs.find((x) => `lab:${x.key}` === st.target);
      return l ? l.members : [];
    }
    const r = resById.get(Number(st.target.slice(2)));
    return r ? [r] : [];
  }

  function days() {
    if (st.view === 'day') return [st.date];
    const mon = mondayOf(st.date);
    const shown = shownResources();
    const all = [0, 1, 2, 3, 4, 5, 6].map((i) => addDays(mon, i));
    return all.filter((d, i) => i < 5 || shown.some((r) => openIntervals(r, i).length));
  }

  function setView(v) { st.view = v; st.sel = null; refresh(); }
  function move(dir) { st.date = addDays(st.date, dir * (st.view === 'week' ? 7 : 1)); st.sel = null; refresh(); }

  function book(init) {
    openBooking(ctx, init, () => { st.sel = null; load(); });
  }

  // The columns and hour range for the current target, view and date.
  function computeLayout() {
    const shown = shownResources();
    const ds = days();
    const cols = st.view === 'day' ? shown.map((r) => ({ r, d: ds[0] })) : ds.flatMap((d) => shown.map((r) => ({ r, d })));
    let lo = 1440, hi = 0;
    for (const c of cols) for (const [a, b] of openIntervals(c.r, weekday(c.d))) { lo = Math.min(lo, a); hi = Math.max(hi, b); }
    if (lo >= hi) { lo = 8 * 60; hi = 18 * 60; }
    return { cols, grid: [Math.floor(lo / 60) * 60, Math.min(1440, Math.ceil(hi / 60) * 60)] };
  }

  function titleText() {
    const ds = days();
    if (st.view === 'day') return fmtDayLong(at(ds[0], 12 * 60));
    const a = at(mondayOf(st.date), 12 * 60), b = at(addDays(mondayOf(st.date), 6), 12 * 60);
    return `${fmtDayNum(a)} – ${fmtDayNum(b)} ${parseDate(addDays(mondayOf(st.date), 6)).y}`;
  }

  async function load() {
    const layout = computeLayout();
    const ds = days();
    const from = at(ds[0], 0), to = at(addDays(ds[ds.length - 1], 1), 0);
    const shown = shownResources();
    try {
      const [rs, down, ...av] = await Promise.all([
        listReservations({ from: rfc3339(from), to: rfc3339(to) }),
        listDowntimes({ from: rfc3339(from), to: rfc3339(to) }),
        ...shown.map((r) => getAvailability(r.id, { from: rfc3339(from), to: rfc3339(to) })),
      ]);
      const ids = new Set(shown.map((r) => r.id));
      st.data = {
        rsv: rs.filter((x) => ids.has(x.resource_id) && SHOWN.has(x.status)),
        down: down.filter((d) => ids.has(d.resource_id)),
        free: new Map(shown.map((r, i) => [r.id, av[i].free.map((f) => [parseTime(f.start), parseTime(f.end)])])),
        taken: new Map(shown.map((r, i) => [r.id, {
          capacity: av[i].capacity,
          spans: av[i].taken.map((x) => ({ start: parseTime(x.start), end: parseTime(x.end), taken: x.taken, free: x.free })),
        }])),
      };
      showIn(out, null);
    } catch (err) {
      if (err.status === 401) return;
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
      // Nothing is known: the grid says so instead of looking closed.
      st.data = { rsv: [], down: [], free: new Map(), taken: new Map(), unknown: err.status === 0 ? 'offline' : 'unavailable' };
    }
    if (!ctx.isCurrent()) return;
    st.cols = layout.cols;
    st.grid = layout.grid;
    if (st.active >= st.cols.length) st.active = 0;
    if (st.sel && (st.sel.ci >= st.cols.length)) st.sel = null;
    draw();
  }

  function refresh() {
    ctx.setQuery({ target: st.target, view: st.view, date: st.date });
    weekBtn.setAttribute('aria-pressed', String(st.view === 'week'));
    dayBtn.setAttribute('aria-pressed', String(st.view === 'day'));
    targetSel.value = st.target;
    titleEl.textContent = titleText();
    showPrices();
    calBox.setAttribute('aria-busy', 'true');
    load().finally(() => calBox.removeAttribute('aria-busy'));
  }

  // Free minutes of column c as [[from, to], ...] within the grid.
  function freeMinutes(c) {
    const [g0, g1] = st.grid;
    const dayStart = at(c.d, g0), dayEnd = at(c.d, g1);
    const out2 = [];
    for (const [a, b] of st.data.free.get(c.r.id) || []) {
      const s = Math.max(a, dayStart), e = Math.min(b, dayEnd);
      if (e <= s) continue;
      const sm = s === dayStart ? g0 : minuteOfDay(s);
      const em = e === dayEnd ? g1 : (dateOf(e) !== c.d ? 1440 : minuteOfDay(e));
      if (em > sm) out2.push([sm, em]);
    }
    return out2;
  }

  // Downtimes of column c as [[from, to, downtime], ...] within the grid.
  function downMinutes(c) {
    const [g0, g1] = st.grid;
    const dayStart = at(c.d, g0), dayEnd = at(c.d, g1);
    const res = [];
    for (const d of st.data.down || []) {
      if (d.resource_id !== c.r.id) continue;
      const s = Math.max(parseTime(d.start), dayStart), e = Math.min(d.end ? parseTime(d.end) : dayEnd, dayEnd);
      if (e <= s) continue;
      const sm = s === dayStart ? g0 : minuteOfDay(s);
      const em = e === dayEnd ? g1 : (dateOf(e) !== c.d ? 1440 : minuteOfDay(e));
      if (em > sm) res.push([sm, em, d]);
    }
    return res;
  }

  function closedMinutes(free) {
    const [g0, g1] = st.grid;
    const res = [];
    let cur = g0;
    for (const [a, b] of free) { if (a > cur) res.push([cur, a]); cur = Math.max(cur, b); }
    if (cur < g1) res.push([cur, g1]);
    return res;
  }

  function blocksOf(c) {
    const [g0, g1] = st.grid;
    const dayStart = at(c.d, 0), dayEnd = at(addDays(c.d, 1), 0);
    const blocks = [];
    for (const r of st.data.rsv) {
      if (r.resource_id !== c.r.id) continue;
      const s = parseTime(r.start), e = parseTime(r.end);
      if (e <= dayStart || s >= dayEnd) continue;
      const sm = s <= dayStart ? 0 : minuteOfDay(s);
      const em = e >= dayEnd ? 1440 : minuteOfDay(e);
      const a = Math.max(sm, g0), b = Math.min(em, g1);
      if (b <= a) continue;
      blocks.push({ s: a, e: b, r, start: s, end: e });
    }
    layLanes(blocks);
    return blocks;
  }

  function isFree(ci, s, e) {
    const c = st.cols[ci];
    return !!c && !!c.free && c.free.some(([a, b]) => a <= s && e <= b);
  }

  function colLabel(c) {
    const d = fmtDayLong(at(c.d, 12 * 60));
    const where = shownResources().length > 1 ? `${c.r.name}, ${d}` : d;
    return st.data && st.data.unknown ? `${where}, ${t(`cal.${st.data.unknown}`)}` : where;
  }

  // "3 of 4 free" while a booking of a resource with several places holds
  // [start, end) and places are left at its fullest moment; null otherwise.
  function placesFree(resourceId, start, end) {
    const tk = st.data.taken && st.data.taken.get(resourceId);
    if (!tk || !(tk.capacity > 1)) return null;
    const spans = tk.spans.filter((x) => x.start < end && x.end > start);
    if (!spans.length) return null;
    const least = Math.min(...spans.map((x) => x.free));
    return least > 0 ? t('cal.placesFree', { free: least, capacity: tk.capacity }) : null;
  }

  function eventLabel(b) {
    const r = b.r;
    if (r.status === 'busy') return placesFree(r.resource_id, b.start, b.end) || t('cal.busy');
    return r.title || (r.person_id === ctx.me.id ? t('cal.yourBooking') : t('cal.colleagueBooking'));
  }

  function draw() {
    const [g0, g1] = st.grid;
    const hours = (g1 - g0) / 60;
    const shown = shownResources();
    const multi = shown.length > 1;
    clear(calBox);
    calBox.style.setProperty('--cols', String(st.cols.length));
    calBox.style.setProperty('--hours', String(hours));
    calBox.style.setProperty('--colmin', st.cols.length > 7 ? '84px' : '110px');
    const inner = h('div', { class: 'cal-inner' });
    const todayStr = today();
    if (st.view === 'week' && multi) {
      const ds = days();
      const gh = h('div', { class: 'cal-head-group', 'aria-hidden': 'true', vars: { groups: ds.length } }, h('div'));
      for (const d of ds) gh.append(h('div', null, `${fmtWeekdayShort(at(d, 720))} ${fmtDayNum(at(d, 720))}`));
      inner.append(gh);
    }
    const head = h('div', { class: 'cal-head', 'aria-hidden': 'true' }, h('div'));
    for (const c of st.cols) {
      const noon = at(c.d, 720);
      const cell = h('div', { class: `cal-head-cell ${c.d === todayStr ? 'today' : ''}` });
      if (multi) cell.append(h('span', { class: 'd1', title: c.r.name }, st.view === 'day' ? c.r.name : shortName(c.r)), h('span', { class: 'd2' }, data.kindLabel(c.r.kind)));
      else cell.append(h('span', { class: 'd1' }, fmtWeekdayShort(noon)), h('span', { class: 'd2' }, fmtDayNum(noon)));
      head.append(cell);
    }
    inner.append(head);
    const body = h('div', { class: 'cal-body', dataset: { gridStart: g0, gridEnd: g1 } });
    const gutter = h('div', { class: 'cal-gutter', 'aria-hidden': 'true' });
    gutter.append(h('span', { class: 'first' }, hhmm(g0)));
    for (let i = 1; i < hours; i++) gutter.append(h('span', { vars: { i } }, hhmm(g0 + i * 60)));
    body.append(gutter);
    st.cols.forEach((c, ci) => {
      c.free = freeMinutes(c);
      const col = h('div', {
        class: 'cal-col', tabindex: ci === st.active ? '0' : '-1', role: 'group',
        'aria-label': colLabel(c), 'aria-describedby': hintId,
        dataset: { col: ci, date: c.d, resource: c.r.id },
      });
      if (st.data.unknown) col.append(h('div', { class: 'cal-unknown' }, t(`cal.${st.data.unknown}`)));
      else for (const [a, b] of closedMinutes(c.free)) col.append(h('div', { class: 'cal-closed', vars: { s: a - g0, len: b - a } }));
      for (const [a, b, d] of downMinutes(c)) {
        col.append(h('div', { class: 'cal-down', vars: { s: a - g0, len: b - a } }, t(`dt.kind.${d.kind}`), ': ', d.reason));
      }
      for (const b of blocksOf(c)) col.append(eventEl(b, g0));
      if (c.d === todayStr) {
        const nowMin = minuteOfDay(Date.now());
        if (nowMin >= g0 && nowMin <= g1) col.append(h('div', { class: 'cal-now', vars: { s: nowMin - g0 } }));
      }
      wireColumn(col, ci);
      body.append(col);
      c.el = col;
    });
    inner.append(body);
    calBox.append(inner);
    if (st.sel) drawSel();
    drawList();
  }

  function eventEl(b, g0) {
    const r = b.r;
    const range = fmtRange(b.start, b.end);
    const vars = { s: b.s - g0, len: b.e - b.s, lane: b.lane, lanes: b.lanes };
    const label = eventLabel(b);
    if (r.status === 'busy') {
      // A place still free keeps the time bookable: the grid under it takes clicks and drags.
      const partial = label !== t('cal.busy');
      return h('div', { class: `cal-ev busy ${partial ? 'partial' : ''}`, vars, title: `${label} ${range}` },
        h('span', { class: 't' }, label), h('span', { class: 'w' }, `${fmtTime(b.start)}–${fmtTime(b.end)}`));
    }
    const mine = r.person_id === ctx.me.id;
    const cls = `cal-ev ${mine ? 'mine' : 'tenant'} ${r.status === 'requested' ? 'requested' : ''}`;
    const places = placesFree(r.resource_id, b.start, b.end);
    return h('button', {
      type: 'button', class: cls, vars, dataset: { rsv: r.id },
      'aria-label': `${label}, ${c2name(r)}, ${range}, ${t(`status.${r.status}`)}${places ? `, ${places}` : ''}`,
      onclick: () => openReservation(ctx, r, () => load()),
    }, h('span', { class: 't' }, label), h('span', { class: 'w' }, `${fmtTime(b.start)}–${fmtTime(b.end)}${r.status === 'requested' ? ` · ${t('status.requested')}` : ''}${places ? ` · ${places}` : ''}`));
  }

  function c2name(r) { const x = resById.get(r.resource_id); return x ? x.name : ''; }

  // ---- selection ----
  function setSel(ci, s, e) {
    const c = st.cols[ci];
    if (!c) return;
    const [g0, g1] = st.grid;
    const snap = snapOf(c.r);
    s = Math.max(g0, Math.min(s, g1 - snap));
    e = Math.max(s + snap, Math.min(e, g1));
    st.sel = { ci, s, e };
    drawSel();
  }

  function drawSel() {
    calBox.querySelectorAll('.cal-sel').forEach((x) => x.remove());
    if (!st.sel) return;
    const c = st.cols[st.sel.ci];
    if (!c || !c.el) return;
    const free = isFree(st.sel.ci, st.sel.s, st.sel.e);
    c.el.append(h('div', { class: `cal-sel ${free ? '' : 'bad'}`, 'aria-hidden': 'true', vars: { s: st.sel.s - st.grid[0], len: st.sel.e - st.sel.s } },
      `${hhmm(st.sel.s)}–${hhmm(st.sel.e % 1440 === 0 && st.sel.e ? 1440 : st.sel.e)}`));
  }

  function announceSel() {
    if (!st.sel) return;
    const c = st.cols[st.sel.ci];
    const free = isFree(st.sel.ci, st.sel.s, st.sel.e);
    const busy = blocksOf(c).filter((b) => b.s < st.sel.e && b.e > st.sel.s).map(eventLabel);
    announce(`${colLabel(c)}, ${hhmm(st.sel.s)}–${hhmm(st.sel.e)}, ${free ? t('cal.free') : busy.length ? `${t('cal.notFree')}: ${busy.join(', ')}` : t('cal.notFree')}`);
  }

  function defaultLen(r) {
    const snap = snapOf(r);
    const want = Math.max(r.min_minutes, 60);
    return Math.ceil(want / snap) * snap;
  }

  function firstFreeStart(ci) {
    const c = st.cols[ci];
    const f = c && c.free ? c.free[0] : null;
    if (!c) return st.grid[0];
    return f ? Math.ceil(f[0] / snapOf(c.r)) * snapOf(c.r) : Math.max(st.grid[0], 9 * 60);
  }

  function bookSel() {
    if (!st.sel) return;
    const c = st.cols[st.sel.ci];
    book({ resourceId: c.r.id, date: c.d, start: st.sel.s, end: st.sel.e });
  }

  function focusCol(ci) {
    st.cols.forEach((c, i) => c.el && c.el.setAttribute('tabindex', i === ci ? '0' : '-1'));
    st.active = ci;
    st.cols[ci].el.focus();
  }

  function minuteAt(col, ci, clientY) {
    const rect = col.getBoundingClientRect();
    const [g0, g1] = st.grid;
    const snap = snapOf(st.cols[ci].r);
    const m = g0 + ((clientY - rect.top) / rect.height) * (g1 - g0);
    return Math.max(g0, Math.min(g1 - snap, Math.floor(m / snap) * snap));
  }

  let drag = null;
  function wireColumn(col, ci) {
    col.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || e.target.closest('button')) return;
      e.preventDefault();
      const m = minuteAt(col, ci, e.clientY);
      drag = { ci, anchor: m, moved: false };
      try { col.setPointerCapture(e.pointerId); } catch { /* not capturable: fine */ }
      st.active = ci;
      st.cols.forEach((c, i) => c.el && c.el.setAttribute('tabindex', i === ci ? '0' : '-1'));
      col.focus({ preventScroll: true });
      setSel(ci, m, m + snapOf(st.cols[ci].r));
    });
    col.addEventListener('pointermove', (e) => {
      if (!drag || drag.ci !== ci) return;
      const m = minuteAt(col, ci, e.clientY);
      if (m !== drag.anchor) drag.moved = true;
      setSel(ci, Math.min(drag.anchor, m), Math.max(drag.anchor, m) + snapOf(st.cols[ci].r));
    });
    col.addEventListener('pointerup', () => {
      if (!drag || drag.ci !== ci) return;
      const d = drag;
      drag = null;
      if (!d.moved) setSel(ci, d.anchor, d.anchor + defaultLen(st.cols[ci].r));
      bookSel();
    });
    col.addEventListener('pointercancel', () => { drag = null; });
    col.addEventListener('focus', () => {
      if (drag) return;
      if (!st.sel || st.sel.ci !== ci) {
        const s = st.sel ? st.sel.s : firstFreeStart(ci);
        const len = st.sel ? st.sel.e - st.sel.s : snapOf(st.cols[ci].r);
        setSel(ci, s, s + len);
      }
      announceSel();
    });
    col.addEventListener('keydown', (e) => onKey(e, ci));
  }

  function onKey(e, ci) {
    if (!st.cols[ci]) return;
    if (!st.sel || st.sel.ci !== ci) setSel(ci, firstFreeStart(ci), firstFreeStart(ci) + snapOf(st.cols[ci].r));
    if (!st.sel) return;
    const snap = snapOf(st.cols[ci].r);
    const { s, e: end } = st.sel;
    const len = end - s;
    let handled = true;
    switch (e.key) {
      case 'ArrowDown': if (e.shiftKey) setSel(ci, s, end + snap); else setSel(ci, s + snap, s + snap + len); break;
      case 'ArrowUp': if (e.shiftKey) setSel(ci, s, Math.max(s + snap, end - snap)); else setSel(ci, s - snap, s - snap + len); break;
      case 'PageDown': setSel(ci, s + 60, s + 60 + len); break;
      case 'PageUp': setSel(ci, s - 60, s - 60 + len); break;
      case 'Home': setSel(ci, st.grid[0], st.grid[0] + len); break;
      case 'End': setSel(ci, st.grid[1] - len, st.grid[1]); break;
      case 'ArrowRight':
      case 'ArrowLeft': {
        const ni = ci + (e.key === 'ArrowRight' ? 1 : -1);
        if (ni < 0 || ni >= st.cols.length) break;
        st.sel = { ci: ni, s, e: end };
        focusCol(ni);
        setSel(ni, s, end);
        break;
      }
      case 'Enter':
      case ' ': bookSel(); break;
      case 'Escape': st.sel = null; drawSel(); announce(t('cal.selCleared')); break;
      default: handled = false;
    }
    if (handled) {
      e.preventDefault();
      if (e.key !== 'Enter' && e.key !== ' ' && e.key !== 'Escape') announceSel();
    }
  }

  // ---- the same as a list (for screen readers and small screens) ----
  function drawList() {
    clear(listBox);
    listBox.append(h('summary', null, t('cal.asList')));
    for (const c of st.cols) {
      const blocks = blocksOf(c);
      const fr = c.free.map(([a, b]) => `${hhmm(a)}–${hhmm(b)}`);
      listBox.append(h('h3', null, shownResources().length > 1 ? `${c.r.name} · ${fmtDay(at(c.d, 720))}` : fmtDayLong(at(c.d, 720))),
        h('ul', null,
          h('li', null, `${t('cal.legend.free')}: ${fr.length ? fr.join(', ') : t('cal.noneFree')}`),
          blocks.map((b) => h('li', null, `${fmtTime(b.start)}–${fmtTime(b.end)}: ${eventLabel(b)}${b.r.status !== 'busy' ? ` (${t(`status.${b.r.status}`)})` : ''}`))));
    }
  }

  refresh();
  return undefined;
}
