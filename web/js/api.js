// api.js: the one way the app talks to labpassd.
// Same origin, signed in by the HttpOnly lp_session cookie (the app never
// sees or stores a token). Every state-changing request carries the lp_csrf
// cookie's value in X-CSRF-Token. Errors arrive as problem+json and are
// thrown as ApiError {status, type, title, detail, field}.

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(p.detail || p.title || `HTTP ${status}`);
    this.status = status;
    this.type = p.type || '';
    this.kind = (p.type || '').replace(/^urn:labpass:problem:/, '');
    this.title = p.title || '';
    this.detail = p.detail || '';
    this.field = p.field || '';
    this.retryAfter = retryAfter ? Number(retryAfter) : 0;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)lp_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method)) {
    const t = csrfToken();
    if (t) headers['X-CSRF-Token'] = t;
  }
  Object.assign(headers, opts.headers || {});
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { type: 'urn:labpass:problem:network', title: 'Network error' });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const err = new ApiError(res.status, data, res.headers.get('Retry-After'));
    if (res.status === 401 && !opts.quiet401) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (path, query, opts) => {
  const q = query ? Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '') : [];
  return api('GET', q.length ? `${path}?${new URLSearchParams(q)}` : path, undefined, opts);
};
export const post = (path, body, opts) => api('POST', path, body, opts);
export const patch = (path, body, opts) => api('PATCH', path, body, opts);
export const del = (path, opts) => api('DELETE', path, undefined, opts);

// A fresh key for Idempotency-Key: a retried booking returns the first answer.
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// ---- which routes this server has (read from its OpenAPI document) ----
let routes = new Set();
let schemas = {};

export async function loadFeatures() {
  try {
    const doc = await api('GET', '/api/v1/openapi.json');
    routes = new Set();
    for (const [p, ops] of Object.entries(doc.paths || {}))
      for (const m of Object.keys(ops)) if (m !== 'parameters') routes.add(`${m.toUpperCase()} ${p}`);
    schemas = (doc.components && doc.components.schemas) || {};
  } catch {
    routes = new Set();
  }
}

// True when the server offers "METHOD /path" (path as written in the document).
export function has(route) { return routes.has(route); }

// The first offered route whose "METHOD /path" matches re, or null.
export function find(re) {
  for (const r of routes) if (re.test(r)) return r.slice(r.indexOf(' ') + 1);
  return null;
}

export function schema(name) { return schemas[name] || null; }

// The list inside a list answer: {"things": [...]} or a bare array.
export function listOf(data, key) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== 'object') return [];
  if (key && Array.isArray(data[key])) return data[key];
  for (const v of Object.values(data)) if (Array.isArray(v)) return v;
  return [];
}
