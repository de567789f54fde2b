// account.js: the signed-in person's own sign-in: passkeys (add one with
// this device, rename, revoke) and sessions (where and when each browser is
// signed in; end one, or sign out everywhere).

import { listPasskeys, passkeyOptions, addPasskey, renamePasskey, revokePasskey, listMySessions, endMySession,
  endAllMySessions } from '../api.js';
import { h, field, showIn, message, table, pageHead, badge, button, confirmDialog, toast } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { fmtDateTime, parseTime } from '../time.js';
import { passkeysSupported, createPasskey } from '../webauthn.js';

function when(s) { return s ? fmtDateTime(parseTime(s)) : t('passkeys.never'); }

function fail(out, err) {
  const x = explain(err);
  showIn(out, message('error', x.title, x.text));
}

function passkeyCard(out, redraw) {
  const list = h('div');
  const name = h('input', { type: 'text', name: 'passkey-name', maxlength: '100', required: true, value: '' });
  const add = h('button', { type: 'submit', class: 'btn btn-primary' }, t('passkeys.add'));
  const form = h('form', { class: 'form', novalidate: true }, field(t('passkeys.name'), name, t('passkeys.nameHint')),
    h('div', { class: 'form-actions' }, add));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!name.value.trim()) { showIn(out, message('error', t('passkeys.nameMissing'), '')); name.focus(); return; }
    add.disabled = true;
    try {
      const opt = await passkeyOptions();
      let answer;
      try {
        answer = await createPasskey(opt);
      } catch {
        showIn(out, message('error', t('passkeys.cancelled.title'), t('passkeys.cancelled')));
        return;
      }
      await addPasskey({ name: name.value.trim(), ...answer });
      name.value = '';
      toast(t('passkeys.added'));
      redraw();
    } catch (err) {
      fail(out, err);
    } finally {
      add.disabled = false;
    }
  });
  const fill = async () => {
    try {
      const keys = await listPasskeys();
      if (!keys.length) { list.replaceChildren(h('p', { class: 'muted' }, t('passkeys.none'))); return; }
      list.replaceChildren(table([
        { label: t('passkeys.name'), render: (k) => h('span', null, k.name, ' ',
          k.cloned_at ? badge(t('passkeys.cloned'), 'danger') : k.revoked_at ? badge(t('passkeys.revoked'), 'muted') : '') },
        { label: t('passkeys.created'), render: (k) => when(k.created_at) },
        { label: t('passkeys.lastUsed'), render: (k) => when(k.last_used_at) },
        { label: t('common.actions'), render: (k) => (k.revoked_at || k.cloned_at ? '' : h('div', { class: 'toolbar' },
          button(t('passkeys.rename'), async () => {
            const v = window.prompt(t('passkeys.renamePrompt'), k.name);
            if (!v || !v.trim()) return;
            try { await renamePasskey(k.id, v.trim()); redraw(); } catch (err) { fail(out, err); }
          }),
          button(t('passkeys.revoke'), async () => {
            if (!(await confirmDialog(t('passkeys.revoke'), t('passkeys.revokeConfirm', { name: k.name }), t('passkeys.revoke')))) return;
            try { await revokePasskey(k.id); toast(t('passkeys.revokedDone')); redraw(); } catch (err) { fail(out, err); }
          }))) },
      ], keys, { caption: t('passkeys.title') }));
    } catch (err) {
      fail(out, err);
    }
  };
  fill();
  return h('section', { class: 'card', 'aria-labelledby': 'pk-h' },
    h('h2', { id: 'pk-h' }, t('passkeys.title')),
    h('p', null, t('passkeys.lead')),
    list,
    passkeysSupported() ? form : h('p', { class: 'muted' }, t('passkeys.unsupported')));
}

function sessionCard(out, redraw, ctx) {
  const list = h('div');
  const fill = async () => {
    try {
      const rows = await listMySessions();
      list.replaceChildren(table([
        { label: t('sessions.browser'), render: (s) => h('span', null, s.user_agent || '—', ' ',
          s.current ? badge(t('sessions.current'), 'ok') : '') },
        { label: t('sessions.where'), render: (s) => s.client_ip || '—' },
        { label: t('sessions.how'), render: (s) => t(`sessions.method.${s.method}`) },
        { label: t('sessions.made'), render: (s) => when(s.created_at) },
        { label: t('sessions.lastSeen'), render: (s) => when(s.last_seen_at) },
        { label: t('common.actions'), render: (s) => (s.current ? '' : button(t('sessions.end'), async () => {
          try { await endMySession(s.id); toast(t('sessions.ended')); redraw(); } catch (err) { fail(out, err); }
        })) },
      ], rows, { caption: t('sessions.title') }));
    } catch (err) {
      fail(out, err);
    }
  };
  fill();
  const others = button(t('sessions.endOthers'), async () => {
    try {
      const r = await endAllMySessions(false);
      toast(t('sessions.endedN', { n: r.revoked }));
      redraw();
    } catch (err) { fail(out, err); }
  });
  const all = button(t('sessions.endAll'), async () => {
    if (!(await confirmDialog(t('sessions.endAll'), t('sessions.endAllConfirm'), t('sessions.endAll')))) return;
    try { await endAllMySessions(true); ctx.signedOut(); } catch (err) { fail(out, err); }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'ss-h' },
    h('h2', { id: 'ss-h' }, t('sessions.title')),
    h('p', null, t('sessions.lead')),
    list,
    h('div', { class: 'toolbar' }, others, all));
}

export default async function account(root, ctx) {
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const body = h('div');
  const draw = () => body.replaceChildren(passkeyCard(out, draw), sessionCard(out, draw, ctx));
  root.append(pageHead(t('account.title'), t('account.lead')), out, body);
  draw();
}
