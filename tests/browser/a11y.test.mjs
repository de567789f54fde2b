// a11y.test.mjs: axe-core (WCAG 2.1 A and AA rules and best practices) on
// every page of the app, as the people who use it, in English and in
// Dutch on a desktop and in English on a phone, with the booking form open too: no
// serious or critical finding anywhere (experimental rules included, such as
// a visible label that is not part of the accessible name). axe runs in the page through the
// test driver (the app's own CSP stays on; the page gets no script from
// outside).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, launch, newPage, signIn, noProblems } from './lib.mjs';

const AXE = fs.readFileSync('node_modules/axe-core/axe.min.js', 'utf8');
const PAGES = {
  anybody: ['/login', '/privacy'],
  novaLab: ['/calendar', '/reservations', '/access', '/privacy'],
  novaAdmin: ['/calendar', '/reservations', '/people', '/billing'],
  staff: ['/approvals', '/calendar', '/reservations', '/people', '/tenants', '/trainings', '/resources', '/billing', '/doors', '/register', '/privacy'],
};

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

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

async function settle(page) {
  await page.locator('main h1').first().waitFor();
  await page.waitForLoadState('networkidle');
}

// Both languages on a desktop; the phone layout (the same texts) in English.
const RUNS = [['en', 'desktop', { width: 1280, height: 900 }], ['nl', 'desktop', { width: 1280, height: 900 }],
  ['en', 'phone', { width: 390, height: 844 }]];
test('focus returns to what opened a dialog, also when the list behind it was redrawn', async () => {
  const page = await newPage(browser);
  await signIn(page, 'staff');
  await page.goto(`${BASE}/calendar`);
  await page.locator('main h1').waitFor();
  const open = page.getByRole('button', { name: 'New booking' });
  await open.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.equal(await open.evaluate((el) => el === document.activeElement), true, 'New booking has the focus again');
  // a tenant's members: the list reloads behind the dialog; the button with the same name gets the focus
  await page.goto(`${BASE}/tenants`);
  const people = page.getByRole('button', { name: 'People: NovaCell Diagnostics B.V.' });
  await people.click();
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement && document.activeElement.getAttribute('aria-label') === 'People: NovaCell Diagnostics B.V.');
  noProblems(page);
  await page.close();
});

for (const [lang, device, viewport] of RUNS) {
  {
    for (const [who, pages] of Object.entries(PAGES)) {
      test(`${who}, ${lang}, ${device}: every page has no serious or critical axe finding`, async () => {
        const page = await newPage(browser, { viewport });
        await page.addInitScript((l) => localStorage.setItem('labpass.lang', l), lang);
        if (who !== 'anybody') {
          await page.addInitScript(() => localStorage.setItem('labpass.lang', 'en'));
          await signIn(page, who);
          await page.evaluate((l) => localStorage.setItem('labpass.lang', l), lang);
        }
        const found = [];
        for (const p of pages) {
          await page.goto(`${BASE}${p}`);
          await page.addInitScript((l) => localStorage.setItem('labpass.lang', l), lang);
          await settle(page);
          for (const f of await axe(page)) found.push(`${p}: ${f}`);
          if (p === '/calendar' && device === 'desktop') {
            await page.locator('.page-head .btn-primary').first().click();
            await page.getByRole('dialog').waitFor();
            await page.waitForLoadState('networkidle');
            for (const f of await axe(page)) found.push(`${p} (booking form): ${f}`);
            await page.keyboard.press('Escape');
          }
        }
        assert.deepEqual(found, []);
        noProblems(page);
        await page.close();
      });
    }
  }
}
