// contract.test.mjs: checks of the web app's API module without a browser.
// Every operation in web/js/api.js (OPERATIONS) is a method and path of
// docs/openapi.json and of the server's route tables (api/routes*.c), and a
// list operation's key is the one the document names where the document
// describes the answer. No other file of web/js names an API path or calls
// fetch, and the old guessing helpers (listOf, route look-ups in the
// OpenAPI document, field-name fallbacks) are gone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const HERE = import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.resolve(HERE, '../..');
const JS = path.join(ROOT, 'web/js');
const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8'));
const apiModule = await import(path.join(JS, 'api.js'));
const { OPERATIONS } = apiModule;

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

// "METHOD /path" of every route of the server's tables.
function serverRoutes() {
  const out = new Set();
  for (const f of fs.readdirSync(path.join(ROOT, 'api')).filter((x) => /^routes.*\.c$/.test(x))) {
    const src = fs.readFileSync(path.join(ROOT, 'api', f), 'utf8');
    for (const m of src.matchAll(/\{\s*"(GET|POST|PUT|PATCH|DELETE)",\s*"([^"]+)"/g)) out.add(`${m[1]} ${m[2]}`);
  }
  return out;
}

function resolve(schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 10; i++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    s = doc.components && doc.components.schemas ? doc.components.schemas[name] : undefined;
  }
  return s;
}

test('the operation table is not empty and each entry is well formed', () => {
  const entries = Object.entries(OPERATIONS);
  assert.ok(entries.length >= 50, `found ${entries.length} operations`);
  for (const [name, entry] of entries) {
    assert.ok(Array.isArray(entry) && entry.length >= 2 && entry.length <= 3, `${name}: [method, path, list key?]`);
    assert.match(entry[0], /^(GET|POST|PUT|PATCH|DELETE)$/, `${name}: method`);
    assert.match(entry[1], /^\/api\/v1\//, `${name}: path`);
    assert.equal(typeof apiModule[name], 'function', `${name}: api.js exports a function of that name`);
  }
});

test('every operation of web/js/api.js is documented in docs/openapi.json', () => {
  const missing = Object.entries(OPERATIONS)
    .filter(([, [method, p]]) => !(doc.paths[p] && doc.paths[p][method.toLowerCase()]))
    .map(([name, [method, p]]) => `${name}: ${method} ${p}`);
  assert.deepEqual(missing, [], 'operations the document does not have');
});

test('every operation of web/js/api.js is a route of the server (api/routes*.c)', () => {
  const routes = serverRoutes();
  assert.ok(routes.size > 50, `found ${routes.size} server routes`);
  const missing = Object.entries(OPERATIONS)
    .filter(([, [method, p]]) => !routes.has(`${method} ${p}`))
    .map(([name, [method, p]]) => `${name}: ${method} ${p}`);
  assert.deepEqual(missing, [], 'operations the server does not route');
});

test('a list operation reads the key its documented answer names', (t) => {
  const wrong = [];
  let checked = 0;
  for (const [name, [method, p, key]] of Object.entries(OPERATIONS)) {
    if (!key) continue;
    assert.equal(method, 'GET', `${name}: a list is read by GET`);
    const ok = doc.paths[p][method.toLowerCase()].responses || {};
    const content = ok['200'] && ok['200'].content && ok['200'].content['application/json'];
    const schema = resolve(content && content.schema);
    const props = schema && schema.properties;
    if (!props || !Object.keys(props).length) continue;   // the document does not describe this answer (yet)
    checked += 1;
    const prop = resolve(props[key]);
    if (!prop || (prop.type && prop.type !== 'array')) wrong.push(`${name}: "${key}" is not a list of ${method} ${p}`);
  }
  t.diagnostic(`${checked} list answers described by the document`);
  assert.deepEqual(wrong, [], 'list keys that differ from the document');
});

test('only web/js/api.js names API paths or calls fetch; no guessed routes or listOf', () => {
  const found = [];
  for (const f of files(JS).filter((x) => x.endsWith('.js'))) {
    const rel = path.relative(JS, f);
    const src = fs.readFileSync(f, 'utf8');
    const rules = [
      [/\blistOf\b/, 'listOf'],
      [/\bpathOf\b/, 'pathOf'],
      [/\bapi\.(find|has|schema|get|post|patch|del|loadFeatures)\(/, 'route guessing or a raw request'],
      [/\/api\/v1\/openapi\.json/, 'reads the OpenAPI document at run time'],
    ];
    if (rel !== 'api.js') rules.push([/\/api\/v1\//, 'an API path'], [/\bfetch\(/, 'fetch']);
    for (const [re, what] of rules) if (re.test(src)) found.push(`${rel}: ${what}`);
  }
  assert.deepEqual(found, []);
});
