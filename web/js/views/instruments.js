// instruments.js: one resource's page for what it runs on. Everyone sees
// whether it is in service and its downtimes ahead, and reports a problem
// (their own reports and their state below it). Staff get tabs: the
// incidents (acknowledge, resolve, take the resource out of service for
// one), the log (maintenance, calibrations with their due date, notes) and
// downtime (the bookings it meets are listed before staff confirm; then kept
// or cancelled by the facility, and the people told with free slots).

import {
  listDowntimes, previewDowntime, createDowntime, updateDowntime, reportIncident, listIncidents,
  acknowledgeIncident, resolveIncident, listResourceLog, addResourceLog,
} from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, badge, select, field, table, toast, tabs, modal } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { rfc3339, parseTime, fmtRange, fmtDateTime, at, parseHHMM, validDate, today, dateOf, minuteOfDay, hhmm } from '../time.js';

const SEVERITIES = ['low', 'medium', 'high'];
const STATE_KIND = { open: 'danger', acknowledged: 'warn', resolved: 'ok' };

function downtimeWhen(d) {
  const s = parseTime(d.start);
  return d.end ? fmtRange(s, parseTime(d.end)) : t('dt.fromOn', { when: fmtDateTime(s) });
}

export default async function instruments(root, ctx) {
  const staff = ctx.me.role === 'staff';
  const list = await data.resources();
  if (!list.length) { root.append(pageHead(t('ins.title'), t('ins.lead')), empty(t('res.none'))); return; }
  const wanted = Number(ctx.params.get('id'));
  const st = { id: list.some((r) => r.id === wanted) ? wanted : list[0].id, tab: ctx.params.get('tab') || 'incidents' };
  const which = select(list.map((r) => ({ value: r.id, label: r.name })), st.id);
  which.addEventListener('change', () => { st.id = Number(which.value); ctx.setQuery({ id: st.id }); render(); });
  root.append(pageHead(t('ins.title'), t('ins.lead'), field(t('ins.resource'), which)));
  const head = h('section', { class: 'card', 'aria-labelledby': 'ins-h' });
  const report = h('section', { class: 'card', 'aria-labelledby': 'rep-h' });
  const staffCard = staff ? h('section', { class: 'card', 'aria-labelledby': 'ops-h' }) : null;
  root.append(head, report, staffCard);

  const resource = () => list.find((r) => r.id === st.id);

  async function loadHead() {
    clear(head);
    const r = resource();
    head.append(h('h2', { id: 'ins-h' }, r.name, ' ', r.status === 'available' ? badge(t('res.available'), 'ok') : badge(t('res.oos'), 'danger')));
    try {
      const now = Date.now();
      const dts = (await listDowntimes({ resource_id: r.id, from: rfc3339(now), to: rfc3339(now + 365 * 86400000) }));
      if (!dts.length) head.append(h('p', { class: 'muted' }, t('dt.noneAhead')));
      else head.append(table([
        { label: t('dt.when'), render: (d) => downtimeWhen(d) },
        { label: t('dt.kind'), render: (d) => badge(t(`dt.kind.${d.kind}`), d.kind === 'fault' ? 'danger' : 'warn') },
        { label: t('dt.reason'), render: (d) => d.reason },
      ], dts, { caption: t('dt.ahead') }));
    } catch (err) {
      head.append(message('error', explain(err).title, explain(err).text));
    }
  }

  async function loadReport() {
    clear(report);
    const r = resource();
    const sev = select(SEVERITIES.map((s) => ({ value: s, label: t(`inc.sev.${s}`) })), 'medium');
    const text = h('textarea', { rows: '3', maxlength: '2000', required: true });
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const form = h('form', { class: 'form', novalidate: true },
      h('div', { class: 'form-row' }, field(t('inc.severity'), sev)),
      field(t('inc.what'), text, t('inc.whatHint')),
      out,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('inc.send'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!text.value.trim()) { showIn(out, message('error', t('inc.empty'), '')); text.focus(); return; }
      try {
        await reportIncident(r.id, { severity: sev.value, text: text.value.trim() });
        toast(t('inc.sent'));
        loadReport();
        if (staff) loadStaff();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      }
    });
    report.append(h('h2', { id: 'rep-h' }, t('inc.report')), h('p', { class: 'muted small' }, t('inc.reportLead')), form);
    try {
      const mine = (await listIncidents({ resource_id: r.id, status: 'all' })).filter((x) => x.person_id === ctx.me.id);
      if (mine.length) report.append(table(incidentCols(false), mine, { caption: t('inc.mine') }));
    } catch (err) {
      report.append(message('error', explain(err).title, explain(err).text));
    }
  }

  function incidentCols(actions) {
    const cols = [
      { label: t('inc.reported'), render: (x) => fmtDateTime(parseTime(x.created_at)) },
      { label: t('inc.severity'), render: (x) => t(`inc.sev.${x.severity}`) },
      { label: t('inc.what'), render: (x) => h('span', null, x.text, x.resolution ? h('span', { class: 'muted small' }, h('br'), t('inc.resolution', { text: x.resolution })) : null) },
      { label: t('inc.state'), render: (x) => badge(t(`inc.state.${x.state}`), STATE_KIND[x.state]) },
    ];
    if (actions) {
      cols.splice(1, 0, { label: t('inc.by'), render: (x) => x.person || '—' });
      cols.push({ label: '', cls: 'actions', render: (x) => incidentActions(x) });
    }
    return cols;
  }

  function incidentActions(x) {
    if (x.state === 'resolved') return '';
    const out = [];
    if (x.state === 'open') out.push(button(t('inc.ack'), () => act(() => acknowledgeIncident(x.id), t('inc.acked')), 'btn-small'));
    out.push(button(t('inc.resolve'), () => resolveDialog(x), 'btn-small', { 'aria-label': `${t('inc.resolve')}: ${x.text.slice(0, 60)}` }));
    if (!x.downtime_id) out.push(button(t('inc.toDowntime'), () => { st.tab = 'downtime'; st.incident = x; loadStaff(); }, 'btn-small btn-danger'));
    return h('span', { class: 'toolbar' }, out);
  }

  // A small form in a dialog: fields, then Cancel and Save; save(out) does
  // the work and the dialog closes when it succeeds (an error stays in it).
  function formDialog(title, fields, save) {
    const m = modal(title);
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const form = h('form', { class: 'form', novalidate: true }, ...fields, out,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()),
        h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        if (await save(out) !== false) m.close();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      }
    });
    m.body.append(form);
    const first = form.querySelector('input, textarea, select');
    if (first) first.focus();
  }

  // Resolving an incident: what was done (optional).
  function resolveDialog(x) {
    const note = h('textarea', { rows: '3', maxlength: '500' });
    formDialog(t('inc.resolveTitle'), [h('p', { class: 'muted' }, x.text), field(t('inc.resolvePrompt'), note)], async () => {
      await resolveIncident(x.id, note.value.trim());
      toast(t('inc.resolved'));
      loadStaff();
      loadHead();
    });
  }

  // A downtime's new end: a day and a time in the site's zone, or until
  // further notice.
  function extendDialog(d) {
    const end = d.end ? parseTime(d.end) : null;
    const day = h('input', { type: 'date', required: true, value: end ? dateOf(end) : today() });
    const time = h('input', { type: 'time', value: end ? hhmm(minuteOfDay(end)) : '18:00' });
    const open = h('input', { type: 'checkbox', checked: !end });
    const sync = () => { day.disabled = time.disabled = open.checked; };
    open.addEventListener('change', sync);
    sync();
    formDialog(t('dt.extendTitle'), [h('p', { class: 'muted' }, downtimeWhen(d)),
      h('div', { class: 'form-row' }, field(t('clo.toDate'), day), field(t('clo.toTime'), time)),
      field(t('dt.openEnded'), open)], async (out) => {
      if (!open.checked && (!validDate(day.value) || parseHHMM(time.value) === null)) {
        showIn(out, message('error', t('book.badDate'), ''));
        day.focus();
        return false;
      }
      await updateDowntime(d.id, { end: open.checked ? null : rfc3339(at(day.value, parseHHMM(time.value))) });
      toast(t('dt.extended'));
      loadStaff();
      loadHead();
      return true;
    });
  }

  let staffOut = null;
  async function act(fn, done) {
    try { await fn(); toast(done); loadStaff(); loadHead(); } catch (err) { const x = explain(err); if (staffOut) showIn(staffOut, message('error', x.title, x.text)); }
  }

  async function loadStaff() {
    if (!staffCard) return;
    clear(staffCard);
    staffOut = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const body = h('div', { role: 'tabpanel', 'aria-labelledby': `tab-${st.tab}` });
    staffCard.append(h('h2', { id: 'ops-h' }, t('ops.title')),
      tabs([{ id: 'incidents', label: t('ops.incidents') }, { id: 'log', label: t('ops.log') }, { id: 'downtime', label: t('ops.downtime') }],
        st.tab, (id) => { st.tab = id; ctx.setQuery({ id: st.id, tab: id }); loadStaff(); }), staffOut, body);
    try {
      if (st.tab === 'incidents') await incidentsTab(body);
      else if (st.tab === 'log') await logTab(body);
      else await downtimeTab(body);
    } catch (err) {
      body.append(message('error', explain(err).title, explain(err).text));
    }
  }

  async function incidentsTab(body) {
    const xs = await listIncidents({ resource_id: st.id, status: 'all' });
    body.append(xs.length ? table(incidentCols(true), xs, { caption: t('ops.incidents') }) : empty(t('inc.none')));
  }

  async function logTab(body) {
    const es = await listResourceLog(st.id);
    body.append(es.length ? table([
      { label: t('log.at'), render: (e) => fmtDateTime(parseTime(e.at)) },
      { label: t('log.kind'), render: (e) => t(`log.kind.${e.kind}`) },
      { label: t('log.text'), render: (e) => e.text },
      { label: t('log.due'), render: (e) => (e.due_date ? h('span', null, e.due_date, e.reminded_at ? h('span', { class: 'muted small' }, ` · ${t('log.reminded')}`) : null) : '—') },
      { label: t('log.author'), render: (e) => e.author },
    ], es, { caption: t('ops.log') }) : empty(t('log.none')));
    const kind = select(['maintenance', 'calibration', 'note'].map((k) => ({ value: k, label: t(`log.kind.${k}`) })), 'maintenance');
    const text = h('textarea', { rows: '2', maxlength: '2000' });
    const due = h('input', { type: 'date', min: today() });
    const dueField = field(t('log.due'), due, t('log.dueHint'));
    const sync = () => { dueField.hidden = kind.value !== 'calibration'; };
    kind.addEventListener('change', sync);
    sync();
    const form = h('form', { class: 'form', novalidate: true },
      h('div', { class: 'form-row' }, field(t('log.kind'), kind), dueField), field(t('log.text'), text),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn' }, t('log.add'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const b = { kind: kind.value, text: text.value.trim() };
      if (kind.value === 'calibration') b.due_date = due.value;
      act(() => addResourceLog(st.id, b), t('log.added'));
    });
    body.append(h('h3', null, t('log.add')), form);
  }

  async function downtimeTab(body) {
    const now = Date.now();
    const dts = await listDowntimes({ resource_id: st.id, from: rfc3339(now - 30 * 86400000), to: rfc3339(now + 365 * 86400000) });
    if (dts.length) body.append(table([
      { label: t('dt.when'), render: (d) => downtimeWhen(d) },
      { label: t('dt.kind'), render: (d) => t(`dt.kind.${d.kind}`) },
      { label: t('dt.reason'), render: (d) => d.reason },
      { label: t('dt.bookings'), render: (d) => t(`dt.bookings.${d.bookings}`) },
      { label: '', cls: 'actions', render: (d) => ((!d.end || parseTime(d.end) > Date.now()) ? h('span', { class: 'toolbar' },
        button(t('dt.endNow'), () => act(() => updateDowntime(d.id, { end: rfc3339(Math.max(Date.now(), parseTime(d.start) + 60000)) }), t('dt.ended')), 'btn-small'),
        button(t('dt.extend'), () => extendDialog(d), 'btn-small')) : '') },
    ], dts, { caption: t('dt.list') }));
    else body.append(empty(t('dt.none')));

    const inc = st.incident && st.incident.resource_id === st.id ? st.incident : null;
    const kind = select(['planned', 'fault'].map((k) => ({ value: k, label: t(`dt.kind.${k}`) })), inc ? 'fault' : 'planned');
    const d1 = h('input', { type: 'date', required: true, value: today() });
    const t1 = h('input', { type: 'time', value: '08:00' });
    const d2 = h('input', { type: 'date' });
    const t2 = h('input', { type: 'time', value: '18:00' });
    const open = h('input', { type: 'checkbox', checked: !!inc });
    const reason = h('input', { type: 'text', maxlength: '500', value: inc ? inc.text.slice(0, 500) : '' });
    const bookings = select(['keep', 'cancel'].map((k) => ({ value: k, label: t(`dt.bookings.${k}`) })), 'keep');
    const preview = h('div', { 'aria-live': 'polite' });
    const syncEnd = () => { d2.disabled = t2.disabled = open.checked; };
    open.addEventListener('change', syncEnd);
    syncEnd();
    const input = () => {
      if (!validDate(d1.value) || (!open.checked && !validDate(d2.value || d1.value))) return null;
      const b = { resource_id: st.id, kind: kind.value, start: rfc3339(at(d1.value, parseHHMM(t1.value) ?? 0)), reason: reason.value.trim(),
        bookings: bookings.value };
      if (!open.checked) b.end = rfc3339(at(d2.value || d1.value, parseHHMM(t2.value) ?? 1440));
      if (inc) b.incident_id = inc.id;
      return b;
    };
    const form = h('form', { class: 'form', novalidate: true },
      inc ? h('p', { class: 'muted' }, t('dt.fromIncident', { text: inc.text })) : null,
      h('div', { class: 'form-row' }, field(t('dt.kind'), kind), field(t('dt.reason'), reason)),
      h('div', { class: 'form-row' }, field(t('clo.fromDate'), d1), field(t('clo.fromTime'), t1), field(t('clo.toDate'), d2), field(t('clo.toTime'), t2)),
      field(t('dt.openEnded'), open),
      field(t('dt.bookings'), bookings, t('dt.bookingsHint')),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn' }, t('dt.check'))),
      preview);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clear(preview);
      const b = input();
      if (!b) { showIn(staffOut, message('error', t('book.badDate'), '')); d1.focus(); return; }
      try {
        const p = await previewDowntime(b);
        preview.append(h('h3', null, t('dt.affected', { n: p.count })));
        if (p.affected.length) preview.append(affectedTable(p.affected, false));
        else preview.append(h('p', { class: 'muted' }, t('dt.noneAffected')));
        preview.append(h('div', { class: 'form-actions' }, button(t('dt.confirm'), async () => {
          try {
            const res = await createDowntime(b);
            st.incident = null;
            toast(t('dt.created', { n: res.affected.length }));
            await loadStaff();
            loadHead();
            if (res.affected.length) staffOut.append(h('h3', null, t('dt.told')), affectedTable(res.affected, true));
          } catch (err) { const x = explain(err); showIn(staffOut, message('error', x.title, x.text)); }
        }, 'btn-primary')));
      } catch (err) {
        const x = explain(err);
        showIn(staffOut, message('error', x.title, x.text));
      }
    });
    body.append(h('h3', null, t('dt.new')), form);
  }

  function affectedTable(rows, done) {
    const cols = [
      { label: t('dt.booking'), render: (a) => fmtRange(parseTime(a.start), parseTime(a.end)) },
      { label: t('inc.by'), render: (a) => a.person || `#${a.person_id}` },
      { label: t('dt.title'), render: (a) => a.title || '—' },
      { label: t('inc.state'), render: (a) => t(`status.${a.status}`) },
    ];
    if (done) cols.push({ label: t('dt.offered'), render: (a) => (a.alternatives.length
      ? a.alternatives.map((s) => `${s.resource}: ${fmtRange(parseTime(s.start), parseTime(s.end))}`).join('; ') : t('dt.noSlots')) });
    return table(cols, rows, { caption: t('dt.affectedCaption') });
  }

  async function render() {
    await Promise.all([loadHead(), loadReport(), loadStaff()]);
  }
  await render();
}
