// price.js: money before it is spent, in plain words: a resource's hourly
// price for the caller's company, a booking's estimate (in the booking form
// and on a reservation) and what cancelling costs. Every figure comes from
// the server's estimate answers (docs/openapi.json: Estimate, Price), which
// billing computes with the code that later writes the invoice line.

import { h, money } from './dom.js';
import { t } from './i18n.js';
import { parseTime, fmtDateTime } from './time.js';

// Peak days as the server words them ("mon-fri", "sat,sun", "daily") in the
// page's language.
const DAY = /^(mon|tue|wed|thu|fri|sat|sun)$/;
function daysText(days) {
  if (days === 'daily') return t('est.daily');
  return days.split(',').map((part) => part.split('-').map((d) => (DAY.test(d) ? t(`day.${d}`) : d)).join('–')).join(', ');
}
const windows = (plan) => plan.peak_windows.map((w) => `${daysText(w.days)} ${w.from}–${w.to}`).join(', ');

// "€ 90.00 per hour", or peak and off-peak with the peak hours; "Free".
export function priceText(price) {
  const plan = price && price.plan;
  if (!plan) return t('est.free');
  if (plan.peak_cents_per_hour === plan.offpeak_cents_per_hour || !plan.peak_windows.length) {
    return t('est.perHour', { amount: money(plan.peak_cents_per_hour) });
  }
  return t('est.perHourPeak', { peak: money(plan.peak_cents_per_hour), offpeak: money(plan.offpeak_cents_per_hour), hours: windows(plan) });
}

function partText(p) {
  const label = t(`est.part.${p.part}`);
  if (p.unit === 'hour') return t('est.partHours', { label, hours: Number(p.quantity).toLocaleString(), price: money(p.unit_cents), amount: money(p.net_cents) });
  return t('est.partPiece', { label, amount: money(p.net_cents) });
}

// The cancellation rule as a time: "Free cancellation until Sun 4 Oct 16:30;
// after that € 112.50."
export function cancelRule(est) {
  if (!est.late_cancel_cents) return t('est.cancelAlwaysFree');
  const until = parseTime(est.cancel_free_until);
  if (until <= Date.now()) return t('est.cancelLateNow', { amount: money(est.late_cancel_cents) });
  return t('est.cancelFreeUntil', { time: fmtDateTime(until), amount: money(est.late_cancel_cents) });
}

// What checking in early does, at the door and in the app.
export function earlyRule(est) {
  const n = est.early_checkin_min;
  if (est.basis === 'booked') return t(est.charge_overrun ? 'est.basisBookedOverrun' : 'est.basisBooked', { n });
  const key = est.basis === 'actual' ? 'est.basisActual' : 'est.basisMax';
  return t(key, { n, amount: money(est.early_checkin_cents) });
}

// "Cancelling now costs € 37.50" / "Cancelling now is free".
export function cancelNowText(est) {
  if (!est || est.cancel_now_cents === null || est.cancel_now_cents === undefined) return null;
  return est.cancel_now_cents > 0 ? t('est.cancelNowCosts', { amount: money(est.cancel_now_cents) }) : t('est.cancelNowFree');
}

// The whole estimate as a block: total, parts, the rules that can change it.
// opts.each: the figures are per occurrence of a repeating booking.
export function estimateView(est, { each = false } = {}) {
  const box = h('section', { class: 'estimate', 'aria-label': t('est.label') });
  if (!est.priced) {
    box.append(h('p', null, h('strong', null, t('est.noCharge'))));
    return box;
  }
  const total = t(each ? 'est.totalEach' : 'est.total', { gross: money(est.gross_cents), net: money(est.net_cents) });
  box.append(h('p', { class: 'estimate-total' }, h('strong', null, total)));
  box.append(h('ul', { class: 'estimate-parts' }, est.parts.map((p) => h('li', null, partText(p)))));
  const rules = [cancelRule(est)];
  if (est.no_show_cents) rules.push(t('est.noShow', { amount: money(est.no_show_cents) }));
  rules.push(earlyRule(est));
  box.append(h('ul', { class: 'estimate-rules small' }, rules.map((r) => h('li', null, r))));
  return box;
}
