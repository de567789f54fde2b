// reservations.js: "my reservations" (and, for tenant admins, the
// tenant's; for staff, everybody's), upcoming or past, with cancel,
// check-in and check-out, and the caller's waitlist entries.

import { listReservations, checkIn, checkOut, listWaitlist, leaveWaitlist } from '../api.js';
import * as data from '../data.js';
import { h, clear, button, pageHead, message, showIn, empty, tabs, select, field, toast } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { openBooking, openCancel, openReservation, statusBadge, ACTIVE } from '../booking.js';
import { rfc3339, parseTime, fmtRange, fmtDay, fmtTime } from '../time.js';

const DAY = 86400000;

export default async function reservations(root, ctx) {
  const me = ctx.me;
  const scopes = [{ id: 'mine', label: t('rsv.scope.mine') }];
  if (me.role === 'tenant_admin') scopes.push({ id: 'tenant', label: t('rsv.scope.tenant') });
  if (me.role === 'staff') scopes.push({ id: 'all', label: t('rsv.scope.all') });
  const st = {
    scope: scopes.some((s) => s.id === ctx.params.get('scope')) ? ctx.params.get('scope') : me.role === 'staff' ? 'all' : 'mine',
    when: ctx.params.get('when') === 'past' ? 'past' : 'upcoming',
  };
  const [resources, ppl, tns] = await Promise.all([
    data.resources(),
    me.role === 'member' ? Promise.resolve([me]) : data.people().catch(() => [me]),
    me.role === 'staff' ? data.tenants().catch(() => []) : Promise.resolve([]),
  ]);
  const resById = data.byId(resources);
  const personById = data.byId(ppl);
  const tenantById = data.byId(tns);

  root.append(pageHead(t('rsv.title'), t('rsv.lead'), button(t('cal.newBooking'), () => openBooking(ctx, {}, load), 'btn-primary')));
  const tabBox = h('div');
  const whenSel = select([{ value: 'upcoming', label: t('rsv.upcoming') }, { value: 'past', label: t('rsv.past') }], st.when);
  whenSel.addEventListener('change', () => { st.when = whenSel.value; load(); });
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const listCard = h('section', { class: 'card', 'aria-labelledby': 'rsv-list-h' });
  const waitCard = h('section', { class: 'card', 'aria-labelledby': 'wait-h' });
  root.append(tabBox, h('div', { class: 'toolbar' }, field(t('rsv.period'), whenSel)), out, listCard, waitCard);

  function drawTabs() {
    clear(tabBox);
    if (scopes.length > 1) {
      tabBox.append(tabs(scopes, st.scope, (id) => {
        st.scope = id;
        drawTabs();
        tabBox.querySelector('[aria-selected="true"]').focus();
        load();
      }));
    }
  }

  function who(r) {
    const p = personById.get(r.person_id);
    const name = p ? data.displayName(p) : '';
    const tn = tenantById.get(r.tenant_id);
    return [name, tn ? tn.name : ''].filter(Boolean).join(' · ');
  }

  async function load() {
    ctx.setQuery({ scope: st.scope === (me.role === 'staff' ? 'all' : 'mine') ? null : st.scope, when: st.when === 'past' ? 'past' : null });
    const now = Date.now();
    const from = st.when === 'past' ? now - 60 * DAY : now - DAY;
    const to = st.when === 'past' ? now : now + 90 * DAY;
    clear(listCard);
    listCard.append(h('h2', { id: 'rsv-list-h' }, st.when === 'past' ? t('rsv.pastTitle') : t('rsv.upcomingTitle')));
    let list;
    try {
      list = await listReservations({ from: rfc3339(from), to: rfc3339(to), scope: st.scope });
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
      return;
    }
    list = list.filter((r) => r.status !== 'busy');
    list = st.when === 'past'
      ? list.filter((r) => parseTime(r.end) <= now || !ACTIVE.has(r.status)).reverse()
      : list.filter((r) => parseTime(r.end) > now);
    if (!list.length) {
      listCard.append(empty(st.when === 'past' ? t('rsv.nonePast') : t('rsv.none'), st.when === 'past' ? '' : t('rsv.noneHint')));
    } else {
      const ul = h('ul', { class: 'rlist' });
      for (const r of list) ul.append(item(r));
      listCard.append(ul);
    }
    loadWaitlist();
  }

  function item(r) {
    const s = parseTime(r.start), e = parseTime(r.end);
    const res = resById.get(r.resource_id);
    const acts = h('div', { class: 'acts' });
    const mayChange = r.person_id === me.id || me.role !== 'member';
    const now = Date.now();
    if (mayChange && (r.status === 'confirmed' || r.status === 'requested') && e > now) {
      if (r.status === 'confirmed' && now >= s - 30 * 60000) acts.append(button(t('rsv.checkIn'), () => act(r, checkIn, t('rsv.checkedIn')), 'btn-small'));
      acts.append(button(t('rsv.cancel'), () => openCancel(ctx, r, load), 'btn-small btn-danger', { 'aria-label': `${t('rsv.cancel')}: ${res ? res.name : ''} ${fmtRange(s, e)}` }));
    }
    if (mayChange && r.status === 'checked_in') acts.append(button(t('rsv.checkOut'), () => act(r, checkOut, t('rsv.checkedOut')), 'btn-small'));
    acts.append(button(t('rsv.details'), () => openReservation(ctx, r, load), 'btn-small'));
    return h('li', { dataset: { rsv: r.id } },
      h('div', { class: 'when' }, h('strong', null, fmtDay(s)), `${fmtTime(s)}–${fmtTime(e)}`),
      h('div', { class: 'what' }, h('div', null, h('strong', null, res ? res.name : `#${r.resource_id}`), r.title ? ` — ${r.title}` : ''),
        h('div', { class: 'sub' }, [st.scope !== 'mine' ? who(r) : '', r.series_id ? t('rsv.partOfSeries') : ''].filter(Boolean).join(' · '))),
      statusBadge(r.status), acts);
  }

  async function act(r, step, done) {
    try {
      await step(r.id);
      toast(done);
      load();
    } catch (err) {
      const x = explain(err);
      showIn(out, message('error', x.title, x.text));
    }
  }

  async function loadWaitlist() {
    clear(waitCard);
    waitCard.append(h('h2', { id: 'wait-h' }, t('wait.title')), h('p', { class: 'muted small' }, t('wait.lead')));
    let list;
    try {
      list = (await listWaitlist()).filter((w) => w.status === 'waiting');
    } catch (err) {
      waitCard.append(message('error', explain(err).title, explain(err).text));
      return;
    }
    if (!list.length) { waitCard.append(empty(t('wait.none'), t('wait.noneHint'))); return; }
    const ul = h('ul', { class: 'rlist' });
    for (const w of list) {
      const res = resById.get(w.resource_id);
      const s = parseTime(w.start), e = parseTime(w.end);
      ul.append(h('li', null,
        h('div', { class: 'when' }, h('strong', null, fmtDay(s)), `${fmtTime(s)}–${fmtTime(e)}`),
        h('div', { class: 'what' }, h('strong', null, res ? res.name : `#${w.resource_id}`), w.title ? ` — ${w.title}` : '',
          me.role !== 'member' ? h('div', { class: 'sub' }, who(w)) : null),
        statusBadge('waiting'),
        h('div', { class: 'acts' }, button(t('wait.leave'), async () => {
          try {
            await leaveWaitlist(w.id);
            toast(t('wait.left'));
            loadWaitlist();
          } catch (err) {
            const x = explain(err);
            showIn(out, message('error', x.title, x.text));
          }
        }, 'btn-small'))));
    }
    waitCard.append(ul);
  }

  drawTabs();
  await load();
}
