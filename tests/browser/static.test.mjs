// static.test.mjs: checks of web/ without a browser: every text the app
// uses exists in English and Dutch, and no file holds inline script, inline
// style, style attributes or anything loaded from outside (the server's CSP
// forbids them).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const WEB = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../../web');

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test('every text key exists in English and Dutch', async () => {
  const { STRINGS } = await import(path.join(WEB, 'js/strings.js'));
  const used = new Set();
  for (const f of files(path.join(WEB, 'js')).filter((x) => x.endsWith('.js'))) {
    const s = fs.readFileSync(f, 'utf8');
    for (const m of s.matchAll(/\bt\('([^']+)'/g)) used.add(m[1]);
    for (const m of s.matchAll(/\btn\('([^']+)'/g)) { used.add(`${m[1]}.one`); used.add(`${m[1]}.other`); }
    for (const m of s.matchAll(/nav: '([^']+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 300, `found ${used.size} keys`);
  assert.deepEqual([...used].filter((k) => !STRINGS[k]), [], 'keys without a text');
  const incomplete = Object.entries(STRINGS).filter(([, v]) => !Array.isArray(v) || v.length !== 2 || !v[0] || !v[1]);
  assert.deepEqual(incomplete.map(([k]) => k), [], 'keys without both languages');
  const placeholders = (s) => (s.match(/\{\w+\}/g) || []).sort().join();
  const mismatched = Object.entries(STRINGS).filter(([, [en, nl]]) => placeholders(en) !== placeholders(nl));
  assert.deepEqual(mismatched.map(([k]) => k), [], 'English and Dutch use the same placeholders');
});

// The codes a door sends, read from its source, each with a sentence in
// both languages (web/js/codes.js shows them).
test('every door reason and alarm code has an English and a Dutch sentence', async () => {
  const { STRINGS } = await import(path.join(WEB, 'js/strings.js'));
  const src = (f) => fs.readFileSync(path.join(WEB, '..', f), 'utf8');
  const reasons = new Set([...src('access/door/door_decide.c').matchAll(/\] = "(\w+)"/g)].map((m) => m[1]));
  for (const m of src('access/door/door_io.c').matchAll(/emit\(io, DOOR_EV_\w+, "(\w*)", "(\w*)"\)/g)) if (m[1]) reasons.add(m[1]);
  for (const m of src('access/door/door_run.c').matchAll(/"(session_\w+)"/g)) reasons.add(m[1]);   /* instrument mode */
  const alarms = new Set();
  for (const m of src('access/door/door_io.c').matchAll(/emit\(io, DOOR_EV_ALARM, "\w*", "(\w+)"\)/g)) alarms.add(m[1]);
  for (const m of src('access/door/door_run.c').matchAll(/raise_alarm\([^,]+, [^,]+, "(\w+)"\)/g)) alarms.add(m[1]);
  for (const m of src('access/door/door_sync.c').matchAll(/record_alarm\([^,]+, [^,]+, "(\w+)"\)/g)) alarms.add(m[1]);
  assert.ok(reasons.size >= 15, `found ${reasons.size} reason codes`);
  assert.ok(alarms.size >= 6, `found ${alarms.size} alarm codes`);
  const missing = [...[...reasons].map((c) => `reason.${c}`), ...[...alarms].map((c) => `alarm.${c}`)]
    .filter((k) => !STRINGS[k] || !STRINGS[k][0] || !STRINGS[k][1] || STRINGS[k][0] === STRINGS[k][1]);
  assert.deepEqual(missing, [], 'codes without a sentence in both languages');
});

test('no inline script, inline style or outside resources', () => {
  for (const f of files(WEB)) {
    if (!/\.(html|js|css|svg)$/.test(f)) continue;
    const s = fs.readFileSync(f, 'utf8');
    const rel = path.relative(WEB, f);
    if (f.endsWith('.html') || f.endsWith('.svg')) {
      assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(s), `${rel}: inline script`);
      assert.ok(!/<style/i.test(s), `${rel}: style element`);
      assert.ok(!/\sstyle=/i.test(s), `${rel}: style attribute`);
      assert.ok(!/\son[a-z]+=/i.test(s), `${rel}: inline event handler`);
    }
    if (f.endsWith('.js')) {
      assert.ok(!/\.innerHTML\s*=|insertAdjacentHTML|document\.write/.test(s), `${rel}: builds HTML from strings`);
      assert.ok(!/setAttribute\(\s*'style'|\.style\.cssText|\beval\(|new Function\(/.test(s), `${rel}: inline style or eval`);
      assert.ok(!/localStorage\.setItem\((?!KEY)/.test(s), `${rel}: stores something besides the language`);
    }
    assert.ok(!/(src|href)=["']?(https?:)?\/\//i.test(s) && !/@import\s+url\(["']?https?:/i.test(s), `${rel}: loads from outside`);
  }
});
