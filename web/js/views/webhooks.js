// webhooks.js: for staff: the HTTPS endpoints that receive signed events
// (bookings, invoices, door alarms, tenants suspended or offboarded,
// downtime, incidents, service requests): add
// one (its signing secret is shown once), change its address, events or
// description, switch it off and on, send a test, give it a new secret,
// delete it; and each endpoint's deliveries with their state, attempts and
// last answer, with a retry for those that did not get through.

import {
  listWebhooks, createWebhook, updateWebhook, deleteWebhook, rotateWebhookSecret, testWebhook,
  listWebhookDeliveries, retryWebhookDelivery,
} from '../api.js';
import { h, clear, pageHead, message, showIn, empty, badge, field, table, copyBox, button, modal, toast } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { parseTime, fmtDateTime } from '../time.js';

export const EVENTS = ['reservation.created', 'reservation.changed', 'reservation.cancelled', 'invoice.issued',
  'door.alarm', 'tenant.suspended', 'tenant.offboarded', 'downtime.created', 'downtime.changed', 'incident.reported',
  'service_request.created', 'service_request.changed'];
const STATE_KIND = { pending: 'warn', delivered: 'ok', failed: 'danger' };

const when = (s) => (s ? fmtDateTime(parseTime(s)) : '—');

// The form fields of an endpoint (a new one when w is null).
function endpointForm(w) {
  const url = h('input', { type: 'url', required: true, maxlength: '2048', autocomplete: 'off', placeholder: 'https://', value: w ? w.url : '' });
  const description = h('input', { type: 'text', maxlength: '200', autocomplete: 'off', value: w ? w.description : '' });
  const boxes = EVENTS.map((ev) => h('input', { type: 'checkbox', value: ev, checked: w ? w.events.includes(ev) : ev.startsWith('reservation.') }));
  const events = h('fieldset', { class: 'checks' }, h('legend', null, t('hooks.events')),
    ...boxes.map((b) => field(t(`hooks.ev.${b.value}`), b)));
  const values = () => ({
    url: url.value.trim(), description: description.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value),
  });
  return { url, description, fields: [field(t('hooks.url'), url, t('hooks.urlHint')), field(t('hooks.description'), description), events], values };
}

export default async function webhooks(root) {
  root.append(pageHead(t('hooks.title'), t('hooks.lead')));
  const listCard = h('section', { class: 'card', 'aria-labelledby': 'hooks-h' });
  const addCard = h('section', { class: 'card', 'aria-labelledby': 'hooks-add-h' });
  const delCard = h('section', { class: 'card', 'aria-labelledby': 'hooks-del-h', hidden: true });
  root.append(listCard, addCard, delCard);

  function showSecret(slot, title, secret) {
    showIn(slot, message('ok', title, [h('p', null, t('hooks.secretOnce')), copyBox(secret, t('hooks.secret'))]));
  }

  async function load() {
    clear(listCard);
    listCard.append(h('h2', { id: 'hooks-h' }, t('hooks.list')));
    try {
      const list = await listWebhooks();
      if (!list.length) { listCard.append(empty(t('hooks.none'), t('hooks.noneText'))); return; }
      listCard.append(table([
        { label: t('hooks.url'), render: (w) => h('span', null, h('strong', { class: 'break' }, w.url), w.description ? h('br') : null, w.description ? h('span', { class: 'muted small' }, w.description) : null) },
        { label: t('hooks.events'), render: (w) => w.events.map((ev) => t(`hooks.ev.${ev}`)).join(', ') },
        { label: t('hooks.state'), render: (w) => badge(w.enabled ? t('hooks.enabled') : t('hooks.disabled'), w.enabled ? 'ok' : '') },
        { label: '', cls: 'actions', render: (w) => [
          button(t('hooks.deliveries'), () => deliveries(w), 'btn-small', { 'aria-label': `${t('hooks.deliveries')}: ${w.url}` }),
          button(t('hooks.edit'), () => edit(w), 'btn-small', { 'aria-label': `${t('hooks.edit')}: ${w.url}` }),
          button(w.enabled ? t('hooks.disable') : t('hooks.enable'), () => toggle(w), 'btn-small', { 'aria-label': `${w.enabled ? t('hooks.disable') : t('hooks.enable')}: ${w.url}` }),
          button(t('hooks.test'), () => ping(w), 'btn-small', { 'aria-label': `${t('hooks.test')}: ${w.url}`, disabled: !w.enabled }),
          button(t('hooks.rotate'), () => rotate(w), 'btn-small', { 'aria-label': `${t('hooks.rotate')}: ${w.url}` }),
          button(t('hooks.delete'), () => remove(w), 'btn-small btn-danger', { 'aria-label': `${t('hooks.delete')}: ${w.url}` })] },
      ], list, { caption: t('hooks.list') }));
    } catch (err) {
      listCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  function edit(w) {
    const m = modal(t('hooks.editTitle'));
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const f = endpointForm(w);
    const form = h('form', { class: 'form', novalidate: true }, ...f.fields, out,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await updateWebhook(w.id, { ...f.values(), version: w.version });
        toast(t('hooks.saved'));
        m.close();
        load();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      }
    });
    m.body.append(form);
    f.url.focus();
  }

  async function toggle(w) {
    try {
      await updateWebhook(w.id, { enabled: !w.enabled, version: w.version });
      toast(w.enabled ? t('hooks.disabledNow') : t('hooks.enabledNow'));
    } catch (err) {
      toast(explain(err).text);
    }
    load();
  }

  async function ping(w) {
    try {
      await testWebhook(w.id);
      toast(t('hooks.tested'));
    } catch (err) {
      toast(explain(err).text);
    }
  }

  function confirmDialog(title, text, label, action, cls) {
    const m = modal(title);
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const go = button(label, async () => {
      go.disabled = true;
      try {
        await action(out, m, go);
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
        go.disabled = false;
      }
    }, cls);
    m.body.append(h('p', null, text), out, h('div', { class: 'form-actions' }, button(t('common.close'), () => m.close()), go));
    go.focus();
  }

  function rotate(w) {
    confirmDialog(t('hooks.rotateTitle'), t('hooks.rotateText', { url: w.url }), t('hooks.rotate'), async (out, m, go) => {
      const res = await rotateWebhookSecret(w.id);
      showSecret(out, t('hooks.rotated'), res.secret);
      go.remove();
      load();
    }, 'btn-primary');
  }

  function remove(w) {
    confirmDialog(t('hooks.deleteTitle'), t('hooks.deleteText', { url: w.url }), t('hooks.delete'), async (out, m) => {
      await deleteWebhook(w.id);
      toast(t('hooks.deleted'));
      m.close();
      delCard.hidden = true;
      load();
    }, 'btn-primary btn-danger-solid');
  }

  async function deliveries(w) {
    delCard.hidden = false;
    clear(delCard);
    delCard.append(h('h2', { id: 'hooks-del-h' }, t('hooks.deliveriesOf', { url: w.url })));
    const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    delCard.append(out);
    try {
      const page = await listWebhookDeliveries(w.id, { limit: 50 });
      if (!page.deliveries.length) { delCard.append(empty(t('hooks.noDeliveries'))); return; }
      delCard.append(table([
        { label: t('hooks.created'), render: (d) => when(d.created_at) },
        { label: t('hooks.event'), render: (d) => t(`hooks.ev.${d.event}`) },
        { label: t('hooks.state'), render: (d) => badge(t(`hooks.st.${d.state}`), STATE_KIND[d.state] || '') },
        { label: t('hooks.attempts'), cls: 'num', render: (d) => String(d.attempts) },
        { label: t('hooks.last'), render: (d) => (d.last_error || (d.last_status ? `HTTP ${d.last_status}` : '—')) },
        { label: t('hooks.next'), render: (d) => when(d.next_attempt_at) },
        { label: '', cls: 'actions', render: (d) => (d.state === 'delivered' ? null
          : button(t('hooks.retry'), async () => {
            try {
              await retryWebhookDelivery(w.id, d.id);
              toast(t('hooks.retried'));
              deliveries(w);
            } catch (err) {
              const x = explain(err);
              showIn(out, message('error', x.title, x.text));
            }
          }, 'btn-small', { 'aria-label': `${t('hooks.retry')}: ${d.msg_id}` })) },
      ], page.deliveries, { caption: t('hooks.deliveriesOf', { url: w.url }) }));
    } catch (err) {
      showIn(out, message('error', explain(err).title, explain(err).text));
    }
  }

  // ---- adding an endpoint: its secret is shown once ----
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const f = endpointForm(null);
  const form = h('form', { class: 'form', novalidate: true }, ...f.fields, h('button', { type: 'submit', class: 'btn' }, t('hooks.add')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const res = await createWebhook(f.values());
      showSecret(out, t('hooks.added'), res.secret);
      f.url.value = '';
      f.description.value = '';
      load();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  });
  addCard.append(h('h2', { id: 'hooks-add-h' }, t('hooks.addTitle')), h('p', { class: 'muted small' }, t('hooks.addLead')), form, out);
  await load();
}
