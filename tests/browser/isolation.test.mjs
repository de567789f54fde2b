// isolation.test.mjs: a member of another tenant sees NovaCell's booking
// only as a busy block ("3 of 4 free" on the four-bench ML-1 Lab A; no title,
// no person, not in the page at all), and a
// missing training is explained when they try to book.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs, resourceId, futureMonday, addDays, siteTime, column } from './lib.mjs';

let browser, page, labA;
const day = addDays(futureMonday(1), 1);

before(async () => {
  browser = await launch();
  page = await newPage(browser);
  labA = await resourceId('ML-1 Lab A');
  const r = await apiAs('novaAdmin', 'POST', '/api/v1/reservations',
    { resource_id: labA, start: siteTime(day, 10), end: siteTime(day, 12), title: 'NovaCell secret assay' });
  assert.equal(r.status, 201);
});
after(async () => { await browser.close(); });

test('another tenant sees only a busy block, without details', async () => {
  await signIn(page, 'bioLab');
  const answers = [];
  const pending = [];
  const listen = (res) => {
    if (res.url().includes('/api/v1/reservations?')) pending.push(res.text().then((x) => answers.push(x), () => {}));
  };
  page.on('response', listen);
  await page.goto(`${BASE}/calendar?target=r:${labA}&view=day&date=${day}`);
  const busy = column(page, day, labA).locator('.cal-ev.busy');
  await busy.first().waitFor();
  // ML-1 Lab A has four benches: one taken leaves the time bookable, and says so.
  assert.match(await busy.first().textContent(), /3 of 4 free\s*10:00–12:00/);
  assert.ok((await busy.first().getAttribute('class')).includes('partial'), 'a partly taken slot is drawn as still bookable');
  assert.equal(await column(page, day, labA).locator('button.cal-ev').count(), 0, 'nothing to open');
  await Promise.all(pending);
  page.off('response', listen);
  const html = await page.content();
  assert.ok(!html.includes('NovaCell secret assay'), 'the title is not in the page');
  assert.ok(answers.length > 0 && answers.every((a) => !a.includes('NovaCell secret assay') && !a.includes('"person_id"')), 'the server sent no details');
  await shot(page, 'calendar-other-tenant-busy');
  noProblems(page);
});

test('a missing training is explained (403)', async () => {
  await page.getByRole('button', { name: 'New booking' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Lab, equipment or room').selectOption({ label: 'ML-1 Lab A' });
  await dlg.getByLabel('Date', { exact: true }).fill(day);
  await dlg.getByLabel('From').fill('14:00');
  await dlg.getByLabel('Until').fill('15:00');
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  const alert = dlg.getByRole('alert').filter({ hasText: 'Training needed' });
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /ML-1 biosafety induction/);
  assert.match(text, /given by Dr\. Eva Jansen, biosafety officer/);
  assert.match(text, /next session/);
  await alert.getByRole('button', { name: 'Request training: ML-1 biosafety induction' }).click();
  await alert.getByText('Requested').waitFor();
  await shot(page, 'booking-training-missing');
  noProblems(page);
});


test('a reached weekly quota is explained (422)', async () => {
  const labB = await resourceId('ML-1 Lab B');
  const week = futureMonday(3);
  for (let i = 0; i < 5; i++) {
    const d = addDays(week, i);
    const r = await apiAs('bioAdmin', 'POST', '/api/v1/reservations', { resource_id: labB, start: siteTime(d, 8), end: siteTime(d, 16) });
    assert.equal(r.status, 201, `set-up booking ${d}`);
  }
  await page.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'New booking' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Lab, equipment or room').selectOption({ label: 'ML-1 Lab B' });
  await dlg.getByLabel('Date', { exact: true }).fill(week);
  await dlg.getByLabel('From').fill('16:00');
  await dlg.getByLabel('Until').fill('17:00');
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  const alert = dlg.getByRole('alert').filter({ hasText: 'weekly quota' });
  await alert.waitFor();
  assert.match(await alert.textContent(), /weekly quota of 40 h on this resource would be exceeded \(40 h already booked\)/);
  await dlg.getByRole('button', { name: 'Cancel' }).click();
  noProblems(page);
});

test('members do not see staff or admin pages', async () => {
  for (const path of ['/tenants', '/people', '/approvals', '/doors']) {
    await page.goto(`${BASE}${path}`);
    await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
  }
  const nav = await page.getByRole('navigation', { name: 'Main' }).textContent();
  assert.ok(!/Tenants|Approvals|People/.test(nav), 'no staff or admin entries in the menu');
  noProblems(page);
});
