// tenants.js: staff create, suspend, reactivate and offboard tenants and
// manage each tenant's people.

import { listTenants, createTenant, suspendTenant, activateTenant, offboardTenant } from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, badge, select, field, table, toast, modal, confirmDialog } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { membersPanel } from './people.js';

const STATUS_KIND = { active: 'ok', suspended: 'warn', offboarded: 'danger' };
const STATUS_CHANGE = { suspend: suspendTenant, activate: activateTenant, offboard: offboardTenant };

export default async function tenants(root, ctx) {
  const filterSel = select([{ value: '', label: t('tenants.all') }, ...['active', 'suspended', 'offboarded'].map((s) => ({ value: s, label: t(`status.${s}`) }))], ctx.params.get('status') || '');
  root.append(pageHead(t('tenants.title'), t('tenants.lead'), button(t('tenants.new'), () => openCreate(), 'btn-primary')));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const card = h('section', { class: 'card', 'aria-labelledby': 'tn-h' });
  const box = h('div');
  card.append(h('div', { class: 'card-head' }, h('h2', { id: 'tn-h' }, t('tenants.list')), field(t('tenants.filter'), filterSel)), box);
  root.append(out, card);
  filterSel.addEventListener('change', () => { ctx.setQuery({ status: filterSel.value }); load(); });

  async function load() {
    clear(box);
    let list;
    try {
      list = await listTenants({ status: filterSel.value });
    } catch (err) {
      box.append(message('error', explain(err).title, explain(err).text));
      return;
    }
    if (!list.length) { box.append(empty(t('tenants.none'))); return; }
    box.append(table([
      { label: t('tenants.name'), render: (x) => h('span', null, h('strong', null, x.name), h('br'), h('span', { class: 'muted small' }, `KvK ${x.kvk_number || '—'} · ${x.city || ''}`)) },
      { label: t('tenants.status'), render: (x) => badge(t(`status.${x.status}`), STATUS_KIND[x.status]) },
      { label: t('tenants.tier'), render: (x) => t(`tier.${x.rate_tier}`) },
      { label: t('tenants.billingEmail'), render: (x) => x.billing_email || '—' },
      { label: '', cls: 'actions', render: (x) => actions(x) },
    ], list, { caption: t('tenants.list') }));
  }

  function actions(x) {
    const a = [button(t('tenants.people'), () => openPeople(x), 'btn-small', { 'aria-label': `${t('tenants.people')}: ${x.name}` })];
    if (x.status === 'active') a.push(button(t('tenants.suspend'), () => change(x, 'suspend'), 'btn-small'));
    if (x.status === 'suspended') a.push(button(t('tenants.activate'), () => change(x, 'activate'), 'btn-small'));
    if (x.status !== 'offboarded') a.push(button(t('tenants.offboard'), () => change(x, 'offboard'), 'btn-small btn-danger'));
    return a;
  }

  async function change(x, what) {
    const ok = await confirmDialog(t(`tenants.${what}Title`, { name: x.name }), t(`tenants.${what}Text`, { name: x.name }), t(`tenants.${what}`), what !== 'activate');
    if (!ok) return;
    try {
      await STATUS_CHANGE[what](x.id);
      toast(t(`tenants.${what}Done`, { name: x.name }));
      data.forget();
      load();
    } catch (err) {
      const y = explain(err);
      showIn(out, message('error', y.title, y.text));
    }
  }

  function openPeople(x) {
    const m = modal(t('people.members', { tenant: x.name }));
    m.dialog.classList.add('modal-wide');
    membersPanel(m.body, ctx, x);
  }

  function openCreate() {
    const m = modal(t('tenants.new'));
    const f = {
      name: h('input', { type: 'text', required: true }),
      kvk_number: h('input', { type: 'text', inputmode: 'numeric', maxlength: '8', pattern: '[0-9]{8}' }),
      vat_number: h('input', { type: 'text', maxlength: '15' }),
      billing_email: h('input', { type: 'email' }),
      street: h('input', { type: 'text' }),
      postal_code: h('input', { type: 'text', maxlength: '16' }),
      city: h('input', { type: 'text' }),
      country: h('input', { type: 'text', maxlength: '2', value: 'NL' }),
      rate_tier: select(['startup', 'academic', 'corporate'].map((x) => ({ value: x, label: t(`tier.${x}`) })), 'startup'),
    };
    const res = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const form = h('form', { class: 'form', novalidate: true },
      field(t('tenants.name'), f.name),
      h('div', { class: 'form-row' }, field(t('tenants.kvk'), f.kvk_number, t('tenants.kvkHint')), field(t('tenants.vat'), f.vat_number, 'NL123456789B01')),
      field(t('tenants.billingEmail'), f.billing_email),
      h('div', { class: 'form-row' }, field(t('tenants.street'), f.street), field(t('tenants.postal'), f.postal_code)),
      h('div', { class: 'form-row' }, field(t('tenants.city'), f.city), field(t('tenants.country'), f.country), field(t('tenants.tier'), f.rate_tier)),
      res,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), h('button', { type: 'submit', class: 'btn btn-primary' }, t('tenants.create'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {};
      for (const [k, el] of Object.entries(f)) if (el.value.trim()) body[k] = el.value.trim();
      try {
        const x = await createTenant(body);
        toast(t('tenants.created', { name: x.name }));
        m.close();
        data.forget();
        load();
      } catch (err) {
        const y = explain(err);
        showIn(res, message('error', y.title, y.text));
        if (err.field && f[err.field]) { f[err.field].setAttribute('aria-invalid', 'true'); f[err.field].focus(); }
      }
    });
    m.body.append(form);
    f.name.focus();
  }

  await load();
}
