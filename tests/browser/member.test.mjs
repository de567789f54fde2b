// member.test.mjs: a NovaCell lab member signs in, books by dragging on
// the grid and by keyboard, sees a taken slot and a broken rule explained,
// joins the waitlist, books a weekly series with a skipped date, cancels,
// and switches to Dutch (kept as the language of their e-mails, and brought
// back when they sign in elsewhere). The browser runs in New York time on purpose: the
// calendar must show and book in the site's zone (Amsterdam).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, newPage, signIn, shot, noProblems, apiAs, resourceId, futureMonday, addDays, siteTime, column, dragOnColumn,
} from './lib.mjs';

let browser, page, bsc, labB, room;
const mon = futureMonday(1);

before(async () => {
  browser = await launch();
  page = await newPage(browser, { timezoneId: 'America/New_York', viewport: { width: 1280, height: 1000 } });
  [bsc, labB, room] = await Promise.all([resourceId('Biosafety cabinet BSC-1'), resourceId('ML-1 Lab B'), resourceId('Meeting room Pasteur')]);
});
after(async () => { await browser.close(); });

test('sign in shows the calendar; a wrong password is explained', async () => {
  await page.goto(`${BASE}/calendar`);
  await page.getByLabel('E-mail address').fill('lab@novacell.example');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'password is wrong' }).waitFor();
  await shot(page, 'login-error');
  await signIn(page, 'novaLab');
  await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
  assert.equal(await page.evaluate(() => document.cookie.includes('lp_session')), false, 'the session cookie is HttpOnly');
  await page.goto(`${BASE}/calendar?date=${mon}`);
  await page.locator('.cal-col').first().waitFor();
  await shot(page, 'calendar-lab-week');
  noProblems(page);
});

test('book by dragging on the grid', async () => {
  await page.goto(`${BASE}/calendar?target=r:${bsc}&view=day&date=${mon}`);
  const col = column(page, mon, bsc);
  await col.waitFor();
  await dragOnColumn(page, col, 10 * 60, 11 * 60);
  const dlg = page.getByRole('dialog');
  await dlg.waitFor();
  assert.equal(await dlg.getByLabel('From').inputValue(), '10:00');
  assert.equal(await dlg.getByLabel('Until').inputValue(), '11:30');
  await dlg.getByLabel('What for').fill('Cell culture');
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  await dlg.getByText('Booked', { exact: true }).waitFor();
  await dlg.getByText(/Biosafety cabinet BSC-1, .*10:00–11:30/).waitFor();
  await dlg.getByRole('button', { name: 'Done' }).click();
  await page.locator('.cal-ev.mine', { hasText: 'Cell culture' }).waitFor();
  const mine = await apiAs('novaLab', 'GET', `/api/v1/reservations?scope=mine&from=${encodeURIComponent(siteTime(mon, 0))}&to=${encodeURIComponent(siteTime(addDays(mon, 1), 0))}`);
  const r = mine.body.reservations.find((x) => x.title === 'Cell culture');
  assert.ok(r, 'the booking exists');
  assert.equal(r.start, siteTime(mon, 10, 0), 'booked at 10:00 site time, whatever the browser zone');
  noProblems(page);
});

test('a taken slot names the blocking interval; a rule names the rule; join the waitlist', async () => {
  await page.getByRole('button', { name: 'New booking' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Lab, equipment or room').selectOption({ label: 'Biosafety cabinet BSC-1' });
  await dlg.getByLabel('Date', { exact: true }).fill(mon);
  await dlg.getByLabel('From').fill('06:00');
  await dlg.getByLabel('Until').fill('07:00');
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  await dlg.getByRole('alert').filter({ hasText: 'outside the opening hours' }).waitFor();
  await dlg.getByLabel('From').fill('11:00');
  await dlg.getByLabel('Until').fill('12:00');
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  const alert = dlg.getByRole('alert').filter({ hasText: 'This time is taken' });
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /already booked from .*10:00–11:30/, 'the 409 names the blocking interval');
  assert.match(text, /cleaning time/);
  await shot(page, 'booking-conflict');
  await alert.getByRole('button', { name: 'Join the waitlist for this time' }).click();
  await dlg.getByText('You are on the waitlist').waitFor();
  await dlg.getByRole('button', { name: 'Close' }).click();
  const wl = await apiAs('novaLab', 'GET', '/api/v1/waitlist');
  assert.ok(wl.body.waitlist.some((w) => w.resource_id === bsc && w.start === siteTime(mon, 11) && w.status === 'waiting'));
  noProblems(page);
});

test('book by keyboard on the grid', async () => {
  await page.goto(`${BASE}/calendar?target=r:${labB}&view=day&date=${mon}`);
  const col = column(page, mon, labB);
  await col.waitFor();
  await col.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('PageDown');
  await page.keyboard.press('PageDown');
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowDown');
  await page.locator('#sr-live', { hasText: /09:00–10:00, free/ }).waitFor({ state: 'attached' });
  await page.keyboard.press('Enter');
  const dlg = page.getByRole('dialog');
  assert.equal(await dlg.getByLabel('From').inputValue(), '09:00');
  assert.equal(await dlg.getByLabel('Until').inputValue(), '10:00');
  await dlg.getByLabel('What for').fill('Plating');
  await page.keyboard.press('Enter');
  await dlg.getByText('Booked', { exact: true }).waitFor();
  await page.keyboard.press('Escape');
  await page.locator('.cal-ev.mine', { hasText: 'Plating' }).waitFor();
  noProblems(page);
});

test('a weekly series lists the skipped date', async () => {
  const blocked = addDays(mon, 7);
  const other = await apiAs('bioAdmin', 'POST', '/api/v1/reservations',
    { resource_id: room, start: siteTime(blocked, 14), end: siteTime(blocked, 15), title: 'BioSense board meeting' });
  assert.equal(other.status, 201);
  await page.goto(`${BASE}/reservations`);
  await page.getByRole('button', { name: 'New booking' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Lab, equipment or room').selectOption({ label: 'Meeting room Pasteur' });
  await dlg.getByLabel('Date', { exact: true }).fill(mon);
  await dlg.getByLabel('From').fill('14:00');
  await dlg.getByLabel('Until').fill('15:00');
  await dlg.getByLabel('What for').fill('Weekly sync');
  await dlg.getByLabel('Repeat').selectOption({ label: 'Every week' });
  await dlg.getByLabel('Number of weeks').fill('4');
  assert.equal(await dlg.getByLabel('Skip dates that are taken').isChecked(), true);
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  const res = dlg.getByRole('status').filter({ hasText: 'some dates skipped' });
  await res.waitFor();
  const text = await res.textContent();
  assert.match(text, /3 of 4 dates booked/);
  assert.match(text, /1 date skipped/);
  assert.match(text, /already booked from .*14:00–15:00/);
  assert.equal(await res.locator('ul.skipped li').count(), 1);
  await shot(page, 'series-skipped');
  await dlg.getByRole('button', { name: 'Done' }).click();
  await page.locator('.rlist li', { hasText: 'Weekly sync' }).first().waitFor();
  assert.equal(await page.locator('.rlist li', { hasText: 'Weekly sync' }).count(), 3);
  noProblems(page);
});

test('cancel a reservation', async () => {
  await page.goto(`${BASE}/reservations`);
  const item = page.locator('.rlist li', { hasText: 'Cell culture' });
  await item.getByRole('button', { name: /^Cancel/ }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByRole('button', { name: 'Cancel reservation' }).click();
  await item.getByText('Cancelled').waitFor();
  await shot(page, 'reservations');
  noProblems(page);
});

test('my access shows trainings and a calendar feed link', async () => {
  await page.goto(`${BASE}/access`);
  await page.getByRole('cell', { name: 'ML-1 biosafety induction' }).waitFor();
  await page.getByRole('button', { name: 'Create link' }).click();
  const url = await page.getByRole('textbox', { name: 'Calendar link' }).inputValue();
  assert.match(url, new RegExp(`^${BASE}/api/v1/calendar/.+\\.ics$`));
  const ics = await fetch(url);
  assert.equal(ics.status, 200);
  assert.match(await ics.text(), /BEGIN:VCALENDAR/);
  await shot(page, 'my-access');
  noProblems(page);
});

test('Dutch is remembered across reloads', async () => {
  await page.goto(`${BASE}/calendar`);
  await page.getByRole('button', { name: 'NL Nederlands' }).click();
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'nl');
  await shot(page, 'calendar-dutch');
  await page.getByRole('button', { name: 'EN English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
  noProblems(page);
});

// The language the person's e-mails come in, as the server keeps it.
async function savedLanguage(want) {
  for (let i = 0; i < 50; i++) {
    const me = await apiAs('novaLab', 'GET', '/api/v1/me');
    if (me.body.language === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the saved language is not ${want}`);
}

test('the switch saves the language of the e-mails; signing in brings it back', async () => {
  await page.goto(`${BASE}/calendar`);
  await page.getByRole('button', { name: 'NL Nederlands' }).click();
  await page.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  await savedLanguage('nl');
  // another browser (English by its own choice) signs in: the saved language wins
  const other = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await other.addInitScript(() => { if (!localStorage.getItem('labpass.lang')) localStorage.setItem('labpass.lang', 'en'); });
  await signIn(other, 'novaLab');
  await other.getByRole('heading', { level: 1, name: 'Agenda' }).waitFor();
  assert.equal(await other.evaluate(() => document.documentElement.lang), 'nl');
  await other.getByRole('button', { name: 'EN English' }).click();
  await other.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
  await savedLanguage('en');
  noProblems(other);
  await other.close();
  await page.getByRole('button', { name: 'EN English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
  await savedLanguage('en');
  noProblems(page);
});
