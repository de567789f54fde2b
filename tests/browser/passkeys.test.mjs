// passkeys.test.mjs: a passkey made and used in Chromium through its virtual
// authenticator (CDP WebAuthn.addVirtualAuthenticator: CTAP2, built in, with
// user verification). A passkey's relying party must be a host name, so this
// file starts a labpassd of its own on a free port of 127.0.0.1 with
// public_url http://localhost:PORT (the same binary, clock file and demo
// data as the shared server) and opens the app at that address. A member
// signs in with the password, adds a passkey on the My sign-in page (it is
// listed, and the session list marks this browser), signs out, and signs in
// again with "Use a passkey" alone; the session list then says it was made
// with a passkey and the authenticator's counter has moved. axe-core finds
// nothing serious on the page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { USERS, launch, newPage, shot, noProblems } from './lib.mjs';

let browser;
let server;
let dir;
let base;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  const bin = process.env.LABPASS_BIN || 'bin';
  const port = await freePort();
  base = `http://localhost:${port}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labpass-passkeys-'));
  server = spawn(`${bin}/labpassd`, ['--listen', `127.0.0.1:${port}`, '--db', path.join(dir, 'labpass.db'), '--demo',
    '--web', 'web', '--log-level', 'warn', '--public-url', base], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout.on('data', (d) => { out += d; });
  for (let i = 0; i < 200 && !/listening on/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(out, /listening on/, 'the passkey server started');
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) { server.kill('SIGTERM'); await new Promise((r) => server.once('exit', r)); }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('a passkey made on the My sign-in page signs the member in after signing out', async () => {
  const page = await newPage(browser);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  const [email, password] = USERS.novaLab;
  await page.goto(`${base}/login`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('main h1').filter({ hasNotText: 'Sign in' }).waitFor();

  await page.goto(`${base}/account`);
  await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
  await page.getByText('No passkeys yet.').waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Work laptop');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByRole('cell', { name: 'Work laptop' }).waitFor();
  await page.getByText('this browser').waitFor();
  const made = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(made.credentials.length, 1);
  assert.equal(made.credentials[0].isResidentCredential, true);
  assert.equal(made.credentials[0].rpId, 'localhost');
  await shot(page, 'passkeys-added');
  // the page has no serious or critical accessibility finding (as a11y.test.mjs checks the others)
  await page.evaluate(fs.readFileSync('node_modules/axe-core/axe.min.js', 'utf8'));
  const found = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
  });
  assert.deepEqual(found, [], 'no serious or critical axe finding on My sign-in');

  // sign out, and in again with the passkey alone
  await page.getByRole('button', { name: 'Sign out', exact: true }).first().click();
  await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await page.locator('main h1').filter({ hasNotText: 'Sign in' }).waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  assert.equal(me.email, email);
  await page.goto(`${base}/account`);
  await page.getByRole('cell', { name: /passkey/ }).first().waitFor();
  const used = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.ok(used.credentials[0].signCount >= 1, 'the authenticator signed');
  await shot(page, 'passkeys-signed-in');
  noProblems(page);
});
