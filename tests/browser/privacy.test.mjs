// privacy.test.mjs: anyone reads the privacy notice from the sign-in page
// (what is kept, why and how long, from the server's retention settings); a
// member downloads everything held about them; staff change a retention
// period and the notice says so.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs } from './lib.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('anyone reads what is kept and for how long, from the sign-in page', async () => {
  const page = await newPage(browser);
  await page.goto(`${BASE}/login`);
  await page.getByRole('link', { name: 'What labpass keeps about you, and for how long' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your data at labpass' }).waitFor();
  const row = page.getByRole('row').filter({ hasText: 'Door events' });
  await row.getByRole('cell', { name: '92 days', exact: true }).waitFor();
  await page.getByRole('row').filter({ hasText: 'Invoices' }).getByRole('cell', { name: '7 years', exact: true }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Download my data' }).count(), 0, 'nothing to download when signed out');
  await shot(page, 'privacy-notice');
  noProblems(page);
  await page.close();
});

test('a member downloads everything held about them', async () => {
  const page = await newPage(browser);
  await signIn(page, 'novaLab');
  await page.goto(`${BASE}/privacy`);
  const link = page.getByRole('link', { name: 'Download my data' });
  await link.waitFor();
  const res = await page.request.get(new URL(await link.getAttribute('href'), BASE).href);
  assert.equal(res.status(), 200);
  const doc = await res.json();
  assert.equal(doc.format, 'labpass-personal-data-v1');
  assert.equal(doc.profile.email, 'lab@novacell.example');
  assert.ok(Array.isArray(doc.reservations) && Array.isArray(doc.door_events));
  noProblems(page);
  await page.close();
});

test('staff change a retention period and the notice follows', async () => {
  const page = await newPage(browser);
  await signIn(page, 'staff');
  await page.goto(`${BASE}/privacy`);
  await page.getByRole('heading', { name: 'Retention settings' }).waitFor();
  const days = page.getByLabel(/Days to keep: Door events/);
  await days.fill('20');
  await page.getByRole('button', { name: 'Save' }).first().click();
  await page.getByRole('alert').filter({ hasText: '30 to 365 days' }).waitFor();
  assert.equal((await apiAs('staff', 'GET', '/api/v1/retention')).body.kinds[0].days, 92, 'out of bounds: unchanged');
  await page.getByLabel(/Days to keep: Door events/).fill('60');
  await page.getByRole('button', { name: 'Save' }).first().click();
  await page.getByText('Saved.').waitFor();
  await page.getByRole('row').filter({ hasText: 'Door events' }).getByRole('cell', { name: '60 days', exact: true }).first().waitFor();
  await shot(page, 'privacy-staff');
  const back = await apiAs('staff', 'PUT', '/api/v1/retention', { kind: 'door_events', days: 92 });
  assert.equal(back.status, 200);
  noProblems(page);
  await page.close();
});
