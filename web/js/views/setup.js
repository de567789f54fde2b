// setup.js: the page an invitation link opens (/setup?token=...): the new
// person chooses a password with the one-time token. The token is taken out
// of the address bar at once so it stays in no history or screenshot.

import { setupPassword } from '../api.js';
import { h, field, showIn, message } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';

let heldToken = '';

export default async function setup(root, ctx) {
  const fromUrl = ctx.params.get('token');
  if (fromUrl) {
    heldToken = fromUrl;
    ctx.setQuery({ token: null });
  }
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const card = h('section', { class: 'card auth-card', 'aria-labelledby': 'setup-h' },
    h('h1', { id: 'setup-h', tabindex: '-1' }, t('setup.title')),
    h('p', { class: 'lead' }, t('setup.lead')), out);
  root.append(h('div', { class: 'auth-wrap' }, card));
  if (!heldToken) {
    showIn(out, message('error', t('setup.noToken.title'), t('setup.noToken')));
    return;
  }
  const pw = h('input', { type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
  const pw2 = h('input', { type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('setup.submit'));
  const form = h('form', { class: 'form', novalidate: true },
    field(t('setup.password'), pw, t('setup.passwordHint')),
    field(t('setup.repeat'), pw2),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (pw.value.length < 10) { showIn(out, message('error', t('setup.short.title'), t('setup.passwordHint'))); pw.focus(); return; }
    if (pw.value !== pw2.value) { showIn(out, message('error', t('setup.mismatch.title'), t('setup.mismatch'))); pw2.focus(); return; }
    submit.disabled = true;
    try {
      await setupPassword({ token: heldToken, password: pw.value });
      heldToken = '';
      form.remove();
      showIn(out, message('ok', t('setup.done.title'), t('setup.done'),
        [h('a', { class: 'btn btn-primary', href: '/login', 'data-link': '' }, t('login.submit'))]));
      out.querySelector('a').focus();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    } finally {
      submit.disabled = false;
    }
  });
  card.append(form);
  pw.focus();
}
