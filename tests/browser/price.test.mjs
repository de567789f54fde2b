// price.test.mjs: money before it is spent. A NovaCell member sees their
// company's price of an instrument in the calendar, the estimated cost in
// the booking form (peak and off-peak, VAT, the cancellation deadline as a
// time, what going in early costs) as the times change, the same on the
// reservation, and before cancelling a booking inside its late window what
// cancelling costs; the cancellation charge billed is that amount. On a
// desktop and on a phone. The instrument is made for this test (its own
// plan and policy), so no other test's figures move.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, NOW_MS, launch, newPage, signIn, shot, noProblems, apiAs, futureMonday, siteTime } from './lib.mjs';

let browser, inc;
const VIEWPORTS = [['desktop', { width: 1280, height: 1000 }], ['phone', { width: 390, height: 844 }]];

before(async () => {
  browser = await launch();
  const made = await apiAs('staff', 'POST', '/api/v1/resources', { name: 'Incubator INC-7', kind: 'equipment', capacity: 1, max_advance_days: 365 });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  inc = made.body.id;
  const plan = await apiAs('staff', 'POST', '/api/v1/rate-plans', {
    name: 'Incubator INC-7', resource_id: inc, effective_from: '2020-01-01', peak_cents_per_hour: 4000, offpeak_cents_per_hour: 2000,
    peak_windows: [{ days: 'mon-fri', from: '08:00', to: '18:00' }], round_minutes: 15 });
  assert.equal(plan.status, 201, JSON.stringify(plan.body));
  const pol = await apiAs('staff', 'PUT', `/api/v1/resources/${inc}/billing-policy`, {
    basis: 'actual', free_cancel_hours: 48, cancel_fee_kind: 'fixed', cancel_fee_amount: 3000, no_show_fee_kind: 'fixed', no_show_fee_amount: 2000 });
  assert.equal(pol.status, 200, JSON.stringify(pol.body));
});
after(async () => { await browser.close(); });

for (const [name, viewport] of VIEWPORTS) {
  test(`${name}: the price and the estimate before booking, and on the reservation`, async () => {
    const page = await newPage(browser, { viewport });
    await signIn(page, 'novaLab');
    const day = futureMonday(name === 'phone' ? 3 : 2);
    await page.goto(`${BASE}/calendar?target=r:${inc}&view=day&date=${day}`);
    await page.locator('.cal-prices').getByText(/Incubator INC-7: €40\.00 per hour at peak times \(Mon–Fri 08:00–18:00\), €20\.00 per hour otherwise/).waitFor();
    await page.getByRole('button', { name: 'New booking' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.getByLabel('Lab, equipment or room').selectOption({ label: 'Incubator INC-7' });
    await dlg.getByLabel('Date', { exact: true }).fill(day);
    await dlg.getByLabel('From').fill('10:00');
    await dlg.getByLabel('Until').fill('12:00');
    const est = dlg.getByRole('region', { name: 'Estimated cost' });
    await est.getByText('Estimated cost: €96.80 incl. VAT (€80.00 excl. VAT)').waitFor();
    await est.getByText('Peak hours: 2 h × €40.00 = €80.00').waitFor();
    await est.getByText(/^Free cancellation until .*; after that cancelling costs €30\.00\.$/).waitFor();
    await est.getByText('If nobody checks in: €20.00.').waitFor();
    await est.getByText(/entering 15 minutes early adds up to €10\.00/).waitFor();
    // a longer booking runs into the evening: the off-peak part appears
    await dlg.getByLabel('Until').fill('19:00');
    await est.getByText('Off-peak hours: 1 h × €20.00 = €20.00').waitFor();
    await est.getByText('Estimated cost: €411.40 incl. VAT (€340.00 excl. VAT)').waitFor();
    await dlg.getByLabel('Until').fill('12:00');
    await est.getByText('Estimated cost: €96.80 incl. VAT (€80.00 excl. VAT)').waitFor();
    await shot(page, `estimate-${name}`);
    await dlg.getByRole('button', { name: 'Book', exact: true }).click();
    await dlg.getByText('Booked', { exact: true }).waitFor();
    await dlg.getByRole('button', { name: 'Done' }).click();
    // the reservation shows the same figures; cancelling now is free
    await page.goto(`${BASE}/reservations`);
    const mine = await apiAs('novaLab', 'GET', `/api/v1/reservations?scope=mine&from=${encodeURIComponent(siteTime(day, 0))}&to=${encodeURIComponent(siteTime(day, 23))}`);
    const r = mine.body.reservations.find((x) => x.resource_id === inc && x.start === siteTime(day, 10));
    assert.ok(r, 'the booking exists');
    await page.getByRole('button', { name: 'Details' }).first().waitFor();
    await page.locator('li, tr, article').filter({ hasText: 'Incubator INC-7' }).first().getByRole('button', { name: 'Details' }).click();
    const det = page.getByRole('dialog');
    await det.getByText('Estimated cost: €96.80 incl. VAT (€80.00 excl. VAT)').waitFor();
    await det.getByText('Cancelling now is free.').waitFor();
    const fromApi = await apiAs('novaLab', 'GET', `/api/v1/reservations/${r.id}/estimate`);
    assert.equal(fromApi.body.net_cents, 8000);
    await page.keyboard.press('Escape');
    await det.waitFor({ state: 'detached' });
    noProblems(page);
    await page.close();
  });
}

test('cancelling inside the late window says what it costs, and that is what is billed', async () => {
  // a booking two hours from now: well inside the 48-hour window
  const startMs = Math.ceil((NOW_MS + 2 * 3600e3) / 900e3) * 900e3;
  const made = await apiAs('novaLab', 'POST', '/api/v1/reservations', {
    resource_id: inc, start: new Date(startMs).toISOString(), end: new Date(startMs + 3600e3).toISOString(), title: 'Late plate' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, 'novaLab');
  await page.goto(`${BASE}/reservations`);
  const row = page.locator('li, tr, article').filter({ hasText: 'Late plate' }).first();
  await row.getByRole('button', { name: /^Cancel/ }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByText('Cancelling now costs €30.00 (excl. VAT).').waitFor();
  await shot(page, 'cancel-late-fee');
  await dlg.getByRole('button', { name: 'Cancel reservation' }).click();
  await page.getByText('The reservation is cancelled.').waitFor();
  // the site month of the start (formatToParts: Node's ICU builds spell en-CA dates differently)
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit' })
    .formatToParts(new Date(startMs)).map((x) => [x.type, x.value]));
  const period = `${parts.year}-${parts.month}`;
  const ch = await apiAs('novaLab', 'GET', `/api/v1/charges?period=${period}`);
  assert.equal(ch.status, 200, JSON.stringify(ch.body));
  const fee = ch.body.charges.find((c) => c.reservation_id === made.body.id);
  assert.ok(fee, 'a cancellation charge');
  assert.equal(fee.kind, 'cancellation');
  assert.equal(fee.net_cents, 3000, 'billed what the dialog said');
  noProblems(page);
  await page.close();
});
