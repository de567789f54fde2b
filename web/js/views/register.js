// register.js: the ML-1 register of a lab (staff), for the biosafety officer
// and inspections: who may work there (each training, who instructed it,
// when, until when) and who entered in a period; printable, and as CSV.

import { getRegister, registerCsvUrl } from '../api.js';
import * as data from '../data.js';
import { h, field, select, showIn, message, table, pageHead, empty } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { today, addDays, validDate, at, rfc3339, fmtDate, fmtDateTime } from '../time.js';

const when = (s) => (s ? fmtDate(Date.parse(s)) : '—');

function authorisedTable(list) {
  if (!list.length) return empty(t('register.noneAuthorised'));
  const rows = [];
  for (const p of list) for (const tr of p.trainings) rows.push({ p, tr });
  return table([
    { label: t('register.person'), render: (r) => r.p.person },
    { label: t('register.company'), render: (r) => r.p.company || '—' },
    { label: t('register.training'), render: (r) => r.tr.qualification },
    { label: t('register.instructor'), render: (r) => r.tr.instructor },
    { label: t('register.granted'), render: (r) => when(r.tr.granted_at) },
    { label: t('register.until'), render: (r) => when(r.tr.expires_at) },
  ], rows, { caption: t('register.authorised') });
}

function presentTable(list) {
  if (!list.length) return empty(t('register.noneEntered'));
  return table([
    { label: t('register.person'), render: (r) => r.person },
    { label: t('register.company'), render: (r) => r.company || '—' },
    { label: t('register.first'), render: (r) => fmtDateTime(Date.parse(r.first_in)) },
    { label: t('register.last'), render: (r) => fmtDateTime(Date.parse(r.last_in)) },
    { label: t('register.entries'), key: 'entries' },
  ], list, { caption: t('register.entered') });
}

export default async function register(root, ctx) {
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const labs = (await data.resources()).filter((r) => r.kind === 'lab');
  const lab = select(labs.map((r) => ({ value: String(r.id), label: r.name })), ctx.params.get('resource') || (labs[0] && String(labs[0].id)));
  const from = h('input', { type: 'date', value: addDays(today(), -30), required: true });
  const to = h('input', { type: 'date', value: today(), required: true });
  const show = h('button', { type: 'submit', class: 'btn btn-primary' }, t('register.show'));
  const printBtn = h('button', { type: 'button', class: 'btn', onclick: () => window.print() }, t('register.print'));
  const csv = h('a', { class: 'btn', download: 'ml1-register.csv' }, t('register.csv'));
  const result = h('div');
  const form = h('form', { class: 'inline-form no-print', novalidate: true },
    field(t('register.lab'), lab), field(t('register.from'), from), field(t('register.to'), to), show);
  root.append(pageHead(t('register.title'), t('register.lead'), printBtn, csv), form, out, result);
  if (!labs.length) { showIn(out, message('error', t('register.noLabs'), '')); return; }
  async function load() {
    if (!validDate(from.value) || !validDate(to.value)) { showIn(out, message('error', t('book.badDate'), '')); return; }
    const query = { from: rfc3339(at(from.value, 0)), to: rfc3339(at(addDays(to.value, 1), 0)) };
    csv.href = registerCsvUrl(lab.value, query);
    try {
      const r = await getRegister(lab.value, query);
      showIn(out, null);
      result.replaceChildren(
        h('section', { class: 'card', 'aria-labelledby': 'reg-a' }, h('h2', { id: 'reg-a' }, t('register.authorised')),
          h('p', { class: 'muted' }, t('register.authorisedLead', { name: r.resource.name, date: when(r.to) })),
          authorisedTable(r.authorised)),
        h('section', { class: 'card', 'aria-labelledby': 'reg-e' }, h('h2', { id: 'reg-e' }, t('register.entered')),
          h('p', { class: 'muted' }, t('register.enteredLead', { from: when(r.from), to: fmtDate(Date.parse(r.to) - 1) })),
          presentTable(r.present)));
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  await load();
}
