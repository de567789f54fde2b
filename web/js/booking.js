// booking.js: the booking form (used by the calendar and "New booking"),
// the answer shown in plain words, the waitlist offer on a taken slot, and
// the reservation details dialog with cancel, check-in and check-out; the
// estimated cost before confirming, on the reservation and before cancelling.

import { createReservation, joinWaitlist, checkIn, checkOut, cancelReservation, getEstimate, getReservationEstimate, requestTraining, listProjects, getDefaultProject, getProject } from './api.js';
import { budgetBar } from './views/projects.js';
import * as data from './data.js';
import { h, field, select, button, message, showIn, modal, toast, badge, nextId } from './dom.js';
import { t, tn } from './i18n.js';
import { explain, explainSkip } from './problem.js';
import { estimateView, cancelNowText, priceText } from './price.js';
import {
  at, hhmm, parseHHMM, rfc3339, parseTime, fmtRange, fmtDayLong, fmtDateTime, dateOf, minuteOfDay, validDate, today, weekday,
} from './time.js';

const ACTIVE = new Set(['requested', 'confirmed', 'checked_in']);

export function statusBadge(status) {
  const kind = { confirmed: 'ok', checked_in: 'ok', completed: '', requested: 'warn', cancelled: 'danger',
    rejected: 'danger', no_show: 'danger', waiting: 'info', busy: '' }[status] ?? '';
  return badge(t(`status.${status}`), kind);
}

function personLabel(p) { return p.name ? `${p.name} (${p.email})` : p.email; }

// Opens the booking dialog. init: {resourceId, date, start, end (minutes), title}.
// onDone() runs after anything was booked or joined.
export async function openBooking(ctx, init, onDone) {
  const [resources, forWhom, prices] = await Promise.all([data.resources(), data.bookablePeople(ctx.me), data.myPrices(ctx.me)]);
  const res0 = resources.find((r) => r.id === init.resourceId) || resources[0];
  const m = modal(t('book.title'));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });

  const resSel = select(resources.map((r) => ({ value: r.id, label: r.name })), res0 && res0.id, { required: true });
  const date = h('input', { type: 'date', required: true, value: init.date || today(), min: today() });
  const start = h('input', { type: 'time', required: true, value: hhmm(init.start ?? 9 * 60) });
  const end = h('input', { type: 'time', required: true, value: hhmm(init.end ?? 10 * 60) });
  const title = h('input', { type: 'text', maxlength: '200', value: init.title || '', autocomplete: 'off' });
  const repeat = select([
    { value: '', label: t('book.repeat.none') },
    { value: 'WEEKLY', label: t('book.repeat.weekly') },
    { value: 'DAILY', label: t('book.repeat.daily') },
  ], '');
  const count = h('input', { type: 'number', min: '2', max: '52', value: '4', inputmode: 'numeric' });
  const skip = h('input', { type: 'checkbox', checked: true });
  const repeatMore = h('div', { class: 'form-row', hidden: true },
    field(t('book.count'), count, null), field(t('book.skip'), skip, t('book.skipHint')));
  let person = null;
  const showPerson = ctx.me.role !== 'member';
  if (showPerson) {
    const opts = forWhom.map((p) => ({ value: p.id, label: personLabel(p) }));
    if (ctx.me.role === 'staff') opts.unshift({ value: '', label: t('book.choosePerson') });
    person = select(opts, ctx.me.role === 'staff' ? '' : ctx.me.id, { required: true });
  }
  const rulesNote = h('p', { class: 'hint small muted', id: nextId('rules') });

  // The project the booking is charged to: the active projects of the
  // person's company, the person's default chosen first. Without a default
  // "no project" may be chosen; with one, the default applies.
  const projSel = h('select', { name: 'project' });
  const projBar = h('div', { class: 'project-budget', 'aria-live': 'polite' });
  const projField = field(t('prj.pick'), projSel, t('prj.pickHint'));
  projField.hidden = true;
  let projList = [];
  let projSeq = 0;
  function showBudget() {
    const p = projList.find((x) => String(x.id) === projSel.value);
    projBar.replaceChildren(p && p.budget ? budgetBar(p) : '');
  }
  async function loadProjects() {
    const seq = ++projSeq;
    const pid = person ? Number(person.value) || 0 : ctx.me.id;
    const tid = person ? tenantOfBooking() : ctx.me.tenant_id;
    if (!pid || !tid) { projField.hidden = true; projList = []; projSel.replaceChildren(); return; }
    try {
      const [list, def] = await Promise.all([listProjects(tid, { status: 'active' }), getDefaultProject(pid)]);
      if (seq !== projSeq) return;
      projList = list.filter((p) => p.status === 'active');
      const dflt = def.project_id;
      const opts = dflt ? [] : [{ value: '', label: t('prj.pickNone') }];
      for (const p of projList) {
        const label = `${p.code} — ${p.name}`;
        opts.push({ value: p.id, label: p.id === dflt ? t('prj.default', { label }) : label });
      }
      projSel.replaceChildren(...select(opts, dflt || '').children);
      projSel.value = dflt ? String(dflt) : '';
      projField.hidden = projList.length === 0 && !dflt;
      showBudget();
    } catch {
      if (seq === projSeq) projField.hidden = true;
    }
  }
  projSel.addEventListener('change', showBudget);

  function syncRules() {
    const r = resources.find((x) => String(x.id) === resSel.value);
    if (!r) return;
    const g = r.granularity_min;
    start.step = String(g * 60);
    end.step = String(g * 60);
    const parts = [t('book.grid', { n: g })];
    if (r.min_minutes) parts.push(t('book.minLen', { n: r.min_minutes }));
    if (r.approval_required) parts.push(t('book.needsApproval'));
    if (r.buffer_after_min) parts.push(t('book.buffer', { n: r.buffer_after_min }));
    if (prices) parts.push(priceText(prices.get(r.id)));
    rulesNote.textContent = parts.join(' · ');
  }
  resSel.addEventListener('change', syncRules);
  repeat.addEventListener('change', () => {
    repeatMore.hidden = !repeat.value;
    count.previousElementSibling.textContent = repeat.value === 'DAILY' ? t('book.countDays') : t('book.count');
  });
  syncRules();
  if (person) person.addEventListener('change', () => loadProjects());

  // The estimated cost, asked again whenever the booking changes; an answer
  // that arrives after a newer question is dropped.
  const estBox = h('div', { class: 'estimate-slot', 'aria-live': 'polite' });
  let estSeq = 0;
  let estTimer = null;
  function tenantOfBooking() {
    if (!person) return ctx.me.tenant_id;
    const p = forWhom.find((x) => String(x.id) === person.value);
    return p ? p.tenant_id : null;
  }
  async function refreshEstimate() {
    const seq = ++estSeq;
    const s = parseHHMM(start.value), e = parseHHMM(end.value), tid = tenantOfBooking();
    if (!validDate(date.value) || s === null || e === null || e <= s || !tid) { estBox.replaceChildren(); return; }
    estBox.replaceChildren(h('p', { class: 'muted small' }, t('est.loading')));
    try {
      const est = await getEstimate(Number(resSel.value), {
        start: rfc3339(at(date.value, s)), end: rfc3339(at(date.value, e)), tenant_id: ctx.me.role === 'staff' ? tid : undefined });
      if (seq === estSeq) estBox.replaceChildren(estimateView(est, { each: !!repeat.value }));
    } catch {
      if (seq === estSeq) estBox.replaceChildren(h('p', { class: 'muted small' }, t('est.unavailable')));
    }
  }
  const askEstimate = () => { clearTimeout(estTimer); estTimer = setTimeout(refreshEstimate, 250); };
  for (const el of [resSel, date, start, end, repeat, person].filter(Boolean)) el.addEventListener('change', askEstimate);
  for (const el of [start, end]) el.addEventListener('input', askEstimate);

  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('book.submit'));
  const form = h('form', { class: 'form', novalidate: true },
    field(t('book.resource'), resSel),
    rulesNote,
    h('div', { class: 'form-row' }, field(t('book.date'), date), field(t('book.start'), start), field(t('book.end'), end)),
    field(t('book.what'), title, t('book.whatHint')),
    showPerson ? field(t('book.forWhom'), person) : null,
    projField,
    projBar,
    field(t('book.repeat'), repeat),
    repeatMore,
    estBox,
    out,
    h('div', { class: 'form-actions' }, button(t('common.cancel'), () => m.close()), submit));
  m.body.append(form);
  refreshEstimate();
  loadProjects();

  function request() {
    const s = parseHHMM(start.value), e = parseHHMM(end.value);
    if (!validDate(date.value)) return { error: t('book.badDate'), focus: date };
    if (s === null) return { error: t('book.badTime'), focus: start };
    if (e === null) return { error: t('book.badTime'), focus: end };
    if (e <= s) return { error: t('book.endAfterStart'), focus: end };
    if (person && !person.value) return { error: t('book.choosePerson'), focus: person };
    const body = { resource_id: Number(resSel.value), start: rfc3339(at(date.value, s)), end: rfc3339(at(date.value, e)) };
    if (title.value.trim()) body.title = title.value.trim();
    if (person && Number(person.value) !== ctx.me.id) body.person_id = Number(person.value);
    if (!projField.hidden && projSel.value) body.project_id = Number(projSel.value);
    if (repeat.value) {
      const n = Math.max(2, Math.min(52, Number(count.value) || 2));
      body.rrule = `FREQ=${repeat.value};COUNT=${n}`;
      body.skip_conflicts = skip.checked;
    }
    return { body };
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const rq = request();
    if (rq.error) { showIn(out, message('error', t('book.check'), rq.error)); rq.focus.focus(); return; }
    submit.disabled = true;
    showIn(out, message('info', null, t('book.sending')));
    const resName = resSel.selectedOptions[0].textContent;
    try {
      const res = await createReservation(rq.body);
      form.replaceWith(successView(res, !!rq.body.rrule, resName, m, projList));
      m.body.querySelector('.msg').focus();
      if (onDone) onDone();
    } catch (err) {
      showIn(out, failureView(err, rq.body, resName, ctx, onDone));
      data.forget();
    } finally {
      submit.disabled = false;
    }
  });
  (init.resourceId ? title : resSel).focus();
  return m;
}

// res: the reservation, or for a repeating booking {series_id, reservations, skipped}.
function successView(res, series, resName, m, projects = []) {
  const wrap = h('div', { class: 'stack' });
  const w = res.budget_warning;
  if (w) {   // the project has used 80 % of its budget or more
    const p = projects.find((x) => x.id === w.project_id);
    wrap.append(message('warn', null, t('prj.budgetWarn', { code: p ? p.code : `#${w.project_id}`, percent: w.percent })));
  }
  if (series) {
    const booked = res.reservations;
    const skipped = res.skipped;
    const total = booked.length + skipped.length;
    const anyReq = booked.some((r) => r.status === 'requested');
    const body = [
      h('p', null, t('book.seriesDone', { n: booked.length, total, resource: resName })),
      anyReq ? h('p', null, t('book.requestedNote')) : null,
      h('ul', null, booked.map((r) => h('li', null, fmtRange(parseTime(r.start), parseTime(r.end))))),
    ];
    if (skipped.length) {
      body.push(h('p', { class: 'msg-title skipped-title' }, tn('book.skipped', skipped.length)),
        h('ul', { class: 'skipped' }, skipped.map((s) => h('li', null,
          h('strong', null, fmtRange(parseTime(s.start), parseTime(s.end))), ': ', explainSkip(s.reason)))));
    }
    const msg = message(skipped.length ? 'warn' : 'ok', skipped.length ? t('book.seriesPartial') : t('book.seriesOk'), body);
    msg.tabIndex = -1;
    wrap.append(msg);
  } else {
    const range = fmtRange(parseTime(res.start), parseTime(res.end));
    const requested = res.status === 'requested';
    const msg = message(requested ? 'info' : 'ok', requested ? t('book.requested.title') : t('book.ok.title'),
      [h('p', null, `${resName}, ${range}`), requested ? h('p', null, t('book.requestedNote')) : null]);
    msg.tabIndex = -1;
    wrap.append(msg);
  }
  wrap.append(h('div', { class: 'form-actions' },
    h('a', { class: 'btn', href: '/reservations', 'data-link': '', onclick: () => m.close() }, t('nav.reservations')),
    button(t('common.done'), () => m.close(), 'btn-primary')));
  return wrap;
}

// Every training a refused booking lacks: what is wrong with it, who gives
// it and when, and a button to ask staff for it (only for one's own booking).
function missingTrainings(err, body, ctx) {
  const own = !body.person_id || body.person_id === ctx.me.id;
  return h('ul', { class: 'missing-trainings' }, err.missing.map((m) => {
    const state = m.state === 'missing' ? t('train.miss.missing')
      : t(m.state === 'expiring' ? 'train.miss.expiring' : 'train.miss.expired', { when: fmtDateTime(parseTime(m.expires_at)) });
    const how = [m.instructor ? t('train.miss.instructor', { who: m.instructor }) : t('train.miss.noInstructor'),
      m.next_session ? t('train.miss.next', { when: fmtDateTime(parseTime(m.next_session)) }) : t('train.miss.noNext')];
    const ask = h('span', { class: 'ask' });
    const done = () => ask.replaceChildren(badge(t('train.miss.requested'), 'info'));
    if (m.requested) done();
    else if (own) {
      ask.append(button(t('train.miss.request'), async (e) => {
        e.target.disabled = true;
        try { await requestTraining(m.qualification_id); done(); toast(t('train.miss.requestedToast', { name: m.name })); } catch (e2) {
          const y = explain(e2);
          ask.replaceChildren(h('span', { class: 'small', role: 'alert' }, y.text));
        }
      }, 'btn-small', { 'aria-label': `${t('train.miss.request')}: ${m.name}` }));
    }
    return h('li', null, h('strong', null, m.name), ` — ${state}`, h('br'), h('span', { class: 'small muted' }, how.join(' · ')), ' ', ask);
  }));
}

function failureView(err, body, resName, ctx, onDone) {
  const x = explain(err);
  const actions = [];
  const slot = h('div');
  if (err.status === 403 && err.missing.length) {
    const text = [h('p', null, tn('train.miss.lead', err.missing.length)), missingTrainings(err, body, ctx)];
    return h('div', null, message('error', t('err.training.title'), text), slot);
  }
  if (err.status === 409 && err.field === 'slot' && !body.rrule) {
    actions.push(button(t('wait.join'), async (e) => {
      e.target.disabled = true;
      const wl = { resource_id: body.resource_id, start: body.start, end: body.end };
      if (body.title) wl.title = body.title;
      if (body.person_id) wl.person_id = body.person_id;
      try {
        await joinWaitlist(wl);
        showIn(slot, message('ok', t('wait.joined.title'), t('wait.joined', { resource: resName, range: fmtRange(parseTime(body.start), parseTime(body.end)) })));
        if (onDone) onDone();
      } catch (e2) {
        const y = explain(e2);
        showIn(slot, message('error', y.title, y.text));
        e.target.disabled = false;
      }
    }));
  }
  let text = x.text;
  if (body.rrule && /^occurrence /.test(err.detail || '')) {
    const when = parseTime((/^occurrence (\S+):/.exec(err.detail) || [])[1]);
    const inner = explain({ ...err, detail: err.detail.replace(/^occurrence \S+:\s*/, '') });
    text = [h('p', null, t('book.seriesStop', { date: when ? fmtDayLong(when) : '?' }), ' ', inner.text), h('p', null, t('book.seriesStopHint'))];
    return h('div', null, message('error', inner.title, text, actions), slot);
  }
  return h('div', null, message('error', x.title, text, actions), slot);
}

// Details of one reservation with what the caller may do to it.
export async function openReservation(ctx, r, onChange) {
  const resources = data.byId(await data.resources());
  const res = resources.get(r.resource_id);
  const m = modal(r.title || t('rsv.untitled'));
  const s = parseTime(r.start), e = parseTime(r.end);
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const estSlot = h('div', { class: 'estimate-slot' });
  const projDd = h('dd', null, r.project_id ? `#${r.project_id}` : t('prj.pickNone'));
  if (r.project_id) getProject(r.project_id).then((p) => projDd.replaceChildren(`${p.code} — ${p.name}`), () => {});
  m.body.append(
    h('dl', { class: 'kv' },
      h('dt', null, t('rsv.resource')), h('dd', null, res ? res.name : `#${r.resource_id}`),
      h('dt', null, t('rsv.when')), h('dd', null, fmtRange(s, e)),
      h('dt', null, t('rsv.status')), h('dd', null, statusBadge(r.status)),
      r.series_id ? [h('dt', null, t('rsv.series')), h('dd', null, t('rsv.partOfSeries'))] : null,
      r.project_id !== undefined ? [h('dt', null, t('prj.pick')), projDd] : null,
      r.reason ? [h('dt', null, t('rsv.reason')), h('dd', null, r.reason)] : null),
    estSlot,
    out);
  getReservationEstimate(r.id).then((est) => {
    const now = cancelNowText(est);
    estSlot.replaceChildren(estimateView(est), now && est.cancellable ? h('p', { class: 'cancel-now' }, now) : '');
  }, () => estSlot.replaceChildren());
  const acts = h('div', { class: 'form-actions' });
  const now = Date.now();
  const mayChange = r.person_id === ctx.me.id || ctx.me.role !== 'member';
  if (mayChange && ACTIVE.has(r.status) && r.status !== 'checked_in' && e > now) {
    acts.append(button(t('rsv.cancel'), () => { m.close(); openCancel(ctx, r, onChange); }, 'btn-danger'));
  }
  if (mayChange && r.status === 'confirmed' && now >= s - 30 * 60000 && now < e) {
    acts.append(button(t('rsv.checkIn'), () => lifecycle(checkIn, t('rsv.checkedIn')), ''));
  }
  if (mayChange && r.status === 'checked_in') acts.append(button(t('rsv.checkOut'), () => lifecycle(checkOut, t('rsv.checkedOut')), ''));
  acts.append(button(t('common.close'), () => m.close(), 'btn-primary'));
  m.body.append(acts);

  async function lifecycle(step, done) {
    try {
      await step(r.id);
      toast(done);
      m.close();
      if (onChange) onChange();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  }
}

// Asks how much to cancel (one, the following, the whole series) and does it.
export function openCancel(ctx, r, onChange) {
  const m = modal(t('rsv.cancelTitle'));
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const name = nextId('scope');
  const scopes = r.series_id ? ['this', 'following', 'all'] : ['this'];
  const radios = scopes.map((sc, i) => {
    const input = h('input', { type: 'radio', name, value: sc, checked: i === 0, id: `${name}-${sc}` });
    return h('div', { class: 'field field-check' }, input, h('label', { for: input.id }, t(`rsv.scope.${sc}`)));
  });
  const range = fmtRange(parseTime(r.start), parseTime(r.end));
  const confirmBtn = h('button', { type: 'submit', class: 'btn btn-primary btn-danger-solid' }, t('rsv.cancelConfirm'));
  const cost = h('p', { class: 'cancel-now', 'aria-live': 'polite' }, t('est.loading'));
  getReservationEstimate(r.id).then((est) => { cost.textContent = cancelNowText(est) || ''; },
    () => { cost.textContent = ''; });
  const form = h('form', { class: 'form' },
    h('p', null, t('rsv.cancelText', { range })),
    cost,
    r.series_id ? h('fieldset', null, h('legend', null, t('rsv.cancelWhich')), radios) : null,
    out,
    h('div', { class: 'form-actions' }, button(t('rsv.keep'), () => m.close()), confirmBtn));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const scope = (form.querySelector(`input[name="${name}"]:checked`) || { value: 'this' }).value;
    confirmBtn.disabled = true;
    try {
      await cancelReservation(r.id, r.series_id ? { scope } : undefined);
      toast(t('rsv.cancelled'));
      m.close();
      if (onChange) onChange();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
      confirmBtn.disabled = false;
    }
  });
  m.body.append(form);
  confirmBtn.focus();
}

export { ACTIVE, dateOf, minuteOfDay, weekday };
