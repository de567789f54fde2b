// approvals.js: the staff approval queue: requested reservations (for
// resources that need approval), approved or rejected with a reason.
// Also shows trainings that expire soon, as a reminder.

import { listReservations, approveReservation, rejectReservation, listGrants } from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, field, toast, modal } from '../dom.js';
import { t, tn } from '../i18n.js';
import { explain } from '../problem.js';
import { rfc3339, parseTime, fmtRange, fmtDate } from '../time.js';

const DAY = 86400000;

export default async function approvals(root, ctx) {
  root.append(pageHead(t('appr.title'), t('appr.lead')));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const card = h('section', { class: 'card', 'aria-labelledby': 'appr-h' });
  const soonCard = h('section', { class: 'card', 'aria-labelledby': 'soon-h' });
  root.append(out, card, soonCard);
  const [resources, ppl, tns] = await Promise.all([data.resources(), data.people(), data.tenants()]);
  const resById = data.byId(resources), personById = data.byId(ppl), tenantById = data.byId(tns);

  async function load() {
    clear(card);
    const head = h('h2', { id: 'appr-h' }, t('appr.queue'));
    card.append(head);
    let list;
    try {
      const now = Date.now();
      list = (await listReservations({ from: rfc3339(now - DAY), to: rfc3339(now + 90 * DAY), scope: 'all' }))
        .filter((r) => r.status === 'requested');
    } catch (err) {
      card.append(message('error', explain(err).title, explain(err).text));
      return;
    }
    head.textContent = `${t('appr.queue')} (${list.length})`;
    if (!list.length) { card.append(empty(t('appr.none'), t('appr.noneHint'))); return; }
    const ul = h('ul', { class: 'rlist' });
    for (const r of list) {
      const res = resById.get(r.resource_id), p = personById.get(r.person_id), tn2 = tenantById.get(r.tenant_id);
      const label = `${res ? res.name : ''}, ${fmtRange(parseTime(r.start), parseTime(r.end))}`;
      ul.append(h('li', { dataset: { rsv: r.id } },
        h('div', { class: 'what' },
          h('div', null, h('strong', null, res ? res.name : `#${r.resource_id}`), r.title ? ` — ${r.title}` : ''),
          h('div', null, fmtRange(parseTime(r.start), parseTime(r.end))),
          h('div', { class: 'sub' }, [p ? data.displayName(p) : '', tn2 ? tn2.name : ''].filter(Boolean).join(' · '))),
        h('div', { class: 'acts' },
          button(t('appr.approve'), () => approve(r, label), 'btn-small btn-primary', { 'aria-label': `${t('appr.approve')}: ${label}` }),
          button(t('appr.reject'), () => reject(r, label), 'btn-small btn-danger', { 'aria-label': `${t('appr.reject')}: ${label}` }))));
    }
    card.append(ul);
  }

  async function approve(r, label) {
    try {
      await approveReservation(r.id);
      showIn(out, message('ok', t('appr.approved.title'), t('appr.approved', { what: label })));
      toast(t('appr.approved.title'));
      load();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  }

  function reject(r, label) {
    const m = modal(t('appr.rejectTitle'));
    const reason = h('input', { type: 'text', required: true, maxlength: '200' });
    const res = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const form = h('form', { class: 'form', novalidate: true },
      h('p', null, label),
      field(t('appr.reason'), reason, t('appr.reasonHint')), res,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), h('button', { type: 'submit', class: 'btn btn-primary btn-danger-solid' }, t('appr.reject'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!reason.value.trim()) { showIn(res, message('error', t('appr.reasonMissing'), '')); reason.focus(); return; }
      try {
        await rejectReservation(r.id, { reason: reason.value.trim() });
        m.close();
        showIn(out, message('ok', t('appr.rejected.title'), t('appr.rejected', { what: label })));
        load();
      } catch (err) {
        const x = explain(err);
        showIn(res, message('error', x.title, x.text));
      }
    });
    m.body.append(form);
    reason.focus();
  }

  async function loadSoon() {
    clear(soonCard);
    soonCard.append(h('div', { class: 'card-head' }, h('h2', { id: 'soon-h' }, t('appr.expiring')), h('a', { href: '/trainings', 'data-link': '' }, t('nav.trainings'))));
    try {
      const grants = (await listGrants({ expiring_within_days: 30 }))
        .filter((g) => !g.withdrawn_at && parseTime(g.expires_at) > Date.now());
      if (!grants.length) { soonCard.append(empty(t('appr.expiringNone'))); return; }
      soonCard.append(h('p', null, tn('appr.expiringCount', grants.length)),
        h('ul', null, grants.slice(0, 8).map((g) => {
          const p = personById.get(g.person_id);
          return h('li', null, `${p ? data.displayName(p) : `#${g.person_id}`}: ${g.name} — ${fmtDate(parseTime(g.expires_at))}`);
        })));
    } catch (err) {
      soonCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  await Promise.all([load(), loadSoon()]);
}
