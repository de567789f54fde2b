// projects.test.mjs: the Projects page and the project picker. NovaCell's
// admin sees the company's projects with their budget bars, creates one
// and approves the project a member asked for; a member's booking dialog
// offers the company's active projects with the default chosen, shows the
// chosen project's budget, and the booking is charged to the project picked.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, launch, newPage, signIn, shot, noProblems, apiAs, futureMonday, addDays, resourceId } from './lib.mjs';

const AXE = fs.readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

// Serious and critical axe findings of the page (as a11y.test.mjs checks the other pages).
async function axe(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice', 'experimental'] },
    });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  });
}

let browser, novaId;
before(async () => {
  browser = await launch();
  const me = await apiAs('novaAdmin', 'GET', '/api/v1/me');
  novaId = me.body.tenant_id;
});
after(async () => { await browser.close(); });

test('the admin creates a project and approves the one a member asked for', async () => {
  const page = await newPage(browser);
  await signIn(page, 'novaAdmin');
  await page.goto(`${BASE}/projects`);
  const list = page.getByRole('table', { name: 'Projects' });
  await list.getByRole('row', { name: /NC-ASSAY/ }).waitFor();
  await list.getByRole('row', { name: /NC-SEQ/ }).getByRole('meter').waitFor();   // a budget bar
  await page.getByRole('button', { name: 'New project' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Code').fill('NC-ELISA');
  await dlg.getByLabel('Name').fill('ELISA kit comparison');
  await dlg.getByLabel('Purchase order').fill('4500019876');
  await dlg.getByLabel('Budget (€)').fill('1500');
  await dlg.getByRole('button', { name: 'Create project' }).click();
  const row = list.getByRole('row', { name: /NC-ELISA/ });
  await row.getByText('4500019876').waitFor();
  await row.getByText('€0.00 of €1,500.00 (0 %)').waitFor();
  const pending = list.getByRole('row', { name: /NC-TRAIN/ });
  await pending.getByText('Awaiting approval').waitFor();
  await pending.getByRole('button', { name: 'Approve' }).click();
  await pending.getByText('Active').waitFor();
  assert.deepEqual(await axe(page), [], 'no serious or critical axe finding on the Projects page');
  await shot(page, 'projects-admin');
  noProblems(page);
  await page.close();
  const all = await apiAs('novaAdmin', 'GET', `/api/v1/tenants/${novaId}/projects?status=active`);
  assert.ok(all.body.projects.some((p) => p.code === 'NC-ELISA' && p.budget_cents === 150000));
  assert.ok(all.body.projects.some((p) => p.code === 'NC-TRAIN'));
});

test('the booking dialog offers the projects with the default chosen; the booking goes to the one picked', async () => {
  const room = await resourceId('Meeting room Pasteur');
  const page = await newPage(browser);
  await signIn(page, 'novaLab');
  const day = addDays(futureMonday(3), 3);   // a Thursday afternoon no other test books
  await page.goto(`${BASE}/calendar?target=r:${room}&view=day&date=${day}`);
  await page.getByRole('button', { name: 'New booking' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Lab, equipment or room').selectOption({ label: 'Meeting room Pasteur' });
  await dlg.getByLabel('Date', { exact: true }).fill(day);
  await dlg.getByLabel('From').fill('16:00');
  await dlg.getByLabel('Until').fill('17:00');
  const picker = dlg.getByLabel('Project', { exact: true });
  await picker.locator('option', { hasText: 'NC-ASSAY — Assay validation CE-IVD (your default)' }).waitFor({ state: 'attached' });
  assert.match(await picker.locator('option:checked').textContent(), /NC-ASSAY .*your default/);
  await picker.selectOption({ label: 'NC-SEQ — Sequencing pilot' });
  await dlg.getByRole('meter').waitFor();   // the chosen project's budget
  await dlg.getByRole('button', { name: 'Book', exact: true }).click();
  await dlg.getByText('Booked', { exact: true }).waitFor();
  await shot(page, 'projects-picker');
  noProblems(page);
  await page.close();
  const mine = await apiAs('novaLab', 'GET', `/api/v1/reservations?scope=mine&resource_id=${room}&from=${day}T00:00:00Z&to=${day}T23:00:00Z`);
  const seq = (await apiAs('novaAdmin', 'GET', `/api/v1/tenants/${novaId}/projects`)).body.projects.find((p) => p.code === 'NC-SEQ');
  const booked = mine.body.reservations.filter((r) => r.project_id === seq.id);
  assert.equal(booked.length, 1, JSON.stringify(mine.body));
});
