// register.test.mjs: staff open the ML-1 register of a lab (who may work
// there with their trainings, who entered) and its CSV; staff erase a person
// after typing their address, and the person is listed under a pseudonym; a
// member reads everything held about them on the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs } from './lib.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('staff open the ML-1 register of a lab and its CSV', async () => {
  const page = await newPage(browser);
  await signIn(page, 'staff');
  await page.getByRole('link', { name: 'ML-1 register' }).click();
  await page.getByRole('heading', { level: 1, name: 'ML-1 register' }).waitFor();
  await page.getByLabel('Lab').selectOption({ label: 'ML-1 Lab A' });
  await page.getByRole('button', { name: 'Show' }).click();
  const auth = page.locator('section[aria-labelledby="reg-a"]');
  await auth.getByRole('cell', { name: 'Bram Visser' }).first().waitFor();
  await auth.getByRole('cell', { name: 'ML-1 biosafety induction' }).first().waitFor();
  const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  const res = await page.request.get(new URL(href, BASE).href);
  assert.equal(res.status(), 200);
  assert.match(await res.text(), /^section,person,company,training,instructor/);
  await shot(page, 'register');
  noProblems(page);
  await page.close();
});

test('a member reads what is held about them on the page', async () => {
  const page = await newPage(browser);
  await signIn(page, 'bioAdmin');
  await page.goto(`${BASE}/privacy`);
  await page.getByRole('button', { name: 'Show it here' }).click();
  await page.getByRole('heading', { level: 3, name: 'Profile' }).waitFor();
  await page.getByText('admin@biosense.example').first().waitFor();
  await page.getByRole('heading', { level: 3, name: 'Sign-ins' }).waitFor();
  noProblems(page);
  await page.close();
});

test('staff erase a person after typing their address', async () => {
  const made = await apiAs('staff', 'POST', '/api/v1/people', { email: 'leaving@example.org', name: 'Lena Leaving', is_staff: false });
  assert.equal(made.status, 201);
  const page = await newPage(browser);
  await signIn(page, 'staff');
  await page.goto(`${BASE}/people`);
  await page.getByRole('button', { name: 'Erase: Lena Leaving' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel(/Type their e-mail address/).fill('someone@else.example');
  await dialog.getByRole('button', { name: 'Erase' }).click();
  await dialog.getByRole('alert').waitFor();
  await dialog.getByLabel(/Type their e-mail address/).fill('leaving@example.org');
  await dialog.getByRole('button', { name: 'Erase' }).click();
  await dialog.getByText(/Erased: now Erased person/).waitFor();
  await shot(page, 'erased');
  await page.keyboard.press('Escape');
  await page.getByRole('cell', { name: /Erased person/ }).first().waitFor();
  // The dialog closes and the list reloads; wait for the old name to leave
  // rather than counting it at one instant.
  await page.getByText('Lena Leaving').first().waitFor({ state: 'detached' });
  assert.equal(await page.getByText('Lena Leaving').count(), 0);
  noProblems(page);
  await page.close();
});
