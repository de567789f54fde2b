// resources.js: staff manage resources and their rules (opening hours,
// grid, durations, notice, buffers, approval, quotas, required trainings,
// out of service), closures, and prices (rate plans and their versions).

import {
  createResource, updateResource, listClosures, createClosure, deleteClosure, listRatePlans, addRatePlanVersion,
} from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, badge, select, field, table, toast, modal, money } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { rfc3339, parseTime, fmtRange, at, parseHHMM, validDate, today } from '../time.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const INTS = [
  ['capacity', 1, 100], ['granularity_min', 1, 1440], ['min_minutes', 1, 43200], ['max_minutes', 1, 43200],
  ['min_notice_min', 0, 43200], ['max_advance_days', 1, 730], ['buffer_before_min', 0, 1440], ['buffer_after_min', 0, 1440],
  ['quota_week_min', 0, 10080], ['quota_month_min', 0, 44640],
];

export default async function resources(root, ctx) {
  root.append(pageHead(t('res.title'), t('res.lead'), button(t('res.new'), () => edit(null), 'btn-primary')));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const card = h('section', { class: 'card', 'aria-labelledby': 'res-h' });
  const closCard = h('section', { class: 'card', 'aria-labelledby': 'clo-h' });
  const priceCard = h('section', { class: 'card', 'aria-labelledby': 'price-h' });
  root.append(out, card, closCard, priceCard);

  async function load() {
    data.forget('resources');
    const list = await data.resources();
    clear(card);
    card.append(h('h2', { id: 'res-h' }, t('res.list')));
    if (!list.length) { card.append(empty(t('res.none'))); return; }
    card.append(table([
      { label: t('res.name'), render: (r) => h('span', null, h('strong', null, r.name), h('br'), h('span', { class: 'muted small' }, `${data.kindLabel(r.kind)} · ${r.door_group || '—'}`)) },
      { label: t('res.status'), render: (r) => (r.status === 'available' ? badge(t('res.available'), 'ok') : badge(t('res.oos'), 'danger')) },
      { label: t('res.hours'), render: (r) => hoursSummary(r) },
      { label: t('res.rules'), render: (r) => rulesSummary(r) },
      { label: '', cls: 'actions', render: (r) => button(t('res.edit'), () => edit(r), 'btn-small', { 'aria-label': `${t('res.edit')}: ${r.name}` }) },
    ], list, { caption: t('res.list') }));
  }

  function hoursSummary(r) {
    if (!r.opening_hours) return t('res.always');
    const wk = r.opening_hours.mon;
    const same = ['tue', 'wed', 'thu', 'fri'].every((d) => r.opening_hours[d] === wk);
    const parts = [];
    if (same) parts.push(`${t('res.monFri')} ${wk || t('res.closed')}`);
    else DAYS.slice(0, 5).forEach((d) => parts.push(`${t(`day.${d}`)} ${r.opening_hours[d] || t('res.closed')}`));
    if (r.opening_hours.sat) parts.push(`${t('day.sat')} ${r.opening_hours.sat}`);
    if (r.opening_hours.sun) parts.push(`${t('day.sun')} ${r.opening_hours.sun}`);
    return parts.join(' · ');
  }

  function rulesSummary(r) {
    const p = [t('res.gridOf', { n: r.granularity_min }), t('res.capacityOf', { n: r.capacity })];
    if (r.buffer_after_min || r.buffer_before_min) p.push(t('res.bufferOf', { n: r.buffer_before_min + r.buffer_after_min }));
    if (r.approval_required) p.push(t('res.approval'));
    if (r.quota_week_min) p.push(t('res.quotaWeekOf', { n: Math.round(r.quota_week_min / 60) }));
    return p.join(' · ');
  }

  async function edit(r) {
    const quals = await data.qualifications();
    const m = modal(r ? t('res.editTitle', { name: r.name }) : t('res.new'));
    m.dialog.classList.add('modal-wide');
    const v = r || { kind: 'lab', capacity: 1, granularity_min: 15, min_minutes: 15, max_minutes: 480, min_notice_min: 0, max_advance_days: 90,
      buffer_before_min: 0, buffer_after_min: 0, quota_week_min: 0, quota_month_min: 0, approval_required: false, status: 'available',
      opening_hours: { mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00', sat: '', sun: '' }, required_qualifications: [] };
    const f = {
      name: h('input', { type: 'text', required: true, value: v.name || '' }),
      kind: select(['lab', 'equipment', 'room'].map((k) => ({ value: k, label: data.kindLabel(k) })), v.kind),
      description: h('input', { type: 'text', value: v.description || '' }),
      door_group: h('input', { type: 'text', value: v.door_group || '' }),
      status: select([{ value: 'available', label: t('res.available') }, { value: 'out_of_service', label: t('res.oos') }], v.status),
      out_of_service_reason: h('input', { type: 'text', value: v.out_of_service_reason || '' }),
      approval_required: h('input', { type: 'checkbox', checked: !!v.approval_required }),
    };
    for (const [k, lo, hi] of INTS) f[k] = h('input', { type: 'number', min: String(lo), max: String(hi), value: String(v[k] ?? 0) });
    const always = h('input', { type: 'checkbox', checked: !v.opening_hours });
    const hours = {};
    for (const d of DAYS) hours[d] = h('input', { type: 'text', value: v.opening_hours ? v.opening_hours[d] || '' : '', placeholder: t('res.closed'), 'aria-label': t(`day.long.${d}`) });
    const qualBoxes = quals.map((q) => {
      const cb = h('input', { type: 'checkbox', checked: (v.required_qualifications || []).includes(q.id), value: q.id });
      return field(q.name, cb);
    });
    const res = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const hoursSet = h('fieldset', null, h('legend', null, t('res.hours')),
      field(t('res.alwaysOpen'), always),
      h('div', { class: 'form-row' }, DAYS.map((d) => field(t(`day.long.${d}`), hours[d]))),
      h('p', { class: 'hint muted small' }, t('res.hoursHint')));
    const sync = () => Object.values(hours).forEach((x) => { x.disabled = always.checked; });
    always.addEventListener('change', sync);
    sync();
    const form = h('form', { class: 'form', novalidate: true },
      h('div', { class: 'form-row' }, field(t('res.name'), f.name), field(t('res.kind'), f.kind), field(t('res.doorGroup'), f.door_group, t('res.doorGroupHint'))),
      field(t('res.description'), f.description),
      h('div', { class: 'form-row' }, field(t('res.status'), f.status), field(t('res.oosReason'), f.out_of_service_reason)),
      hoursSet,
      h('fieldset', null, h('legend', null, t('res.rules')),
        h('div', { class: 'form-row' }, INTS.map(([k]) => field(t(`res.f.${k}`), f[k]))),
        field(t('res.f.approval_required'), f.approval_required)),
      h('fieldset', null, h('legend', null, t('res.requiredTrainings')), qualBoxes.length ? qualBoxes : h('p', { class: 'muted' }, t('train.noQuals'))),
      res,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {
        name: f.name.value.trim(), kind: f.kind.value, description: f.description.value.trim(), door_group: f.door_group.value.trim(),
        status: f.status.value, out_of_service_reason: f.out_of_service_reason.value.trim(), approval_required: f.approval_required.checked,
        required_qualifications: qualBoxes.map((b) => b.querySelector('input')).filter((x) => x.checked).map((x) => Number(x.value)),
      };
      for (const [k] of INTS) body[k] = Number(f[k].value);
      if (always.checked) body.opening_hours = {};
      else { body.opening_hours = {}; for (const d of DAYS) body.opening_hours[d] = hours[d].value.trim(); }
      try {
        const saved = r ? await updateResource(r.id, body) : await createResource(body);
        toast(t('res.saved', { name: saved.name }));
        m.close();
        load();
      } catch (err) {
        const x = explain(err);
        showIn(res, message('error', x.title, x.text));
        const el = f[err.field] || (err.field === 'opening_hours' ? hours.mon : null);
        if (el) { el.setAttribute('aria-invalid', 'true'); el.focus(); }
      }
    });
    m.body.append(form);
    f.name.focus();
  }

  // ---- closures ----
  async function loadClosures() {
    clear(closCard);
    closCard.append(h('h2', { id: 'clo-h' }, t('clo.title')), h('p', { class: 'muted small' }, t('clo.lead')));
    const list = await data.resources();
    const resById = data.byId(list);
    const box = h('div');
    const cout = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    try {
      const now = Date.now();
      const cl = await listClosures({ from: rfc3339(now), to: rfc3339(now + 365 * 86400000) });
      if (!cl.length) box.append(empty(t('clo.none')));
      else box.append(table([
        { label: t('clo.when'), render: (c) => fmtRange(parseTime(c.start), parseTime(c.end)) },
        { label: t('clo.what'), render: (c) => (c.resource_id ? (resById.get(c.resource_id) || {}).name || `#${c.resource_id}` : t('clo.everything')) },
        { label: t('clo.reason'), render: (c) => c.reason || '—' },
        { label: '', cls: 'actions', render: (c) => button(t('clo.remove'), async () => {
          try { await deleteClosure(c.id); toast(t('clo.removed')); loadClosures(); } catch (err) { const x = explain(err); showIn(cout, message('error', x.title, x.text)); }
        }, 'btn-small btn-danger') },
      ], cl, { caption: t('clo.title') }));
    } catch (err) {
      box.append(message('error', explain(err).title, explain(err).text));
    }
    const which = select([{ value: '', label: t('clo.everything') }, ...list.map((r) => ({ value: r.id, label: r.name }))], '');
    const d1 = h('input', { type: 'date', required: true });
    const t1 = h('input', { type: 'time', value: '08:00' });
    const d2 = h('input', { type: 'date', required: true });
    const t2 = h('input', { type: 'time', value: '18:00' });
    const reason = h('input', { type: 'text' });
    const form = h('form', { class: 'form', novalidate: true },
      h('div', { class: 'form-row' }, field(t('clo.what'), which), field(t('clo.reason'), reason)),
      h('div', { class: 'form-row' }, field(t('clo.fromDate'), d1), field(t('clo.fromTime'), t1), field(t('clo.toDate'), d2), field(t('clo.toTime'), t2)),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn' }, t('clo.add'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!validDate(d1.value) || !validDate(d2.value || d1.value)) { showIn(cout, message('error', t('book.badDate'), '')); d1.focus(); return; }
      const body = {
        start: rfc3339(at(d1.value, parseHHMM(t1.value) ?? 0)),
        end: rfc3339(at(d2.value || d1.value, parseHHMM(t2.value) ?? 1440)),
      };
      if (which.value) body.resource_id = Number(which.value);
      if (reason.value.trim()) body.reason = reason.value.trim();
      try {
        await createClosure(body);
        toast(t('clo.added'));
        loadClosures();
      } catch (err) {
        const x = explain(err);
        showIn(cout, message('error', x.title, x.text));
      }
    });
    closCard.append(box, h('h3', null, t('clo.add')), form, cout);
  }

  // ---- prices (rate plans) ----
  async function loadPrices() {
    clear(priceCard);
    priceCard.append(h('h2', { id: 'price-h' }, t('price.title')), h('p', { class: 'muted small' }, t('price.lead')));
    try {
      const plans = await listRatePlans();
      const resById = data.byId(await data.resources());
      if (!plans.length) { priceCard.append(empty(t('price.none'))); return; }
      const superseded = new Set(plans.map((p) => p.previous_id).filter(Boolean));
      const current = plans.filter((p) => !superseded.has(p.id));
      priceCard.append(table([
        { label: t('price.plan'), render: (x) => h('span', null, h('strong', null, x.name), h('br'), h('span', { class: 'muted small' }, t('price.since', { date: x.effective_from }))) },
        { label: t('price.appliesTo'), render: (x) => (x.resource_id ? (resById.get(x.resource_id) || {}).name || `#${x.resource_id}` : x.resource_kind ? t(`price.kind.${x.resource_kind}`) : t('price.everything')) },
        { label: t('price.tier'), render: (x) => (x.tier ? t(`tier.${x.tier}`) : t('price.allTiers')) },
        { label: t('price.peak'), cls: 'num', render: (x) => money(x.peak_cents_per_hour) },
        { label: t('price.offpeak'), cls: 'num', render: (x) => money(x.offpeak_cents_per_hour) },
        { label: t('price.peakHours'), render: (x) => x.peak_windows.map((w) => `${w.days} ${w.from}–${w.to}`).join(', ') || '—' },
        { label: '', cls: 'actions', render: (x) => button(t('price.change'), () => changePrice(x), 'btn-small', { 'aria-label': `${t('price.change')}: ${x.name}` }) },
      ], current, { caption: t('price.title') }));
    } catch (err) {
      priceCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  // A new version of a plan from a date: earlier bookings keep the old price.
  function changePrice(plan) {
    const m = modal(t('price.changeTitle', { name: plan.name }));
    const euros = (c) => (Number(c || 0) / 100).toFixed(2);
    const from = h('input', { type: 'date', required: true, min: today() });
    const peak = h('input', { type: 'number', min: '0', step: '0.01', inputmode: 'decimal', value: euros(plan.peak_cents_per_hour) });
    const off = h('input', { type: 'number', min: '0', step: '0.01', inputmode: 'decimal', value: euros(plan.offpeak_cents_per_hour) });
    const res = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
    const form = h('form', { class: 'form', novalidate: true },
      h('p', { class: 'muted' }, t('price.changeLead')),
      h('div', { class: 'form-row' }, field(t('price.from'), from), field(t('price.peakEuro'), peak), field(t('price.offpeakEuro'), off)),
      res,
      h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.save'))));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!validDate(from.value)) { showIn(res, message('error', t('book.badDate'), '')); from.focus(); return; }
      const cents = (el) => Math.round(Number(String(el.value).replace(',', '.')) * 100);
      try {
        await addRatePlanVersion(plan.id, {
          effective_from: from.value, peak_cents_per_hour: cents(peak), offpeak_cents_per_hour: cents(off) });
        toast(t('price.changed', { name: plan.name }));
        m.close();
        loadPrices();
      } catch (err) {
        const x = explain(err);
        showIn(res, message('error', x.title, x.text));
      }
    });
    m.body.append(form);
    from.focus();
  }

  await Promise.all([load(), loadClosures(), loadPrices()]);
}
