// phone.test.mjs: the app on a phone-sized screen: the menu folds into a
// button, the calendar opens on the day view, a tap books, and no page is
// wider than the screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, resourceId, futureMonday, addDays, column } from './lib.mjs';

let browser, page, room;
const day = addDays(futureMonday(2), 3);

before(async () => {
  browser = await launch();
  page = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  room = await resourceId('Meeting room Pasteur');
});
after(async () => { await browser.close(); });

async function fitsScreen() {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 391, `page is ${w}px wide on a 390px screen`);
}

test('sign in and use the menu on a phone', async () => {
  await signIn(page, 'novaLab');
  await shot(page, 'phone-calendar-today');
  const nav = page.getByRole('navigation', { name: 'Main' });
  assert.equal(await nav.isVisible(), false, 'the menu starts folded');
  await page.getByRole('button', { name: /Menu/ }).click();
  await nav.getByRole('link', { name: 'My reservations' }).waitFor();
  await shot(page, 'phone-menu');
  await nav.getByRole('link', { name: 'My reservations' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reservations' }).waitFor();
  await fitsScreen();
  noProblems(page);
});

test('the calendar opens on the day view and a tap books', async () => {
  await page.goto(`${BASE}/calendar?target=r:${room}&date=${day}`);
  assert.equal(await page.getByRole('button', { name: 'Day', exact: true }).getAttribute('aria-pressed'), 'true');
  const col = column(page, day, room);
  await col.waitFor();
  await fitsScreen();
  const g0 = Number(await page.locator('.cal-body').getAttribute('data-grid-start'));
  const g1 = Number(await page.locator('.cal-body').getAttribute('data-grid-end'));
  await col.scrollIntoViewIfNeeded();
  const box = await col.boundingBox();
  await page.touchscreen.tap(box.x + box.width / 2, box.y + ((13 * 60 - g0) / (g1 - g0)) * box.height + 3);
  const dlg = page.getByRole('dialog');
  await dlg.waitFor();
  assert.equal(await dlg.getByLabel('From').inputValue(), '13:00');
  assert.equal(await dlg.getByLabel('Until').inputValue(), '14:00');
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  await dlg.getByText('Booked', { exact: true }).waitFor();
  await shot(page, 'phone-booked');
  await dlg.getByRole('button', { name: 'Done' }).click();
  await page.locator('.cal-ev.mine').first().waitFor();
  await shot(page, 'phone-calendar-day');
  noProblems(page);
});

test('my access fits the phone screen', async () => {
  await page.goto(`${BASE}/access`);
  await page.getByRole('heading', { level: 1, name: 'My access' }).waitFor();
  await fitsScreen();
  await shot(page, 'phone-access');
  noProblems(page);
});
