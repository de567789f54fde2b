// tenants.js: staff create, suspend, reactivate and offboard tenants and
// manage each tenant's people. Before suspending or offboarding, staff see
// what it touches (bookings ahead, people, waitlist, door passes) and choose
// whether the bookings are kept on hold or cancelled.

import { listTenants, createTenant, suspendTenant, activateTenant, offboardTenant, getTenantHoldings } from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, badge, select, field, table, toast, modal, confirmDialog, nextId } from '../dom.js';
import { t, tn } from '../i18n.js';
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
    if (what !== 'activate') { closeTenant(x, what); return; }
    const ok = await confirmDialog(t('tenants.activateTitle', { name: x.name }), t('tenants.activateText', { name: x.name }), t('tenants.activate'), false);
    if (!ok) return;
    try {
      await activateTenant(x.id);
      toast(t('tenants.activateDone', { name: x.name }));
      data.forget();
      load();
    } catch (err) {
      const y = explain(err);
      showIn(out, message('error', y.title, y.text));
    }
  }

  // Suspend or offboard: what it touches, what to do with the bookings, and
  // whether to tell the people; then what was done.
  async function closeTenant(x, what) {
    const m = modal(t(`tenants.${what}Title`, { name: x.name }));
    const slot = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    m.body.append(h('p', null, t(`tenants.${what}Text`, { name: x.name })), slot);
    let held;
    try {
      held = (await getTenantHoldings(x.id)).effects;
    } catch (err) {
      showIn(slot, message('error', explain(err).title, explain(err).text));
      return;
    }
    const facts = h('ul', { class: 'holdings' },
      h('li', null, tn('tenants.heldBookings', held.bookings, { people: held.people })),
      h('li', null, tn('tenants.heldWaiting', held.waiting)),
      h('li', null, tn('tenants.heldPasses', held.passes)));
    const name = nextId('bk');
    const choice = (value, checked) => {
      const input = h('input', { type: 'radio', name, value, checked, id: `${name}-${value}` });
      return h('div', { class: 'field field-check' }, input, h('label', { for: input.id }, t(`tenants.bookings.${value}`)));
    };
    const notify = h('input', { type: 'checkbox', checked: true, id: nextId('notify') });
    const go = h('button', { type: 'submit', class: 'btn btn-primary btn-danger-solid' }, t(`tenants.${what}`));
    const form = h('form', { class: 'form' },
      facts,
      held.bookings && what === 'suspend'
        ? h('fieldset', null, h('legend', null, t('tenants.bookingsWhat')), choice('keep', true), choice('cancel', false))
        : held.bookings ? h('p', null, t('tenants.offboardCancels')) : null,
      held.people ? h('div', { class: 'field field-check' }, notify, h('label', { for: notify.id }, tn('tenants.tellPeople', held.people))) : null,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), go));
    m.body.append(form);
    go.focus();
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const picked = form.querySelector(`input[name="${name}"]:checked`);
      const body = { notify: notify.checked };
      if (what === 'suspend' && picked) body.bookings = picked.value;
      go.disabled = true;
      try {
        const done = (await STATUS_CHANGE[what](x.id, body)).effects;
        m.close();
        const parts = [t(`tenants.${what}Done`, { name: x.name })];
        if (done.cancelled_bookings) parts.push(tn('tenants.doneCancelled', done.cancelled_bookings));
        else if (done.bookings) parts.push(tn('tenants.doneKept', done.bookings));
        if (done.notified_people) parts.push(tn('tenants.doneTold', done.notified_people));
        toast(parts.join(' '));
        data.forget();
        load();
      } catch (err) {
        const y = explain(err);
        showIn(slot, message('error', y.title, y.text));
        go.disabled = false;
      }
    });
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
