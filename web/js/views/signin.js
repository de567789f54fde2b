// signin.js: for staff: the single sign-on providers (OpenID Connect) people
// may sign in with: add one (issuer, client id and secret, the claim that
// holds groups) with the rules that say who gets in as what (an e-mail domain
// or a group: a member or admin of a tenant, with or without the admin's
// approval, or staff), see the redirect URI to register with the provider,
// edit one (its settings and rules; the secret stays unless a new one is
// typed), switch one off and on, delete one. The client secret is never
// shown again.

import {
  listSignInProvidersStaff, createSignInProvider, updateSignInProvider, deleteSignInProvider, listTenants,
} from '../api.js';
import { h, clear, pageHead, message, showIn, empty, badge, field, table, button, toast } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';

// One rule row of the form: kind, value, and where it leads.
function ruleRow(tenants, onRemove, init = null) {
  const kind = h('select', null, h('option', { value: 'domain' }, t('sso.kind.domain')), h('option', { value: 'group' }, t('sso.kind.group')));
  const value = h('input', { type: 'text', maxlength: '255', autocomplete: 'off', required: true });
  const target = h('select', null,
    ...tenants.flatMap((tn) => [
      h('option', { value: `member:${tn.id}` }, t('sso.target.member', { tenant: tn.name })),
      h('option', { value: `tenant_admin:${tn.id}` }, t('sso.target.admin', { tenant: tn.name }))]),
    h('option', { value: 'staff:' }, t('sso.target.staff')));
  const approval = h('input', { type: 'checkbox' });
  const row = h('fieldset', { class: 'checks sso-rule' }, h('legend', null, t('sso.rule')),
    field(t('sso.kind'), kind), field(t('sso.value'), value, t('sso.valueHint')), field(t('sso.target'), target),
    field(t('sso.approval'), approval), button(t('sso.removeRule'), () => onRemove(row), 'btn-small'));
  if (init) {
    kind.value = init.kind;
    value.value = init.value;
    target.value = `${init.role}:${init.role === 'staff' ? '' : init.tenant_id}`;
    approval.checked = !!init.approval;
  }
  row.values = () => {
    const [role, tid] = target.value.split(':');
    return { kind: kind.value, value: value.value.trim(), role, tenant_id: tid ? Number(tid) : null, approval: role !== 'staff' && approval.checked };
  };
  return row;
}

export default async function signin(root) {
  root.append(pageHead(t('sso.title'), t('sso.lead')));
  const listCard = h('section', { class: 'card', 'aria-labelledby': 'sso-h' });
  const addCard = h('section', { class: 'card', 'aria-labelledby': 'sso-add-h' });
  root.append(listCard, addCard);
  let tenants = [];
  try { tenants = await listTenants(); } catch { tenants = []; }

  async function load() {
    clear(listCard);
    listCard.append(h('h2', { id: 'sso-h' }, t('sso.list')));
    try {
      const list = await listSignInProvidersStaff();
      if (!list.length) { listCard.append(empty(t('sso.none'), t('sso.noneText'))); return; }
      const tenantName = (id) => (tenants.find((x) => x.id === id) || { name: `#${id}` }).name;
      const ruleText = (r) => `${t(`sso.kind.${r.kind}`)} ${r.value} → ${r.role === 'staff' ? t('sso.target.staff')
        : t(r.role === 'member' ? 'sso.target.member' : 'sso.target.admin', { tenant: tenantName(r.tenant_id) })}${r.approval ? ` (${t('sso.approval')})` : ''}`;
      listCard.append(table([
        { label: t('sso.name'), render: (p) => h('span', null, h('strong', null, p.name), h('br'), h('span', { class: 'muted small break' }, p.issuer)) },
        { label: t('sso.redirect'), render: (p) => h('code', { class: 'break' }, p.redirect_uri) },
        { label: t('sso.rules'), render: (p) => (p.rules.length ? h('ul', { class: 'plain' }, ...p.rules.map((r) => h('li', null, ruleText(r)))) : '—') },
        { label: t('sso.state'), render: (p) => badge(p.enabled ? t('sso.enabled') : t('sso.disabled'), p.enabled ? 'ok' : '') },
        { label: '', cls: 'actions', render: (p) => [
          button(t('sso.edit'), () => edit(p), 'btn-small', { 'aria-label': `${t('sso.edit')}: ${p.name}` }),
          button(p.enabled ? t('sso.disable') : t('sso.enable'), () => toggle(p), 'btn-small', { 'aria-label': `${p.enabled ? t('sso.disable') : t('sso.enable')}: ${p.name}` }),
          button(t('sso.delete'), () => remove(p), 'btn-small btn-danger', { 'aria-label': `${t('sso.delete')}: ${p.name}` })] },
      ], list, { caption: t('sso.list') }));
    } catch (err) {
      listCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  async function toggle(p) {
    try {
      await updateSignInProvider(p.id, { enabled: !p.enabled });
      toast(t('sso.saved'));
      await load();
    } catch (err) { toast(explain(err).text, 'error'); }
  }

  async function remove(p) {
    try {
      await deleteSignInProvider(p.id);
      toast(t('sso.deleted'));
      await load();
    } catch (err) { toast(explain(err).text, 'error'); }
  }

  const name = h('input', { type: 'text', maxlength: '100', required: true, autocomplete: 'off' });
  const issuer = h('input', { type: 'url', maxlength: '500', required: true, autocomplete: 'off', placeholder: 'https://' });
  const clientId = h('input', { type: 'text', maxlength: '255', required: true, autocomplete: 'off' });
  const secret = h('input', { type: 'password', maxlength: '400', autocomplete: 'new-password' });
  const groups = h('input', { type: 'text', maxlength: '100', autocomplete: 'off', value: 'groups' });
  const rules = h('div', { class: 'sso-rules' });
  const addRule = (init) => rules.append(ruleRow(tenants, (row) => row.remove(), init));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const heading = h('h2', { id: 'sso-add-h' }, t('sso.addTitle'));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('sso.add'));
  const cancel = button(t('sso.cancelEdit'), () => addMode());
  cancel.hidden = true;
  let editing = null;   // the provider being edited, or null: adding one
  const form = h('form', { class: 'form', novalidate: true },
    field(t('sso.name'), name, t('sso.nameHint')), field(t('sso.issuer'), issuer, t('sso.issuerHint')),
    field(t('sso.clientId'), clientId), field(t('sso.secret'), secret, t('sso.secretHint')),
    field(t('sso.groupsClaim'), groups), rules,
    h('div', { class: 'form-actions' }, button(t('sso.addRule'), () => addRule()), cancel, submit));

  function addMode() {
    editing = null;
    form.reset();
    clear(rules);
    heading.textContent = t('sso.addTitle');
    submit.textContent = t('sso.add');
    cancel.hidden = true;
  }

  // The form takes the provider's settings and rules; saving changes them.
  function edit(p) {
    editing = p;
    form.reset();
    name.value = p.name;
    issuer.value = p.issuer;
    clientId.value = p.client_id;
    groups.value = p.groups_claim || 'groups';
    clear(rules);
    for (const r of p.rules) addRule(r);
    heading.textContent = t('sso.editTitle', { name: p.name });
    submit.textContent = t('sso.save');
    cancel.hidden = false;
    showIn(out, p.has_secret ? message('info', null, t('sso.secretKept')) : null);
    name.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), issuer: issuer.value.trim(), client_id: clientId.value.trim(),
      groups_claim: groups.value.trim() || 'groups', rules: [...rules.children].map((r) => r.values()) };
    if (secret.value) body.client_secret = secret.value;
    try {
      if (editing) await updateSignInProvider(editing.id, body);
      else await createSignInProvider(body);
      const was = editing;
      secret.value = '';
      addMode();
      showIn(out, was ? message('ok', t('sso.saved'), '') : message('ok', t('sso.added'), t('sso.addedText')));
      await load();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  });
  addCard.append(heading, h('p', { class: 'muted small' }, t('sso.addLead')), form, out);
  await load();
}
