// reports.test.mjs: staff read the month report on the Billing page: per
// resource and per company the bookings, hours booked and used, no-shows
// and income, the figures those of GET /api/v1/reports/usage, and a CSV of
// the same month. Desktop.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs, resourceId, futureMonday, siteTime } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('the month report shows what the API reports, with a CSV of the month', async () => {
  const day = futureMonday(0);
  const month = day.slice(0, 7);   /* this month, or the next at a month's end */
  const made = await apiAs('novaLab', 'POST', '/api/v1/reservations',
    { resource_id: await resourceId('Meeting room Pasteur'), start: siteTime(day, 15), end: siteTime(day, 16, 30), title: 'Month report' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const rep = await apiAs('staff', 'GET', `/api/v1/reports/usage?period=${month}`);
  assert.equal(rep.status, 200);
  assert.ok(rep.body.resources.length > 0, 'the demo month has bookings');
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await signIn(page, 'staff');
  await page.goto(`${BASE}/billing`);
  const card = page.locator('section', { has: page.getByRole('heading', { name: 'Month report' }) });
  await card.getByLabel('Month').selectOption(month);
  const byResource = card.getByRole('table', { name: 'By resource' });
  await byResource.waitFor();
  const first = rep.body.resources[0];
  const row = byResource.getByRole('row', { name: new RegExp(first.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
  await row.getByRole('cell', { name: String(first.bookings), exact: true }).first().waitFor();
  const hours = `${Math.floor(first.booked_minutes / 60)}:${String(first.booked_minutes % 60).padStart(2, '0')} h`;
  await row.getByRole('cell', { name: hours, exact: true }).first().waitFor();
  await card.getByRole('table', { name: 'By company' }).waitFor();
  const csv = await card.getByRole('link', { name: 'CSV' }).getAttribute('href');
  assert.equal(csv, `/api/v1/reports/usage.csv?period=${month}`);
  await shot(page, 'month-report');
  noProblems(page);
  await page.close();
});
