// admin.test.mjs: a tenant admin invites a colleague by e-mail (the server
// mails the one-time setup link), a new person's setup link sets the
// password and they sign in; the admin removes the colleague again, sees the
// tenant's reservations, and the month's charges and the company's invoices
// on the billing page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ZONE, launch, newPage, signIn, shot, noProblems, apiAs, NOW_MS } from './lib.mjs';

let browser, page;
const email = `eva.${NOW_MS}@novacell.example`;

before(async () => {
  browser = await launch();
  page = await newPage(browser);
});
after(async () => { await browser.close(); });

test('invite by e-mail: the server mails the setup link', async () => {
  await signIn(page, 'novaAdmin');
  await page.getByRole('link', { name: 'People' }).click();
  await page.getByRole('heading', { level: 1, name: 'People' }).waitFor();
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Name', { exact: true }).fill('Eva de Boer');
  await page.getByRole('button', { name: 'Invite' }).click();
  await page.getByText('Eva de Boer is invited').waitFor();
  await page.getByText(`We sent an e-mail to ${email}`).waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Setup link' }).count(), 0, 'the admin never sees the link');
  await page.getByRole('cell', { name: new RegExp(email) }).waitFor();
  await shot(page, 'people-invited');
  const mail = await apiAs('staff', 'GET', '/api/v1/outbox');
  assert.ok(mail.body.messages.some((x) => x.kind === 'setup_link' && x.recipient === email), 'a setup link is mailed');
  noProblems(page);
});

test('the setup link sets a password and the new person signs in', async () => {
  // Staff add a person directly and receive the one-time token; the e-mailed
  // link has the form /#/setup?token=...
  const finn = `finn.${NOW_MS}@novacell.example`;
  const add = await apiAs('staff', 'POST', '/api/v1/tenants/1/members', { email: finn, name: 'Finn Bakker', role: 'member' });
  assert.equal(add.status, 201);
  const token = add.body.setup_token;
  const other = await newPage(browser);
  await other.goto(`${BASE}/#/setup?token=${encodeURIComponent(token)}`);
  await other.getByRole('heading', { level: 1, name: 'Set your password' }).waitFor();
  assert.ok(!other.url().includes('token='), 'the token left the address bar');
  await other.getByLabel('New password').fill('finn-secret-pass-1');
  await other.getByLabel('Repeat the password').fill('finn-secret-pass-1');
  await shot(other, 'setup-password');
  await other.getByRole('button', { name: 'Set password' }).click();
  await other.getByText('Your password is set').waitFor();
  await signIn(other, [finn, 'finn-secret-pass-1']);
  await other.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
  noProblems(other);
  await other.context().close();
  const again = await fetch(`${BASE}/api/v1/auth/setup`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, password: 'another-password-2' }) });
  assert.equal(again.status, 401, 'the link works once');
});

test('the admin removes the person again', async () => {
  await page.reload();
  const row = page.getByRole('row', { name: new RegExp(email) });
  await row.getByRole('button', { name: /^Remove/ }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await page.getByText('Eva de Boer was removed.').waitFor();
  await row.waitFor({ state: 'detached' });
  const m = await apiAs('novaAdmin', 'GET', '/api/v1/tenants/1/members');
  assert.ok(!m.body.members.some((p) => p.email === email));
  noProblems(page);
});

test('the admin sees the company\'s reservations', async () => {
  await page.goto(`${BASE}/reservations`);
  await page.getByRole('tab', { name: 'My company' }).click();
  await page.getByRole('heading', { name: 'Upcoming' }).waitFor();
  await shot(page, 'reservations-company');
  noProblems(page);
});

test('the admin sees the month\'s charges and the company\'s invoices', async () => {
  // An invoice of two months ago for the admin's company only, for a manual charge
  // (staff bill last month in staff.test.mjs).
  // formatToParts, not a locale's pattern: ICU versions spell en-CA months differently.
  const parts = new Intl.DateTimeFormat('en', { timeZone: ZONE, year: 'numeric', month: 'numeric' })
    .formatToParts(new Date(NOW_MS));
  const [y, m] = ['year', 'month'].map((k) => Number(parts.find((p) => p.type === k).value));
  const back = new Date(Date.UTC(y, m - 3, 1));
  const period = `${back.getUTCFullYear()}-${String(back.getUTCMonth() + 1).padStart(2, '0')}`;
  const me = await apiAs('novaAdmin', 'GET', '/api/v1/me');
  const adj = await apiAs('staff', 'POST', '/api/v1/charges', { tenant_id: me.body.tenant_id, amount_cents: 4500,
    description: 'Extra autoclave cycle', reason: 'browser test', date: `${period}-15` });
  assert.equal(adj.status, 201);
  const run = await apiAs('staff', 'POST', '/api/v1/invoices/run', { period, tenant_id: me.body.tenant_id });
  assert.equal(run.status, 200);
  assert.equal(run.body.created.length, 1, 'one invoice for the company');
  const number = run.body.created[0].number;

  await page.goto(`${BASE}/billing`);
  await page.getByRole('heading', { level: 1, name: 'Billing' }).waitFor();
  const charges = page.locator('section[aria-labelledby="chg-h"]');
  await charges.getByText('Including VAT (estimate)').waitFor();
  await charges.getByText(/Includes monthly fees of €\d/).waitFor();
  const row = page.locator('section[aria-labelledby="inv-h"]').getByRole('row', { name: new RegExp(number) });
  await row.waitFor();
  for (const name of ['View', 'UBL', 'PDF', 'CSV']) await row.getByRole('link', { name: new RegExp(`^${name}`) }).waitFor();
  // The CSV link is the invoice's own: its lines and totals, not the month's charges.
  const csvHref = await row.getByRole('link', { name: /^CSV/ }).getAttribute('href');
  assert.match(csvHref, /^\/api\/v1\/invoices\/\d+\/csv$/);
  await row.getByText('Open').waitFor();
  const text = await page.locator('#main').textContent();
  assert.ok(!/undefined|NaN|null/.test(text), 'no missing field shows');
  await shot(page, 'billing-admin');
  noProblems(page);
});
