// data.js: small shared look-ups (resources, labs, tenants, people,
// trainings) loaded once per page view and reused by the views.

import { listResources, listTenants, listPeople, listQualifications, listMembers, getPrices } from './api.js';
import { t } from './i18n.js';

let cache = {};
export function forget(key) { if (key) delete cache[key]; else cache = {}; }

async function once(key, fn) {
  if (!cache[key]) cache[key] = fn().catch((e) => { delete cache[key]; throw e; });
  return cache[key];
}

export const resources = () => once('resources', async () =>
  (await listResources()).sort((a, b) => kindOrder(a) - kindOrder(b) || a.name.localeCompare(b.name)));

const KIND_ORDER = { lab: 0, equipment: 1, room: 2 };
function kindOrder(r) { return KIND_ORDER[r.kind] ?? 3; }

// Labs: each lab resource with the resources behind the same door.
export async function labs() {
  const rs = await resources();
  return rs.filter((r) => r.kind === 'lab').map((lab) => ({
    key: lab.door_group || `lab-${lab.id}`,
    lab,
    members: [lab, ...rs.filter((r) => r.id !== lab.id && r.door_group && r.door_group === lab.door_group)],
  }));
}

export const tenants = () => once('tenants', () => listTenants());
export const people = () => once('people', () => listPeople());
export const qualifications = () => once('quals', () => listQualifications());
// Every resource's price for the caller's own tenant (people without one,
// staff, get null): a Map resource id -> {plan, policy}. Prices are extra:
// when they cannot be read the page goes on without them (null), unless the
// session ended (401), which stops the page like any other request.
export async function myPrices(me) {
  if (!me.tenant_id) return null;
  try {
    return await once('prices', async () => byId((await getPrices()).prices.map((p) => ({ ...p, id: p.resource_id }))));
  } catch (e) {
    if (e && e.status === 401) throw e;
    return null;
  }
}
export const members = (tid) => once(`members-${tid}`, () => listMembers(tid));

// How a person is named on screen: the name, or the e-mail address of
// someone invited without a name (the server sends name "" then).
export function displayName(p) { return p.name === '' ? p.email : p.name; }

export function byId(list) { const m = new Map(); for (const x of list) m.set(x.id, x); return m; }

export function kindLabel(kind) { return t(`kind.${kind}`); }

// The people a booking may be made for: members book for themselves; tenant
// admins for their tenant's people; staff for anybody of a tenant.
export async function bookablePeople(me) {
  if (me.role === 'tenant_admin' && me.tenant_id) return (await members(me.tenant_id)).filter((p) => p.status === 'active');
  if (me.role === 'staff') return (await people()).filter((p) => p.tenant_id && p.status === 'active');
  return [me];
}
