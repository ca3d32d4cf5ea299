// The regulator's dashboard (SPEC.md §8, regulator credential): over a chosen period, per
// operator and local network, volumes, acceptances, rejections by code, donor silences, answer
// times, time to ACTIVE and number returns as charts and tables, and the flagged events with a
// drill-down to the order and its audit records. Every table exports as CSV.

import { h, put, field, table } from './dom.js';
import { t, opName, when, duration } from './i18n.js';
import { call, ApiError } from './api.js';
import { messageLine, busy, keys, credentialForm, whoami, csvButton } from './common.js';
import { barChart } from './chart.js';
import { timelineTable, orderFacts } from './operator.js';

const CODES = ['C01', 'C02', 'C03', 'C04', 'C05', 'C06', 'C07', 'C08', 'D01', 'D02', 'D03'];
const COUNTERS = ['queries', 'codes_issued', 'requests', 'requests_received', 'acceptances', 'silences',
  'cancellations', 'returns', 'reversals', 'late_agreements'];
const DAY = 86400000;
const BEIJING = 8 * 3600000;

export function render(main) {
  main.append(h('h1', {}, t('reg.title')));
  const key = keys.get('regulator');
  if (!key) {
    main.append(credentialForm('regulator', () => { put(main); render(main); }));
    return;
  }
  const body = h('div', {});
  main.append(body);
  whoami(key).then((me) => {
    if (me.role !== 'regulator') throw new ApiError(403, 'forbidden', '');
    put(body, h('p', { class: 'who' }, t('cred.as', { who: me.principal }), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => { keys.drop('regulator'); put(main); render(main); } }, t('logout'))),
    dashboard(key, me));
  }).catch((e) => {
    if (e instanceof ApiError && e.status === 401) {
      keys.drop('regulator');
      put(main);
      render(main);
      main.querySelector('.message')?.error(e);
    } else {
      const msg = messageLine();
      put(body, msg);
      msg.error(e);
    }
  });
}

// datetime-local values are read and written as Beijing time, the rules' clock.
function toInput(ms) { return new Date(ms + BEIJING).toISOString().slice(0, 16); }
function fromInput(v) { return v ? Date.parse(`${v}:00+08:00`) : null; }

function dashboard(key, me) {
  const from = h('input', { type: 'datetime-local', name: 'from' });
  const to = h('input', { type: 'datetime-local', name: 'to' });
  const show = h('button', { type: 'submit' }, t('reg.show'));
  const msg = messageLine();
  const out = h('div', { class: 'report' });
  const drill = h('section', { class: 'drill', 'aria-live': 'polite' });
  const midnight = Math.floor((me.now_ms + BEIJING) / DAY) * DAY - BEIJING;
  const presets = { today: midnight, '7d': midnight - 6 * DAY, '30d': midnight - 29 * DAY, all: 0 };
  const load = (button) => busy(button, msg, async () => {
    const q = { from: fromInput(from.value) ?? 0, to: fromInput(to.value) ?? undefined };
    const r = await call('GET', '/v1/stats', { key, query: q });
    put(out, ...report(key, r, drill));
  });
  const form = h('form', { class: 'inline' }, field(t('reg.from'), from), field(t('reg.to'), to), show,
    h('div', { class: 'presets', role: 'group', 'aria-label': t('reg.period') },
      Object.entries(presets).map(([name, start]) => h('button', { type: 'button', class: 'secondary',
        onclick: (ev) => { from.value = start ? toInput(start) : ''; to.value = ''; load(ev.currentTarget); } },
      t(`reg.preset.${name}`)))));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(show); });
  load(show);
  return h('div', {}, h('section', { class: 'card', 'aria-labelledby': 'reg-period' },
    h('h2', { id: 'reg-period' }, t('reg.period')), form, msg), out, drill);
}

const rowLabel = (r) => `${r.operator} ${opName(r.operator)}`;
const rejTotal = (r) => CODES.reduce((n, c) => n + (r.rejections[c] || 0), 0);

function byOperator(rows, f) {
  const ops = [...new Set(rows.map((r) => r.operator))].sort();
  return { ops, values: ops.map((op) => rows.filter((r) => r.operator === op).reduce((n, r) => n + f(r), 0)) };
}

function report(key, r, drill) {
  const rows = r.rows;
  const sum = (f) => rows.reduce((n, x) => n + f(x), 0);
  const totals = [['requests', sum((x) => x.requests)], ['acceptances', sum((x) => x.acceptances)],
    ['silences', sum((x) => x.silences)], ['rejections', sum(rejTotal)],
    ['cancellations', sum((x) => x.cancellations)], ['active_count', sum((x) => x.time_to_active.count)],
    ['returns', sum((x) => x.returns)], ['queries', sum((x) => x.queries)]];
  const period = `${when(r.from_ms)} – ${when(r.to_ms)}`;
  const vol = ['requests', 'acceptances', 'silences'].map((c) => ({ name: t(`stat.${c}`), values: byOperator(rows, (x) => x[c]).values }));
  vol.push({ name: t('stat.rejections'), values: byOperator(rows, rejTotal).values });
  const rejSeries = [{ name: t('stat.rejections'), values: CODES.map((c) => sum((x) => x.rejections[c] || 0)) }];
  const main = [t('col.operator'), t('col.network'), ...COUNTERS.map((c) => t(`stat.${c}`))];
  const times = [t('col.operator'), t('col.network'), t('stat.answer_median'), t('stat.answer_worst'),
    t('stat.active_count'), t('stat.active_median'), t('stat.active_worst')];
  return [
    h('section', { class: 'card', 'aria-labelledby': 'reg-totals' }, h('h2', { id: 'reg-totals' }, `${t('reg.totals')} · ${period}`),
      h('ul', { class: 'tiles totals' }, totals.map(([k, v]) => h('li', { 'data-stat': k }, h('strong', {}, String(v)), h('span', {}, t(`stat.${k}`)))))),
    h('section', { class: 'card', 'aria-labelledby': 'reg-vol' }, h('h2', { id: 'reg-vol' }, t('reg.volumes')),
      barChart(t('reg.volumes'), byOperator(rows, () => 0).ops.map((o) => `${o} ${opName(o)}`), vol)),
    h('section', { class: 'card', 'aria-labelledby': 'reg-rows' }, h('h2', { id: 'reg-rows' }, t('reg.rows')),
      table(t('reg.rows'), main, rows.map((x) => [rowLabel(x), x.local_network || '—', ...COUNTERS.map((c) => String(x[c]))]),
        { name: 'stats', rowHeader: true }),
      h('div', { class: 'actions' }, csvButton('stats', () => [['operator', 'local_network', ...COUNTERS],
        ...rows.map((x) => [x.operator, x.local_network, ...COUNTERS.map((c) => x[c])])]))),
    h('section', { class: 'card', 'aria-labelledby': 'reg-rej' }, h('h2', { id: 'reg-rej' }, t('reg.rejections')),
      barChart(t('reg.rejections'), CODES, rejSeries),
      table(t('reg.rejections'), [t('col.operator'), t('col.network'), ...CODES], rows.map((x) => [rowLabel(x), x.local_network || '—', ...CODES.map((c) => String(x.rejections[c] || 0))]),
        { name: 'rejections', rowHeader: true }),
      h('div', { class: 'actions' }, csvButton('rejections', () => [['operator', 'local_network', ...CODES],
        ...rows.map((x) => [x.operator, x.local_network, ...CODES.map((c) => x.rejections[c] || 0)])]))),
    h('section', { class: 'card', 'aria-labelledby': 'reg-times' }, h('h2', { id: 'reg-times' }, t('reg.times')),
      table(t('reg.times'), times, rows.map((x) => [rowLabel(x), x.local_network || '—', duration(x.answer_time.median_ms),
        duration(x.answer_time.worst_ms), String(x.time_to_active.count), duration(x.time_to_active.median_ms),
        duration(x.time_to_active.worst_ms)]), { name: 'times', rowHeader: true }),
      h('div', { class: 'actions' }, csvButton('times', () => [['operator', 'local_network', 'answers', 'answer_median_ms', 'answer_worst_ms', 'active', 'active_median_ms', 'active_worst_ms'],
        ...rows.map((x) => [x.operator, x.local_network, x.answer_time.count, x.answer_time.median_ms, x.answer_time.worst_ms,
          x.time_to_active.count, x.time_to_active.median_ms, x.time_to_active.worst_ms])]))),
    flagsSection(key, r, drill),
  ];
}

function flagsSection(key, r, drill) {
  const head = [t('col.time'), t('col.action'), t('col.operator'), t('col.network'), t('col.number'), t('col.order'), t('col.detail'), ''];
  const rows = r.flags.map((f) => [when(f.at_ms), t(`flag.${f.kind}`), `${f.operator} ${opName(f.operator)}`, f.local_network || '—',
    f.number || '—', f.order ? `#${f.order}` : '—', f.kind === 'store_only' ? [t('flag.orders', { n: f.orders }), f.detail].filter(Boolean).join(' · ') : f.detail,
    (f.order || f.number) ? h('button', { type: 'button', class: 'secondary', 'data-kind': f.kind,
      onclick: () => drillDown(key, f, drill) }, t('reg.drill')) : '']);
  return h('section', { class: 'card', 'aria-labelledby': 'reg-flags' },
    h('h2', { id: 'reg-flags' }, `${t('reg.flags')} (${t('reg.flags.total', { n: r.flags_total })})`),
    table(t('reg.flags'), head, rows, { name: 'flags' }),
    h('div', { class: 'actions' }, csvButton('flags', () => [['at', 'kind', 'operator', 'local_network', 'number', 'order', 'detail'],
      ...r.flags.map((f) => [new Date(f.at_ms).toISOString(), f.kind, f.operator, f.local_network, f.number || '', f.order || '', f.detail])])));
}

async function drillDown(key, f, drill) {
  const msg = messageLine();
  const close = h('button', { type: 'button', class: 'secondary', onclick: () => put(drill) }, t('close'));
  const title = h('h2', { tabindex: '-1' }, t('reg.drill.title', { what: f.order ? `#${f.order}` : t('reg.audit.number', { n: f.number }) }));
  put(drill, h('div', { class: 'card' }, title, close, msg));
  title.focus();
  try {
    if (f.order) {
      const r = await call('GET', `/v1/orders/${f.order}/timeline`, { key });
      drill.firstChild.append(orderFacts(r.order), timelineTable(r.records, true), h('div', { class: 'actions' },
        csvButton(`audit-order-${f.order}`, () => auditRows(r.records))));
    } else {
      const r = await call('GET', '/v1/audit', { key, query: { number: f.number, limit: 1000 } });
      drill.firstChild.append(timelineTable(r.records, true), h('div', { class: 'actions' },
        csvButton(`audit-${f.number}`, () => auditRows(r.records))));
    }
  } catch (e) {
    msg.error(e);
  }
}

function auditRows(records) {
  return [['seq', 'at', 'actor', 'action', 'detail', 'hash'],
    ...records.map((x) => [x.seq, new Date(x.at_ms).toISOString(), x.actor, x.action,
      typeof x.detail === 'string' ? x.detail : JSON.stringify(x.detail), x.hash])];
}
