// services.js: what the facility sells besides instrument time.
// Service requests (default export): members request a service (item,
// quantity, project, free text) and accept, decline or cancel it; staff
// quote, accept, start, complete or decline it. The catalogue (staff): items,
// their price versions, deactivation. The consumables terminal: a signed-in
// member logs what they took (item, quantity, project); staff log for anyone
// and void what is not invoiced.

import {
  listCatalogue, createItem, updateItem, listItemPrices, addItemPrice, estimateItem, createServiceRequest,
  listServiceRequests, quoteServiceRequest, acceptServiceRequest, declineServiceRequest, cancelServiceRequest,
  startServiceRequest, completeServiceRequest, listConsumableUsage, logConsumable, voidConsumable,
  listProjects, getDefaultProject,
} from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, select, field, table, toast, badge, money } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { parseTime, fmtDateTime } from '../time.js';

const STATUS_KIND = { requested: 'warn', quoted: 'warn', accepted: 'ok', in_progress: 'ok', completed: '', declined: 'danger', cancelled: '' };
const unitWord = (u) => t(`svc.unit.${u}`);
const fail = (slot, err) => { const x = explain(err); showIn(slot, message('error', x.title, x.text)); };

// The active projects of a person's company, the person's default first:
// options for a picker, or null when there are none (the server then takes
// the default, as for a booking).
async function projectsOf(tenantId, personId, own = true) {
  if (!tenantId) return null;
  try {
    const [list, def] = await Promise.all([listProjects(tenantId, { status: 'active' }), getDefaultProject(personId)]);
    const active = list.filter((p) => p.status === 'active');
    if (!active.length) return null;
    const dflt = def.project_id;
    const opts = dflt ? [] : [{ value: '', label: t('prj.pickNone') }];
    for (const p of active) {
      const label = `${p.code} — ${p.name}`;
      opts.push({ value: p.id, label: p.id === dflt ? t(own ? 'prj.default' : 'prj.theirDefault', { label }) : label });
    }
    return { opts, dflt: dflt || '' };
  } catch { return null; }
}

const myProjects = (ctx) => projectsOf(ctx.me.tenant_id, ctx.me.id);

// The item picker, quantity and (projects given) the project, with the
// estimate of what it costs below them.
function itemForm(items, out, onSubmit, { extra = [], submit, projects = null }) {
  const item = select(items.map((i) => ({ value: i.id, label: `${i.name} (${unitWord(i.unit)})` })), items[0] && items[0].id);
  const qty = h('input', { type: 'text', inputmode: 'decimal', required: true, value: '1', maxlength: '12' });
  const project = projects ? select(projects.opts, projects.dflt) : null;
  const est = h('p', { class: 'muted small', 'aria-live': 'polite' });
  async function estimate() {
    est.textContent = '';
    if (!item.value || !/^\d+(\.\d{1,3})?$/.test(qty.value.trim())) return;
    try {
      const e = await estimateItem(item.value, { quantity: qty.value.trim() });
      est.textContent = e.priced ? t('svc.estimate', { net: money(e.net_cents), gross: money(e.gross_cents) }) : t('svc.notPriced');
    } catch { /* staff without a company get no estimate */ }
  }
  item.addEventListener('change', estimate);
  qty.addEventListener('input', estimate);
  const form = h('form', { class: 'inline-form', novalidate: true },
    field(t('svc.item'), item), field(t('svc.quantity'), qty), project ? field(t('prj.pick'), project, t('svc.projectHint')) : null, ...extra,
    h('button', { type: 'submit', class: 'btn' }, submit), est);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { item_id: Number(item.value), quantity: qty.value.trim() };
    if (project && project.value) body.project_id = Number(project.value);
    try { await onSubmit(body); qty.value = '1'; } catch (err) { fail(out, err); }
  });
  estimate();
  return form;
}

export default async function services(root, ctx) {
  const staff = ctx.me.role === 'staff';
  root.append(pageHead(t('svc.title'), t(staff ? 'svc.leadStaff' : 'svc.lead')));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const listBox = h('div');
  const status = select([{ value: 'open', label: t('svc.open') }, { value: 'all', label: t('svc.all') }], ctx.params.get('status') || 'open');
  status.addEventListener('change', () => { ctx.setQuery({ status: status.value }); load(); });
  if (!staff && ctx.me.tenant_id) {
    const items = (await listCatalogue()).filter((i) => i.kind === 'service');
    const note = h('textarea', { maxlength: '1000', rows: '2' });
    const form = items.length ? itemForm(items, out, async (body) => {
      if (note.value.trim()) body.note = note.value.trim();
      const r = await createServiceRequest(body);
      note.value = '';
      showIn(out, message('ok', t('svc.requested', { id: r.id }), ''));
      load();
    }, { extra: [field(t('svc.note'), note)], submit: t('svc.request'), projects: await myProjects(ctx) }) : empty(t('svc.noServices'));
    root.append(h('section', { class: 'card', 'aria-labelledby': 'svc-new' }, h('h2', { id: 'svc-new' }, t('svc.new')), form, out));
  } else {
    root.append(out);
  }
  root.append(h('section', { class: 'card', 'aria-labelledby': 'svc-list' },
    h('div', { class: 'card-head' }, h('h2', { id: 'svc-list' }, t('svc.requests')), field(t('svc.show'), status)), listBox));

  const act = (label, fn, cls = 'btn-small') => button(label, async () => {
    try { await fn(); toast(t('svc.done')); load(); } catch (err) { fail(out, err); }
  }, cls);

  function quoteForm(r) {
    const price = h('input', { type: 'number', min: '0', step: '0.01', required: true, 'aria-label': t('svc.unitPrice') });
    const until = h('input', { type: 'date', required: true, 'aria-label': t('svc.validUntil') });
    const note = h('input', { type: 'text', maxlength: '1000', 'aria-label': t('svc.quoteNote') });
    const f = h('form', { class: 'inline-form', novalidate: true }, price, until, note, h('button', { type: 'submit', class: 'btn btn-small' }, t('svc.quote')));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { unit_cents: Math.round(Number(price.value) * 100), valid_until: until.value };
      if (note.value.trim()) body.note = note.value.trim();
      try { await quoteServiceRequest(r.id, body); toast(t('svc.quoteSent')); load(); } catch (err) { fail(out, err); }
    });
    return f;
  }

  function actions(r) {
    const mine = !staff;
    const a = [];
    if (staff && (r.status === 'requested' || r.status === 'quoted')) a.push(quoteForm(r));
    if (staff && r.status === 'requested') a.push(act(t('svc.accept'), () => acceptServiceRequest(r.id)));
    if (mine && r.status === 'quoted') a.push(act(t('svc.acceptQuote'), () => acceptServiceRequest(r.id)));
    if ((staff && (r.status === 'requested' || r.status === 'quoted')) || (mine && r.status === 'quoted'))
      a.push(act(t('svc.decline'), () => declineServiceRequest(r.id, {}), 'btn-small btn-danger'));
    if (mine && ['requested', 'quoted', 'accepted'].includes(r.status)) a.push(act(t('svc.cancel'), () => cancelServiceRequest(r.id, {}), 'btn-small btn-danger'));
    if (staff && r.status === 'accepted') a.push(act(t('svc.start'), () => startServiceRequest(r.id)));
    if (staff && r.status === 'in_progress') a.push(act(t('svc.complete'), () => completeServiceRequest(r.id)));
    return h('span', null, ...a);
  }

  async function load() {
    clear(listBox);
    try {
      const reqs = await listServiceRequests({ status: status.value });
      if (!reqs.length) { listBox.append(empty(t('svc.none'))); return; }
      listBox.append(table([
        { label: '#', cls: 'num', render: (r) => String(r.id) },
        { label: t('svc.item'), render: (r) => h('span', null, h('strong', null, r.item), r.note ? h('br') : null, r.note ? h('span', { class: 'small muted' }, r.note) : null) },
        { label: t('svc.quantity'), cls: 'num', render: (r) => `${r.quantity} ${unitWord(r.unit)}` },
        { label: t('svc.who'), render: (r) => `${r.person} (${r.tenant})` },
        { label: t('svc.status'), render: (r) => badge(t(`svc.status.${r.status}`), STATUS_KIND[r.status]) },
        { label: t('svc.quoteCol'), render: (r) => (r.quote ? t('svc.quoteText', { net: money(r.quote.net_cents), until: r.quote.valid_until }) : '—') },
        { label: t('svc.created'), render: (r) => fmtDateTime(parseTime(r.created_at)) },
        { label: '', cls: 'actions', render: actions },
      ], reqs, { caption: t('svc.requests') }));
    } catch (err) { fail(out, err); }
  }
  load();
}

export async function catalogue(root) {
  root.append(pageHead(t('cat.title'), t('cat.lead')));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const box = h('div');
  const kind = select([{ value: 'service', label: t('cat.kind.service') }, { value: 'consumable', label: t('cat.kind.consumable') }], 'service');
  const unit = select(['E48', 'HUR', 'C62', 'LTR', 'MLT', 'KGM', 'GRM', 'DAY', 'MIN'].map((u) => ({ value: u, label: unitWord(u) })), 'E48');
  const code = h('input', { type: 'text', required: true, maxlength: '40' });
  const name = h('input', { type: 'text', required: true, maxlength: '120' });
  const vat = h('input', { type: 'number', min: '0', max: '100', value: '21' });
  const form = h('form', { class: 'inline-form', novalidate: true }, field(t('cat.kind'), kind), field(t('cat.code'), code),
    field(t('cat.name'), name), field(t('cat.unit'), unit), field(t('cat.vat'), vat), h('button', { type: 'submit', class: 'btn' }, t('cat.create')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const pct = Number(vat.value) || 0;
    try {
      await createItem({ kind: kind.value, code: code.value.trim(), name: name.value.trim(), unit: unit.value,
        vat_category: pct > 0 ? 'S' : 'Z', vat_rate_bp: Math.round(pct * 100) });
      showIn(out, message('ok', t('cat.created', { name: name.value.trim() }), ''));
      code.value = ''; name.value = '';
      load();
    } catch (err) { fail(out, err); }
  });
  root.append(h('section', { class: 'card', 'aria-labelledby': 'cat-list' }, h('h2', { id: 'cat-list' }, t('cat.items')), box),
    h('section', { class: 'card', 'aria-labelledby': 'cat-new' }, h('h2', { id: 'cat-new' }, t('cat.new')), form, out));

  function priceForm(it, cell) {
    const cents = h('input', { type: 'number', min: '0', step: '0.01', 'aria-label': `${t('cat.price')}: ${it.name}` });
    const from = h('input', { type: 'date', 'aria-label': `${t('cat.from')}: ${it.name}` });
    const f = h('form', { class: 'inline-form', novalidate: true }, cents, from, h('button', { type: 'submit', class: 'btn btn-small' }, t('cat.addPrice')));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      try { await addItemPrice(it.id, { effective_from: from.value, unit_cents: Math.round(Number(cents.value) * 100) }); toast(t('cat.priceAdded')); showPrices(it, cell); } catch (err) { fail(out, err); }
    });
    return f;
  }

  async function showPrices(it, cell) {
    clear(cell);
    const prices = await listItemPrices(it.id);
    cell.append(prices.length ? h('span', { class: 'small' }, prices.map((p) => `${money(p.unit_cents)} ${t('cat.fromDate', { date: p.effective_from })}${p.tier ? ` (${p.tier})` : ''}`).join('; ')) : t('cat.noPrice'), priceForm(it, cell));
  }

  async function load() {
    clear(box);
    try {
      const items = await listCatalogue({ all: 'true' });
      if (!items.length) { box.append(empty(t('cat.none'))); return; }
      box.append(table([
        { label: t('cat.code'), render: (i) => i.code },
        { label: t('cat.name'), render: (i) => h('strong', null, i.name) },
        { label: t('cat.kind'), render: (i) => t(`cat.kind.${i.kind}`) },
        { label: t('cat.unit'), render: (i) => unitWord(i.unit) },
        { label: t('cat.prices'), render: (i) => { const c = h('div'); showPrices(i, c).catch((err) => fail(out, err)); return c; } },
        { label: '', cls: 'actions', render: (i) => button(i.active ? t('cat.deactivate') : t('cat.activate'), async () => {
          try { await updateItem(i.id, { active: !i.active }); load(); } catch (err) { fail(out, err); }
        }, 'btn-small') },
      ], items, { caption: t('cat.items') }));
    } catch (err) { fail(out, err); }
  }
  load();
}

export async function terminal(root, ctx) {
  const staff = ctx.me.role === 'staff';
  root.append(pageHead(t('use.title'), t(staff ? 'use.leadStaff' : 'use.lead')));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const box = h('div');
  const items = (await listCatalogue()).filter((i) => i.kind === 'consumable');
  let person = null;
  let personProject = null;
  const extra = [];
  if (staff) {
    const ppl = await data.people();
    person = select(ppl.map((p) => ({ value: p.id, label: data.displayName(p) })), ppl[0] && ppl[0].id);
    // the chosen person's company's projects, their default preselected
    personProject = h('select');
    let filling = 0;   // a slower answer for an earlier choice of person must not fill the picker
    const fill = async () => {
      const seq = ++filling;
      const p = ppl.find((x) => String(x.id) === person.value);
      personProject.disabled = true;
      const pr = p ? await projectsOf(p.tenant_id, p.id, false) : null;
      if (seq !== filling) return;
      personProject.disabled = false;
      const opts = pr ? pr.opts : [{ value: '', label: t('prj.pickNone') }];
      personProject.replaceChildren(...opts.map((o) => h('option', { value: o.value, selected: pr && String(o.value) === String(pr.dflt) }, o.label)));
    };
    person.addEventListener('change', fill);
    await fill();
    extra.push(field(t('use.person'), person), field(t('prj.pick'), personProject, t('svc.projectHint')));
  }
  const form = items.length ? itemForm(items, out, async (body) => {
    if (person) body.person_id = Number(person.value);
    if (personProject && personProject.value) body.project_id = Number(personProject.value);
    const u = await logConsumable(body);
    showIn(out, message('ok', t('use.logged', { qty: u.quantity, item: u.item, net: money(u.net_cents) }), ''));
    load();
  }, { extra, submit: t('use.log'), projects: staff ? null : await myProjects(ctx) }) : empty(t('use.noItems'));
  root.append(h('section', { class: 'card', 'aria-labelledby': 'use-new' }, h('h2', { id: 'use-new' }, t('use.new')), form, out),
    h('section', { class: 'card', 'aria-labelledby': 'use-list' }, h('h2', { id: 'use-list' }, t('use.month')), box));

  async function load() {
    clear(box);
    try {
      const usage = await listConsumableUsage();
      if (!usage.length) { box.append(empty(t('use.none'))); return; }
      box.append(table([
        { label: t('use.when'), render: (u) => fmtDateTime(parseTime(u.at)) },
        { label: t('use.person'), render: (u) => u.person },
        { label: t('svc.item'), render: (u) => u.item },
        { label: t('svc.quantity'), cls: 'num', render: (u) => `${u.quantity} ${unitWord(u.unit)}` },
        { label: t('use.amount'), cls: 'num', render: (u) => money(u.net_cents) },
        { label: '', cls: 'actions', render: (u) => (staff && !u.invoiced ? button(t('use.void'), async () => {
          try { await voidConsumable(u.id); toast(t('use.voided')); load(); } catch (err) { fail(out, err); }
        }, 'btn-small btn-danger') : (u.invoiced ? t('use.invoiced') : '')) },
      ], usage, { caption: t('use.month') }));
    } catch (err) { fail(out, err); }
  }
  load();
}
