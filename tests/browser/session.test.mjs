// session.test.mjs: a session that ends mid-task. A member fills in the
// booking form, the session ends (its cookie is gone, as when it expires),
// and pressing Book opens "Sign in again" on top of the form with the
// address filled in; after signing in the same booking is made, with what
// was typed, and the form shows it booked. A page that loads after the
// session ended asks the same way and then shows itself. Closing the
// dialog leads to the sign-in page, which returns to the page afterwards.
// A calendar that cannot reach the server says so instead of showing every
// hour closed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, USERS, launch, newPage, signIn, shot, noProblems, apiAs, resourceId, futureMonday, siteTime } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function endSession(page) {
  await page.context().clearCookies();
}

test('the session ends while booking: sign in on top, and the booking goes on with what was typed', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await signIn(page, 'novaLab');
  const day = futureMonday(4);
  const room = await resourceId('Meeting room Pasteur');
  await page.goto(`${BASE}/calendar?target=r:${room}&view=day&date=${day}`);
  await page.getByRole('button', { name: 'New booking' }).click();
  const dlg = page.getByRole('dialog', { name: 'Book' });
  await dlg.getByLabel('Lab, equipment or room').selectOption({ label: 'Meeting room Pasteur' });
  await dlg.getByLabel('Date', { exact: true }).fill(day);
  await dlg.getByLabel('From').fill('13:00');
  await dlg.getByLabel('Until').fill('14:00');
  await dlg.getByLabel('What for').fill('Investor call after the expiry');
  await dlg.getByText(/^Estimated cost: /).waitFor();   // the form has asked all it asks before Book
  // The estimate of the first times may show while the one for 13:00-14:00 is
  // still due (a 250 ms debounce): wait until no request is under way.
  await page.waitForLoadState('networkidle');
  await endSession(page);
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  const again = page.getByRole('dialog', { name: 'Sign in again' });
  await again.waitFor();
  assert.equal(await again.getByLabel('E-mail address').inputValue(), USERS.novaLab[0], 'the address is filled in');
  assert.equal(await dlg.getByLabel('What for').inputValue(), 'Investor call after the expiry', 'the form is still there behind it');
  await shot(page, 'session-sign-in-again');
  await again.getByLabel('Password').fill('not-the-password');
  await again.getByRole('button', { name: 'Sign in' }).click();
  await again.getByRole('alert').filter({ hasText: 'password is wrong' }).waitFor();
  await again.getByLabel('Password').fill(USERS.novaLab[1]);
  await again.getByRole('button', { name: 'Sign in' }).click();
  await again.waitFor({ state: 'detached' });
  await dlg.getByText('Booked', { exact: true }).waitFor();
  const mine = await apiAs('novaLab', 'GET', `/api/v1/reservations?scope=mine&from=${encodeURIComponent(siteTime(day, 0))}&to=${encodeURIComponent(siteTime(day, 23))}`);
  const made = mine.body.reservations.filter((r) => r.title === 'Investor call after the expiry');
  assert.equal(made.length, 1, 'booked once, with the typed title');
  assert.equal(made[0].start, siteTime(day, 13));
  noProblems(page);
  await page.close();
});

test('a page opened after the session ended asks to sign in again, then shows itself', async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await signIn(page, 'novaLab');
  await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
  await endSession(page);
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: 'My reservations' }).click();
  const again = page.getByRole('dialog', { name: 'Sign in again' });
  await again.waitFor();
  await again.getByLabel('Password').fill(USERS.novaLab[1]);
  await again.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reservations' }).waitFor();
  noProblems(page);
  await page.close();
});

test('closing the dialog leads to the sign-in page, and back afterwards', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await signIn(page, 'novaLab');
  await page.goto(`${BASE}/access`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await endSession(page);
  await page.goto(`${BASE}/reservations`);
  // a full load finds no session: the sign-in page, then back to the page
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('E-mail address').fill(USERS.novaLab[0]);
  await page.getByLabel('Password').fill(USERS.novaLab[1]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Reservations' }).waitFor();
  await endSession(page);
  // opening the form loads the prices: 401 (a request of the page itself may meet it first)
  if (!(await page.getByRole('dialog', { name: 'Sign in again' }).isVisible())) {
    await page.getByRole('button', { name: 'New booking' }).click({ timeout: 3000 }).catch(() => {});
  }
  const again = page.getByRole('dialog', { name: 'Sign in again' });
  await again.waitFor();
  await again.getByRole('button', { name: 'Go to the sign-in page' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.equal(await page.locator('dialog[open]').count(), 0, 'no dialog left over the sign-in page');
  noProblems(page);
  await page.close();
});

test('a calendar that cannot reach the server says offline, not closed', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 1000 } });
  await signIn(page, 'novaLab');
  const room = await resourceId('Meeting room Pasteur');
  await page.route('**/api/v1/resources/*/availability*', (r) => r.abort('internetdisconnected'));
  await page.goto(`${BASE}/calendar?target=r:${room}&view=day&date=${futureMonday(1)}`);
  await page.locator('.cal-col').first().getByText('Offline: free and busy times unknown').waitFor();
  assert.equal(await page.locator('.cal-closed').count(), 0, 'nothing is drawn as closed');
  assert.match(await page.locator('.cal-col').first().getAttribute('aria-label'), /Offline/);
  await page.close();
});
