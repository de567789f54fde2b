// trainings.js: staff manage trainings (qualifications), grant them to
// people, and see which grants expire soon (withdraw if needed).

import { listGrants, withdrawGrant, createQualification } from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, select, field, table, toast } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { grantBadge } from './access.js';
import { grantForm } from './people.js';
import { parseTime, fmtDate } from '../time.js';

export default async function trainings(root, ctx) {
  root.append(pageHead(t('train.title'), t('train.lead')));
  const grantCard = h('section', { class: 'card', 'aria-labelledby': 'tr-grant' });
  const soonCard = h('section', { class: 'card', 'aria-labelledby': 'tr-soon' });
  const qualCard = h('section', { class: 'card', 'aria-labelledby': 'tr-quals' });
  root.append(grantCard, soonCard, qualCard);
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
  const qForm = h('form', { class: 'inline-form', novalidate: true },
    field(t('train.name'), qName), field(t('train.description'), qDesc), field(t('train.validity'), qDays),
    h('button', { type: 'submit', class: 'btn' }, t('train.create')));
  qForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const body = { name: qName.value.trim(), validity_days: Number(qDays.value) || 365 };
      if (qDesc.value.trim()) body.description = qDesc.value.trim();
      await createQualification(body);
      showIn(qOut, message('ok', t('train.created', { name: body.name }), ''));
      qName.value = ''; qDesc.value = '';
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
    ], quals, { caption: t('train.quals') }));
  }

  await Promise.all([loadSoon(), loadQuals()]);
}
