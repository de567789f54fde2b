// lib.mjs: what the browser tests share: Debian's chromium driven by
// playwright-core, a page that records Content-Security-Policy violations
// and script errors, sign-in, API calls for test set-up, dates relative to
// the suite's date in the site's time zone, and screenshots into
// build/screenshots/. labpassd is started by tools/browser-test.sh, which
// passes LABPASS_URL and the injected clock's time (LABPASS_TEST_EPOCH): the
// server and every page run at that instant, never at the machine's date.

import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

export const BASE = process.env.LABPASS_URL || 'http://127.0.0.1:8080';
const SHOTS = process.env.SCREENSHOTS || 'build/screenshots';
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
export const ZONE = 'Europe/Amsterdam';
const epoch = Number(process.env.LABPASS_TEST_EPOCH);
assert.ok(epoch > 0, 'LABPASS_TEST_EPOCH is set (tools/browser-test.sh sets it from LABPASS_TEST_DATE)');
// The suite's "now" in milliseconds: the server's clock file holds the same instant.
export const NOW_MS = epoch * 1000;

export const USERS = {
  staff: ['staff@medtechfactory.example', 'labpass-staff-demo'],
  novaAdmin: ['admin@novacell.example', 'labpass-admin-demo'],
  novaLab: ['lab@novacell.example', 'labpass-member-demo'],
  bioAdmin: ['admin@biosense.example', 'labpass-admin-demo'],
  bioLab: ['lab@biosense.example', 'labpass-member-demo'],
};

// ---- the browser ----
// launch() gives chromium a fresh temporary profile (user-data-dir) of its
// own, removed again when the browser closes.
export async function launch() {
  return chromium.launch({
    executablePath: EXE,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh context and page; page.problems collects CSP violations and errors.
export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: ZONE, ...opts,
  });
  await context.clock.setFixedTime(NOW_MS);
  const page = await context.newPage();
  page.setDefaultTimeout(8000);
  page.problems = [];
  page.on('console', (m) => {
    const txt = m.text();
    if (/Content Security Policy|Refused to (apply|execute|load)/i.test(txt)) page.problems.push(`CSP: ${txt}`);
  });
  page.on('pageerror', (e) => page.problems.push(`script error: ${e.message}`));
  // The API answers of 400 and up and the requests that failed, newest last,
  // for the message of a failed step (dialogClosed).
  page.apiLog = [];
  const note = (line) => { page.apiLog.push(line); if (page.apiLog.length > 20) page.apiLog.shift(); };
  page.on('response', (r) => {
    if (r.status() >= 400 && r.url().includes('/api/')) note(`${r.request().method()} ${new URL(r.url()).pathname}: ${r.status()}`);
  });
  page.on('requestfailed', (r) => note(`${r.method()} ${new URL(r.url()).pathname}: failed (${r.failure() && r.failure().errorText})`));
  return page;
}

// Waits until dialog (a locator) is gone; when it stays, the error says what
// it shows and which API requests went wrong, so a failure explains itself.
export async function dialogClosed(page, dialog) {
  try {
    await dialog.waitFor({ state: 'detached' });
  } catch (e) {
    const text = await page.locator('dialog[open]').allInnerTexts().catch(() => []);
    throw new Error(`the dialog stayed open: ${JSON.stringify(text)}; API problems: ${JSON.stringify(page.apiLog)}; ${e.message}`);
  }
}

export function noProblems(page) {
  assert.deepEqual(page.problems, [], 'no CSP violations or script errors');
}

export async function signIn(page, who) {
  const [email, password] = USERS[who] || who;
  await page.goto(`${BASE}/login`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('main h1').filter({ hasNotText: 'Sign in' }).waitFor();
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

// ---- the API, for set-up and for checking what the page did ----
const tokens = new Map();
export async function apiAs(who, method, route, body) {
  if (!tokens.has(who)) {
    const [email, password] = USERS[who] || who;
    const r = await fetch(`${BASE}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
    });
    assert.equal(r.status, 200, `login of ${email}`);
    tokens.set(who, (await r.json()).token);
  }
  const r = await fetch(`${BASE}${route}`, {
    method,
    headers: { Authorization: `Bearer ${tokens.get(who)}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: r.status, body: json };
}

export async function resourceId(name) {
  const r = await apiAs('staff', 'GET', '/api/v1/resources');
  const x = r.body.resources.find((y) => y.name === name);
  assert.ok(x, `resource ${name}`);
  return x.id;
}

// ---- dates in the site zone ----
const partsFmt = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
function zparts(ms) {
  const o = {};
  for (const p of partsFmt.formatToParts(new Date(ms))) o[p.type] = p.value;
  return { y: +o.year, m: +o.month, d: +o.day, h: +o.hour % 24, mi: +o.minute, s: +o.second };
}
const pad = (n) => String(n).padStart(2, '0');
export function addDays(s, n) {
  const [y, m, d] = s.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}
// A Monday at least 3 days after the suite's date (site zone), plus weeks.
export function futureMonday(weeks = 0) {
  const p = zparts(NOW_MS);
  let s = `${p.y}-${pad(p.m)}-${pad(p.d)}`;
  s = addDays(s, 3);
  const [y, m, d] = s.split('-').map(Number);
  const wd = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  return addDays(s, (7 - wd) % 7 + 7 * weeks);
}
// RFC 3339 of wall-clock date s, hh:mm in the site zone.
export function siteTime(s, hh, mm = 0) {
  const [y, m, d] = s.split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  const off = (ms) => { const q = zparts(ms); return (Date.UTC(q.y, q.m - 1, q.d, q.h, q.mi, q.s) - ms) / 60000; };
  const first = guess - off(guess) * 60000;
  const o = off(first);
  const sign = o < 0 ? '-' : '+';
  return `${s}T${pad(hh)}:${pad(mm)}:00${sign}${pad(Math.floor(Math.abs(o) / 60))}:${pad(Math.abs(o) % 60)}`;
}

// The column of the calendar for a date (and resource), and a drag on it.
export function column(page, date, resource) {
  return page.locator(`.cal-col[data-date="${date}"]${resource ? `[data-resource="${resource}"]` : ''}`);
}

export async function dragOnColumn(page, col, fromMin, toMin) {
  const body = page.locator('.cal-body');
  const g0 = Number(await body.getAttribute('data-grid-start'));
  const g1 = Number(await body.getAttribute('data-grid-end'));
  const box = await col.boundingBox();
  const y = (min) => box.y + ((min - g0) / (g1 - g0)) * box.height + 2;
  await col.scrollIntoViewIfNeeded();
  const box2 = await col.boundingBox();
  const dy = box2.y - box.y;
  await page.mouse.move(box2.x + box2.width / 2, y(fromMin) + dy);
  await page.mouse.down();
  await page.mouse.move(box2.x + box2.width / 2, y((fromMin + toMin) / 2) + dy, { steps: 4 });
  await page.mouse.move(box2.x + box2.width / 2, y(toMin) + dy, { steps: 4 });
  await page.mouse.up();
}
