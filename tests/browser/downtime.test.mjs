// downtime.test.mjs: a member reports a problem from the Instruments page
// and sees their report and its state; staff see it under Incidents,
// acknowledge it, and take a resource out of service from the Downtime tab:
// the bookings it meets are listed before confirming, and after it the
// people told with the slots offered; staff then change its end and resolve
// the report, each in a dialog. Desktop.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs, resourceId, futureMonday, siteTime, dialogClosed } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('a member reports a problem; staff acknowledge it and plan downtime after seeing the bookings it meets', async () => {
  const room = await resourceId('Meeting room Pasteur');
  const day = futureMonday(2);
  const made = await apiAs('novaLab', 'POST', '/api/v1/reservations',
    { resource_id: room, start: siteTime(day, 10), end: siteTime(day, 11), title: 'Supplier visit' });
  assert.equal(made.status, 201, JSON.stringify(made.body));

  // the member reports the problem
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await signIn(page, 'novaLab');
  await page.goto(`${BASE}/instruments?id=${room}`);
  const report = page.locator('section', { has: page.getByRole('heading', { name: 'Report a problem' }) });
  await report.getByLabel('Severity').selectOption('high');
  await report.getByLabel('What is wrong').fill('The projector does not switch on; the screen stays black');
  await report.getByRole('button', { name: 'Send report' }).click();
  await page.getByText('Thank you: staff are told.').waitFor();
  const mine = report.getByRole('table', { name: 'Your reports' });
  await mine.getByRole('cell', { name: /projector does not switch on/ }).waitFor();
  await mine.getByRole('cell', { name: 'Open', exact: true }).waitFor();
  await shot(page, 'incident-reported');
  noProblems(page);
  await page.close();

  // staff acknowledge it and take the room out of service that Monday
  const sp = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await signIn(sp, 'staff');
  await sp.goto(`${BASE}/instruments?id=${room}`);
  const ops = sp.locator('section', { has: sp.getByRole('heading', { name: 'Staff: incidents, log and downtime' }) });
  const row = ops.getByRole('row', { name: /projector does not switch on/ });
  await row.getByRole('button', { name: 'Acknowledge' }).click();
  await sp.getByText('The report is acknowledged.').waitFor();
  await ops.getByRole('row', { name: /projector does not switch on/ }).getByRole('cell', { name: 'Being handled' }).waitFor();

  await ops.getByRole('tab', { name: 'Downtime' }).click();
  await ops.getByLabel('Kind').selectOption('planned');
  await ops.getByLabel('Reason').fill('Projector replaced by the AV supplier');
  await ops.getByLabel('From date').fill(day);
  await ops.getByLabel('From time').fill('09:00');
  await ops.getByLabel('Until date').fill(day);
  await ops.getByLabel('Until time').fill('12:00');
  await ops.getByLabel('Bookings in this period').selectOption('keep');
  await ops.getByRole('button', { name: 'Show affected bookings' }).click();
  await ops.getByRole('heading', { name: 'Bookings in this period: 1' }).waitFor();
  const affected = ops.getByRole('table', { name: 'Affected bookings' });
  await affected.getByRole('cell', { name: 'Supplier visit' }).waitFor();
  await shot(sp, 'downtime-preview');
  await ops.getByRole('button', { name: 'Confirm downtime' }).click();
  await sp.getByText('The resource is out of service; 1 bookings were dealt with.').waitFor();
  const told = ops.getByRole('table', { name: 'Affected bookings' });
  await told.getByRole('cell', { name: /Meeting room Pasteur: / }).waitFor();   /* a free slot offered */

  const list = await apiAs('staff', 'GET', `/api/v1/downtimes?resource_id=${room}`);
  assert.equal(list.status, 200);
  assert.ok(list.body.downtimes.some((d) => d.reason === 'Projector replaced by the AV supplier' && d.kind === 'planned'));
  const refused = await apiAs('novaLab', 'POST', '/api/v1/reservations',
    { resource_id: room, start: siteTime(day, 11), end: siteTime(day, 12) });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.field, 'downtime');

  // the work takes an hour longer: a new end, in the site's time
  await sp.goto(`${BASE}/instruments?id=${room}`);
  await ops.getByRole('tab', { name: 'Downtime' }).click();
  await ops.getByRole('table', { name: 'Downtime' }).getByRole('row', { name: /Projector replaced/ })
    .getByRole('button', { name: 'Change end' }).click();
  const dlg = sp.getByRole('dialog', { name: 'Change the end of the downtime' });
  assert.equal(await dlg.getByLabel('Until date').inputValue(), day);
  assert.equal(await dlg.getByLabel('Until time').inputValue(), '12:00');
  await dlg.getByLabel('Until time').fill('13:00');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dialogClosed(sp, dlg);
  await sp.getByText('The end is changed.').waitFor();
  const after = await apiAs('staff', 'GET', `/api/v1/downtimes?resource_id=${room}`);
  const dt = after.body.downtimes.find((d) => d.reason === 'Projector replaced by the AV supplier');
  assert.equal(Date.parse(dt.end), Date.parse(siteTime(day, 13)));

  // the report resolved, with what was done
  await ops.getByRole('tab', { name: 'Incidents' }).click();
  await ops.getByRole('row', { name: /projector does not switch on/ }).getByRole('button', { name: /^Resolve/ }).click();
  const res = sp.getByRole('dialog', { name: 'Resolve the problem' });
  await res.getByLabel('What was done?').fill('New projector lamp fitted');
  await res.getByRole('button', { name: 'Save' }).click();
  await dialogClosed(sp, res);
  await sp.getByText('The report is resolved.').waitFor();
  const incs = await apiAs('staff', 'GET', `/api/v1/incidents?resource_id=${room}&status=all`);
  const inc = incs.body.incidents.find((x) => /projector does not switch on/.test(x.text));
  assert.equal(inc.state, 'resolved');
  assert.equal(inc.resolution, 'New projector lamp fitted');
  noProblems(sp);
  await sp.close();
});
