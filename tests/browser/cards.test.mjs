// cards.test.mjs: staff enrol a member's DESFire badge on the People page by
// the UID the desk read, see its card id (the access protocol's test
// vector), are told plainly when the UID is wrong or the card is enrolled
// already, and revoke the badge when it is lost. Desktop.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('enrol a badge by its UID, refuse a bad one, revoke it when lost', async () => {
  const page = await newPage(browser, { viewport: { width: 1280, height: 900 } });
  await signIn(page, 'staff');
  await page.goto(`${BASE}/people`);
  await page.getByRole('button', { name: 'Cards: Bram Visser' }).click();
  const dlg = page.getByRole('dialog', { name: 'Cards of Bram Visser' });
  await dlg.getByText('No cards enrolled.').waitFor();
  await dlg.getByLabel('UID').fill('05A1B2C3D4E5F6');
  await dlg.getByLabel('Label').fill('badge 17');
  await dlg.getByRole('button', { name: 'Enrol' }).click();
  await dlg.getByRole('alert').filter({ hasText: /UID is 7 bytes starting 04/ }).waitFor();
  await dlg.getByLabel('UID').fill('04A1B2C3D4E5F6');
  await dlg.getByRole('button', { name: 'Enrol' }).click();
  await dlg.getByText('Card id 8401bd6043527d7da1d1102d25a2aaba. Write its pass at the desk.').waitFor();
  const row = dlg.getByRole('row', { name: /badge 17/ });
  await row.getByText('Active').waitFor();
  await shot(page, 'cards-enrolled');
  await dlg.getByLabel('UID').fill('04A1B2C3D4E5F6');
  await dlg.getByLabel('Label').fill('the same card');
  await dlg.getByRole('button', { name: 'Enrol' }).click();
  await dlg.getByRole('alert').filter({ hasText: /enrolled already/ }).waitFor();
  await row.getByRole('button', { name: 'Revoke: badge 17' }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke this card?' });
  await confirm.getByRole('button', { name: 'Revoke' }).click();
  await row.getByText('Revoked').waitFor();
  const me = await apiAs('novaLab', 'GET', '/api/v1/me/credentials');
  const card = me.body.credentials.find((c) => c.card_id === '8401bd6043527d7da1d1102d25a2aaba');
  assert.ok(card && card.revoked_at, 'the member sees the card revoked');
  noProblems(page);
  await page.close();
});
