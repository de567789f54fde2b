// people.js: tenant admins manage their tenant's people (invite by
// e-mail with a one-time setup link, change role, remove); staff see
// everybody, add people and grant or withdraw trainings.

import {
  getTenant, addMember, listMembers, updateMember, removeMember, listGrants, withdrawGrant, grantQualification, createPerson, erasePerson, signOutPerson,
  listPersonCards, enrolCard, revokeCard, updatePerson,
} from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, badge, copyBox, select, field, table, toast, modal, confirmDialog } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { grantBadge } from './access.js';
import { parseTime, fmtDate, rfc3339, at, validDate } from '../time.js';

const LANGS = () => [{ value: 'en', label: t('lang.en') }, { value: 'nl', label: t('lang.nl') }];

export default async function people(root, ctx) {
  if (ctx.me.role === 'staff') return staffPeople(root, ctx);
  const tid = ctx.me.tenant_id;
  const tenant = await getTenant(tid);
  root.append(pageHead(t('people.title'), t('people.leadAdmin', { tenant: tenant.name })));
  const membersCard = h('section', { class: 'card' });
  root.append(membersCard);
  await membersPanel(membersCard, ctx, tenant);
  return undefined;
}

// The members of one tenant with invite, role change and removal.
export async function membersPanel(card, ctx, tenant) {
  const staff = ctx.me.role === 'staff';
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const listBox = h('div');
  const email = h('input', { type: 'email', required: true, autocomplete: 'off', autocapitalize: 'none' });
  const name = h('input', { type: 'text', autocomplete: 'off', required: !staff });
  const role = select([{ value: 'member', label: t('role.member') }, { value: 'tenant_admin', label: t('role.tenant_admin') }], 'member');
  const inviteBtn = h('button', { type: 'submit', class: 'btn btn-primary' }, t('people.invite'));
  const form = h('form', { class: 'inline-form', novalidate: true },
    field(t('people.email'), email), field(t('people.name'), name), field(t('people.role'), role), inviteBtn);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!email.value.trim()) { showIn(out, message('error', t('people.emailMissing.title'), t('people.emailMissing'))); email.focus(); return; }
    if (!staff && !name.value.trim()) { showIn(out, message('error', t('people.nameMissing.title'), t('people.nameMissing'))); name.focus(); return; }
    inviteBtn.disabled = true;
    try {
      const body = { email: email.value.trim(), role: role.value };
      if (name.value.trim()) body.name = name.value.trim();
      const p = await addMember(tenant.id, body);
      data.forget();
      if (!staff) {
        // Tenant admins get the same answer for any address ({status, email}):
        // the server e-mails a setup link or an invitation to the person.
        showIn(out, message('ok', t('people.invited.title', { name: body.name }), t('people.invitedByMail', { email: p.email })));
      } else if (p.setup_token) {
        const link = `${location.origin}/setup?token=${encodeURIComponent(p.setup_token)}`;
        showIn(out, message('ok', t('people.invited.title', { name: data.displayName(p) }), [
          h('p', null, t('people.invited')), copyBox(link, t('people.setupLink')), h('p', { class: 'small' }, t('people.invitedOnce'))]));
        out.querySelector('input').focus();
      } else {
        showIn(out, message('ok', t('people.added.title'), t('people.added', { name: data.displayName(p) })));
      }
      email.value = ''; name.value = '';
      drawList();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    } finally {
      inviteBtn.disabled = false;
    }
  });
  clear(card);
  card.append(h('div', { class: 'card-head' }, h('h2', null, t('people.members', { tenant: tenant.name }))),
    listBox, h('h3', null, t('people.inviteTitle')), h('p', { class: 'muted small' }, t('people.inviteLead')), form, out);

  async function drawList() {
    clear(listBox);
    let list;
    try {
      list = await listMembers(tenant.id);
    } catch (err) {
      listBox.append(message('error', explain(err).title, explain(err).text));
      return;
    }
    if (!list.length) { listBox.append(empty(t('people.none'), t('people.noneHint'))); return; }
    listBox.append(table([
      { label: t('people.name'), render: (p) => h('span', null, h('strong', null, p.name || '—'), h('br'), h('span', { class: 'muted small' }, p.email)) },
      { label: t('people.role'), render: (p) => roleSelect(p) },
      { label: t('people.account'), render: (p) => (p.status !== 'active' ? badge(t('people.disabled'), 'danger') : p.has_password ? badge(t('people.active'), 'ok') : badge(t('people.invitedBadge'), 'warn')) },
      { label: '', cls: 'actions', render: (p) => [
        button(t('people.trainings'), () => openTrainings(ctx, p), 'btn-small'),
        p.id === ctx.me.id ? null : button(t('people.remove'), () => remove(p), 'btn-small btn-danger', { 'aria-label': `${t('people.remove')}: ${data.displayName(p)}` }),
      ] },
    ], list, { caption: t('people.members', { tenant: tenant.name }) }));
  }

  function roleSelect(p) {
    const s = select([{ value: 'member', label: t('role.member') }, { value: 'tenant_admin', label: t('role.tenant_admin') }], p.role || 'member',
      { 'aria-label': t('people.roleOf', { name: data.displayName(p) }), disabled: p.id === ctx.me.id });
    s.addEventListener('change', async () => {
      try {
        await updateMember(tenant.id, p.id, { role: s.value });
        toast(t('people.roleChanged', { name: data.displayName(p) }));
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
        s.value = p.role;
      }
    });
    return s;
  }

  async function remove(p) {
    const ok = await confirmDialog(t('people.removeTitle'), t('people.removeText', { name: data.displayName(p), tenant: tenant.name }), t('people.remove'));
    if (!ok) return;
    try {
      await removeMember(tenant.id, p.id);
      toast(t('people.removed', { name: data.displayName(p) }));
      data.forget();
      drawList();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  }

  await drawList();
}

// A person's trainings; staff may grant and withdraw here.
export async function openTrainings(ctx, p, onChange) {
  const m = modal(t('grant.titleFor', { name: data.displayName(p) }));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const listBox = h('div');
  m.body.append(listBox, out);
  const staff = ctx.me.role === 'staff';

  async function drawList() {
    clear(listBox);
    try {
      const grants = await listGrants({ person_id: p.id });
      if (!grants.length) { listBox.append(empty(t('access.noTrainings'))); return; }
      listBox.append(table([
        { label: t('grant.training'), render: (g) => g.name },
        { label: t('grant.validUntil'), render: (g) => (g.expires_at ? fmtDate(parseTime(g.expires_at)) : '—') },
        { label: t('grant.state'), render: grantBadge },
        { label: '', cls: 'actions', render: (g) => (staff && !g.withdrawn_at ? button(t('grant.withdraw'), async () => {
          try { await withdrawGrant(g.id); toast(t('grant.withdrawn')); drawList(); if (onChange) onChange(); } catch (err) { const x = explain(err); showIn(out, message('error', x.title, x.text)); }
        }, 'btn-small btn-danger') : null) },
      ], grants, { responsive: false }));
    } catch (err) {
      listBox.append(message('error', explain(err).title, explain(err).text));
    }
  }
  await drawList();
  if (staff) m.body.append(h('h3', null, t('grant.grantTitle')), await grantForm(ctx, out, () => { drawList(); if (onChange) onChange(); }, p));
}

// Form: grant a training (to a fixed person, or one chosen from a list).
export async function grantForm(ctx, out, onDone, fixedPerson) {
  const quals = await data.qualifications();
  const qSel = select(quals.map((q) => ({ value: q.id, label: t('grant.qualOption', { name: q.name, days: q.validity_days }) })), quals[0] && quals[0].id);
  let pSel = null;
  if (!fixedPerson) {
    const ppl = (await data.people()).filter((x) => !x.is_staff);
    const tns = data.byId(await data.tenants());
    pSel = select([{ value: '', label: t('grant.choosePerson') }, ...ppl.map((x) => ({ value: x.id, label: `${data.displayName(x)}${x.tenant_id && tns.get(x.tenant_id) ? ` — ${tns.get(x.tenant_id).name}` : ''}` }))], '');
  }
  const until = h('input', { type: 'date' });
  const instructor = h('input', { type: 'text', maxlength: '200', autocomplete: 'off' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('grant.grant'));
  const form = h('form', { class: 'inline-form', novalidate: true },
    pSel ? field(t('grant.person'), pSel) : null, field(t('grant.training'), qSel), field(t('grant.until'), until, t('grant.untilHint')),
    field(t('grant.instructor'), instructor, t('grant.instructorHint')), submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const pid = fixedPerson ? fixedPerson.id : Number(pSel.value);
    if (!pid) { showIn(out, message('error', t('grant.choosePerson'), '')); pSel.focus(); return; }
    if (until.value && !validDate(until.value)) { showIn(out, message('error', t('book.badDate'), '')); until.focus(); return; }
    const body = { person_id: pid };
    if (until.value) body.expires_at = rfc3339(at(until.value, 23 * 60 + 59));
    if (instructor.value.trim()) body.instructed_by = instructor.value.trim();
    submit.disabled = true;
    try {
      const g = await grantQualification(qSel.value, body);
      const who = fixedPerson || (await data.people()).find((x) => x.id === pid);
      showIn(out, message('ok', t('grant.granted.title'), t('grant.granted', { training: g.name, name: who ? data.displayName(who) : '', date: fmtDate(parseTime(g.expires_at)) })));
      if (onDone) onDone();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function staffPeople(root, ctx) {
  root.append(pageHead(t('people.title'), t('people.leadStaff')));
  const filter = h('input', { type: 'search', placeholder: t('people.filter'), 'aria-label': t('people.filter') });
  const listCard = h('section', { class: 'card', 'aria-labelledby': 'ppl-h' });
  const addCard = h('section', { class: 'card', 'aria-labelledby': 'ppl-add' });
  root.append(listCard, addCard);
  const tns = data.byId(await data.tenants());
  const box = h('div');
  listCard.append(h('div', { class: 'card-head' }, h('h2', { id: 'ppl-h' }, t('people.everybody')), h('div', { class: 'toolbar' }, filter)), box);

  let all = [];
  async function load() {
    data.forget('people');
    all = await data.people();
    draw();
  }
  function draw() {
    clear(box);
    const q = filter.value.trim().toLowerCase();
    const list = all.filter((p) => !q || `${p.name} ${p.email}`.toLowerCase().includes(q));
    if (!list.length) { box.append(empty(t('people.none'))); return; }
    box.append(table([
      { label: t('people.name'), render: (p) => h('span', null, h('strong', null, p.name || '—'), h('br'), h('span', { class: 'muted small' }, p.email)) },
      { label: t('people.tenant'), render: (p) => (p.is_staff ? badge(t('role.staff'), 'info') : p.tenant_id && tns.get(p.tenant_id) ? tns.get(p.tenant_id).name : '—') },
      { label: t('people.role'), render: (p) => (p.role ? t(`role.${p.role}`) : '—') },
      { label: t('people.account'), render: (p) => (p.status !== 'active' ? badge(t('people.disabled'), 'danger') : p.has_password ? badge(t('people.active'), 'ok') : badge(t('people.invitedBadge'), 'warn')) },
      { label: t('people.language'), render: (p) => languageSelect(p) },
      { label: '', cls: 'actions', render: (p) => [
        p.is_staff ? null : button(t('people.trainings'), () => openTrainings(ctx, p), 'btn-small', { 'aria-label': `${t('people.trainings')}: ${data.displayName(p)}` }),
        p.status !== 'active' ? null : button(t('cards.button'), () => openCards(p), 'btn-small', { 'aria-label': `${t('cards.button')}: ${data.displayName(p)}` }),
        p.id === ctx.me.id ? null : button(t('people.endSessions'), () => endSessions(p), 'btn-small', { 'aria-label': `${t('people.endSessions')}: ${data.displayName(p)}` }),
        p.id === ctx.me.id || p.email.endsWith('@erased.invalid') ? null
          : button(t('erase.button'), () => openErase(p, load), 'btn-small btn-danger', { 'aria-label': `${t('erase.button')}: ${data.displayName(p)}` }),
      ] },
    ], list, { caption: t('people.everybody') }));
  }
  filter.addEventListener('input', draw);

  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  // The language of a person's e-mails, changed in place.
  function languageSelect(p) {
    const sel = select(LANGS(), p.language || 'en');
    sel.setAttribute('aria-label', `${t('people.language')}: ${data.displayName(p)}`);
    sel.addEventListener('change', async () => {
      try {
        const q = await updatePerson(p.id, { language: sel.value });
        p.language = q.language;
        showIn(out, message('ok', t('people.language'), t('people.languageSaved', { name: data.displayName(q), language: t(`lang.${q.language}`) })));
      } catch (err) {
        sel.value = p.language;
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      }
    });
    return sel;
  }
  const email = h('input', { type: 'email', required: true, autocomplete: 'off' });
  const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const isStaff = h('input', { type: 'checkbox' });
  const language = select(LANGS(), 'en');
  const form = h('form', { class: 'inline-form', novalidate: true },
    field(t('people.email'), email), field(t('people.name'), name), field(t('people.language'), language),
    field(t('people.isStaff'), isStaff),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('people.add')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const p = await createPerson({ email: email.value.trim(), name: name.value.trim(), is_staff: isStaff.checked, language: language.value });
      showIn(out, message('ok', t('people.added.title'), t('people.addedStaff', { name: p.name })));
      email.value = ''; name.value = ''; isStaff.checked = false; language.value = 'en';
      load();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  });
  addCard.append(h('h2', { id: 'ppl-add' }, t('people.addTitle')), h('p', { class: 'muted small' }, t('people.addLead')), form, out);
  await load();
}

// Cards (staff): a person's DESFire badges. Enrol one by the UID the desk
// station read; revoke a lost one (its passes go onto every door's denylist
// with the next sync).
async function openCards(p) {
  const m = modal(t('cards.titleFor', { name: data.displayName(p) }));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const listBox = h('div');
  const fail = (err) => { const x = explain(err); showIn(out, message('error', x.title, x.text)); };
  async function drawList() {
    clear(listBox);
    try {
      const cards = await listPersonCards(p.id);
      if (!cards.length) { listBox.append(empty(t('cards.none'))); return; }
      listBox.append(table([
        { label: t('cards.label'), render: (c) => c.label },
        { label: t('cards.id'), render: (c) => h('code', { class: 'small' }, c.card_id) },
        { label: t('cards.enrolled'), render: (c) => fmtDate(parseTime(c.created_at)) },
        { label: t('cards.state'), render: (c) => (c.revoked_at ? badge(t('cards.revoked'), 'danger') : badge(t('cards.active'), 'ok')) },
        { label: t('cards.actions'), cls: 'actions', render: (c) => (c.revoked_at ? null : button(t('cards.revoke'), async () => {
          if (!(await confirmDialog(t('cards.revokeTitle'), t('cards.revokeText', { label: c.label }), t('cards.revoke')))) return;
          try {
            const r = await revokeCard(p.id, c.id);
            toast(t('cards.revokedToast', { n: r.passes_revoked }));
            drawList();
          } catch (err) { fail(err); }
        }, 'btn-small btn-danger', { 'aria-label': `${t('cards.revoke')}: ${c.label}` })) },
      ], cards, { responsive: false, caption: t('cards.titleFor', { name: data.displayName(p) }) }));
    } catch (err) { fail(err); }
  }
  const uid = h('input', { type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', maxlength: 14, pattern: '[0-9A-Fa-f]{14}' });
  const label = h('input', { type: 'text', required: true, autocomplete: 'off', maxlength: 80 });
  const form = h('form', { class: 'inline-form', novalidate: true },
    field(t('cards.uid'), uid, t('cards.uidHint')), field(t('cards.label'), label),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('cards.enrol')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const c = await enrolCard(p.id, { uid: uid.value.trim(), label: label.value.trim() });
      showIn(out, message('ok', t('cards.enrolledTitle'), t('cards.enrolledText', { id: c.card_id })));
      uid.value = ''; label.value = '';
      drawList();
    } catch (err) { fail(err); }
  });
  m.body.append(listBox, h('h3', null, t('cards.enrolTitle')), form, out);
  await drawList();
}

// Erasure (staff): the person's address typed again confirms it; the answer
// says what was done.
// Staff end every session of a person (a lost laptop, a leaver).
async function endSessions(p) {
  if (!(await confirmDialog(t('people.endSessions'), t('people.endSessionsConfirm', { name: data.displayName(p) }),
    t('people.endSessions')))) return;
  try {
    const r = await signOutPerson(p.id);
    toast(t('people.endSessionsDone', { name: data.displayName(p), n: r.revoked }));
  } catch (err) {
    const x = explain(err);
    toast(`${x.title}: ${x.text}`, 'error');
  }
}

function openErase(p, reload) {
  const m = modal(t('erase.title', { name: data.displayName(p) }));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const confirm = h('input', { type: 'email', required: true, autocomplete: 'off', spellcheck: 'false' });
  const go = h('button', { type: 'submit', class: 'btn btn-primary btn-danger-solid' }, t('erase.button'));
  const form = h('form', { class: 'form', novalidate: true },
    h('p', null, t('erase.text')),
    field(t('erase.confirm', { email: p.email }), confirm),
    h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), go));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    go.disabled = true;
    try {
      const r = await erasePerson(p.id, { confirm_email: confirm.value.trim() });
      form.replaceWith(h('p', null, t('erase.done', { pseudonym: r.pseudonym, passes: r.passes_revoked })));
      reload();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
      confirm.focus();
    } finally {
      go.disabled = false;
    }
  });
  m.body.append(out, form);
  confirm.focus();
}
