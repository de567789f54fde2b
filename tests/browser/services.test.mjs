// services.test.mjs: a member requests a service on the Services page for a
// project (the default first; the estimate shows before sending), staff quote it there, the member accepts
// the quote; at the Consumables terminal the member logs litres of liquid
// nitrogen and sees them priced in this month's list; the month report on
// the Billing page lists the open request. Phone and desktop.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('the request form, a quote and its acceptance', async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, 'novaLab');
  await page.goto(`${BASE}/services`);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Send request' }) });
  await form.getByLabel('Item').selectOption({ label: 'Autoclave load (service units)' });
  await form.getByLabel('Quantity').fill('3');
  await form.getByText('Estimate: €75.00 excl. VAT (€90.75 incl. VAT)').waitFor();
  /* the project picker: the person's default first, another active project may be chosen */
  const picker = form.getByLabel('Project', { exact: true });
  assert.match(await picker.locator('option:checked').textContent(), /NC-ASSAY .*your default/);
  await picker.selectOption({ label: 'NC-SEQ — Sequencing pilot' });
  await form.getByLabel('What you need').fill('Three loads of pipette tips, Friday morning');
  await form.getByRole('button', { name: 'Send request' }).click();
  const sent = page.getByText(/^Request \d+ sent$/);
  await sent.waitFor();
  const id = Number((await sent.textContent()).match(/\d+/)[0]);
  await page.getByRole('row', { name: /Three loads of pipette tips/ }).getByText('Requested', { exact: true }).waitFor();
  await shot(page, 'services-member-phone');
  noProblems(page);

  const staff = await newPage(browser);
  await signIn(staff, 'staff');
  await staff.goto(`${BASE}/services`);
  const row = staff.getByRole('row', { name: /Three loads of pipette tips/ });
  await row.getByLabel('Price per unit (EUR, excl. VAT)').fill('22.50');
  await row.getByLabel('Valid until').fill('2027-04-15');
  await row.getByRole('button', { name: 'Send quote' }).click();
  await row.getByText('Quoted', { exact: true }).waitFor();
  await row.getByText(/€67\.50 excl\. VAT, valid until 2027-04-15/).waitFor();
  noProblems(staff);

  await page.reload();
  const mine = page.getByRole('row', { name: /Three loads of pipette tips/ });
  await mine.getByRole('button', { name: 'Accept quote' }).click();
  await mine.getByText('Accepted', { exact: true }).waitFor();
  const r = await apiAs('novaLab', 'GET', `/api/v1/service-requests/${id}`);
  assert.equal(r.body.status, 'accepted');
  assert.equal(r.body.quote.unit_cents, 2250);
  const seq = (await apiAs('novaLab', 'GET', `/api/v1/tenants/${(await apiAs('novaLab', 'GET', '/api/v1/me')).body.tenant_id}/projects`))
    .body.projects.find((p) => p.code === 'NC-SEQ');
  assert.equal(r.body.project_id, seq.id);

  /* the manager's report lists it among the open requests */
  await staff.goto(`${BASE}/billing`);
  const open = staff.getByRole('table', { name: 'Open service requests' });
  await open.getByRole('row', { name: new RegExp(`^${id} Autoclave load`) }).getByText('Accepted', { exact: true }).waitFor();
  noProblems(staff);
});

test('staff log a consumable for someone, on a project of that person\'s company', async () => {
  const people = await apiAs('staff', 'GET', '/api/v1/people');
  const bram = people.body.people.find((p) => p.email === 'lab@novacell.example');
  const projects = await apiAs('staff', 'GET', `/api/v1/tenants/${bram.tenant_id}/projects`);
  const code = (id) => projects.body.projects.find((p) => p.id === id).code;
  const page = await newPage(browser);
  await signIn(page, 'staff');
  await page.goto(`${BASE}/consumables`);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Log', exact: true }) });
  await form.getByLabel('Person').selectOption(String(bram.id));
  const picker = form.getByLabel('Project');
  await picker.locator('option:checked', { hasText: 'NC-ASSAY' }).waitFor({ state: 'attached' });
  assert.match(await picker.locator('option:checked').textContent(), /\(their default\)/);
  const seq = projects.body.projects.find((p) => p.code === 'NC-SEQ');
  await picker.selectOption(String(seq.id));
  await form.getByLabel('Item').selectOption({ label: 'Nitrile gloves, box of 100 (M) (pieces)' });
  await form.getByLabel('Quantity').fill('1');
  await form.getByRole('button', { name: 'Log', exact: true }).click();
  await page.getByText(/Nitrile gloves.*logged/).waitFor();
  const uses = await apiAs('staff', 'GET', '/api/v1/consumable-usage');
  const mine = uses.body.usage.filter((u) => u.person_id === bram.id).sort((a, b) => b.id - a.id)[0];
  assert.equal(code(mine.project_id), 'NC-SEQ');
  noProblems(page);
  await page.close();
});

test('the consumables terminal', async () => {
  const page = await newPage(browser);
  await signIn(page, 'bioLab');
  await page.goto(`${BASE}/consumables`);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Log', exact: true }) });
  await form.getByLabel('Item').selectOption({ label: 'Liquid nitrogen (litres)' });
  await form.getByLabel('Quantity').fill('4.5');
  await form.getByText('Estimate: €12.38 excl. VAT (€14.98 incl. VAT)').waitFor();
  await form.getByRole('button', { name: 'Log', exact: true }).click();
  await page.getByText('4.5 Liquid nitrogen logged: €12.38').waitFor();
  await page.getByRole('row', { name: /4\.5 litres/ }).getByText('€12.38').waitFor();
  /* a quantity the unit cannot have is refused in words */
  await form.getByLabel('Item').selectOption({ label: 'Nitrile gloves, box of 100 (M) (pieces)' });
  await form.getByLabel('Quantity').fill('1.5');
  await form.getByRole('button', { name: 'Log', exact: true }).click();
  await page.getByText(/whole number/).waitFor();
  await shot(page, 'consumables-terminal');
  noProblems(page);
});
