// app.js: the labpass web app shell: who is signed in, the navigation for
// their role, the language switch and a small history-based router.

import { ApiError, getMe, getSite, logout, setUnauthorizedHandler, updatePerson } from './api.js';
import { displayName } from './data.js';
import { h, clear, toast, modal, button } from './dom.js';
import { t, lang, setLang, onLangChange } from './i18n.js';
import { setZone } from './time.js';

import login, { signInForm } from './views/login.js';
import setup from './views/setup.js';
import calendar from './views/calendar.js';
import reservations from './views/reservations.js';
import access from './views/access.js';
import people from './views/people.js';
import tenants from './views/tenants.js';
import resources from './views/resources.js';
import instruments from './views/instruments.js';
import approvals from './views/approvals.js';
import trainings from './views/trainings.js';
import services, { catalogue, terminal } from './views/services.js';
import billing from './views/billing.js';
import doors from './views/doors.js';
import privacy from './views/privacy.js';
import account from './views/account.js';
import register from './views/register.js';
import webhooks from './views/webhooks.js';
import projects from './views/projects.js';
import signin from './views/signin.js';

const ADMIN = ['tenant_admin'];
const STAFF = ['staff'];
const PERSON = ['member', 'tenant_admin', 'staff'];

// path, view, who may open it, nav label key (null: not in the menu)
const ROUTES = [
  { path: '/login', view: login, roles: null, public: true },
  { path: '/setup', view: setup, roles: null, public: true },
  { path: '/calendar', view: calendar, roles: PERSON, nav: 'nav.calendar' },
  { path: '/reservations', view: reservations, roles: PERSON, nav: 'nav.reservations' },
  { path: '/approvals', view: approvals, roles: STAFF, nav: 'nav.approvals' },
  { path: '/access', view: access, roles: PERSON, nav: 'nav.access' },
  { path: '/instruments', view: instruments, roles: PERSON, nav: 'nav.instruments' },
  { path: '/people', view: people, roles: [...ADMIN, ...STAFF], nav: 'nav.people' },
  { path: '/tenants', view: tenants, roles: STAFF, nav: 'nav.tenants' },
  { path: '/trainings', view: trainings, roles: STAFF, nav: 'nav.trainings' },
  { path: '/services', view: services, roles: PERSON, nav: 'nav.services' },
  { path: '/consumables', view: terminal, roles: PERSON, nav: 'nav.consumables' },
  { path: '/catalogue', view: catalogue, roles: STAFF, nav: 'nav.catalogue' },
  { path: '/resources', view: resources, roles: STAFF, nav: 'nav.resources' },
  { path: '/billing', view: billing, roles: [...ADMIN, ...STAFF], nav: 'nav.billing' },
  { path: '/projects', view: projects, roles: [...ADMIN, ...STAFF], nav: 'nav.projects' },
  { path: '/doors', view: doors, roles: STAFF, nav: 'nav.doors' },
  { path: '/register', view: register, roles: STAFF, nav: 'nav.register' },
  { path: '/webhooks', view: webhooks, roles: STAFF, nav: 'nav.webhooks' },
  { path: '/sign-in-providers', view: signin, roles: STAFF, nav: 'nav.signin' },
  { path: '/account', view: account, roles: PERSON, nav: 'nav.account' },
  { path: '/privacy', view: privacy, roles: null, public: true, nav: 'nav.privacy' },
];

const state = { me: null, site: null, cleanup: null, menuOpen: false };

function routeFor(path) { return ROUTES.find((r) => r.path === path); }

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render(true);
}

// Updates the query string of the current page without a re-render.
export function setQuery(params) {
  const u = new URL(location.href);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') u.searchParams.delete(k);
    else u.searchParams.set(k, v);
  }
  history.replaceState(null, '', u.pathname + u.search);
}

function homeFor(me) { return me && me.role === 'staff' ? '/approvals' : '/calendar'; }

async function loadMe() {
  try {
    state.me = await getMe({ quiet401: true });
    if (state.me.role === 'door') state.me = null;
  } catch {
    state.me = null;
  }
  if (state.me) {
    try { state.site = await getSite(); } catch { state.site = null; }
    if (state.site && state.site.timezone) setZone(state.site.timezone);
  }
}

function renderTopbar(current) {
  const bar = document.getElementById('topbar');
  clear(bar);
  const inner = h('div', { class: 'topbar-inner' });
  inner.append(h('a', { class: 'brand', href: state.me ? homeFor(state.me) : '/login', 'data-link': '' },
    h('img', { src: '/favicon.svg', alt: '' }), 'labpass',
    state.site ? h('span', { class: 'brand-site' }, state.site.name) : null));
  let toggle = null;
  if (state.me) {
    const nav = h('nav', { class: `nav ${state.menuOpen ? '' : 'collapsed'}`, id: 'main-nav', 'aria-label': t('nav.label') });
    for (const r of ROUTES) {
      if (!r.nav || (r.roles && !r.roles.includes(state.me.role))) continue;
      const label = r.path === '/reservations' && state.me.role !== 'member' ? t('nav.reservationsAll') : t(r.nav);
      nav.append(h('a', { href: r.path, 'data-link': '', 'aria-current': r.path === current ? 'page' : null }, label));
    }
    if (nav.children.length > 6) inner.classList.add('two-rows');
    toggle = h('button', { type: 'button', class: 'menu-toggle', 'aria-expanded': String(state.menuOpen),
      'aria-controls': 'main-nav', onclick: () => {
        state.menuOpen = !state.menuOpen;
        nav.classList.toggle('collapsed', !state.menuOpen);
        toggle.setAttribute('aria-expanded', String(state.menuOpen));
      } }, '☰ ', t('nav.menu'));
    nav.append(h('button', { type: 'button', class: 'nav-signout', onclick: signOut }, t('nav.signOutAs', { name: displayName(state.me) })));
    inner.append(nav);
  }
  const right = h('div', { class: 'topbar-right' });
  right.append(langSwitch());
  if (state.me) {
    right.append(h('span', { class: 'user-name', title: state.me.email }, displayName(state.me)),
      h('button', { type: 'button', class: 'btn btn-small btn-signout', onclick: signOut }, t('nav.signOut')));
  }
  inner.append(right);
  if (toggle) inner.append(toggle);
  bar.append(inner);
}

// The language of a signed-in person is theirs (their e-mails come in it):
// the switch saves it, and signing in brings the saved one back.
let applyingSaved = false;

function saveLang(code) {
  const me = state.me;
  if (!me || me.language === code) return;
  updatePerson(me.id, { language: code })
    .then((p) => { if (state.me === me) me.language = p.language; })
    .catch(() => toast(t('lang.notSaved'), 'error'));
}

function applySavedLang() {
  if (!state.me || !state.me.language || state.me.language === lang()) return;
  applyingSaved = true;
  try { setLang(state.me.language); } finally { applyingSaved = false; }
}

function langSwitch() {
  const g = h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('lang.label') });
  for (const [code, label, full] of [['en', 'EN', 'English'], ['nl', 'NL', 'Nederlands']]) {
    // The visible code starts the accessible name ("EN English"), so speech
    // input that says what it sees finds the button.
    g.append(h('button', { type: 'button', lang: code, 'aria-pressed': String(lang() === code),
      onclick: () => setLang(code) }, label, h('span', { class: 'sr-only' }, ` ${full}`)));
  }
  return g;
}

async function signOut() {
  try { await logout(); } catch { /* the session may be gone already */ }
  state.me = null;
  navigate('/login', { replace: true });
}

export async function signedIn() {
  await loadMe();
  applySavedLang();
  const next = new URLSearchParams(location.search).get('next');
  navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : homeFor(state.me), { replace: true });
}

let renderSeq = 0;
async function render(moveFocus) {
  const seq = ++renderSeq;
  if (state.cleanup) { try { state.cleanup(); } catch { /* ignore */ } state.cleanup = null; }
  let path = location.pathname.replace(/\/+$/, '') || '/';
  let route = routeFor(path);
  if (!route || path === '/') {
    if (!state.me) { history.replaceState(null, '', '/login'); path = '/login'; }
    else { path = homeFor(state.me); history.replaceState(null, '', path); }
    route = routeFor(path);
  }
  if (!route.public && !state.me) {
    history.replaceState(null, '', `/login?next=${encodeURIComponent(path + location.search)}`);
    route = routeFor('/login');
    path = '/login';
  }
  if (route.public && path === '/login' && state.me) {
    path = homeFor(state.me);
    history.replaceState(null, '', path);
    route = routeFor(path);
  }
  if (route.roles && !route.roles.includes(state.me.role)) {
    path = homeFor(state.me);
    history.replaceState(null, '', path);
    route = routeFor(path);
  }
  state.menuOpen = false;
  renderTopbar(path);
  const main = document.getElementById('main');
  clear(main);
  document.title = route.nav ? `${t(route.nav)} · labpass` : 'labpass';
  const ctx = {
    me: state.me, site: state.site, params: new URLSearchParams(location.search),
    navigate, setQuery, signedIn, isCurrent: () => seq === renderSeq,
    signedOut: () => { state.me = null; navigate('/login', { replace: true }); },
  };
  try {
    const cleanup = await route.view(main, ctx);
    if (seq !== renderSeq) { if (typeof cleanup === 'function') cleanup(); return; }
    state.cleanup = typeof cleanup === 'function' ? cleanup : null;
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof ApiError && e.status === 401) return;
    clear(main);
    main.append(h('div', { class: 'msg msg-error', role: 'alert' }, h('p', { class: 'msg-title' }, t('err.pageFailed')),
      h('p', null, e && e.message ? e.message : String(e))));
  }
  if (moveFocus) {
    const h1 = main.querySelector('h1');
    (h1 || main).focus({ preventScroll: false });
  }
}

function onLinkClick(e) {
  const a = e.target.closest('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const u = new URL(a.href, location.href);
  if (u.origin !== location.origin) return;
  e.preventDefault();
  navigate(u.pathname + u.search);
}

// The session ended while the page was in use (a request met 401): a sign-in
// dialog opens on top of everything, open dialogs and typed input included.
// Signed in again as the same person, the request that failed is sent again
// (api.js) and the task goes on where it was. Another person signing in
// starts afresh at their home page; closing the dialog leads to the sign-in
// page, which comes back here afterwards.
function signInAgain() {
  if (!state.me) return Promise.resolve(false);
  const before = state.me;
  return new Promise((resolve) => {
    let outcome = 'closed';
    const m = modal(t('reauth.title'), {
      onClose: async () => {
        if (outcome === 'same') { resolve(true); return; }
        resolve(false);
        state.me = null;
        for (const d of document.querySelectorAll('dialog[open]')) d.close();
        if (outcome === 'other') { await signedInFresh(); return; }
        toast(t('err.signedOut'), 'error');
        navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
      },
    });
    m.dialog.classList.add('reauth');
    const form = signInForm(async () => {
      await loadMe();
      outcome = state.me && state.me.id === before.id ? 'same' : 'other';
      if (outcome === 'same') toast(t('reauth.done'));
      m.close();
    }, { email: before.email, extraActions: [button(t('reauth.leave'), () => m.close())] });
    m.body.append(h('p', { role: 'alert' }, t('reauth.lead')), form);
    form.focusFirst();
  });
}

async function signedInFresh() {
  await loadMe();
  navigate(homeFor(state.me), { replace: true });
}

async function boot() {
  document.documentElement.lang = lang();
  document.getElementById('skip-link').textContent = t('nav.skip');
  setUnauthorizedHandler(signInAgain);
  // A task stopped by an ended session has been answered already (the
  // sign-in dialog, then the sign-in page): its rejected promise is no error.
  window.addEventListener('unhandledrejection', (e) => {
    if (e.reason instanceof ApiError && e.reason.status === 401) e.preventDefault();
  });
  onLangChange((code) => {
    document.getElementById('skip-link').textContent = t('nav.skip');
    if (applyingSaved) return;   // signing in: the page that follows is drawn in it
    saveLang(code);
    render(false);
  });
  document.addEventListener('click', onLinkClick);
  window.addEventListener('popstate', () => render(true));
  // Links in the server's e-mails name the page after "#" (/#/setup?token=...).
  if (location.hash.startsWith('#/')) history.replaceState(null, '', location.hash.slice(1));
  await loadMe();
  render(false);
}

boot();
