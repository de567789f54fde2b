// staff.test.mjs: facility staff approve a requested booking, grant a
// training, onboard and suspend a tenant, look at resources and their rules,
// add a door and watch its events, run and open invoices, and set the
// language a person gets e-mails in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs, resourceId, futureMonday, addDays, siteTime, NOW_MS } from './lib.mjs';

let browser, page, rsvId;
const day = addDays(futureMonday(1), 2);
const soon = addDays(futureMonday(0), 14);

before(async () => {
  browser = await launch();
  page = await newPage(browser);
  const ac = await resourceId('Autoclave AC-1');
  const r = await apiAs('novaLab', 'POST', '/api/v1/reservations',
    { resource_id: ac, start: siteTime(day, 9), end: siteTime(day, 10), title: 'Sterilise media' });
  assert.equal(r.status, 201);
  assert.equal(r.body.status, 'requested');
  rsvId = r.body.id;
  await signIn(page, 'staff');
});
after(async () => { await browser.close(); });

test('staff approve a requested reservation', async () => {
  await page.goto(`${BASE}/approvals`);
  const item = page.locator(`li[data-rsv="${rsvId}"]`);
  await item.getByText('Sterilise media').waitFor();
  await shot(page, 'approvals');
  await item.getByRole('button', { name: /^Approve/ }).click();
  await page.getByRole('status').filter({ hasText: 'is confirmed' }).waitFor();
  await item.waitFor({ state: 'detached' });
  const r = await apiAs('staff', 'GET', `/api/v1/reservations/${rsvId}`);
  assert.equal(r.body.status, 'confirmed');
  noProblems(page);
});

test('staff grant a training and see what expires soon', async () => {
  await page.goto(`${BASE}/trainings`);
  await page.getByLabel('Person').selectOption({ label: 'Dewi Smit — BioSense Medical B.V.' });
  await page.getByLabel('Training', { exact: true }).selectOption({ label: 'ML-1 biosafety induction (365 days)' });
  await page.getByLabel('Valid until').fill(soon);
  await page.getByRole('button', { name: 'Grant', exact: true }).click();
  await page.getByText('Dewi Smit holds "ML-1 biosafety induction" until').waitFor();
  await page.getByRole('row', { name: /Dewi Smit.*ML-1 biosafety induction.*Expires soon/ }).waitFor();
  await shot(page, 'trainings');
  const people = await apiAs('staff', 'GET', '/api/v1/people');
  const dewi = people.body.people.find((p) => p.email === 'lab@biosense.example');
  const g = await apiAs('staff', 'GET', `/api/v1/qualification-grants?person_id=${dewi.id}`);
  assert.ok(g.body.grants.some((x) => x.name === 'ML-1 biosafety induction' && x.valid));
  noProblems(page);
});

test('staff create and suspend a tenant', async () => {
  await page.goto(`${BASE}/tenants`);
  await page.getByRole('button', { name: 'New tenant' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Name', { exact: true }).fill('Test Instruments B.V.');
  await dlg.getByLabel('KvK number').fill('11223344');
  await dlg.getByLabel('Billing e-mail').fill('billing@testinstruments.example');
  await dlg.getByRole('button', { name: 'Create tenant' }).click();
  const row = page.getByRole('row', { name: /Test Instruments B\.V\./ });
  await row.waitFor();
  // the new tenant's person books the meeting room; suspending shows it and cancels it
  const tenants = await apiAs('staff', 'GET', '/api/v1/tenants');
  const tid = tenants.body.tenants.find((x) => x.name === 'Test Instruments B.V.').id;
  const person = await apiAs('staff', 'POST', `/api/v1/tenants/${tid}/members`, { email: 'lab@testinstruments.example', name: 'Tess Test', role: 'member' });
  assert.equal(person.status, 201);
  const day = futureMonday(5);
  const booked = await apiAs('staff', 'POST', '/api/v1/reservations', {
    resource_id: await resourceId('Meeting room Pasteur'), start: siteTime(day, 10), end: siteTime(day, 11), person_id: person.body.id });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  await row.getByRole('button', { name: 'Suspend' }).click();
  const dlg2 = page.getByRole('dialog');
  await dlg2.getByText('1 booking still ahead, made by 1 person').waitFor();
  await dlg2.getByLabel(/^Cancel them/).check();
  assert.equal(await dlg2.getByLabel('Tell the person with a booking by e-mail').isChecked(), true);
  await shot(page, 'tenant-suspend');
  await dlg2.getByRole('button', { name: 'Suspend' }).click();
  await page.getByText('Test Instruments B.V. is suspended. 1 booking cancelled. 1 person told.').waitFor();
  await row.getByText('Suspended').waitFor();
  const after = await apiAs('staff', 'GET', `/api/v1/reservations/${booked.body.id}`);
  assert.equal(after.body.status, 'cancelled');
  await shot(page, 'tenants');
  noProblems(page);
});

test('staff see resources with their rules and can open the editor', async () => {
  await page.goto(`${BASE}/resources`);
  const row = page.getByRole('row', { name: /Autoclave AC-1/ });
  await row.getByText('needs approval').waitFor();
  await shot(page, 'resources');
  await row.getByRole('button', { name: /^Edit/ }).click();
  const dlg = page.getByRole('dialog');
  assert.equal(await dlg.getByLabel('Bookings need approval by staff').isChecked(), true);
  await dlg.getByLabel('Book ahead at most (days)').fill('120');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Autoclave AC-1 is saved.').waitFor();
  const ac = await apiAs('staff', 'GET', `/api/v1/resources/${await resourceId('Autoclave AC-1')}`);
  assert.equal(ac.body.max_advance_days, 120);
  assert.equal(ac.body.approval_required, true, 'the other rules are kept');
  noProblems(page);
});

test('staff run the month as drafts, check them, issue all and open one (HTML, UBL, PDF, CSV)', async () => {
  await page.goto(`${BASE}/billing`);
  await page.getByRole('heading', { level: 1, name: 'Billing' }).waitFor();
  // Last month: the demo's monthly fees give every tenant something to bill.
  assert.ok(await page.getByLabel('As drafts (check, then issue)').isChecked(), 'drafts first');
  await page.getByRole('button', { name: 'Run invoices' }).click();
  const done = page.locator('#main').getByRole('status').filter({ hasText: 'Invoices created' });
  await done.waitFor();
  assert.match(await done.textContent(), /\d+ new drafts for /);
  // Every company's draft with its lines, each line with an Exclude button.
  const drafts = page.locator('section[aria-labelledby="draft-h"]');
  const nova = drafts.locator('section.draft', { hasText: 'NovaCell Diagnostics' });
  await nova.waitFor();
  assert.ok(await nova.getByRole('button', { name: /^Exclude/ }).count() >= 1, 'lines can be excluded');
  await shot(page, 'billing-drafts');
  await page.getByRole('button', { name: 'Issue all drafts' }).click();
  await page.locator('#main').getByRole('status').filter({ hasText: /\d+ invoices issued/ }).waitFor();
  await drafts.getByText('No drafts for this month').waitFor();
  // The invoices card, not the running charges above it (which name tenants too).
  const invoices = page.locator('section[aria-labelledby="inv-h"]');
  const row = invoices.getByRole('row', { name: /NovaCell Diagnostics/ }).first();
  await row.waitFor();
  await shot(page, 'billing');
  const [tab] = await Promise.all([page.context().waitForEvent('page'), row.getByRole('link', { name: /^View/ }).click()]);
  await tab.waitForLoadState();
  assert.match(await tab.textContent('body'), /MedTech Factory/);
  assert.match(await tab.textContent('body'), /NovaCell Diagnostics/);
  await shot(tab, 'invoice-html');
  await tab.close();
  for (const [name, type] of [['UBL', /xml/], ['PDF', /pdf/], ['CSV', /csv/]]) {
    const href = await row.getByRole('link', { name: new RegExp(`^${name}`) }).getAttribute('href');
    const res = await page.request.get(`${BASE}${href}`);
    assert.equal(res.status(), 200, `${name} download`);
    assert.match(res.headers()['content-type'], type);
  }
  noProblems(page);
});

test('staff add a door, see its events live and who entered the lab', async () => {
  await page.goto(`${BASE}/doors`);
  await page.getByRole('heading', { level: 1, name: 'Doors' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('lab-b-side');
  await page.getByLabel('Door group').selectOption({ value: 'ml1-b' });
  await page.getByRole('button', { name: 'Add door' }).click();
  await page.getByText('lab-b-side is added').waitFor();
  const key = await page.getByRole('textbox', { name: 'Door API key' }).inputValue();
  assert.ok(key.length > 20, 'the door key is shown once');
  const list = await apiAs('staff', 'GET', '/api/v1/doors');
  const door = list.body.doors.find((d) => d.name === 'lab-b-side');
  const people = await apiAs('staff', 'GET', '/api/v1/people');
  const bram = people.body.people.find((p) => p.email === 'lab@novacell.example');
  const at = new Date(NOW_MS - 60000).toISOString().replace(/\.\d+Z$/, 'Z');
  const up = await fetch(`${BASE}/api/v1/doors/${door.id}/events`, {
    method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ events: [{ id: 'browser-test-1', time: at, kind: 'admission', person_id: bram.id }], queue_length: 0 }),
  });
  assert.equal(up.status, 200);
  await page.locator('.events li', { hasText: 'lab-b-side: Bram Visser — entered' }).waitFor({ timeout: 12000 });
  await page.getByLabel('Lab', { exact: true }).selectOption({ value: 'ml1-b' });
  await page.getByRole('button', { name: 'Show who entered' }).click();
  await page.getByRole('cell', { name: 'Bram Visser' }).waitFor();
  await shot(page, 'doors');
  // a refusal and an alarm read as sentences, not codes
  const up2 = await fetch(`${BASE}/api/v1/doors/${door.id}/events`, {
    method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', 'User-Agent': 'labpass-door/0.23.0' },
    body: JSON.stringify({ events: [
      { id: 'browser-test-2', time: at, kind: 'denied', reason: 'holder_proof_failed' },
      { id: 'browser-test-3', time: at, kind: 'alarm', alarm: 'forced_open' }] }),
  });
  assert.equal(up2.status, 200);
  await page.locator('.events li', { hasText: 'refused (The phone or card could not prove it holds this pass (a copy?))' }).waitFor({ timeout: 12000 });
  await page.locator('.events li', { hasText: 'lab-b-side: Alarm: The door was forced open' }).waitFor();
  assert.equal(await page.locator('.events').getByText('holder_proof_failed').count(), 0);
  noProblems(page);
});

test('staff rename a door, give a replaced reader a new key, and retire a door', async () => {
  await page.goto(`${BASE}/doors`);
  const row = () => page.getByRole('row', { name: /lab-b-side/ });
  await row().getByRole('button', { name: 'Edit: lab-b-side' }).click();
  let dlg = page.getByRole('dialog');
  await dlg.getByLabel('Name', { exact: true }).fill('lab-b-back');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.getByText('lab-b-back is saved.').waitFor();
  const back = page.getByRole('row', { name: /lab-b-back/ });
  await back.getByText('Alarm in 24 h').waitFor();
  const list = await apiAs('staff', 'GET', '/api/v1/doors');
  const door = list.body.doors.find((d) => d.name === 'lab-b-back');
  assert.ok(door, 'renamed on the server');
  await back.getByRole('button', { name: 'New key: lab-b-back' }).click();
  dlg = page.getByRole('dialog');
  await dlg.getByRole('button', { name: 'Make a new key' }).click();
  await dlg.getByText('lab-b-back has a new key').waitFor();
  const key = await dlg.getByRole('textbox', { name: 'Door API key' }).inputValue();
  const sync = await fetch(`${BASE}/api/v1/doors/${door.id}/sync`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(sync.status, 200, 'the new key works');
  await dlg.getByRole('button', { name: 'Close' }).last().click();
  await back.getByRole('button', { name: 'Retire: lab-b-back' }).click();
  dlg = page.getByRole('dialog');
  await dlg.getByText(/switch it off/).waitFor();
  await shot(page, 'door-retire');
  await dlg.getByRole('button', { name: 'Retire', exact: true }).click();
  await page.getByText('lab-b-back is retired.').waitFor();
  await page.getByRole('row', { name: /lab-b-back/ }).waitFor({ state: 'detached' });
  const after = await fetch(`${BASE}/api/v1/doors/${door.id}/sync`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(after.status, 401, 'a retired door\'s key no longer works');
  noProblems(page);
});

test('staff set the language a person gets e-mails in', async () => {
  const people = await apiAs('staff', 'GET', '/api/v1/people');
  const p = people.body.people.find((x) => x.email === 'lab@biosense.example');
  assert.equal(p.language, 'en');
  await page.goto(`${BASE}/people`);
  const sel = page.getByLabel(`E-mail language: ${p.name || p.email}`);
  await sel.selectOption('nl');
  await page.getByText(`${p.name || p.email} now gets e-mails in Dutch.`).waitFor();
  assert.equal((await apiAs('staff', 'GET', `/api/v1/people/${p.id}`)).body.language, 'nl');
  await sel.selectOption('en');
  await page.getByText(`${p.name || p.email} now gets e-mails in English.`).waitFor();
  assert.equal((await apiAs('staff', 'GET', `/api/v1/people/${p.id}`)).body.language, 'en');
  noProblems(page);
});
