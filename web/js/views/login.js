// login.js: sign in with e-mail and password, as a page and (signInForm)
// inside the dialog that appears on top of the page when a session ends
// mid-task (app.js). The session lives in an HttpOnly cookie set by the
// server; the page keeps no token.

import { login as startSession, listSignInProviders, startSignInProvider, passkeySigninOptions, passkeySignin,
  passkeyStepOptions, passkeyStep } from '../api.js';
import { passkeysSupported, usePasskey } from '../webauthn.js';
import { h, field, showIn, message } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';

// The form; onSignedIn() runs after the server accepted the password.
// opts.email prefills the address (and focuses the password).
export function signInForm(onSignedIn, opts = {}) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false', value: opts.email || '' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('login.submit'));
  const form = h('form', { class: 'form', novalidate: true },
    out,
    field(t('login.email'), email),
    field(t('login.password'), password),
    h('div', { class: 'form-actions' }, ...(opts.extraActions || []), submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!email.value.trim() || !password.value) {
      showIn(out, message('error', t('login.missing.title'), t('login.missing')));
      (email.value.trim() ? password : email).focus();
      return;
    }
    submit.disabled = true;
    try {
      const res = await startSession({ email: email.value.trim(), password: password.value });
      password.value = '';
      if (res && res.passkey_step) await passkeyStepAfterPassword(out);
      await onSignedIn(email.value.trim());
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  form.focusFirst = () => (opts.email ? password : email).focus();
  return form;
}

// The reasons single sign-on gives back (oidc_error=CODE on the sign-in page).
const OIDC_ERRORS = ['oidc-bad-state', 'oidc-provider-refused', 'oidc-failed', 'oidc-no-account', 'oidc-link-required',
  'oidc-linked-elsewhere', 'oidc-person-disabled', 'oidc-awaiting-approval', 'oidc-tenant-suspended'];

// The single sign-on providers staff configured, as links that start a login
// (a full page load: the server redirects to the provider).
async function providerButtons() {
  let providers = [];
  try { providers = await listSignInProviders(); } catch { return null; }
  if (!providers.length) return null;
  return h('div', { class: 'sso' },
    h('p', null, t('login.sso')),
    h('ul', { class: 'sso-list' }, ...providers.map((p) => h('li', null,
      h('a', { class: 'btn', href: startSignInProvider(p.id) }, t('login.sso.with', { name: p.name }))))));
}

// A staff member with a passkey confirms with it after the password before
// the session carries staff rights; without it they go on as a person.
async function passkeyStepAfterPassword(out) {
  try {
    const opt = await passkeyStepOptions();
    await passkeyStep(await usePasskey(opt));
  } catch (err) {
    const x = err && err.status ? explain(err) : { title: t('login.step.title'), text: t('login.step.failed') };
    showIn(out, message('error', x.title, x.text));
    await new Promise((r) => setTimeout(r, 1500));
  }
}

// Sign-in with a passkey (a discoverable credential: no e-mail address needed).
function passkeyButton(out, ctx) {
  const b = h('button', { type: 'button', class: 'btn' }, t('login.passkey'));
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      const opt = await passkeySigninOptions();
      let answer;
      try {
        answer = await usePasskey(opt);
      } catch {
        showIn(out, message('error', t('login.passkeyCancelled.title'), t('login.passkeyCancelled')));
        return;
      }
      await passkeySignin(answer);
      await ctx.signedIn();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

export default async function login(root, ctx) {
  const form = signInForm(() => ctx.signedIn());
  const code = new URLSearchParams(location.search).get('oidc_error');
  const refused = OIDC_ERRORS.includes(code) ? message('error', t('oidc.error.title'), t(code)) : null;
  const sso = await providerButtons();
  const pkOut = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  root.append(h('div', { class: 'auth-wrap' },
    h('section', { class: 'card auth-card', 'aria-labelledby': 'login-h' },
      h('h1', { id: 'login-h', tabindex: '-1' }, t('login.title')),
      h('p', { class: 'lead' }, t('login.lead')),
      refused,
      form,
      sso,
      ...(passkeysSupported() ? [h('div', { class: 'passkey-signin' }, pkOut, passkeyButton(pkOut, ctx))] : []),
      h('p', { class: 'demo-hint' }, t('login.help')),
      h('p', null, h('a', { href: '/privacy', 'data-link': '' }, t('login.privacy'))))));
  form.focusFirst();
}
