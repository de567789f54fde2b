// trainings.js: staff manage trainings (qualifications: who instructs
// them, the next session), grant them to people, answer training requests,
// see which grants expire soon (withdraw if needed), and read the training
// matrix of a company or a lab (people against trainings, with expiry).

import {
  listGrants, withdrawGrant, createQualification, updateQualification, listTrainingRequests, closeTrainingRequest,
  grantQualification, getTrainingMatrix, trainingMatrixCsvUrl,
} from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, select, field, table, toast, modal, badge } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { grantBadge } from './access.js';
import { grantForm } from './people.js';
import { parseTime, fmtDate, fmtDateTime, rfc3339, at } from '../time.js';

const CELL_KIND = { valid: 'ok', expiring: 'warn', expired: 'danger', missing: '' };

// "2026-12-01T10:00" for an input of type datetime-local, in the site zone.
const localValue = (ms) => rfc3339(ms).slice(0, 16);
function fromLocalValue(v) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(v);
  return m ? at(m[1], Number(m[2]) * 60 + Number(m[3])) : null;
}

// People against trainings: a cell per grant state, with its expiry.
export function matrixTable(mx) {
  if (!mx.people.length) return empty(t('train.matrixEmpty'));
  if (!mx.qualifications.length) return empty(t('train.matrixNoTrainings'));
  const cell = (c) => h('span', null, badge(t(`train.cell.${c.state}`), CELL_KIND[c.state]),
    c.expires_at ? h('span', { class: 'small muted' }, ` ${fmtDate(parseTime(c.expires_at))}`) : null,
    c.requested ? h('span', { class: 'small' }, ` (${t('train.miss.requested')})`) : null);
  return table([
    { label: t('grant.person'), render: (p) => h('span', null, h('strong', null, p.name || p.email), h('br'), h('span', { class: 'muted small' }, p.company || '—')) },
    ...mx.qualifications.map((q, j) => ({ label: q.name, render: (p) => cell(p.cells[j]) })),
  ], mx.people, { caption: `${t('train.matrix')}: ${mx.title}` });
}

export default async function trainings(root, ctx) {
  root.append(pageHead(t('train.title'), t('train.lead')));
  const grantCard = h('section', { class: 'card', 'aria-labelledby': 'tr-grant' });
  const soonCard = h('section', { class: 'card', 'aria-labelledby': 'tr-soon' });
  const qualCard = h('section', { class: 'card', 'aria-labelledby': 'tr-quals' });
  const reqCard = h('section', { class: 'card', 'aria-labelledby': 'tr-req' });
  const matrixCard = h('section', { class: 'card', 'aria-labelledby': 'tr-matrix' });
  root.append(reqCard, grantCard, soonCard, matrixCard, qualCard);
  const [ppl] = await Promise.all([data.people(), data.tenants()]);
  const personById = data.byId(ppl);

  const grantOut = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  grantCard.append(h('h2', { id: 'tr-grant' }, t('grant.grantTitle')), await grantForm(ctx, grantOut, () => loadSoon()), grantOut);

  const within = select([30, 60, 90, 365].map((d) => ({ value: d, label: t('train.withinDays', { n: d }) })), ctx.params.get('within') || 30);
  within.addEventListener('change', () => { ctx.setQuery({ within: within.value }); loadSoon(); });
  const soonBox = h('div');
  soonCard.append(h('div', { class: 'card-head' }, h('h2', { id: 'tr-soon' }, t('train.expiring')), field(t('train.within'), within)), soonBox);

  async function loadSoon() {
    clear(soonBox);
    try {
      const grants = (await listGrants({ expiring_within_days: within.value }))
        .filter((g) => !g.withdrawn_at);
      if (!grants.length) { soonBox.append(empty(t('train.noneExpiring'))); return; }
      soonBox.append(table([
        { label: t('grant.person'), render: (g) => { const p = personById.get(g.person_id); return p ? data.displayName(p) : `#${g.person_id}`; } },
        { label: t('grant.training'), render: (g) => g.name },
        { label: t('grant.validUntil'), render: (g) => fmtDate(parseTime(g.expires_at)) },
        { label: t('grant.state'), render: grantBadge },
        { label: '', cls: 'actions', render: (g) => button(t('grant.withdraw'), async () => {
          try { await withdrawGrant(g.id); toast(t('grant.withdrawn')); loadSoon(); } catch (err) { const x = explain(err); showIn(grantOut, message('error', x.title, x.text)); }
        }, 'btn-small btn-danger') },
      ], grants, { caption: t('train.expiring') }));
    } catch (err) {
      soonBox.append(message('error', explain(err).title, explain(err).text));
    }
  }

  const qualBox = h('div');
  const qOut = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const qName = h('input', { type: 'text', required: true });
  const qDesc = h('input', { type: 'text' });
  const qDays = h('input', { type: 'number', min: '1', max: '3650', value: '365' });
  const qWho = h('input', { type: 'text', maxlength: '200' });
  const qForm = h('form', { class: 'inline-form', novalidate: true },
    field(t('train.name'), qName), field(t('train.description'), qDesc), field(t('train.validity'), qDays), field(t('train.instructor'), qWho),
    h('button', { type: 'submit', class: 'btn' }, t('train.create')));
  qForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = { name: qName.value.trim(), validity_days: Number(qDays.value) || 365 };
      if (qDesc.value.trim()) body.description = qDesc.value.trim();
      if (qWho.value.trim()) body.instructor = qWho.value.trim();
      await createQualification(body);
      showIn(qOut, message('ok', t('train.created', { name: body.name }), ''));
      qName.value = ''; qDesc.value = ''; qWho.value = '';
      data.forget('quals');
      loadQuals();
    } catch (err) {
      const x = explain(err);
      showIn(qOut, message('error', x.title, x.text));
    }
  });
  qualCard.append(h('h2', { id: 'tr-quals' }, t('train.quals')), qualBox, h('h3', null, t('train.new')), qForm, qOut);

  async function loadQuals() {
    clear(qualBox);
    const quals = await data.qualifications();
    if (!quals.length) { qualBox.append(empty(t('train.noQuals'))); return; }
    qualBox.append(table([
      { label: t('train.name'), render: (q) => h('strong', null, q.name) },
      { label: t('train.description'), render: (q) => q.description || '—' },
      { label: t('train.validity'), cls: 'num', render: (q) => t('train.days', { n: q.validity_days }) },
      { label: t('train.instructor'), render: (q) => q.instructor || '—' },
      { label: t('train.nextSession'), render: (q) => (q.next_session ? fmtDateTime(parseTime(q.next_session)) : '—') },
      { label: '', cls: 'actions', render: (q) => button(t('train.edit'), () => editQual(q), 'btn-small', { 'aria-label': `${t('train.edit')}: ${q.name}` }) },
    ], quals, { caption: t('train.quals') }));
  }

  // Who gives a training and when the next session is: what a refused booking shows.
  function editQual(q) {
    const m = modal(t('train.editTitle', { name: q.name }));
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const who = h('input', { type: 'text', maxlength: '200', value: q.instructor || '' });
    const next = h('input', { type: 'datetime-local', value: q.next_session ? localValue(parseTime(q.next_session)) : '' });
    const form = h('form', { class: 'form', novalidate: true }, field(t('train.instructor'), who, t('train.instructorHint')),
      field(t('train.nextSession'), next, t('train.nextHint')), out,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const at = next.value ? fromLocalValue(next.value) : null;
      if (next.value && at === null) { showIn(out, message('error', t('book.badDate'), '')); return; }
      try {
        await updateQualification(q.id, { instructor: who.value.trim(), next_session: at === null ? null : rfc3339(at) });
        toast(t('train.saved', { name: q.name }));
        m.close();
        data.forget('quals');
        loadQuals();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      }
    });
    m.body.append(form);
    who.focus();
  }

  // ---- requests ----
  async function loadRequests() {
    clear(reqCard);
    reqCard.append(h('h2', { id: 'tr-req' }, t('train.requests')));
    try {
      const reqs = await listTrainingRequests({ status: 'open' });
      if (!reqs.length) { reqCard.append(empty(t('train.noRequests'))); return; }
      reqCard.append(table([
        { label: t('grant.person'), render: (r) => h('span', null, h('strong', null, r.person || r.email), h('br'), h('span', { class: 'muted small' }, r.email)) },
        { label: t('grant.training'), render: (r) => r.qualification },
        { label: t('train.note'), render: (r) => r.note || '—' },
        { label: t('train.asked'), render: (r) => fmtDateTime(parseTime(r.created_at)) },
        { label: '', cls: 'actions', render: (r) => [
          button(t('train.grantIt'), async () => {
            try { await grantQualification(r.qualification_id, { person_id: r.person_id }); toast(t('train.grantedReq', { training: r.qualification, name: r.person || r.email })); loadRequests(); loadSoon(); } catch (err) { const x = explain(err); showIn(grantOut, message('error', x.title, x.text)); }
          }, 'btn-small', { 'aria-label': `${t('train.grantIt')}: ${r.qualification}, ${r.person || r.email}` }),
          button(t('train.decline'), async () => {
            try { await closeTrainingRequest(r.id, 'declined'); toast(t('train.declined')); loadRequests(); } catch (err) { const x = explain(err); showIn(grantOut, message('error', x.title, x.text)); }
          }, 'btn-small btn-danger', { 'aria-label': `${t('train.decline')}: ${r.qualification}, ${r.person || r.email}` })] },
      ], reqs, { caption: t('train.requests') }));
    } catch (err) {
      reqCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  // ---- the matrix ----
  const [tenants, labs] = await Promise.all([data.tenants(), data.labs()]);
  const which = select([
    { group: t('train.matrixCompanies'), options: tenants.filter((x) => x.status !== 'offboarded').map((x) => ({ value: `t:${x.id}`, label: x.name })) },
    { group: t('train.matrixLabs'), options: labs.map((l) => ({ value: `r:${l.lab.id}`, label: l.lab.name })) },
  ], ctx.params.get('matrix') || (tenants[0] ? `t:${tenants[0].id}` : ''));
  const matrixBox = h('div');
  which.addEventListener('change', () => { ctx.setQuery({ matrix: which.value }); loadMatrix(); });
  matrixCard.append(h('div', { class: 'card-head' }, h('h2', { id: 'tr-matrix' }, t('train.matrix')), field(t('train.matrixOf'), which)), matrixBox);

  async function loadMatrix() {
    clear(matrixBox);
    if (!which.value) return;
    const query = which.value.startsWith('t:') ? { tenant_id: which.value.slice(2) } : { resource_id: which.value.slice(2) };
    try {
      matrixBox.append(matrixTable(await getTrainingMatrix(query)),
        h('p', null, h('a', { href: trainingMatrixCsvUrl(query), download: '' }, t('train.matrixCsv'))));
    } catch (err) {
      matrixBox.append(message('error', explain(err).title, explain(err).text));
    }
  }

  await Promise.all([loadSoon(), loadQuals(), loadRequests(), loadMatrix()]);
}
