// api.js: the one way the app talks to labpassd: one function per
// operation of docs/openapi.json, with the server's exact paths and field
// names. Views import these functions, never a path.
//
// Same origin, signed in by the HttpOnly lp_session cookie (the app never
// sees or stores a token). Every state-changing request carries the lp_csrf
// cookie's value in X-CSRF-Token. Errors arrive as RFC 9457 problem+json
// {type, title, status, detail, field} and are thrown as ApiError.
//
// A list answer is read by its documented key ({"reservations": [...]});
// an answer without that list is a broken contract and throws, so a renamed
// field shows up as an error instead of an empty page.

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
    // A booking refused for training lists every training it lacks.
    this.missing = Array.isArray(p.missing) ? p.missing : [];
  }
}

// When a request meets 401 (the session ended), the app's handler asks the
// person to sign in again on top of whatever they were doing; it resolves
// true when the same person is signed in again, and the request is then
// sent once more, unchanged (an Idempotency-Key too), so the action goes on
// with the input it had. Requests that meet 401 meanwhile wait for the same
// sign-in.
let onUnauthorized = async () => false;
let pendingReauth = null;
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }
function reauthenticate(err) {
  if (!pendingReauth) {
    pendingReauth = Promise.resolve().then(() => onUnauthorized(err)).catch(() => false)
      .finally(() => { pendingReauth = null; });
  }
  return pendingReauth;
}

// ---- the operations ----
// name -> [method, path as written in docs/openapi.json, and for a list
// answer the key of its list]. tests/browser/contract.test.mjs checks every
// entry against the document and the server's route tables.
export const OPERATIONS = Object.freeze({
  login: ['POST', '/api/v1/auth/login'],
  logout: ['POST', '/api/v1/auth/logout'],
  setupPassword: ['POST', '/api/v1/auth/setup'],
  getMe: ['GET', '/api/v1/me'],
  changePassword: ['POST', '/api/v1/me/password'],
  listSignInProviders: ['GET', '/api/v1/auth/oidc/providers', 'providers'],
  linkSignInProvider: ['POST', '/api/v1/me/oidc/{id}/link'],
  startSignInProvider: ['GET', '/api/v1/auth/oidc/{id}/start'],
  listSignInProvidersStaff: ['GET', '/api/v1/oidc/providers', 'providers'],
  createSignInProvider: ['POST', '/api/v1/oidc/providers'],
  updateSignInProvider: ['PATCH', '/api/v1/oidc/providers/{id}'],
  deleteSignInProvider: ['DELETE', '/api/v1/oidc/providers/{id}'],
  getSite: ['GET', '/api/v1/site'],
  passkeySigninOptions: ['POST', '/api/v1/auth/passkey/options'],
  passkeySignin: ['POST', '/api/v1/auth/passkey'],
  passkeyStepOptions: ['POST', '/api/v1/auth/passkey-step/options'],
  passkeyStep: ['POST', '/api/v1/auth/passkey-step'],
  listPasskeys: ['GET', '/api/v1/me/passkeys', 'passkeys'],
  passkeyOptions: ['POST', '/api/v1/me/passkeys/options'],
  addPasskey: ['POST', '/api/v1/me/passkeys'],
  renamePasskey: ['PATCH', '/api/v1/me/passkeys/{id}'],
  revokePasskey: ['POST', '/api/v1/me/passkeys/{id}/revoke'],
  listMySessions: ['GET', '/api/v1/me/sessions', 'sessions'],
  endMySession: ['POST', '/api/v1/me/sessions/{id}/revoke'],
  endAllMySessions: ['POST', '/api/v1/me/sessions/revoke-all'],
  signOutPerson: ['POST', '/api/v1/people/{id}/sessions/revoke'],

  listTenants: ['GET', '/api/v1/tenants', 'tenants'],
  createTenant: ['POST', '/api/v1/tenants'],
  getTenant: ['GET', '/api/v1/tenants/{id}'],
  getTenantHoldings: ['GET', '/api/v1/tenants/{id}/holdings'],
  suspendTenant: ['POST', '/api/v1/tenants/{id}/suspend'],
  offboardTenant: ['POST', '/api/v1/tenants/{id}/offboard'],
  activateTenant: ['POST', '/api/v1/tenants/{id}/activate'],
  listMembers: ['GET', '/api/v1/tenants/{id}/members', 'members'],
  addMember: ['POST', '/api/v1/tenants/{id}/members'],
  updateMember: ['PATCH', '/api/v1/tenants/{id}/members/{pid}'],
  removeMember: ['DELETE', '/api/v1/tenants/{id}/members/{pid}'],
  listPeople: ['GET', '/api/v1/people', 'people'],
  createPerson: ['POST', '/api/v1/people'],
  updatePerson: ['PATCH', '/api/v1/people/{id}'],

  listProjects: ['GET', '/api/v1/tenants/{id}/projects', 'projects'],
  createProject: ['POST', '/api/v1/tenants/{id}/projects'],
  getProjectSettings: ['GET', '/api/v1/tenants/{id}/project-settings'],
  updateProjectSettings: ['PATCH', '/api/v1/tenants/{id}/project-settings'],
  getProject: ['GET', '/api/v1/projects/{id}'],
  updateProject: ['PATCH', '/api/v1/projects/{id}'],
  approveProject: ['POST', '/api/v1/projects/{id}/approve'],
  closeProject: ['POST', '/api/v1/projects/{id}/close'],
  getDefaultProject: ['GET', '/api/v1/people/{id}/default-project'],
  setDefaultProject: ['POST', '/api/v1/people/{id}/default-project'],

  listResources: ['GET', '/api/v1/resources', 'resources'],
  createResource: ['POST', '/api/v1/resources'],
  updateResource: ['PATCH', '/api/v1/resources/{id}'],
  getAvailability: ['GET', '/api/v1/resources/{id}/availability'],
  listClosures: ['GET', '/api/v1/closures', 'closures'],
  createClosure: ['POST', '/api/v1/closures'],
  deleteClosure: ['DELETE', '/api/v1/closures/{id}'],
  listDowntimes: ['GET', '/api/v1/downtimes', 'downtimes'],
  previewDowntime: ['POST', '/api/v1/downtimes/preview'],
  createDowntime: ['POST', '/api/v1/downtimes'],
  updateDowntime: ['PATCH', '/api/v1/downtimes/{id}'],
  reportIncident: ['POST', '/api/v1/resources/{id}/incidents'],
  listIncidents: ['GET', '/api/v1/incidents', 'incidents'],
  acknowledgeIncident: ['POST', '/api/v1/incidents/{id}/acknowledge'],
  resolveIncident: ['POST', '/api/v1/incidents/{id}/resolve'],
  listResourceLog: ['GET', '/api/v1/resources/{id}/log', 'entries'],
  addResourceLog: ['POST', '/api/v1/resources/{id}/log'],

  listQualifications: ['GET', '/api/v1/qualifications', 'qualifications'],
  createQualification: ['POST', '/api/v1/qualifications'],
  updateQualification: ['PATCH', '/api/v1/qualifications/{id}'],
  grantQualification: ['POST', '/api/v1/qualifications/{id}/grants'],
  requestTraining: ['POST', '/api/v1/qualifications/{id}/requests'],
  listTrainingRequests: ['GET', '/api/v1/training-requests', 'requests'],
  closeTrainingRequest: ['POST', '/api/v1/training-requests/{id}/close'],
  listCatalogue: ['GET', '/api/v1/catalogue', 'items'],
  createItem: ['POST', '/api/v1/catalogue'],
  updateItem: ['PATCH', '/api/v1/catalogue/{id}'],
  listItemPrices: ['GET', '/api/v1/catalogue/{id}/prices', 'prices'],
  addItemPrice: ['POST', '/api/v1/catalogue/{id}/prices'],
  estimateItem: ['GET', '/api/v1/catalogue/{id}/estimate'],
  createServiceRequest: ['POST', '/api/v1/service-requests'],
  listServiceRequests: ['GET', '/api/v1/service-requests', 'requests'],
  quoteServiceRequest: ['POST', '/api/v1/service-requests/{id}/quote'],
  acceptServiceRequest: ['POST', '/api/v1/service-requests/{id}/accept'],
  declineServiceRequest: ['POST', '/api/v1/service-requests/{id}/decline'],
  cancelServiceRequest: ['POST', '/api/v1/service-requests/{id}/cancel'],
  startServiceRequest: ['POST', '/api/v1/service-requests/{id}/start'],
  completeServiceRequest: ['POST', '/api/v1/service-requests/{id}/complete'],
  listConsumableUsage: ['GET', '/api/v1/consumable-usage', 'usage'],
  logConsumable: ['POST', '/api/v1/consumable-usage'],
  voidConsumable: ['POST', '/api/v1/consumable-usage/{id}/void'],
  getTrainingMatrix: ['GET', '/api/v1/training-matrix'],
  trainingMatrixCsvUrl: ['GET', '/api/v1/training-matrix.csv'],
  listGrants: ['GET', '/api/v1/qualification-grants', 'grants'],
  withdrawGrant: ['POST', '/api/v1/qualification-grants/{id}/withdraw'],

  listReservations: ['GET', '/api/v1/reservations', 'reservations'],
  createReservation: ['POST', '/api/v1/reservations'],
  cancelReservation: ['POST', '/api/v1/reservations/{id}/cancel'],
  approveReservation: ['POST', '/api/v1/reservations/{id}/approve'],
  rejectReservation: ['POST', '/api/v1/reservations/{id}/reject'],
  checkIn: ['POST', '/api/v1/reservations/{id}/check-in'],
  checkOut: ['POST', '/api/v1/reservations/{id}/check-out'],
  joinWaitlist: ['POST', '/api/v1/waitlist'],
  listWaitlist: ['GET', '/api/v1/waitlist', 'waitlist'],
  leaveWaitlist: ['POST', '/api/v1/waitlist/{id}/cancel'],
  createCalendarFeed: ['POST', '/api/v1/me/calendar-feeds'],
  listCalendarFeeds: ['GET', '/api/v1/me/calendar-feeds', 'feeds'],
  revokeCalendarFeed: ['POST', '/api/v1/me/calendar-feeds/{id}/revoke'],

  listMyCredentials: ['GET', '/api/v1/me/credentials', 'credentials'],
  revokeMyCredential: ['POST', '/api/v1/me/credentials/{id}/revoke'],
  listPersonCards: ['GET', '/api/v1/people/{id}/cards', 'cards'],
  enrolCard: ['POST', '/api/v1/people/{id}/cards'],
  revokeCard: ['POST', '/api/v1/people/{id}/cards/{cid}/revoke'],
  listMyPasses: ['GET', '/api/v1/me/passes', 'passes'],
  listDoors: ['GET', '/api/v1/doors', 'doors'],
  createDoor: ['POST', '/api/v1/doors'],
  updateDoor: ['PATCH', '/api/v1/doors/{id}'],
  retireDoor: ['POST', '/api/v1/doors/{id}/retire'],
  rekeyDoor: ['POST', '/api/v1/doors/{id}/key'],
  listDoorEvents: ['GET', '/api/v1/door-events', 'events'],
  listWebhooks: ['GET', '/api/v1/webhooks', 'webhooks'],
  createWebhook: ['POST', '/api/v1/webhooks'],
  updateWebhook: ['PATCH', '/api/v1/webhooks/{id}'],
  deleteWebhook: ['DELETE', '/api/v1/webhooks/{id}'],
  rotateWebhookSecret: ['POST', '/api/v1/webhooks/{id}/secret'],
  testWebhook: ['POST', '/api/v1/webhooks/{id}/test'],
  listWebhookDeliveries: ['GET', '/api/v1/webhooks/{id}/deliveries', 'deliveries'],
  retryWebhookDelivery: ['POST', '/api/v1/webhooks/{id}/deliveries/{did}/retry'],

  listRatePlans: ['GET', '/api/v1/rate-plans', 'rate_plans'],
  addRatePlanVersion: ['POST', '/api/v1/rate-plans/{id}/versions'],
  getPrices: ['GET', '/api/v1/prices'],
  getEstimate: ['GET', '/api/v1/resources/{id}/estimate'],
  getReservationEstimate: ['GET', '/api/v1/reservations/{id}/estimate'],
  getCharges: ['GET', '/api/v1/charges', 'charges'],
  chargesCsvUrl: ['GET', '/api/v1/charges.csv'],
  getUsageReport: ['GET', '/api/v1/reports/usage'],
  usageReportCsvUrl: ['GET', '/api/v1/reports/usage.csv'],
  getBillingSummary: ['GET', '/api/v1/billing/summary'],
  runInvoices: ['POST', '/api/v1/invoices/run'],
  listInvoices: ['GET', '/api/v1/invoices', 'invoices'],
  issueInvoice: ['POST', '/api/v1/invoices/{id}/issue'],
  invoiceHtmlUrl: ['GET', '/api/v1/invoices/{id}/html'],
  invoiceUblUrl: ['GET', '/api/v1/invoices/{id}/ubl'],
  invoicePdfUrl: ['GET', '/api/v1/invoices/{id}/pdf'],
  invoiceCsvUrl: ['GET', '/api/v1/invoices/{id}/csv'],
  getInvoice: ['GET', '/api/v1/invoices/{id}'],
  excludeInvoiceCharge: ['POST', '/api/v1/invoices/{id}/exclude'],
  refreshInvoice: ['POST', '/api/v1/invoices/{id}/refresh'],
  issueAllInvoices: ['POST', '/api/v1/invoices/issue-all'],

  getPrivacyNotice: ['GET', '/api/v1/privacy'],
  getRetention: ['GET', '/api/v1/retention'],
  setRetention: ['PUT', '/api/v1/retention'],
  myDataUrl: ['GET', '/api/v1/me/export'],
  getMyData: ['GET', '/api/v1/me/export'],
  erasePerson: ['POST', '/api/v1/people/{id}/erase'],
  getRegister: ['GET', '/api/v1/resources/{id}/register'],
  registerCsvUrl: ['GET', '/api/v1/resources/{id}/register.csv'],
});

// ---- the request ----
function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === 'lp_csrf') return decodeURIComponent(v.join('='));
  }
  return '';
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The URL of operation op: path parameters filled in, query appended
// (empty values left out).
function url(op, params = {}, query) {
  let path = OPERATIONS[op][1];
  for (const [k, v] of Object.entries(params)) path = path.replace(`{${k}}`, encodeURIComponent(v));
  if (path.includes('{')) throw new Error(`${op}: a path parameter is missing (${path})`);
  const q = query ? Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '') : [];
  return q.length ? `${path}?${new URLSearchParams(q)}` : path;
}

// A read answered 503 with a short Retry-After (the server was busy for a
// moment) is sent once more after that wait; a request HTTP calls idempotent
// (GET, PUT, DELETE) that met a network error (a kept-alive connection the
// server had just closed) is sent once more at once. Anything else is the
// answer.
const RETRY_MAX_S = 5;
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
async function sendRetrying(op, opts) {
  try {
    return await send(op, opts);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const method = OPERATIONS[op][0];
    if (err.status === 0 && IDEMPOTENT.has(method)) return send(op, opts);
    if (err.status !== 503 || method !== 'GET' || !(err.retryAfter > 0) || err.retryAfter > RETRY_MAX_S) throw err;
    await new Promise((r) => setTimeout(r, err.retryAfter * 1000));
    return send(op, opts);
  }
}

async function call(op, opts = {}) {
  try {
    return await sendRetrying(op, opts);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401 || opts.quiet401) throw err;
    if (!(await reauthenticate(err))) throw err;
    return send(op, opts);   /* once: a second 401 is an answer */
  }
}

async function send(op, { params, query, body, headers: extra, href } = {}) {
  const method = OPERATIONS[op][0];
  const headers = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method)) {
    const tok = csrfToken();
    if (tok) headers['X-CSRF-Token'] = tok;
  }
  Object.assign(headers, extra);
  let res;
  try {
    res = await fetch(href || url(op, params, query), {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { type: 'urn:labpass:problem:network', title: 'Network error' });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) throw new ApiError(res.status, data, res.headers.get('Retry-After'));
  return data;
}

// The list of a list answer, under the key its OPERATIONS entry names;
// an answer without it is a broken contract. A paged answer names its next
// page in "next" (docs/openapi.json, components.schemas.Next): the pages are
// fetched in turn and joined; more than MAX_PAGES of them is an error, never
// a silently shortened list.
const MAX_PAGES = 50;
async function list(op, opts = {}) {
  const [method, path] = OPERATIONS[op];
  const key = OPERATIONS[op][2];
  const items = [];
  let data = opts.first || await call(op, opts);
  for (let page = 1; ; page++) {
    if (!data || !Array.isArray(data[key])) throw new Error(`${method} ${path}: the answer has no "${key}" list`);
    items.push(...data[key]);
    if (typeof data.next !== 'string') break;
    if (page >= MAX_PAGES) throw new Error(`${method} ${path}: more than ${MAX_PAGES} pages; narrow the query`);
    if (!data.next.startsWith(`${url(op, opts && opts.params)}?`)) throw new Error(`${method} ${path}: the next page is not on the same route`);
    data = await call(op, { ...opts, href: data.next });
  }
  return items;
}

// A fresh key for Idempotency-Key: a retried booking returns the first answer.
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// ---- sign-in and the caller ----
export const login = (body) => call('login', { body, quiet401: true });
export const logout = () => call('logout');
export const setupPassword = (body) => call('setupPassword', { body, quiet401: true });
export const getMe = ({ quiet401 = false } = {}) => call('getMe', { quiet401 });
export const changePassword = (body) => call('changePassword', { body });
export const listSignInProviders = () => list('listSignInProviders', { quiet401: true });
export const linkSignInProvider = (id) => call('linkSignInProvider', { params: { id } });
// A full page load, not a fetch: the server answers with a redirect to the provider.
export const startSignInProvider = (id) => url('startSignInProvider', { id });
export const listSignInProvidersStaff = () => list('listSignInProvidersStaff');
export const createSignInProvider = (body) => call('createSignInProvider', { body });
export const updateSignInProvider = (id, body) => call('updateSignInProvider', { params: { id }, body });
export const deleteSignInProvider = (id) => call('deleteSignInProvider', { params: { id } });
export const getSite = () => call('getSite');

// ---- passkeys and the caller's sessions ----
export const passkeySigninOptions = () => call('passkeySigninOptions', { quiet401: true });
export const passkeySignin = (body) => call('passkeySignin', { body, quiet401: true });
export const passkeyStepOptions = () => call('passkeyStepOptions');
export const passkeyStep = (body) => call('passkeyStep', { body });
export const listPasskeys = () => list('listPasskeys');
export const passkeyOptions = () => call('passkeyOptions');
// body {name, client_data_json, attestation_object}
export const addPasskey = (body) => call('addPasskey', { body });
export const renamePasskey = (id, name) => call('renamePasskey', { params: { id }, body: { name } });
export const revokePasskey = (id) => call('revokePasskey', { params: { id } });
export const listMySessions = () => list('listMySessions');
export const endMySession = (id) => call('endMySession', { params: { id } });
// {revoked}; includeCurrent ends this browser's session too
export const endAllMySessions = (includeCurrent) => call('endAllMySessions', { body: { include_current: !!includeCurrent } });
export const signOutPerson = (id) => call('signOutPerson', { params: { id } });

// ---- tenants and people ----
export const listTenants = (query) => list('listTenants', { query });
export const createTenant = (body) => call('createTenant', { body });
export const getTenant = (id) => call('getTenant', { params: { id } });
// What suspending or offboarding would touch; then do it (body {bookings: keep|cancel, notify}).
export const getTenantHoldings = (id) => call('getTenantHoldings', { params: { id } });
export const suspendTenant = (id, body) => call('suspendTenant', { params: { id }, body });
export const offboardTenant = (id, body) => call('offboardTenant', { params: { id }, body });
export const activateTenant = (id) => call('activateTenant', { params: { id } });
export const listMembers = (id) => list('listMembers', { params: { id } });
export const addMember = (id, body) => call('addMember', { params: { id }, body });
export const updateMember = (id, pid, body) => call('updateMember', { params: { id, pid }, body });
export const removeMember = (id, pid) => call('removeMember', { params: { id, pid } });
export const listPeople = (query) => list('listPeople', { query });
export const createPerson = (body) => call('createPerson', { body });
// body: any of {name, email, status, is_staff, language}; others may change name and language only.
export const updatePerson = (id, body) => call('updatePerson', { params: { id }, body });

// ---- projects (a company's cost centres) ----
// query {status: active|all}
export const listProjects = (id, query) => list('listProjects', { params: { id }, query });
export const createProject = (id, body) => call('createProject', { params: { id }, body });
export const getProjectSettings = (id) => call('getProjectSettings', { params: { id } });
// body any of {require_po, project_approval}
export const updateProjectSettings = (id, body) => call('updateProjectSettings', { params: { id }, body });
export const getProject = (id) => call('getProject', { params: { id } });
export const updateProject = (id, body) => call('updateProject', { params: { id }, body });
export const approveProject = (id) => call('approveProject', { params: { id } });
export const closeProject = (id) => call('closeProject', { params: { id } });
export const getDefaultProject = (id) => call('getDefaultProject', { params: { id } });
// body {project_id}: 0 clears it
export const setDefaultProject = (id, projectId) => call('setDefaultProject', { params: { id }, body: { project_id: projectId } });

// ---- resources, closures, trainings ----
export const listResources = () => list('listResources');
export const createResource = (body) => call('createResource', { body });
export const updateResource = (id, body) => call('updateResource', { params: { id }, body });
// A resource's availability between query.from and query.to: {capacity, free: [{start, end}],
// taken: [{start, end, taken, free}]} (free intervals for one more booking; places taken and free).
export const getAvailability = (id, query) => call('getAvailability', { params: { id }, query });
export const listClosures = (query) => list('listClosures', { query });
export const createClosure = (body) => call('createClosure', { body });
export const deleteClosure = (id) => call('deleteClosure', { params: { id } });
export const listQualifications = () => list('listQualifications');
export const createQualification = (body) => call('createQualification', { body });
export const updateQualification = (id, body) => call('updateQualification', { params: { id }, body });
export const grantQualification = (id, body) => call('grantQualification', { params: { id }, body });
// Ask for a training (body {note}); the open requests; decline or withdraw one.
export const listDowntimes = (query) => list('listDowntimes', { query });
export const previewDowntime = (body) => call('previewDowntime', { body });
export const createDowntime = (body) => call('createDowntime', { body });
export const updateDowntime = (id, body) => call('updateDowntime', { params: { id }, body });
export const reportIncident = (id, body) => call('reportIncident', { params: { id }, body });
export const listIncidents = (query) => list('listIncidents', { query });
export const acknowledgeIncident = (id) => call('acknowledgeIncident', { params: { id } });
export const resolveIncident = (id, resolution) => call('resolveIncident', { params: { id }, body: { resolution } });
export const listResourceLog = (id) => list('listResourceLog', { params: { id } });
export const addResourceLog = (id, body) => call('addResourceLog', { params: { id }, body });
export const requestTraining = (id, body) => call('requestTraining', { params: { id }, body });
export const listTrainingRequests = (query) => list('listTrainingRequests', { query });
export const closeTrainingRequest = (id, outcome) => call('closeTrainingRequest', { params: { id }, body: { outcome } });
// People against trainings: {tenant_id} or {resource_id}.
export const getTrainingMatrix = (query) => call('getTrainingMatrix', { query });
export const trainingMatrixCsvUrl = (query) => url('trainingMatrixCsvUrl', {}, query);
export const listGrants = (query) => list('listGrants', { query });
export const withdrawGrant = (id) => call('withdrawGrant', { params: { id } });

// ---- the catalogue, service requests, consumables ----
export const listCatalogue = (query) => list('listCatalogue', { query });
export const createItem = (body) => call('createItem', { body });
export const updateItem = (id, body) => call('updateItem', { params: { id }, body });
export const listItemPrices = (id) => list('listItemPrices', { params: { id } });
export const addItemPrice = (id, body) => call('addItemPrice', { params: { id }, body });
// {quantity, tenant_id (staff), at}: what that much costs, priced as it would be charged.
export const estimateItem = (id, query) => call('estimateItem', { params: { id }, query });
export const createServiceRequest = (body) => call('createServiceRequest', { body });
export const listServiceRequests = (query) => list('listServiceRequests', { query });
export const quoteServiceRequest = (id, body) => call('quoteServiceRequest', { params: { id }, body });
export const acceptServiceRequest = (id) => call('acceptServiceRequest', { params: { id } });
export const declineServiceRequest = (id, body) => call('declineServiceRequest', { params: { id }, body });
export const cancelServiceRequest = (id, body) => call('cancelServiceRequest', { params: { id }, body });
export const startServiceRequest = (id) => call('startServiceRequest', { params: { id } });
export const completeServiceRequest = (id) => call('completeServiceRequest', { params: { id } });
export const listConsumableUsage = (query) => list('listConsumableUsage', { query });
export const logConsumable = (body) => call('logConsumable', { body });
export const voidConsumable = (id) => call('voidConsumable', { params: { id } });

// ---- reservations, waitlist, calendar feeds ----
export const listReservations = (query) => list('listReservations', { query });
// One reservation, or a series {series_id, reservations, skipped} for a body with rrule.
export const createReservation = (body, { idempotency = idempotencyKey() } = {}) =>
  call('createReservation', { body, headers: { 'Idempotency-Key': idempotency } });
// body: {scope: this|following|all} for a reservation of a series, else none.
export const cancelReservation = (id, body) => call('cancelReservation', { params: { id }, body });
export const approveReservation = (id) => call('approveReservation', { params: { id } });
export const rejectReservation = (id, body) => call('rejectReservation', { params: { id }, body });
export const checkIn = (id) => call('checkIn', { params: { id } });
export const checkOut = (id) => call('checkOut', { params: { id } });
export const joinWaitlist = (body) => call('joinWaitlist', { body });
export const listWaitlist = () => list('listWaitlist');
export const leaveWaitlist = (id) => call('leaveWaitlist', { params: { id } });
export const createCalendarFeed = (body) => call('createCalendarFeed', { body });
export const listCalendarFeeds = () => list('listCalendarFeeds');
export const revokeCalendarFeed = (id) => call('revokeCalendarFeed', { params: { id } });

// ---- access: credentials, passes, doors ----
export const listMyCredentials = () => list('listMyCredentials');
// The revoked credential with passes_revoked.
export const revokeMyCredential = (id) => call('revokeMyCredential', { params: { id } });
export const listMyPasses = () => list('listMyPasses');
// DESFire cards (staff): enrol by UID, list, revoke (the card's passes go onto the denylist).
export const listPersonCards = (id) => list('listPersonCards', { params: { id } });
export const enrolCard = (id, body) => call('enrolCard', { params: { id }, body });
export const revokeCard = (id, cid) => call('revokeCard', { params: { id, cid } });
export const listDoors = () => list('listDoors');
// {door, api_key, trust_keys}: the door's API key is shown this once.
export const createDoor = (body) => call('createDoor', { body });
// Rename or re-group; retire (its key stops, its history stays); a new key for a replaced reader.
export const updateDoor = (id, body) => call('updateDoor', { params: { id }, body });
export const retireDoor = (id) => call('retireDoor', { params: { id } });
export const rekeyDoor = (id) => call('rekeyDoor', { params: { id } });
export const listDoorEvents = (query) => list('listDoorEvents', { query });

// ---- webhooks (staff) ----
export const listWebhooks = () => list('listWebhooks');
// {webhook, secret}: the signing secret is shown this once (also after a rotation).
export const createWebhook = (body) => call('createWebhook', { body });
export const updateWebhook = (id, body) => call('updateWebhook', { params: { id }, body });
export const deleteWebhook = (id) => call('deleteWebhook', { params: { id } });
export const rotateWebhookSecret = (id) => call('rotateWebhookSecret', { params: { id } });
// Queues a ping; the delivery, pending.
export const testWebhook = (id) => call('testWebhook', { params: { id } });
// The newest deliveries (one page: {deliveries, next}).
export const listWebhookDeliveries = (id, query) => call('listWebhookDeliveries', { params: { id }, query });
export const retryWebhookDelivery = (id, did) => call('retryWebhookDelivery', { params: { id, did } });

// ---- billing ----
export const listRatePlans = (query) => list('listRatePlans', { query });
export const addRatePlanVersion = (id, body) => call('addRatePlanVersion', { params: { id }, body });
// {period, charges, net_cents}: a month's charges and their net total.
// A month's charges with their totals; every page's charges joined.
// What a booking would cost (query: start, end, tenant_id for staff), what
// a reservation costs and what cancelling it now costs, and every resource's
// price for a tenant.
export const getPrices = (query) => call('getPrices', { query });
export const getEstimate = (id, query) => call('getEstimate', { params: { id }, query });
export const getReservationEstimate = (id) => call('getReservationEstimate', { params: { id } });
export async function getCharges(query) {
  const first = await call('getCharges', { query });
  const charges = await list('getCharges', { query, first });
  return { ...first, charges, next: null };
}
export const chargesCsvUrl = (query) => url('chargesCsvUrl', {}, query);
// The manager's month (staff): per resource and company, bookings, minutes booked and used, no-shows, income.
export const getUsageReport = (period) => call('getUsageReport', { query: { period } });
export const usageReportCsvUrl = (period) => url('usageReportCsvUrl', {}, { period });
export const getBillingSummary = (query) => call('getBillingSummary', { query });
// {period, created: [invoice], existing: n, skipped: [{tenant_id, reason}]}
export const runInvoices = ({ period, draft, tenant_id }) => call('runInvoices', { body: { period, draft, tenant_id } });
export const listInvoices = (query) => list('listInvoices', { query });
export const issueInvoice = (id) => call('issueInvoice', { params: { id } });
export const invoiceHtmlUrl = (id) => url('invoiceHtmlUrl', { id });
export const invoiceUblUrl = (id) => url('invoiceUblUrl', { id });
export const invoicePdfUrl = (id) => url('invoicePdfUrl', { id });
// The invoice's own lines, VAT and totals (the same as its UBL, HTML and PDF).
export const invoiceCsvUrl = (id) => url('invoiceCsvUrl', { id });
// One invoice with its lines, VAT per rate, payments and credit notes.
export const getInvoice = (id) => call('getInvoice', { params: { id } });
// Drafts only: a charge leaves the draft and waits for the next month.
export const excludeInvoiceCharge = (id, chargeId) => call('excludeInvoiceCharge', { params: { id }, body: { charge_id: chargeId } });
export const refreshInvoice = (id) => call('refreshInvoice', { params: { id } });
// {period, issued: [invoice], failed: [{id, reason}]}
export const issueAllInvoices = (period) => call('issueAllInvoices', { body: { period } });

// ---- privacy: the notice, retention settings, a person's data ----
export const getPrivacyNotice = () => call('getPrivacyNotice', { quiet401: true });
export const getRetention = () => call('getRetention');
export const setRetention = (body) => call('setRetention', { body });
export const myDataUrl = () => url('myDataUrl', {});
export const getMyData = () => call('getMyData');
export const erasePerson = (id, body) => call('erasePerson', { params: { id }, body });
export const getRegister = (id, query) => call('getRegister', { params: { id }, query });
export const registerCsvUrl = (id, query) => url('registerCsvUrl', { id }, query);
