// projects.js: a company's projects (cost centres) for staff and the
// company's admin: the company's rules (purchase order required, members'
// projects approved by the admin), every project with its purchase order,
// validity, status and budget bar, and creating, editing, approving and
// closing projects. Staff choose the company; an admin sees their own.

import {
  listProjects, createProject, updateProject, approveProject, closeProject, getProjectSettings, updateProjectSettings,
} from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, select, field, table, toast, modal, badge, money } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';

const STATUS_KIND = { active: 'ok', pending: 'warn', closed: '' };

// The bar of a project's budget: spent against budget, warning from 80 %.
export function budgetBar(p) {
  if (!p.budget) return h('span', { class: 'muted small' }, t('prj.noBudget'));
  const b = p.budget;
  const pct = Math.max(0, Math.min(100, b.percent));
  const kind = b.percent >= 100 ? 'danger' : b.warning ? 'warn' : 'ok';
  const label = t('prj.budgetOf', { spent: money(b.spent_cents), budget: money(b.budget_cents), percent: b.percent });
  return h('div', { class: 'budget' },
    h('meter', { class: `budget-bar budget-${kind}`, min: '0', max: '100', low: '80', high: '99', optimum: '0',
      value: String(pct), 'aria-label': label }),
    h('span', { class: 'small' }, label));
}

function validity(p) {
  if (!p.valid_from && !p.valid_until) return t('prj.always');
  return `${p.valid_from || '…'} – ${p.valid_until || '…'}`;
}

// The form of a new project or changes to p (null: new).
function projectForm(p, onSave) {
  const code = h('input', { type: 'text', maxlength: '40', required: true, value: p ? p.code : '', autocomplete: 'off' });
  const name = h('input', { type: 'text', maxlength: '200', required: true, value: p ? p.name : '', autocomplete: 'off' });
  const po = h('input', { type: 'text', maxlength: '60', value: p ? p.po_number : '', autocomplete: 'off' });
  const budget = h('input', { type: 'number', min: '0', step: '1', inputmode: 'numeric',
    value: p && p.budget_cents ? String(Math.round(p.budget_cents / 100)) : '' });
  const block = h('input', { type: 'checkbox', checked: !!(p && p.budget_block) });
  const from = h('input', { type: 'date', value: p && p.valid_from ? p.valid_from : '' });
  const until = h('input', { type: 'date', value: p && p.valid_until ? p.valid_until : '' });
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, p ? t('common.save') : t('prj.create'));
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-row' }, field(t('prj.code'), code), field(t('prj.name'), name)),
    field(t('prj.po'), po, t('prj.poHint')),
    h('div', { class: 'form-row' }, field(t('prj.budgetEur'), budget, t('prj.budgetHint')), field(t('prj.block'), block, t('prj.blockHint'))),
    h('div', { class: 'form-row' }, field(t('prj.validFrom'), from), field(t('prj.validUntil'), until)),
    out,
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!code.value.trim()) { showIn(out, message('error', t('book.check'), t('prj.needCode'))); code.focus(); return; }
    if (!name.value.trim()) { showIn(out, message('error', t('book.check'), t('prj.needName'))); name.focus(); return; }
    const euros = budget.value === '' ? 0 : Number(budget.value);
    if (!Number.isInteger(euros) || euros < 0 || euros > 1000000000) {
      showIn(out, message('error', t('book.check'), t('prj.badBudget'))); budget.focus(); return;
    }
    const body = { code: code.value.trim(), name: name.value.trim(), po_number: po.value.trim(), budget_cents: euros * 100,
      budget_block: block.checked, valid_from: from.value || null, valid_until: until.value || null };
    submit.disabled = true;
    try {
      await onSave(body);
    } catch (err) {
      const e = explain(err);
      showIn(out, message('error', e.title, e.text));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export default async function projects(root, ctx) {
  root.append(pageHead(t('prj.title'), t('prj.lead')));
  const staff = ctx.me.role === 'staff';
  let tenantId = ctx.me.tenant_id;
  const head = h('div');
  const rulesCard = h('section', { class: 'card', 'aria-labelledby': 'prj-rules' });
  const listCard = h('section', { class: 'card', 'aria-labelledby': 'prj-list' });
  root.append(head, rulesCard, listCard);
  if (staff) {
    const tenants = await data.tenants();
    if (!tenants.length) { root.append(empty(t('prj.noTenants'))); return; }
    const want = Number(ctx.params.get('tenant')) || tenants[0].id;
    tenantId = tenants.some((x) => x.id === want) ? want : tenants[0].id;
    const pick = select(tenants.map((x) => ({ value: x.id, label: x.name })), tenantId);
    pick.addEventListener('change', () => { tenantId = Number(pick.value); ctx.setQuery({ tenant: pick.value }); load(); });
    head.append(field(t('prj.company'), pick));
  }

  async function loadRules() {
    clear(rulesCard);
    rulesCard.append(h('h2', { id: 'prj-rules' }, t('prj.rules')));
    const s = await getProjectSettings(tenantId);
    const po = h('input', { type: 'checkbox', checked: s.require_po });
    const appr = h('input', { type: 'checkbox', checked: s.project_approval });
    const save = async (body) => {
      try {
        await updateProjectSettings(tenantId, body);
        toast(t('prj.rulesSaved'));
      } catch (err) {
        toast(explain(err).text, 'error');
        load();
      }
    };
    po.addEventListener('change', () => save({ require_po: po.checked }));
    appr.addEventListener('change', () => save({ project_approval: appr.checked }));
    rulesCard.append(field(t('prj.requirePo'), po, t('prj.requirePoHint')), field(t('prj.approval'), appr, t('prj.approvalHint')));
  }

  function openForm(p) {
    const m = modal(p ? t('prj.edit', { code: p.code }) : t('prj.new'));
    m.body.append(projectForm(p, async (body) => {
      if (p) await updateProject(p.id, body);
      else await createProject(tenantId, body);
      m.close();
      toast(p ? t('prj.saved') : t('prj.created'));
      loadList();
    }));
  }

  async function act(fn, p, done) {
    try {
      await fn(p.id);
      toast(done);
      loadList();
    } catch (err) {
      toast(explain(err).text, 'error');
    }
  }

  async function loadList() {
    clear(listCard);
    listCard.append(h('div', { class: 'card-head' }, h('h2', { id: 'prj-list' }, t('prj.list')),
      button(t('prj.new'), () => openForm(null), 'btn-primary')));
    const list = await listProjects(tenantId, { status: 'all' });
    if (!list.length) { listCard.append(empty(t('prj.empty'), t('prj.emptyText'))); return; }
    listCard.append(table([
      { label: t('prj.code'), render: (p) => h('strong', null, p.code) },
      { label: t('prj.name'), key: 'name' },
      { label: t('prj.po'), render: (p) => p.po_number || h('span', { class: 'muted' }, '—') },
      { label: t('prj.validity'), render: validity },
      { label: t('prj.status'), render: (p) => badge(t(`prj.status.${p.status}`), STATUS_KIND[p.status]) },
      { label: t('prj.budget'), render: budgetBar },
      { label: '', cls: 'actions', render: (p) => h('div', { class: 'row-actions' },
        p.status === 'pending' ? button(t('prj.approve'), () => act(approveProject, p, t('prj.approved')), 'btn-small') : null,
        p.status !== 'closed' ? button(t('prj.editBtn'), () => openForm(p), 'btn-small') : null,
        p.status !== 'closed' ? button(t('prj.close'), () => act(closeProject, p, t('prj.closed')), 'btn-small') : null) },
    ], list, { caption: t('prj.list') }));
  }

  async function load() {
    try {
      await Promise.all([loadRules(), loadList()]);
    } catch (err) {
      const e = explain(err);
      clear(listCard).append(message('error', e.title, e.text));
    }
  }
  await load();
}
