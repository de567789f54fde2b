// privacy.js: the privacy notice (what labpass keeps, why and how long, from
// the server's retention settings), open to everyone and linked from the
// sign-in page; a signed-in person downloads everything held about them;
// staff set the retention periods and see the last runs.

import { getPrivacyNotice, getRetention, setRetention, myDataUrl, getMyData } from '../api.js';
import { h, field, showIn, message, table, pageHead } from '../dom.js';
import { t } from '../i18n.js';
import { explain } from '../problem.js';
import { fmtDateTime } from '../time.js';

const KINDS = ['door_events', 'sessions', 'audit', 'waitlist'];

function noticeTable(notice) {
  const rows = notice.kinds.map((k) => ({ what: t(`privacy.kind.${k.kind}`), why: t(`privacy.why.${k.kind}`),
    long: t('privacy.days', { n: k.days }) }));
  rows.push({ what: t('privacy.kind.invoices'), why: t('privacy.why.invoices'),
    long: t('privacy.years', { n: Math.round(notice.invoice_days / 365.25) }) });
  return table([{ key: 'what', label: t('privacy.what') }, { key: 'why', label: t('privacy.why') },
    { key: 'long', label: t('privacy.howLong') }], rows, { caption: t('privacy.title') });
}

const SECTIONS = ['profile', 'trainings', 'training_requests', 'reservations', 'waitlist', 'emails', 'sessions', 'passkeys',
  'known_devices', 'sign_in_links', 'calendar_feeds', 'credentials', 'passes', 'door_events', 'charges', 'service_requests',
  'incidents', 'audit'];

function cell(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// One section of the export as a table (or the profile as a list).
function section(name, v) {
  const head = h('h3', null, t(`mydata.${name}`));
  if (!Array.isArray(v)) {
    const rows = Object.entries(v || {}).map(([k, x]) => h('div', null, h('dt', null, k), h('dd', null, cell(x))));
    return h('div', null, head, h('dl', { class: 'facts' }, rows));
  }
  if (!v.length) return h('div', null, head, h('p', { class: 'muted' }, t('mydata.none')));
  const cols = Object.keys(v[0]).map((k) => ({ label: k, render: (r) => cell(r[k]) }));
  return h('div', null, head, table(cols, v, { caption: t(`mydata.${name}`) }));
}

function myData() {
  const shown = h('div');
  const show = h('button', { type: 'button', class: 'btn' }, t('privacy.show'));
  show.addEventListener('click', async () => {
    show.disabled = true;
    try {
      const doc = await getMyData();
      shown.replaceChildren(...SECTIONS.map((s) => section(s, doc[s])));
      show.remove();
    } catch (err) {
      const x = explain(err);
      shown.replaceChildren(message('error', x.title, x.text));
      show.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'mine-h' },
    h('h2', { id: 'mine-h' }, t('privacy.mine')),
    h('p', null, t('privacy.mineLead')),
    h('div', { class: 'toolbar' },
      h('a', { class: 'btn btn-primary', href: myDataUrl(), download: 'labpass-personal-data.json' }, t('privacy.download')),
      show),
    shown);
}

function settingsForm(r, out, redraw) {
  const form = h('form', { class: 'form', novalidate: true });
  for (const k of r.kinds) {
    const input = h('input', { type: 'number', min: String(k.min_days), max: String(k.max_days), value: String(k.days),
      required: true, inputmode: 'numeric' });
    const save = h('button', { type: 'button', class: 'btn' }, t('privacy.save'));
    save.addEventListener('click', async () => {
      save.disabled = true;
      try {
        await setRetention({ kind: k.kind, days: Number(input.value) });
        showIn(out, message('ok', t('privacy.saved'), ''));
        redraw();
      } catch (err) {
        const x = explain(err);
        showIn(out, message('error', x.title, x.text));
        input.focus();
      } finally {
        save.disabled = false;
      }
    });
    form.append(h('div', { class: 'form-row' },
      field(t('privacy.daysLabel', { what: t(`privacy.kind.${k.kind}`) }), input,
        t('privacy.bounds', { min: k.min_days, max: k.max_days, def: k.default_days })), save));
  }
  return form;
}

function runsTable(r) {
  if (!r.runs.length) return h('p', null, t('privacy.noRuns'));
  return table([{ key: 'at', label: t('privacy.run.at'), render: (x) => fmtDateTime(Date.parse(x.at)) },
    { key: 'kind', label: t('privacy.run.kind'), render: (x) => t(`privacy.kind.${x.kind}`) },
    { key: 'removed', label: t('privacy.run.removed') }], r.runs, { caption: t('privacy.runs') });
}

// Staff's settings; after a change the settings and the notice are drawn again.
async function staffPart(box, drawNotice) {
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  const draw = async () => {
    const r = await getRetention();
    box.replaceChildren(h('h2', { id: 'ret-h' }, t('privacy.settings')), h('p', null, t('privacy.settingsLead')), out,
      settingsForm(r, out, async () => { await draw(); await drawNotice(); }), h('h3', null, t('privacy.runs')),
      runsTable(r));
  };
  await draw();
}

export default async function privacy(root, ctx) {
  const out = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  root.append(pageHead(t('privacy.title'), t('privacy.lead')), out);
  const noticeBox = h('section', { class: 'card' });
  const drawNotice = async () => {
    const notice = await getPrivacyNotice();
    if (notice.kinds.some((k) => !KINDS.includes(k.kind))) throw new Error('unknown kind of record');
    noticeBox.replaceChildren(noticeTable(notice));
  };
  try {
    await drawNotice();
    root.append(noticeBox);
    if (ctx.me) root.append(myData());
    if (ctx.me && ctx.me.role === 'staff') {
      const box = h('section', { class: 'card', 'aria-labelledby': 'ret-h' });
      root.append(box);
      await staffPart(box, drawNotice);
    }
  } catch (err) {
    const x = explain(err);
    showIn(out, message('error', x.title, x.text));
  }
}
