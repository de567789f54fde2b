// training.test.mjs: a booking refused for training names every training
// that is missing, with who gives it and when; the member asks for one of
// them; staff see the request on the Trainings page, grant it, and read the
// training matrix of the lab and of the company. Desktop and phone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs, futureMonday } from './lib.mjs';

let browser, res;
before(async () => {
  browser = await launch();
  const a = await apiAs('staff', 'POST', '/api/v1/qualifications', { name: 'Cryostat handling', validity_days: 365, instructor: 'Mila Vos, cryo lab', next_session: '2030-01-07T10:00:00+01:00' });
  const b = await apiAs('staff', 'POST', '/api/v1/qualifications', { name: 'Liquid nitrogen safety', validity_days: 365 });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  const r = await apiAs('staff', 'POST', '/api/v1/resources', { name: 'Cryostat CR-2', kind: 'equipment', required_qualifications: [a.body.id, b.body.id], max_advance_days: 365 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  res = r.body.id;
});
after(async () => { await browser.close(); });

test('a refusal lists every missing training; the member asks for one (phone)', async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, 'bioLab');
  await page.goto(`${BASE}/calendar?target=r:${res}&view=day&date=${futureMonday(2)}`);
  await page.getByRole('button', { name: 'New booking' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Lab, equipment or room').selectOption({ label: 'Cryostat CR-2' });
  await dlg.getByLabel('Date', { exact: true }).fill(futureMonday(2));
  await dlg.getByLabel('From').fill('10:00');
  await dlg.getByLabel('Until').fill('11:00');
  await dlg.getByText(/^Estimated cost: /).waitFor();   /* the price comes before the refusal */
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  const alert = dlg.getByRole('alert').filter({ hasText: 'Training needed' });
  await alert.getByText('This booking needs 2 trainings you do not have yet:').waitFor();
  await alert.getByText(/given by Mila Vos, cryo lab · next session/).waitFor();
  await alert.getByText(/ask the facility desk who gives it · no session planned yet/).waitFor();
  await alert.getByRole('button', { name: 'Request training: Liquid nitrogen safety' }).click();
  await alert.locator('li', { hasText: 'Liquid nitrogen safety' }).getByText('Requested').waitFor();
  await shot(page, 'training-refusal-phone');
  noProblems(page);
  await page.close();
});

test('staff grant the requested training and read the matrix of the lab and of the company', async () => {
  const page = await newPage(browser);
  await signIn(page, 'staff');
  await page.goto(`${BASE}/trainings`);
  const req = page.getByRole('table', { name: 'Training requests' }).getByRole('row', { name: /Liquid nitrogen safety/ });
  await req.waitFor();
  await req.getByRole('button', { name: /^Grant: Liquid nitrogen safety/ }).click();
  await page.getByText(/"Liquid nitrogen safety" is granted to/).waitFor();
  await page.getByText('No open training requests.').waitFor();
  // a lab's matrix: its required training, its people
  await page.getByLabel('Of', { exact: true }).selectOption({ label: 'ML-1 Lab A' });
  await page.getByRole('table', { name: 'Training matrix: ML-1 Lab A' }).getByText('ML-1 biosafety induction').waitFor();
  // an instrument's matrix through the API (the page offers companies and labs)
  await page.getByLabel('Of', { exact: true }).selectOption({ label: 'BioSense Medical B.V.' });
  const matrix = page.getByRole('table', { name: 'Training matrix: BioSense Medical B.V.' });
  await matrix.waitFor();
  const row = matrix.getByRole('row', { name: /lab@biosense\.example|BioSense/ }).first();
  await row.waitFor();
  assert.match(await matrix.textContent(), /Liquid nitrogen safety/);
  await shot(page, 'training-matrix');
  const mx = await apiAs('staff', 'GET', `/api/v1/training-matrix?resource_id=${res}`);
  assert.equal(mx.status, 200);
  assert.deepEqual(mx.body.qualifications.map((q) => q.name), ['Cryostat handling', 'Liquid nitrogen safety']);
  const bio = mx.body.people.find((p) => p.email === 'lab@biosense.example');
  assert.deepEqual(bio.cells.map((c) => c.state), ['missing', 'valid']);
  noProblems(page);
  await page.close();
});
