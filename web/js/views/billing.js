// billing.js: this month's running charges and the invoices (HTML view,
// UBL and CSV downloads) for tenant admins; for staff also the monthly
// invoice run. The routes are found in the server's OpenAPI document, so
// the page works as soon as the server offers billing and says so before.

import * as api from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, badge, select, field, table, toast, money } from '../dom.js';
import { t, locale } from '../i18n.js';
import { explain } from '../problem.js';
import { rfc3339, parseTime, fmtDate, fmtRange, today, parseDate, fromZoned, fmtMonth, dateStr } from '../time.js';

const pathOf = {
  charges: () => api.find(/^GET \/api\/v1\/charges$/),
  invoices: () => api.find(/^GET \/api\/v1\/invoices$/),
  run: () => api.find(/^POST \/api\/v1\/(invoice-runs|invoices\/run|billing\/run|invoices)$/),
  html: () => api.find(/^GET \/api\/v1\/invoices\/\{id\}(\.html|\/html|\/view)$/),
  ubl: () => api.find(/^GET \/api\/v1\/invoices\/\{id\}(\.xml|\/ubl|\.ubl|\/xml)$/),
  csv: () => api.find(/^GET \/api\/v1\/invoices\/\{id\}(\.csv|\/csv)$/),
  chargesCsv: () => api.find(/^GET \/api\/v1\/charges\.csv$/),
  summary: () => api.find(/^GET \/api\/v1\/.*summary$/),
  issue: () => api.find(/^POST \/api\/v1\/invoices\/\{id\}\/issue$/),
};

export function billingAvailable() { return !!(pathOf.invoices() || pathOf.charges()); }

const STATUS_KIND = { draft: 'info', issued: 'info', open: 'info', partly_paid: 'warn', paid: 'ok', credited: 'warn', overdue: 'danger' };
const cents = (...xs) => xs.find((x) => x !== undefined && x !== null);

function monthStart(y, m) { return fromZoned(y, m, 1, 0, 0); }

export default async function billing(root, ctx) {
  const staff = ctx.me.role === 'staff';
  root.append(pageHead(t('billing.title'), staff ? t('billing.leadStaff') : t('billing.leadAdmin')));
  if (!billingAvailable()) {
    root.append(h('section', { class: 'card', 'data-billing': 'absent' },
      empty(t('billing.notYet'), t('billing.notYetHint'))));
    return;
  }
  const currency = (ctx.site && ctx.site.currency) || 'EUR';
  const tns = data.byId(staff ? await data.tenants() : [await api.get(`/api/v1/tenants/${ctx.me.tenant_id}`)]);
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const runCard = staff && pathOf.run() ? h('section', { class: 'card', 'aria-labelledby': 'run-h' }) : null;
  const chargesCard = pathOf.charges() ? h('section', { class: 'card', 'aria-labelledby': 'chg-h' }) : null;
  const invCard = pathOf.invoices() ? h('section', { class: 'card', 'aria-labelledby': 'inv-h' }) : null;
  root.append(...[out, runCard, chargesCard, invCard].filter(Boolean));

  const now = today();
  const { y, m } = parseDate(now);

  if (runCard) {
    const opts = [];
    for (let i = 1; i <= 6; i++) {
      const d = parseDate(dateStr(y, m - i, 1));
      opts.push({ value: `${d.y}-${String(d.m).padStart(2, '0')}`, label: fmtMonth(monthStart(d.y, d.m) + 86400000) });
    }
    const month = select(opts, opts[0].value);
    month.classList.add('narrow');
    const runBtn = button(t('billing.run'), async () => {
      runBtn.disabled = true;
      const [yy, mm] = month.value.split('-').map(Number);
      const body = { period: month.value, from: rfc3339(monthStart(yy, mm)), to: rfc3339(monthStart(yy, mm + 1)) };
      const runPath = pathOf.run();
      try {
        const res = (await api.post(runPath, runBodyFor(body))) || {};
        const created = Array.isArray(res.created) ? res.created.length : api.listOf(res, 'invoices').length || res.ncreated || 0;
        const skipped = Array.isArray(res.skipped) ? res.skipped : [];
        const existing = res.nexisting ?? res.existing ?? 0;
        const body2 = [h('p', null, t('billing.ran', { n: created, month: month.selectedOptions[0].textContent }))];
        if (existing) body2.push(h('p', null, t('billing.existing', { n: existing })));
        if (skipped.length) body2.push(h('p', null, t('billing.skipped')), h('ul', null, skipped.map((x) => h('li', null, `${(tns.get(x.tenant_id) || {}).name || `#${x.tenant_id}`}: ${x.reason}`))));
        showIn(out, message(skipped.length ? 'warn' : 'ok', t('billing.ran.title'), body2));
        loadInvoices();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      } finally {
        runBtn.disabled = false;
      }
    }, 'btn-primary');
    runCard.append(h('h2', { id: 'run-h' }, t('billing.runTitle')), h('p', { class: 'muted small' }, t('billing.runLead')),
      h('div', { class: 'inline-form' }, field(t('billing.month'), month), runBtn));
  }

  // The run route's body: its schema's fields where the document names them.
  function runBodyFor(b) {
    const props = [];
    for (const [name, s] of Object.entries({ r1: api.schema('InvoiceRun'), r2: api.schema('InvoiceRunInput') })) if (s && s.properties && name) props.push(...Object.keys(s.properties));
    if (!props.length) return { period: b.period };
    const body = {};
    for (const k of props) if (b[k] !== undefined) body[k] = b[k];
    if (props.includes('month')) body.month = b.period;
    return Object.keys(body).length ? body : { period: b.period };
  }

  async function loadCharges() {
    if (!chargesCard) return;
    clear(chargesCard);
    const period = `${y}-${String(m).padStart(2, '0')}`;
    const headRow = h('div', { class: 'card-head' }, h('h2', { id: 'chg-h' }, t('billing.running', { month: fmtMonth(Date.now()) })));
    if (pathOf.chargesCsv()) headRow.append(h('a', { class: 'btn btn-small', href: `${pathOf.chargesCsv()}?period=${period}`, download: `charges-${period}.csv` }, t('billing.csv')));
    chargesCard.append(headRow);
    try {
      const q = { period: `${y}-${String(m).padStart(2, '0')}`, from: rfc3339(monthStart(y, m)), to: rfc3339(monthStart(y, m + 1)) };
      if (!staff) q.tenant_id = ctx.me.tenant_id;
      const res = await api.get(pathOf.charges(), q);
      const list = api.listOf(res, 'charges');
      const total = res && typeof res === 'object' && !Array.isArray(res) ? res.total_cents ?? res.total : undefined;
      const sum = total !== undefined ? total : list.reduce((a, c) => a + Number(cents(c.net_cents, c.amount_cents, 0)), 0);
      let summary = null;
      if (!staff && pathOf.summary() && !pathOf.summary().includes('{')) {
        summary = await api.get(pathOf.summary(), { period: q.period, tenant_id: staff ? undefined : ctx.me.tenant_id }).catch(() => null);
      }
      const stats = h('div', { class: 'stats' },
        h('div', { class: 'card stat' }, h('span', { class: 'v' }, money(summary && summary.net_cents !== undefined ? summary.net_cents : sum, currency, locale())), h('span', { class: 'l' }, t('billing.sofar'))));
      if (summary && summary.gross_cents !== undefined) stats.append(h('div', { class: 'card stat' }, h('span', { class: 'v' }, money(summary.gross_cents, currency, locale())), h('span', { class: 'l' }, t('billing.sofarGross'))));
      stats.append(h('div', { class: 'card stat' }, h('span', { class: 'v' }, String(list.length)), h('span', { class: 'l' }, t('billing.lines'))));
      chargesCard.append(stats);
      if (summary && summary.recurring_cents) chargesCard.append(h('p', { class: 'muted small' }, t('billing.includesFees', { amount: money(summary.recurring_cents, currency, locale()) })));
      if (!list.length) { chargesCard.append(empty(t('billing.noCharges'))); return; }
      const resById = data.byId(await data.resources());
      chargesCard.append(table([
        staff ? { label: t('billing.tenant'), render: (c) => (tns.get(c.tenant_id) || {}).name || '—' } : null,
        { label: t('billing.what'), render: (c) => c.description || (resById.get(c.resource_id) || {}).name || c.kind || '—' },
        { label: t('billing.when'), render: (c) => (c.start && c.end ? fmtRange(parseTime(c.start), parseTime(c.end)) : c.date ? fmtDate(parseTime(c.date)) : '—') },
        { label: t('billing.state'), render: (c) => (c.state ? badge(t(`charge.${c.state}`), c.state === 'final' ? 'ok' : 'info') : '—') },
        { label: t('billing.amount'), cls: 'num', render: (c) => money(cents(c.net_cents, c.amount_cents), currency, locale()) },
      ].filter(Boolean), list, { caption: t('billing.running', { month: fmtMonth(Date.now()) }) }));
    } catch (err) {
      chargesCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  function docLink(route, inv, label, download) {
    if (!route) return null;
    const href = route.replace('{id}', encodeURIComponent(inv.id));
    return h('a', { class: 'btn btn-small', href, target: download ? null : '_blank', rel: 'noopener', download: download || null,
      'aria-label': `${label}: ${inv.number || inv.id}` }, label);
  }

  // The invoice's lines as CSV: its own route when the server has one, else
  // the charges of the invoice's month for its tenant.
  function csvLink(i) {
    if (pathOf.csv()) return docLink(pathOf.csv(), i, 'CSV', `${i.number || i.id}.csv`);
    if (!pathOf.chargesCsv() || !i.period) return null;
    const q = new URLSearchParams({ period: i.period });
    if (staff) q.set('tenant_id', i.tenant_id);
    return h('a', { class: 'btn btn-small', href: `${pathOf.chargesCsv()}?${q}`, download: `${i.number || `invoice-${i.id}`}.csv`,
      'aria-label': `CSV: ${i.number || i.id}` }, 'CSV');
  }

  async function issue(i) {
    try {
      await api.post(pathOf.issue().replace('{id}', encodeURIComponent(i.id)));
      toast(t('billing.issued'));
      loadInvoices();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  }

  async function loadInvoices() {
    if (!invCard) return;
    clear(invCard);
    const head = h('div', { class: 'card-head' }, h('h2', { id: 'inv-h' }, t('billing.invoices')));
    invCard.append(head);
    try {
      const q = staff ? {} : { tenant_id: ctx.me.tenant_id };
      const list = api.listOf(await api.get(pathOf.invoices(), q), 'invoices');
      if (!list.length) { invCard.append(empty(t('billing.noInvoices'), t('billing.noInvoicesHint'))); return; }
      invCard.append(table([
        { label: t('billing.number'), render: (i) => h('strong', null, i.number || i.invoice_number || `#${i.id}`) },
        staff ? { label: t('billing.tenant'), render: (i) => (tns.get(i.tenant_id) || {}).name || i.buyer_name || '—' } : null,
        { label: t('billing.period'), render: (i) => periodOf(i) },
        { label: t('billing.date'), render: (i) => (i.issue_date || i.issued_at ? fmtDate(parseTime(i.issue_date || i.issued_at) ?? Date.parse(i.issue_date)) : '—') },
        { label: t('billing.total'), cls: 'num', render: (i) => money(cents(i.payable_cents, i.total_cents, i.gross_cents), i.currency || currency, locale()) },
        { label: t('billing.status'), render: (i) => invStatus(i) },
        { label: '', cls: 'actions', render: (i) => [
          docLink(pathOf.html(), i, t('billing.view')),
          i.status === 'draft' ? null : docLink(pathOf.ubl(), i, 'UBL', `${i.number || i.id}.xml`),
          csvLink(i),
          staff && i.status === 'draft' && pathOf.issue() ? button(t('billing.issue'), () => issue(i), 'btn-small btn-primary') : null,
        ] },
      ].filter(Boolean), list, { caption: t('billing.invoices') }));
    } catch (err) {
      invCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  function invStatus(i) {
    const st = i.overdue ? 'overdue' : i.payment_status || i.status;
    if (!st) return '—';
    const label = t(`inv.${st}`);
    return h('span', null, badge(label.startsWith('inv.') ? st : label, STATUS_KIND[st]),
      i.kind === 'credit_note' ? h('span', { class: 'muted small' }, ` ${t('inv.creditNote')}`) : null);
  }

  function periodOf(i) {
    const s = i.period_start || i.from, e = i.period_end || i.to;
    if (s && e) return `${fmtDate(parseTime(s) ?? Date.parse(s))} – ${fmtDate(parseTime(e) ?? Date.parse(e))}`;
    return i.period || '—';
  }

  await Promise.all([loadCharges(), loadInvoices()]);
}
