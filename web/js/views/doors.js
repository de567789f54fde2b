// doors.js: for staff: every door (its state, last seen, software version,
// events waiting to upload, alarms) with rename, re-group, a new key for a
// replaced reader and retirement; the live stream of door events (polled
// every few seconds) with reasons and alarms in words; and a presence
// report: who entered a lab between two times.

import { listDoors, createDoor, listDoorEvents, updateDoor, retireDoor, rekeyDoor } from '../api.js';
import * as data from '../data.js';
import { h, clear, pageHead, message, showIn, empty, badge, select, field, table, copyBox, button, modal, toast } from '../dom.js';
import { reasonText, alarmText } from '../codes.js';
import { t, locale } from '../i18n.js';
import { explain } from '../problem.js';
import { rfc3339, parseTime, fmtDateTime, fmtTime, today, at, parseHHMM, validDate, addDays } from '../time.js';

const POLL_MS = 5000;

function ago(ms) {
  if (!ms) return t('doors.never');
  const s = Math.round((Date.now() - ms) / 1000);
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  if (Math.abs(s) < 60) return rtf.format(-s, 'second');
  if (Math.abs(s) < 3600) return rtf.format(-Math.round(s / 60), 'minute');
  if (Math.abs(s) < 86400) return rtf.format(-Math.round(s / 3600), 'hour');
  return rtf.format(-Math.round(s / 86400), 'day');
}

const evTime = (e) => parseTime(e.time);
// Door event kinds: admission, exit, denied, alarm.
const admitted = (e) => e.kind === 'admission';
const EV_DOT = { admission: 'dot-ok', exit: '', denied: 'dot-bad', alarm: 'dot-warn' };
const STATE_KIND = { ok: 'ok', never: 'warn', stale: 'danger', alarm: 'danger' };

export default async function doors(root, ctx) {
  root.append(pageHead(t('doors.title'), t('doors.lead')));
  const resources = await data.resources();
  const doorCard = h('section', { class: 'card', 'aria-labelledby': 'door-h' });
  const liveCard = h('section', { class: 'card', 'aria-labelledby': 'live-h' });
  const presCard = h('section', { class: 'card', 'aria-labelledby': 'pres-h' });
  root.append(doorCard, h('div', { class: 'grid-2' }, liveCard, presCard));
  let doorList = [];
  const groupName = (g) => { const lab = resources.find((r) => r.kind === 'lab' && r.door_group === g); return lab ? lab.name : g; };
  // An event names its door and person (null when the person is not known).
  const personName = (e) => e.person ?? t('doors.unknownPerson');

  async function loadDoors() {
    clear(doorCard);
    doorCard.append(h('h2', { id: 'door-h' }, t('doors.list')));
    try {
      doorList = await listDoors();
      if (!doorList.length) { doorCard.append(empty(t('doors.none'))); return; }
      doorCard.append(table([
        { label: t('doors.door'), render: (d) => h('span', null, h('strong', null, d.name), h('br'), h('span', { class: 'muted small' }, groupName(d.group))) },
        { label: t('doors.state'), render: (d) => badge(t(`doors.state.${d.state}`), STATE_KIND[d.state] || '') },
        { label: t('doors.lastSeen'), render: (d) => {
          const ms = parseTime(d.last_seen_at);
          return h('span', null, h('i', { class: `dot ${d.state === 'stale' || !ms ? 'dot-bad' : 'dot-ok'}`, 'aria-hidden': 'true' }), ms ? ago(ms) : t('doors.never'));
        } },
        { label: t('doors.version'), render: (d) => d.version || '—' },
        { label: t('doors.queue'), cls: 'num', render: (d) => (d.queue_length === null ? '—' : String(d.queue_length)) },
        { label: t('doors.alarms'), render: (d) => (d.alarms_24h
          ? h('span', null, badge(t('doors.alarms24', { n: d.alarms_24h }), 'danger'), d.last_alarm ? h('span', { class: 'muted small' }, ` ${alarmText(d.last_alarm.kind)}, ${ago(parseTime(d.last_alarm.at))}`) : null)
          : badge(t('doors.noAlarms'), 'ok')) },
        { label: '', cls: 'actions', render: (d) => [
          button(t('doors.edit'), () => editDoor(d), 'btn-small', { 'aria-label': `${t('doors.edit')}: ${d.name}` }),
          button(t('doors.rekey'), () => rekey(d), 'btn-small', { 'aria-label': `${t('doors.rekey')}: ${d.name}` }),
          button(t('doors.retire'), () => retire(d), 'btn-small btn-danger', { 'aria-label': `${t('doors.retire')}: ${d.name}` })] },
      ], doorList, { caption: t('doors.list') }));
    } catch (err) {
      doorCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  await loadDoors();
  doorCard.after(addDoorCard());

  // ---- managing a door ----
  const groupOptions = () => [...new Set([...resources.map((r) => r.door_group), ...doorList.map((d) => d.group)].filter(Boolean))]
    .map((g) => ({ value: g, label: `${groupName(g)} (${g})` }));

  function editDoor(d) {
    const m = modal(t('doors.editTitle', { name: d.name }));
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const name = h('input', { type: 'text', required: true, value: d.name, maxlength: '32', autocomplete: 'off' });
    const group = select(groupOptions(), d.group);
    const form = h('form', { class: 'form', novalidate: true },
      h('p', { class: 'muted small' }, t('doors.editLead')),
      field(t('doors.name'), name, t('doors.nameHint')), field(t('doors.group'), group), out,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const res = await updateDoor(d.id, { name: name.value.trim(), group: group.value });
        toast(t('doors.saved', { name: res.name }));
        m.close();
        loadDoors();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      }
    });
    m.body.append(form);
    name.focus();
  }

  function rekey(d) {
    const m = modal(t('doors.rekeyTitle', { name: d.name }));
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const go = button(t('doors.rekeyConfirm'), async () => {
      go.disabled = true;
      try {
        const res = await rekeyDoor(d.id);
        showIn(out, message('ok', t('doors.rekeyed.title', { name: d.name }), [h('p', null, t('doors.added')), copyBox(res.api_key, t('doors.apiKey'))]));
        go.remove();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
        go.disabled = false;
      }
    }, 'btn-primary');
    m.body.append(h('p', null, t('doors.rekeyText', { name: d.name })), out,
      h('div', { class: 'form-actions' }, button(t('common.close'), () => m.close()), go));
    go.focus();
  }

  function retire(d) {
    const m = modal(t('doors.retireTitle', { name: d.name }));
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const go = button(t('doors.retire'), async () => {
      go.disabled = true;
      try {
        await retireDoor(d.id);
        toast(t('doors.retired', { name: d.name }));
        m.close();
        loadDoors();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
        go.disabled = false;
      }
    }, 'btn-primary btn-danger-solid');
    m.body.append(h('p', null, t('doors.retireText', { name: d.name })), out,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), go));
    go.focus();
  }

  // ---- live events ----
  const liveList = h('ul', { class: 'events', 'aria-live': 'off' });
  const liveState = h('p', { class: 'muted small', role: 'status' });
  liveCard.append(h('h2', { id: 'live-h' }, t('doors.live')), liveState, liveList);
  const seen = new Set();
  let timer = null;
  let stopped = false;

  function eventRow(e) {
    const kind = ['admission', 'exit', 'denied', 'alarm'].includes(e.kind) ? e.kind : 'other';
    const text = kind === 'alarm' ? `${e.door}: ${t('doors.ev.alarm')}: ${alarmText(e.alarm)}`
      : `${e.door}: ${personName(e)} — ${t(`doors.ev.${kind}`)}${kind === 'denied' && e.reason ? ` (${reasonText(e.reason)})` : ''}`;
    return h('li', null, h('time', { datetime: e.time }, fmtTime(evTime(e))),
      h('span', null, h('i', { class: `dot ${EV_DOT[kind] || ''}`, 'aria-hidden': 'true' }), text));
  }

  async function poll() {
    if (stopped) return;
    try {
      const since = Date.now() - 24 * 3600000;
      const list = await listDoorEvents({ from: rfc3339(since), to: rfc3339(Date.now() + 60000), limit: 200 });
      list.sort((a, b) => evTime(b) - evTime(a));
      const fresh = list.filter((e) => !seen.has(e.id));
      for (const e of fresh.reverse()) { seen.add(e.id); liveList.prepend(eventRow(e)); }
      if (!liveList.children.length) liveState.textContent = t('doors.noEvents');
      else liveState.textContent = t('doors.updated', { time: fmtTime(Date.now()) });
    } catch (err) {
      if (err.status === 401) return;
      liveState.textContent = explain(err).text;
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }

  // ---- adding a door: its API key is shown once, for the door's config ----
  function addDoorCard() {
    const card = h('section', { class: 'card', 'aria-labelledby': 'add-door-h' });
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
    const groupOpts = [...new Set(resources.map((r) => r.door_group).filter(Boolean))];
    const group = select(groupOpts.map((g) => ({ value: g, label: `${groupName(g)} (${g})` })), groupOpts[0]);
    const form = h('form', { class: 'inline-form', novalidate: true }, field(t('doors.name'), name), field(t('doors.group'), group),
      h('button', { type: 'submit', class: 'btn' }, t('doors.add')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const res = await createDoor({ name: name.value.trim(), group: group.value });
        showIn(out, message('ok', t('doors.added.title', { name: res.door.name }), [
          h('p', null, t('doors.added')), copyBox(res.api_key, t('doors.apiKey'))]));
        name.value = '';
        loadDoors();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      }
    });
    card.append(h('h2', { id: 'add-door-h' }, t('doors.addTitle')), h('p', { class: 'muted small' }, t('doors.addLead')), form, out);
    return card;
  }

  // ---- presence report ----
  const groups = [...new Set([...resources.map((r) => r.door_group), ...doorList.map((d) => d.group)].filter(Boolean))];
  const where = select(groups.map((g) => ({ value: g, label: groupName(g) })), groups[0]);
  const d1 = h('input', { type: 'date', value: today() });
  const t1 = h('input', { type: 'time', value: '00:00' });
  const d2 = h('input', { type: 'date', value: today() });
  const t2 = h('input', { type: 'time', value: '23:59' });
  const pout = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'form', novalidate: true },
    field(t('doors.where'), where),
    h('div', { class: 'form-row' }, field(t('clo.fromDate'), d1), field(t('clo.fromTime'), t1)),
    h('div', { class: 'form-row' }, field(t('clo.toDate'), d2), field(t('clo.toTime'), t2)),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('doors.report'))));
  presCard.append(h('h2', { id: 'pres-h' }, t('doors.presence')), h('p', { class: 'muted small' }, t('doors.presenceLead')), form, pout);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!validDate(d1.value) || !validDate(d2.value)) { showIn(pout, message('error', t('book.badDate'), '')); return; }
    const from = at(d1.value, parseHHMM(t1.value) ?? 0);
    const to = t2.value === '23:59' ? at(addDays(d2.value, 1), 0) : at(d2.value, parseHHMM(t2.value) ?? 1440);
    const ids = doorList.filter((d) => d.group === where.value).map((d) => d.id);
    if (!ids.length) { showIn(pout, empty(t('doors.noDoorHere'))); return; }
    try {
      const lists = await Promise.all(ids.map((id) => listDoorEvents({ door_id: id, from: rfc3339(from), to: rfc3339(to), limit: 5000 })));
      const list = lists.flat()
        .filter((x) => admitted(x))
        .filter((x) => { const tm = evTime(x); return tm >= from && tm < to; });
      const byPerson = new Map();
      for (const x of list) {
        const k = x.person_id ?? personName(x);
        const cur = byPerson.get(k) || { name: personName(x), first: evTime(x), last: evTime(x), n: 0 };
        cur.first = Math.min(cur.first, evTime(x)); cur.last = Math.max(cur.last, evTime(x)); cur.n += 1;
        byPerson.set(k, cur);
      }
      const rows = [...byPerson.values()].sort((a, b) => a.first - b.first);
      if (!rows.length) { showIn(pout, empty(t('doors.nobody'))); return; }
      showIn(pout, table([
        { label: t('doors.person'), render: (r) => r.name },
        { label: t('doors.first'), render: (r) => fmtDateTime(r.first) },
        { label: t('doors.last'), render: (r) => fmtDateTime(r.last) },
        { label: t('doors.entries'), cls: 'num', render: (r) => String(r.n) },
      ], rows, { caption: t('doors.presence') }));
    } catch (err) {
      const x = explain(err);
      showIn(pout, message('error', x.title, x.text));
    }
  });

  poll();
  const doorTimer = setInterval(() => { if (!stopped) loadDoors(); }, 30000);
  return () => { stopped = true; clearTimeout(timer); clearInterval(doorTimer); };
}
