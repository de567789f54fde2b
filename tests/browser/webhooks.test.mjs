// webhooks.test.mjs: staff add a webhook endpoint and see its secret once,
// switch it off, change its events, see its deliveries and delete it; a
// tenant's people do not get the page. The endpoint's address is on
// 127.0.0.1 (nothing listens there; nothing leaves the machine).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs, dialogClosed } from './lib.mjs';

let browser, page;
const URL_ = 'https://127.0.0.1:9/labpass-browser-hook';

before(async () => {
  browser = await launch();
  page = await newPage(browser);
  await signIn(page, 'staff');
});
after(async () => { await browser.close(); });

test('staff add an endpoint and see its secret once', async () => {
  await page.goto(`${BASE}/webhooks`);
  await page.getByRole('heading', { name: 'Add an endpoint' }).waitFor();
  await page.getByLabel('Address (https://)').fill(URL_);
  await page.getByLabel('Description').fill('Facility dashboard');
  await page.getByLabel('Door alarm').check();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const secret = page.getByLabel('Signing secret');
  await secret.waitFor();
  assert.match(await secret.inputValue(), /^whsec_[A-Za-z0-9+/]{43}=$/);
  await shot(page, 'webhooks');
  const r = await apiAs('staff', 'GET', '/api/v1/webhooks');
  const w = r.body.webhooks.find((x) => x.url === URL_);
  assert.ok(w);
  assert.deepEqual(w.events, ['reservation.created', 'reservation.changed', 'reservation.cancelled', 'door.alarm']);
  assert.equal(JSON.stringify(r.body).includes('whsec_'), false);
  noProblems(page);
});

test('staff switch an endpoint off, change it, see its deliveries and delete it', async () => {
  await page.goto(`${BASE}/webhooks`);
  await page.getByRole('button', { name: `Switch off: ${URL_}` }).click();
  await page.getByRole('button', { name: `Switch on: ${URL_}` }).waitFor();
  await page.getByRole('button', { name: `Edit: ${URL_}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Change the endpoint' });
  await dialog.getByLabel('Booking changed').uncheck();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialogClosed(page, dialog);
  assert.equal(await page.getByRole('dialog', { name: 'Sign in again' }).count(), 0, 'the session still holds after the change');
  let r = await apiAs('staff', 'GET', '/api/v1/webhooks');
  let w = r.body.webhooks.find((x) => x.url === URL_);
  assert.equal(w.enabled, false);
  assert.deepEqual(w.events, ['reservation.created', 'reservation.cancelled', 'door.alarm']);
  await page.getByRole('button', { name: `Deliveries: ${URL_}` }).click();
  await page.getByText('Nothing sent yet').waitFor();
  await page.getByRole('button', { name: `Delete: ${URL_}` }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete the endpoint?' });
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await dialogClosed(page, confirm);
  r = await apiAs('staff', 'GET', '/api/v1/webhooks');
  w = r.body.webhooks.find((x) => x.url === URL_);
  assert.equal(w, undefined);
  noProblems(page);
});

test('tenant people do not get the webhooks page or its routes', async () => {
  const r = await apiAs('novaAdmin', 'GET', '/api/v1/webhooks');
  assert.equal(r.status, 403);
  const other = await newPage(browser);
  await signIn(other, 'novaAdmin');
  await other.goto(`${BASE}/webhooks`);
  await other.waitForLoadState('networkidle');
  assert.equal(await other.getByRole('heading', { name: 'Add an endpoint' }).count(), 0);
  assert.equal(await other.getByRole('link', { name: 'Webhooks' }).count(), 0);
  await other.close();
});
