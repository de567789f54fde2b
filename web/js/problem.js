// problem.js: the server's problem+json answers in plain words.
// explain(err) gives {title, text}: the title says what happened, the text
// the specifics (times, the rule, the training), in the chosen language.

import { t } from './i18n.js';
import { instantsIn, fmtRange, fmtDateTime, fmtMinutes } from './time.js';

function numbers(s) { return (String(s || '').match(/\d+/g) || []).map(Number); }
function quoted(s) { const m = /"([^"]+)"/.exec(String(s || '')); return m ? m[1] : ''; }
function rangeIn(detail) {
  const ts = instantsIn(detail);
  return ts.length >= 2 ? fmtRange(ts[0], ts[1]) : '';
}

// Rule refusals (422) by the rule the server names in "field".
const RULES = {
  opening_hours: () => t('rule.opening_hours'),
  closure: (d) => {
    const r = rangeIn(d);
    const why = /\(([^)]*)\)\s*$/.exec(d);
    return t('rule.closure', { range: r || '?', reason: why && why[1] ? why[1] : '—' });
  },
  quota_week: (d) => { const [q, u] = numbers(d.replace(/^[^0-9]*/, '')); return t('rule.quota_week', { quota: fmtMinutes(q || 0), used: fmtMinutes(u || 0) }); },
  quota_month: (d) => { const [q, u] = numbers(d.replace(/^[^0-9]*/, '')); return t('rule.quota_month', { quota: fmtMinutes(q || 0), used: fmtMinutes(u || 0) }); },
  duration: (d) => { const [a, b] = numbers(d); return t('rule.duration', { min: fmtMinutes(a || 0), max: fmtMinutes(b || 0) }); },
  granularity: (d) => t('rule.granularity', { n: numbers(d)[0] || '?' }),
  in_the_past: () => t('rule.in_the_past'),
  min_notice: (d) => t('rule.min_notice', { n: fmtMinutes(numbers(d)[0] || 0) }),
  max_advance: (d) => t('rule.max_advance', { n: numbers(d)[0] || '?' }),
  downtime: (d) => {
    const ts = instantsIn(d);
    const range = ts.length >= 2 ? fmtRange(ts[0], ts[1]) : ts.length ? t('rule.downtimeOpen', { when: fmtDateTime(ts[0]) }) : '?';
    const why = /(?:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)|notice): (.*)$/.exec(d);
    return t('rule.downtime', { range, reason: why && why[1] ? why[1] : '—' });
  },
  out_of_service: (d) => t('rule.out_of_service', { reason: d.replace(/^.*out of service:\s*/, '') || '—' }),
  project_required: () => t('rule.project_required'),
  project_pending: () => t('rule.project_pending'),
  project_closed: () => t('rule.project_closed'),
  project_validity: (d) => t('rule.project_validity', { range: (/runs from (.*)$/.exec(d) || [])[1] || '—' }),
  project_po_required: () => t('rule.project_po_required'),
  project_budget: (d) => t('rule.project_budget', { percent: (/(\d+) %/.exec(d) || [])[1] || '100' }),
};

function conflict(err) {
  const d = err.detail;
  if (err.field === 'rrule') return { title: t('err.seriesNone.title'), text: t('err.seriesNone') };
  if (err.kind === 'state') return { title: t('err.state.title'), text: d };
  const r = rangeIn(d);
  if (err.field === 'slot' || /booked from/.test(d)) {
    const buf = /buffer/.test(d) ? ` ${t('err.taken.buffers')}` : '';
    return { title: t('err.taken.title'), text: (r ? t('err.taken', { range: r }) : d) + buf };
  }
  if (err.field === 'email') return { title: t('err.conflict.title'), text: d };
  return { title: t('err.conflict.title'), text: d };
}

function forbidden(err) {
  const d = err.detail;
  if (err.kind === 'csrf') return { title: t('err.csrf.title'), text: t('err.csrf') };
  if (err.kind === 'provider-unavailable') return { title: t('oidc.error.title'), text: t('err.provider-unavailable') };
  if (err.field === 'qualification') {
    const name = quoted(d);
    const ts = instantsIn(d);
    if (/expires/.test(d) && ts.length) return { title: t('err.training.title'), text: t('err.trainingExpires', { name, when: fmtDateTime(ts[0]) }) };
    return { title: t('err.training.title'), text: t('err.trainingMissing', { name }) };
  }
  if (err.field === 'tenant') {
    const st = /tenant is (\w+)/.exec(d);
    const text = st && st[1] === 'suspended' ? t('err.tenantSuspended') : st && st[1] === 'offboarded' ? t('err.tenantOffboarded') : t('err.tenantNone');
    return { title: t('err.tenant.title'), text };
  }
  if (err.kind === 'bad-credentials') return { title: t('err.wrongPassword.title'), text: t('err.wrongPassword') };
  return { title: t('err.forbidden.title'), text: d || t('err.forbidden') };
}

// The server's answer as {title, text} in plain words.
export function explain(err) {
  if (!err || err.status === undefined) return { title: t('err.unexpected'), text: String(err && err.message ? err.message : err) };
  const d = err.detail || '';
  switch (err.status) {
    case 0: return { title: t('err.network.title'), text: t('err.network') };
    case 400: return { title: t('err.invalid.title'), text: d ? t('err.invalid', { detail: d }) : t('err.invalidGeneric') };
    case 401:
      if (err.kind === 'bad-credentials') return { title: t('err.badCredentials.title'), text: t('err.badCredentials') };
      if (err.kind === 'bad-token') return { title: t('err.badToken.title'), text: t('err.badToken') };
      return { title: t('err.signedOut.title'), text: t('err.signedOut') };
    case 403: return forbidden(err);
    case 404: return { title: t('err.notFound.title'), text: t('err.notFound') };
    case 409: return conflict(err);
    case 413: return { title: t('err.tooLarge.title'), text: t('err.tooLarge') };
    case 422: {
      const rule = RULES[err.field];
      return { title: t('err.rule.title'), text: rule ? rule(d) : d || t('err.ruleGeneric') };
    }
    case 429: return { title: t('err.throttled.title'), text: t('err.throttled', { s: err.retryAfter || 60 }) };
    default: return { title: t('err.server.title'), text: t('err.server') };
  }
}

// The reason a series occurrence was skipped, in plain words.
export function explainSkip(reason) {
  const r = String(reason || '');
  if (/booked from/.test(r)) return t('skip.taken', { range: rangeIn(r) || '?' });
  if (/opening hours/.test(r)) return t('rule.opening_hours');
  if (/quota/.test(r)) return RULES[/weekly/.test(r) ? 'quota_week' : 'quota_month'](r);
  if (/closed from/.test(r)) return RULES.closure(r);
  if (/qualification/.test(r)) return t('err.trainingMissing', { name: quoted(r) });
  if (/past/.test(r)) return t('rule.in_the_past');
  if (/days ahead/.test(r)) return RULES.max_advance(r);
  if (/out of service/.test(r)) return RULES.out_of_service(r);
  return r;
}
