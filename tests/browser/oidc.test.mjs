// oidc.test.mjs: single sign-on in a real browser. Staff register a provider
// (through the API); the sign-in page offers it; clicking it goes to the
// provider and back and lands signed in, as a new member of the tenant its
// rule names; a token the server must refuse (for another client) brings the
// browser back to the sign-in page with the reason in words; a password
// account links the provider from its access page; staff manage providers
// in the console.
//
// The provider is the forging one of tests/tools/oidc-idp.mjs, which stamps
// its ID tokens with the suite's injected time (LABPASS_TEST_EPOCH): the
// server and the page run on that clock, and oidc-provider's own real clock
// would not match it. oidc-provider's pages are driven by the C integration
// test (tests/integration/test_oidc_flow.c).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs } from './lib.mjs';

let browser, idp, forgePort, campusId;
const AXE = fs.readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

// Serious or critical axe findings on the page (as a11y.test.mjs checks the other pages).
async function axe(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  });
}
const epoch = Number(process.env.LABPASS_TEST_EPOCH);

before(async () => {
  idp = spawn('node', ['tests/tools/oidc-idp.mjs', `${BASE}/api/v1/auth/oidc/callback`], { stdio: ['pipe', 'pipe', 'ignore'] });
  forgePort = await new Promise((resolve, reject) => {
    let out = '';
    idp.stdout.on('data', (d) => {
      out += d;
      const m = /READY (\d+) (\d+)/.exec(out);
      if (m) resolve(Number(m[2]));
    });
    idp.on('exit', () => reject(new Error('the provider did not start')));
  });
  const tenants = await apiAs('staff', 'GET', '/api/v1/tenants');
  const tenant = tenants.body.tenants[0];
  const r = await apiAs('staff', 'POST', '/api/v1/oidc/providers', {
    name: 'Campus login', issuer: `http://127.0.0.1:${forgePort}`, client_id: 'labpass',
    rules: [{ kind: 'domain', value: 'campus.example', tenant_id: tenant.id, role: 'member' }],
  });
  assert.equal(r.status, 201);
  campusId = r.body.id;
  browser = await launch();
});
after(async () => {
  // the later files' sign-in pages stay as they were
  if (campusId) await apiAs('staff', 'PATCH', `/api/v1/oidc/providers/${campusId}`, { enabled: false });
  if (browser) await browser.close();
  if (idp) idp.kill('SIGTERM');
});

async function forge(mode, sub, email) {
  const r = await fetch(`http://127.0.0.1:${forgePort}/__test/forge?mode=${mode}&now=${epoch}&sub=${sub}&email=${encodeURIComponent(email)}`);
  assert.equal(r.status, 204);
}

test('the sign-in page offers the provider, and it signs a new member in', async () => {
  await forge('ok', 'campus-dana', 'dana@campus.example');
  const page = await newPage(browser);
  await page.goto(`${BASE}/login`);
  const link = page.getByRole('link', { name: 'Sign in with Campus login' });
  await link.waitFor();
  await shot(page, 'login-sso');
  assert.deepEqual(await axe(page), []);
  await link.click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login') && !u.pathname.startsWith('/api/'));
  await page.locator('main h1').filter({ hasNotText: 'Sign in' }).waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  const email = (me.person || me).email;
  assert.equal(email, 'dana@campus.example');
  noProblems(page);
  await page.close();
});

test('a refused sign-in comes back to the sign-in page with the reason', async () => {
  await forge('aud', 'campus-erik', 'erik@campus.example');
  const page = await newPage(browser);
  await page.goto(`${BASE}/login`);
  await page.getByRole('link', { name: 'Sign in with Campus login' }).click();
  await page.waitForURL((u) => u.pathname === '/login');
  await page.getByText('labpass could not check the answer of your organisation').waitFor();
  assert.deepEqual(await axe(page), []);
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
  assert.equal(me, 401);
  noProblems(page);
  await page.close();
});

test('a password account links the provider from its access page, then signs in by it', async () => {
  await forge('ok', 'campus-lab', 'lab@novacell.example');
  let page = await newPage(browser);
  await page.goto(`${BASE}/login`);
  await page.getByRole('link', { name: 'Sign in with Campus login' }).click();
  await page.getByText('An account with this e-mail address exists already').waitFor();   // never by e-mail alone
  await page.close();
  page = await newPage(browser);
  await signIn(page, 'novaLab');
  await page.goto(`${BASE}/access`);
  await page.getByRole('button', { name: 'Link Campus login' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/access') && !u.pathname.startsWith('/api/'));
  await page.locator('main h1').filter({ hasNotText: 'Sign in' }).waitFor();
  await page.close();
  page = await newPage(browser);
  await page.goto(`${BASE}/login`);
  await page.getByRole('link', { name: 'Sign in with Campus login' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login') && !u.pathname.startsWith('/api/'));
  await page.locator('main h1').filter({ hasNotText: 'Sign in' }).waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  assert.equal((me.person || me).email, 'lab@novacell.example');
  noProblems(page);
  await page.close();
});

test('staff see the providers with their redirect URI, add one with a rule and edit it', async () => {
  const page = await newPage(browser);
  await signIn(page, 'staff');
  await page.goto(`${BASE}/sign-in-providers`);
  await page.getByRole('heading', { name: 'Add a provider' }).waitFor();
  await page.getByText('SURFconext (test)').waitFor();
  await page.getByText('/api/v1/auth/oidc/callback').first().waitFor();
  await page.getByLabel('Name on the sign-in page').fill('Acme Entra');
  await page.getByLabel('Issuer (https://)').fill('https://login.microsoftonline.com/acme-tenant/v2.0');
  await page.getByLabel('Client ID').fill('acme-client');
  await page.getByLabel('Client secret').fill('s3cret-value-of-acme');
  await page.getByRole('button', { name: 'Add a rule' }).click();
  await page.getByLabel('Domain or group').fill('acme.example');
  assert.deepEqual(await axe(page), []);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByText('Provider added').waitFor();
  await shot(page, 'sign-in-providers');
  const r = await apiAs('staff', 'GET', '/api/v1/oidc/providers');
  const p = r.body.providers.find((x) => x.name === 'Acme Entra');
  assert.ok(p);
  assert.equal(p.has_secret, true);
  assert.deepEqual(p.rules.map((x) => [x.kind, x.value, x.role]), [['domain', 'acme.example', 'member']]);
  assert.equal(JSON.stringify(r.body).includes('s3cret-value-of-acme'), false);
  await page.getByRole('button', { name: 'Switch off: Acme Entra' }).click();
  await page.getByRole('button', { name: 'Switch on: Acme Entra' }).waitFor();
  /* edit: the form takes its settings and rules; a second rule, the secret kept */
  await page.getByRole('button', { name: 'Edit: Acme Entra' }).click();
  await page.getByRole('heading', { name: 'Edit Acme Entra' }).waitFor();
  assert.equal(await page.getByLabel('Client ID').inputValue(), 'acme-client');
  assert.equal(await page.getByLabel('Domain or group').first().inputValue(), 'acme.example');
  await page.getByRole('button', { name: 'Add a rule' }).click();
  await page.getByLabel('Domain or group').nth(1).fill('lab-staff');
  await page.getByLabel('Match on').nth(1).selectOption({ label: 'Group' });
  await page.getByLabel('Signs in as').nth(1).selectOption({ label: 'facility staff' });
  assert.deepEqual(await axe(page), []);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: 'Add a provider' }).waitFor();
  const after = (await apiAs('staff', 'GET', '/api/v1/oidc/providers')).body.providers.find((x) => x.name === 'Acme Entra');
  assert.deepEqual(after.rules.map((x) => [x.kind, x.value, x.role]).sort(),
    [['domain', 'acme.example', 'member'], ['group', 'lab-staff', 'staff']]);
  assert.equal(after.has_secret, true);
  noProblems(page);
  await page.close();
});
