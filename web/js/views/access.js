// access.js: "my access": trainings and when they expire, enrolled phones
// and cards, current door passes, how to enroll, the personal calendar
// feed to subscribe to in Outlook, Google Calendar or Thunderbird, the
// password, and linking a single sign-on provider to the account.

import {
  listGrants, listMyCredentials, revokeMyCredential, listMyPasses, createCalendarFeed, listCalendarFeeds, revokeCalendarFeed, changePassword,
  listSignInProviders, linkSignInProvider,
} from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, badge, copyBox, select, field, table, toast, confirmDialog } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { parseTime, fmtDate, fmtDateTime } from '../time.js';

const SOON = 30 * 86400000;

export function grantBadge(g) {
  const exp = parseTime(g.expires_at);
  if (g.withdrawn_at) return badge(t('grant.withdrawn'), 'danger');
  if (!g.valid || (exp && exp <= Date.now())) return badge(t('grant.expired'), 'danger');
  if (exp && exp - Date.now() < SOON) return badge(t('grant.expiresSoon'), 'warn');
  return badge(t('grant.valid'), 'ok');
}

export default async function access(root, ctx) {
  root.append(pageHead(t('access.title'), t('access.lead')));
  const grid = h('div', { class: 'grid-2' });
  const trainCard = h('section', { class: 'card', 'aria-labelledby': 'acc-train' });
  const credCard = h('section', { class: 'card', 'aria-labelledby': 'acc-cred' });
  const passCard = h('section', { class: 'card', 'aria-labelledby': 'acc-pass' });
  const enrolCard = h('section', { class: 'card', 'aria-labelledby': 'acc-enrol' });
  grid.append(trainCard, passCard, credCard, enrolCard);
  const feedCard = h('section', { class: 'card', 'aria-labelledby': 'acc-feed' });
  const pwCard = h('section', { class: 'card', 'aria-labelledby': 'acc-pw' });
  const ssoCard = h('section', { class: 'card', 'aria-labelledby': 'acc-sso', hidden: true });
  root.append(grid, feedCard, pwCard, ssoCard);
  await Promise.all([trainings(trainCard, ctx), credentials(credCard), passes(passCard), enrol(enrolCard), feeds(feedCard, ctx), password(pwCard), linking(ssoCard)]);
}

async function trainings(card, ctx) {
  card.append(h('h2', { id: 'acc-train' }, t('access.trainings')));
  try {
    const grants = (await listGrants({ person_id: ctx.me.id }))
      .filter((g) => !g.withdrawn_at);
    if (!grants.length) { card.append(empty(t('access.noTrainings'), t('access.noTrainingsHint'))); return; }
    card.append(table([
      { label: t('grant.training'), render: (g) => g.name },
      { label: t('grant.validUntil'), render: (g) => (g.expires_at ? fmtDate(parseTime(g.expires_at)) : '—') },
      { label: t('grant.state'), render: grantBadge },
    ], grants, { caption: t('access.trainings') }));
  } catch (err) {
    card.append(message('error', explain(err).title, explain(err).text));
  }
}

async function credentials(card) {
  card.append(h('h2', { id: 'acc-cred' }, t('access.credentials')));
  const box = h('div');
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  card.append(box, out);
  async function draw() {
    clear(box);
    try {
      const list = await listMyCredentials();
      if (!list.length) { box.append(empty(t('access.noCredentials'), t('access.noCredentialsHint'))); return; }
      box.append(table([
        { label: t('cred.name'), render: (c) => h('span', null, h('strong', null, c.label), h('br'), h('span', { class: 'muted small' }, t(`cred.kind.${c.kind === 'phone' ? 'phone' : 'card'}`))) },
        { label: t('cred.enrolled'), render: (c) => fmtDate(parseTime(c.created_at)) },
        { label: t('grant.state'), render: (c) => (c.revoked_at ? badge(t('cred.revoked'), 'danger') : badge(t('cred.active'), 'ok')) },
        { label: '', cls: 'actions', render: (c) => (c.revoked_at ? null
          : button(t('cred.block'), () => block(c), 'btn-small btn-danger', { 'aria-label': `${t('cred.block')}: ${c.label}` })) },
      ], list, { caption: t('access.credentials') }));
    } catch (err) {
      box.append(message('error', explain(err).title, explain(err).text));
    }
  }
  async function block(c) {
    const ok = await confirmDialog(t('cred.blockTitle', { name: c.label }), t('cred.blockText'), t('cred.block'));
    if (!ok) return;
    try {
      const res = await revokeMyCredential(c.id);
      showIn(out, message('ok', t('cred.blocked.title'), t('cred.blocked', { name: c.label, n: res.passes_revoked })));
      draw();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  }
  await draw();
}

async function passes(card) {
  card.append(h('h2', { id: 'acc-pass' }, t('access.passes')));
  try {
    const list = (await listMyPasses()).filter((p) => !p.revoked_at);
    if (!list.length) { card.append(empty(t('access.noPasses'), t('access.noPassesHint'))); return; }
    card.append(table([
      { label: t('pass.doors'), render: (p) => p.door_groups.join(', ') || '—' },
      { label: t('pass.kind'), render: (p) => t(`pass.kind.${['phone', 'card', 'bearer'].includes(p.kind) ? p.kind : 'other'}`) },
      { label: t('pass.from'), render: (p) => fmtDateTime(parseTime(p.nbf)) },
      { label: t('pass.until'), render: (p) => fmtDateTime(parseTime(p.exp)) },
    ], list, { caption: t('access.passes') }));
  } catch (err) {
    card.append(message('error', explain(err).title, explain(err).text));
  }
}

function enrol(card) {
  card.append(h('h2', { id: 'acc-enrol' }, t('access.enrol')),
    h('h3', null, t('access.enrolCard')),
    h('ol', { class: 'steps' }, h('li', null, t('access.enrolCard1')), h('li', null, t('access.enrolCard2')), h('li', null, t('access.enrolCard3'))),
    h('h3', null, t('access.enrolPhone')),
    h('ol', { class: 'steps' }, h('li', null, t('access.enrolPhone1')), h('li', null, t('access.enrolPhone2')), h('li', null, t('access.enrolPhone3'))),
    h('p', { class: 'muted small' }, t('access.enrolNote')));
}

async function feeds(card, ctx) {
  card.append(h('h2', { id: 'acc-feed' }, t('feed.title')), h('p', { class: 'muted' }, t('feed.lead')));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const listBox = h('div');
  const resources = await data.resources();
  const which = select([{ value: '', label: t('feed.mine') }, ...resources.map((r) => ({ value: r.id, label: t('feed.resource', { name: r.name }) }))], '');
  const create = button(t('feed.create'), async () => {
    create.disabled = true;
    try {
      const body = which.value ? { resource_id: Number(which.value) } : undefined;
      const f = await createCalendarFeed(body);
      const url = new URL(f.url, location.origin).href;
      showIn(out, message('ok', t('feed.created.title'), [
        h('p', null, t('feed.created')),
        copyBox(url, t('feed.urlLabel')),
        h('details', null, h('summary', null, t('feed.howto')),
          h('ul', { class: 'steps' },
            h('li', null, h('strong', null, 'Outlook: '), t('feed.outlook')),
            h('li', null, h('strong', null, 'Google Calendar: '), t('feed.google')),
            h('li', null, h('strong', null, 'Thunderbird: '), t('feed.thunderbird')))),
      ]));
      out.querySelector('input').focus();
      drawList();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    } finally {
      create.disabled = false;
    }
  }, 'btn-primary');
  card.append(h('div', { class: 'inline-form' }, field(t('feed.which'), which), create), out, listBox);
  const resById = data.byId(resources);

  async function drawList() {
    clear(listBox);
    try {
      const list = await listCalendarFeeds();
      if (!list.length) return;
      listBox.append(h('h3', null, t('feed.active')), table([
        { label: t('feed.contents'), render: (f) => (f.resource_id ? (resById.get(f.resource_id) || {}).name || `#${f.resource_id}` : t('feed.mine')) },
        { label: t('feed.createdAt'), render: (f) => fmtDateTime(parseTime(f.created_at)) },
        { label: '', cls: 'actions', render: (f) => button(t('feed.revoke'), async () => {
          try { await revokeCalendarFeed(f.id); toast(t('feed.revoked')); drawList(); } catch (err) { const x = explain(err); showIn(out, message('error', x.title, x.text)); }
        }, 'btn-small btn-danger') },
      ], list, { caption: t('feed.active') }));
    } catch (err) {
      listBox.append(message('error', explain(err).title, explain(err).text));
    }
  }
  await drawList();
}

function password(card) {
  const cur = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const nw = h('input', { type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const form = h('form', { class: 'form', novalidate: true },
    h('div', { class: 'form-row' }, field(t('pw.current'), cur), field(t('pw.new'), nw, t('setup.passwordHint'))),
    out, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn' }, t('pw.change'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (nw.value.length < 10) { showIn(out, message('error', t('setup.short.title'), t('setup.passwordHint'))); nw.focus(); return; }
    try {
      await changePassword({ current_password: cur.value, new_password: nw.value });
      showIn(out, message('ok', t('pw.changed.title'), t('pw.changed')));
      cur.value = ''; nw.value = '';
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  });
  card.append(h('h2', { id: 'acc-pw' }, t('pw.title')), form);
}

// Links a single sign-on provider to this account: the provider's login runs
// in this window and comes back signed in; from then on that provider signs
// this person in. Shown only when staff offer providers.
async function linking(card) {
  let providers = [];
  try { providers = await listSignInProviders(); } catch { return; }
  if (!providers.length) return;
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  card.hidden = false;
  card.append(h('h2', { id: 'acc-sso' }, t('acc.sso.title')), h('p', { class: 'muted small' }, t('acc.sso.lead')), out,
    h('ul', { class: 'sso-list' }, ...providers.map((p) => h('li', null, button(t('acc.sso.link', { name: p.name }), async () => {
      try {
        const r = await linkSignInProvider(p.id);
        location.assign(r.url);
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      }
    })))));
}
