// billing.js: this month's running charges and the invoices (HTML view,
// UBL and CSV downloads) for tenant admins; for staff also the monthly
// invoice run.

import {
  getCharges, chargesCsvUrl, getBillingSummary, runInvoices, listInvoices, issueInvoice, invoiceHtmlUrl, invoiceUblUrl,
  invoicePdfUrl, invoiceCsvUrl, getInvoice, excludeInvoiceCharge, refreshInvoice, issueAllInvoices, getUsageReport,
  usageReportCsvUrl,
} from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, badge, select, field, table, toast, money } from '../dom.js';
import { t, locale } from '../i18n.js';
import { explain } from '../problem.js';
import { parseTime, fmtDate, fmtRange, today, parseDate, fromZoned, fmtMonth, dateStr } from '../time.js';

const STATUS_KIND = { draft: 'info', issued: 'info', open: 'info', partly_paid: 'warn', paid: 'ok', credited: 'warn', overdue: 'danger' };

function monthStart(y, m) { return fromZoned(y, m, 1, 0, 0); }
const monthKey = (y, m) => `${y}-${String(m).padStart(2, '0')}`;
// A civil date "YYYY-MM-DD" of an invoice as an instant: midday in the site zone.
function dayOf(s) { const p = parseDate(s); return fromZoned(p.y, p.m, p.d, 12, 0); }
// A draft has no number yet.
const invoiceName = (i) => i.number ?? `#${i.id}`;

export default async function billing(root, ctx) {
  const staff = ctx.me.role === 'staff';
  root.append(pageHead(t('billing.title'), staff ? t('billing.leadStaff') : t('billing.leadAdmin')));
  const currency = (ctx.site && ctx.site.currency) || 'EUR';
  const tns = data.byId(staff ? await data.tenants() : []);
  const tenantName = (id) => (tns.has(id) ? tns.get(id).name : `#${id}`);
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const runCard = staff ? h('section', { class: 'card', 'aria-labelledby': 'run-h' }) : null;
  const draftCard = staff ? h('section', { class: 'card', 'aria-labelledby': 'draft-h' }) : null;
  const chargesCard = h('section', { class: 'card', 'aria-labelledby': 'chg-h' });
  const invCard = h('section', { class: 'card', 'aria-labelledby': 'inv-h' });
  const reportCard = staff ? h('section', { class: 'card', 'aria-labelledby': 'rep-h' }) : null;
  root.append(...[out, runCard, draftCard, chargesCard, invCard, reportCard].filter(Boolean));
  const fail = (err) => { const x = explain(err); showIn(out, message('error', x.title, x.text)); };

  const now = today();
  const { y, m } = parseDate(now);

  if (runCard) {
    const opts = [];
    for (let i = 1; i <= 6; i++) {
      const d = parseDate(dateStr(y, m - i, 1));
      opts.push({ value: monthKey(d.y, d.m), label: fmtMonth(monthStart(d.y, d.m) + 86400000) });
    }
    const month = select(opts, opts[0].value);
    month.classList.add('narrow');
    const asDraft = h('input', { type: 'checkbox', checked: true });
    const runBtn = button(t('billing.run'), async () => {
      runBtn.disabled = true;
      try {
        const res = await runInvoices({ period: month.value, draft: asDraft.checked });
        const body = [h('p', null, t(asDraft.checked ? 'billing.ranDrafts' : 'billing.ran', { n: res.created.length, month: month.selectedOptions[0].textContent }))];
        if (res.refreshed.length) body.push(h('p', null, t('billing.refreshedN', { n: res.refreshed.length })));
        if (res.existing) body.push(h('p', null, t('billing.existing', { n: res.existing })));
        if (res.skipped.length) {
          body.push(h('p', null, t('billing.skipped')),
            h('ul', null, res.skipped.map((x) => h('li', null, `${tenantName(x.tenant_id)}: ${x.reason}`))));
        }
        showIn(out, message(res.skipped.length ? 'warn' : 'ok', t('billing.ran.title'), body));
        loadInvoices();
        loadDrafts(month.value);
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
      } finally {
        runBtn.disabled = false;
      }
    }, 'btn-primary');
    const issueAllBtn = button(t('billing.issueAll'), async () => {
      issueAllBtn.disabled = true;
      try {
        const res = await issueAllInvoices(month.value);
        const body = [h('p', null, t('billing.issuedAll', { n: res.issued.length }))];
        if (res.failed.length) body.push(h('ul', null, res.failed.map((x) => h('li', null, `#${x.id}: ${x.reason}`))));
        showIn(out, message(res.failed.length ? 'warn' : 'ok', t('billing.issueAll'), body));
        loadInvoices();
        loadDrafts(month.value);
      } catch (err) {
        fail(err);
      } finally {
        issueAllBtn.disabled = false;
      }
    });
    month.addEventListener('change', () => loadDrafts(month.value));
    runCard.append(h('h2', { id: 'run-h' }, t('billing.runTitle')), h('p', { class: 'muted small' }, t('billing.runLead')),
      h('div', { class: 'inline-form' }, field(t('billing.month'), month), field(t('billing.asDrafts'), asDraft), runBtn, issueAllBtn));
    loadDrafts(month.value);
  }

  // Staff: every company's draft of the month with its lines; a line's charge
  // can be held back for next month, the draft rebuilt or issued.
  async function loadDrafts(period) {
    if (!draftCard) return;
    clear(draftCard);
    draftCard.append(h('h2', { id: 'draft-h' }, t('billing.drafts')), h('p', { class: 'muted small' }, t('billing.draftsLead')));
    try {
      const list = await listInvoices({ period, status: 'draft', kind: 'invoice' });
      if (!list.length) { draftCard.append(empty(t('billing.noDrafts'))); return; }
      const full = await Promise.all(list.map((i) => getInvoice(i.id)));
      for (const d of full) {
        const act = (fn, okText) => async () => {
          try { await fn(); toast(okText); loadDrafts(period); loadInvoices(); } catch (err) { fail(err); }
        };
        draftCard.append(h('section', { class: 'draft', 'aria-label': `${t('billing.draft')}: ${d.buyer_name}` },
          h('div', { class: 'card-head' }, h('h3', null, `${d.buyer_name} — ${money(d.payable_cents, currency, locale())}`),
            h('div', { class: 'actions' },
              docLink(invoicePdfUrl(d.id), d, 'PDF', `draft-${d.id}.pdf`),
              button(t('billing.refresh'), act(() => refreshInvoice(d.id), t('billing.refreshed')), 'btn-small'),
              button(t('billing.issue'), act(() => issueInvoice(d.id), t('billing.issued')), 'btn-small btn-primary'))),
          table([
            { label: t('billing.what'), render: (l) => [h('span', null, l.name), l.description ? h('div', { class: 'muted small' }, l.description) : null] },
            { label: t('billing.qty'), cls: 'num', render: (l) => l.quantity },
            { label: t('billing.amount'), cls: 'num', render: (l) => money(l.net_cents, currency, locale()) },
            { label: '', cls: 'actions', render: (l) => (l.charge_id ? button(t('billing.exclude'), act(() => excludeInvoiceCharge(d.id, l.charge_id), t('billing.excluded')), 'btn-small', { 'aria-label': `${t('billing.exclude')}: ${l.name}` }) : null) },
          ], d.lines, { caption: `${t('billing.draft')}: ${d.buyer_name}` })));
      }
    } catch (err) {
      draftCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  async function loadCharges() {
    clear(chargesCard);
    const period = monthKey(y, m);
    const headRow = h('div', { class: 'card-head' }, h('h2', { id: 'chg-h' }, t('billing.running', { month: fmtMonth(Date.now()) })),
      h('a', { class: 'btn btn-small', href: chargesCsvUrl({ period }), download: `charges-${period}.csv` }, t('billing.csv')));
    chargesCard.append(headRow);
    try {
      const q = staff ? { period } : { period, tenant_id: ctx.me.tenant_id };
      // Tenant admins also see the month's summary: monthly fees not charged yet, VAT.
      const [res, summary] = await Promise.all([getCharges(q), staff ? null : getBillingSummary(q)]);
      const list = res.charges;
      const stats = h('div', { class: 'stats' },
        h('div', { class: 'card stat' }, h('span', { class: 'v' }, money(summary ? summary.net_cents : res.net_cents, currency, locale())), h('span', { class: 'l' }, t('billing.sofar'))));
      if (summary) stats.append(h('div', { class: 'card stat' }, h('span', { class: 'v' }, money(summary.gross_cents, currency, locale())), h('span', { class: 'l' }, t('billing.sofarGross'))));
      stats.append(h('div', { class: 'card stat' }, h('span', { class: 'v' }, String(list.length)), h('span', { class: 'l' }, t('billing.lines'))));
      chargesCard.append(stats);
      if (summary && summary.recurring_cents) chargesCard.append(h('p', { class: 'muted small' }, t('billing.includesFees', { amount: money(summary.recurring_cents, currency, locale()) })));
      if (!list.length) { chargesCard.append(empty(t('billing.noCharges'))); return; }
      chargesCard.append(table([
        staff ? { label: t('billing.tenant'), render: (c) => tenantName(c.tenant_id) } : null,
        { label: t('billing.what'), render: (c) => c.description },
        { label: t('billing.when'), render: (c) => (c.start ? fmtRange(parseTime(c.start), parseTime(c.end)) : fmtDate(parseTime(c.at))) },
        { label: t('billing.state'), render: (c) => badge(t(`charge.${c.state}`), c.state === 'final' ? 'ok' : 'info') },
        { label: t('billing.amount'), cls: 'num', render: (c) => money(c.net_cents, currency, locale()) },
      ].filter(Boolean), list, { caption: t('billing.running', { month: fmtMonth(Date.now()) }) }));
    } catch (err) {
      chargesCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  function docLink(href, inv, label, download) {
    return h('a', { class: 'btn btn-small', href, target: download ? null : '_blank', rel: 'noopener', download: download || null,
      'aria-label': `${label}: ${invoiceName(inv)}` }, label);
  }

  // The invoice's own lines, VAT and totals as CSV: the same as its UBL, page and PDF.
  function csvLink(i) {
    return docLink(invoiceCsvUrl(i.id), i, 'CSV', `${i.number ?? `draft-${i.id}`}.csv`);
  }

  async function issue(i) {
    try {
      await issueInvoice(i.id);
      toast(t('billing.issued'));
      loadInvoices();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  }

  async function loadInvoices() {
    clear(invCard);
    invCard.append(h('div', { class: 'card-head' }, h('h2', { id: 'inv-h' }, t('billing.invoices'))));
    try {
      const list = await listInvoices(staff ? {} : { tenant_id: ctx.me.tenant_id });
      if (!list.length) { invCard.append(empty(t('billing.noInvoices'), t('billing.noInvoicesHint'))); return; }
      invCard.append(table([
        { label: t('billing.number'), render: (i) => h('strong', null, invoiceName(i)) },
        staff ? { label: t('billing.tenant'), render: (i) => i.buyer_name } : null,
        { label: t('billing.period'), render: (i) => periodOf(i) },
        { label: t('billing.date'), render: (i) => (i.issue_date ? fmtDate(dayOf(i.issue_date)) : '—') },
        { label: t('billing.total'), cls: 'num', render: (i) => money(i.payable_cents, currency, locale()) },
        { label: t('billing.status'), render: (i) => invStatus(i) },
        { label: '', cls: 'actions', render: (i) => [
          docLink(invoiceHtmlUrl(i.id), i, t('billing.view')),
          i.status === 'draft' ? null : docLink(invoiceUblUrl(i.id), i, 'UBL', `${invoiceName(i)}.xml`),
          docLink(invoicePdfUrl(i.id), i, 'PDF', `${i.number ?? `draft-${i.id}`}.pdf`),
          csvLink(i),
          staff && i.status === 'draft' ? button(t('billing.issue'), () => issue(i), 'btn-small btn-primary') : null,
        ] },
      ].filter(Boolean), list, { caption: t('billing.invoices') }));
    } catch (err) {
      invCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  function invStatus(i) {
    const st = i.overdue ? 'overdue' : i.payment_status;
    const label = t(`inv.${st}`);
    return h('span', null, badge(label.startsWith('inv.') ? st : label, STATUS_KIND[st]),
      i.kind === 'credit_note' ? h('span', { class: 'muted small' }, ` ${t('inv.creditNote')}`) : null);
  }

  // The days the invoice covers ("2027-02-01" to "2027-02-28"), else its month.
  function periodOf(i) {
    if (!i.period_start) return i.period;
    return `${fmtDate(dayOf(i.period_start))} – ${fmtDate(dayOf(i.period_end))}`;
  }

  // The manager's month (staff): per resource and per company.
  async function loadReport(period) {
    clear(reportCard);
    const opts = [];
    for (let i = -1; i <= 12; i++) {   /* next month too: the hours already booked */
      const d = parseDate(dateStr(y, m - i, 1));
      opts.push({ value: monthKey(d.y, d.m), label: fmtMonth(monthStart(d.y, d.m) + 86400000) });
    }
    const month = select(opts, period);
    month.classList.add('narrow');
    month.addEventListener('change', () => loadReport(month.value));
    reportCard.append(h('div', { class: 'card-head' }, h('h2', { id: 'rep-h' }, t('report.title')),
      h('div', { class: 'toolbar' }, field(t('report.month'), month),
        h('a', { class: 'btn btn-small', href: usageReportCsvUrl(period), download: `usage-${period}.csv` }, t('billing.csv')))));
    const hours = (min) => t('report.hours', { h: Math.floor(min / 60), m: String(min % 60).padStart(2, '0') });
    const cols = (nameLabel, incidents) => [
      { label: nameLabel, render: (r) => r.name },
      { label: t('report.bookings'), cls: 'num', render: (r) => r.bookings },
      { label: t('report.booked'), cls: 'num', render: (r) => hours(r.booked_minutes) },
      { label: t('report.used'), cls: 'num', render: (r) => hours(r.used_minutes) },
      { label: t('report.noShows'), cls: 'num', render: (r) => r.no_shows },
      { label: t('report.income'), cls: 'num', render: (r) => money(r.income_cents, currency, locale()) },
      ...(incidents ? [{ label: t('report.incidents'), cls: 'num', render: (r) => `${r.incidents_opened} (${r.incidents_open})` }] : []),
    ];
    try {
      const rep = await getUsageReport(period);
      const extra = [];
      if (rep.items.length) {
        extra.push(table([
          { label: t('report.item'), render: (i) => h('strong', null, i.name) },
          { label: t('report.charges'), cls: 'num', render: (i) => i.charges },
          { label: t('report.quantity'), cls: 'num', render: (i) => `${i.quantity} ${t(`svc.unit.${i.unit}`)}` },
          { label: t('report.income'), cls: 'num', render: (i) => money(i.income_cents, currency, locale()) },
        ], rep.items, { caption: t('report.byItem') }));
      }
      extra.push(rep.open_requests.length ? table([
        { label: '#', cls: 'num', render: (q) => String(q.id) },
        { label: t('report.item'), render: (q) => q.item },
        { label: t('report.company'), render: (q) => q.tenant },
        { label: t('svc.status'), render: (q) => badge(t(`svc.status.${q.status}`), 'warn') },
      ], rep.open_requests, { caption: t('report.openRequests') }) : h('p', { class: 'muted small' }, t('report.noOpenRequests')));
      if (!rep.resources.length && !rep.tenants.length) { reportCard.append(empty(t('report.none')), ...extra); return; }
      reportCard.append(
        table(cols(t('report.resource'), true), rep.resources, { caption: t('report.byResource') }),
        table(cols(t('report.company')), rep.tenants, { caption: t('report.byCompany') }),
        h('p', { class: 'muted small' }, t('report.total', { booked: hours(rep.total.booked_minutes), used: hours(rep.total.used_minutes),
          income: money(rep.total.income_cents, currency, locale()) })), ...extra);
    } catch (err) {
      reportCard.append(message('error', explain(err).title, explain(err).text));
    }
  }

  await Promise.all([loadCharges(), loadInvoices(), reportCard ? loadReport(monthKey(y, m)) : null]);
}
