// The operator console (operator credential): look a number up, list and filter the orders where
// the operator is donor or recipient, read an order's timeline with every state change, timer
// and reason, submit a port-in for a walk-in subscriber, answer as donor within the window with
// the three permitted reasons only, and cancel as recipient at the subscriber's wish.

import { h, put, field, table } from './dom.js';
import { t, opName, stateName, stateKeys, when, channelName } from './i18n.js';
import { call, numberPath, ApiError } from './api.js';
import { messageLine, busy, keys, credentialForm, whoami, csvButton } from './common.js';

export function render(main, parts) {
  main.append(h('h1', {}, t('op.title')));
  const key = keys.get('operator');
  if (!key) {
    main.append(credentialForm('operator', () => { put(main); render(main, parts); }));
    return;
  }
  const body = h('div', {});
  main.append(body);
  whoami(key).then((me) => {
    if (me.role !== 'operator') throw new ApiError(403, 'forbidden', '');
    const bar = h('p', { class: 'who' }, t('cred.as', { who: `${me.principal} ${opName(me.principal)}` }), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: () => { keys.drop('operator'); put(main); render(main, parts); } }, t('logout')));
    const ctx = { key, me, main, parts };
    if (parts[0] === 'order' && parts[1]) put(body, bar, orderPage(ctx, parts[1]));
    else put(body, bar, searchPanel(ctx), ordersPanel(ctx), portInPanel(ctx));
  }).catch((e) => {
    if (e instanceof ApiError && e.status === 401) {
      keys.drop('operator');
      put(main);
      render(main, parts);
      main.querySelector('.message')?.error(e);
    } else {
      const msg = messageLine();
      put(body, msg);
      msg.error(e);
    }
  });
}

function searchPanel(ctx) {
  const number = h('input', { type: 'tel', inputmode: 'numeric', required: true, maxlength: 32, name: 'number' });
  const go = h('button', { type: 'submit' }, t('op.search.go'));
  const msg = messageLine();
  const out = h('div', { class: 'result' });
  const form = h('form', { class: 'inline' }, field(t('col.number'), number), go);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(go, msg, async () => {
      const r = await call('GET', `/v1/numbers/${numberPath(number.value)}`, { key: ctx.key });
      put(out, numberView(r));
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'op-search' },
    h('h2', { id: 'op-search' }, t('op.search')), form, msg, out);
}

function numberView(r) {
  return [
    h('dl', { class: 'facts' },
      h('dt', {}, t('col.number')), h('dd', {}, r.number),
      h('dt', {}, t('op.serving')), h('dd', { 'data-testid': 'serving' }, `${r.operator} ${opName(r.operator)}`),
      h('dt', {}, t('op.ported')), h('dd', {}, r.ported ? t('yes') : t('no')),
      h('dt', {}, t('op.holder')), h('dd', {}, `${r.holder} ${opName(r.holder)}`),
      h('dt', {}, t('op.network')), h('dd', {}, r.local_network || '—'),
      h('dt', {}, t('op.routing')), h('dd', {}, r.routing_number || '—'),
      h('dt', {}, t('op.seq')), h('dd', {}, String(r.seq))),
    table(t('op.history'), [t('col.time'), t('col.operator'), t('col.order')],
      (r.history || []).map((x) => [when(x.at_ms), `${x.operator} ${opName(x.operator)}`,
        x.order ? h('a', { href: `#/operator/order/${x.order}` }, `#${x.order}`) : '—'])),
  ];
}

function ordersPanel(ctx) {
  const role = h('select', { name: 'role' }, ['', 'recipient', 'donor'].map((v) =>
    h('option', { value: v }, t(`op.filter.role.${v || 'any'}`))));
  const state = h('select', { name: 'state' }, h('option', { value: '' }, t('op.filter.state.any')),
    stateKeys.map((s) => h('option', { value: s }, stateName(s))));
  const number = h('input', { type: 'tel', inputmode: 'numeric', maxlength: 32, name: 'number' });
  const go = h('button', { type: 'submit' }, t('op.filter.go'));
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('op.more'));
  const msg = messageLine();
  const out = h('div', {});
  let rows = [];
  let after = 0;
  const PAGE = 50;
  const load = (button, reset) => busy(button, msg, async () => {
    if (reset) { rows = []; after = 0; }
    const r = await call('GET', '/v1/orders', { key: ctx.key,
      query: { role: role.value, state: state.value, number: number.value.trim(), after, limit: PAGE } });
    rows = rows.concat(r.orders);
    if (r.orders.length) after = r.orders[r.orders.length - 1].order;
    more.hidden = r.orders.length < PAGE;
    put(out, table(t('op.orders'), [t('col.order'), t('col.number'), t('col.state'), t('col.recipient'),
      t('col.donor'), t('col.updated')], rows.map((o) => [
      h('a', { href: `#/operator/order/${o.order}` }, `#${o.order}`), o.number, stateName(o.state),
      `${o.recipient} ${opName(o.recipient)}`, `${o.donor} ${opName(o.donor)}`, when(o.updated_ms)]),
    { name: 'orders' }));
  });
  const form = h('form', { class: 'inline' }, field(t('op.filter.role'), role),
    field(t('op.filter.state'), state), field(t('op.filter.number'), number), go);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(go, true); });
  more.addEventListener('click', () => load(more, false));
  load(go, true);
  return h('section', { class: 'card', 'aria-labelledby': 'op-orders' },
    h('h2', { id: 'op-orders' }, t('op.orders')), form, msg, out,
    h('div', { class: 'actions' }, more, csvButton('orders', () => [
      ['order', 'number', 'state', 'recipient', 'donor', 'updated'],
      ...rows.map((o) => [o.order, o.number, o.state, o.recipient, o.donor, new Date(o.updated_ms).toISOString()])])));
}

function portInPanel(ctx) {
  const number = h('input', { type: 'tel', inputmode: 'numeric', required: true, maxlength: 32, name: 'number' });
  const name = h('input', { type: 'text', required: true, maxlength: 63, name: 'name' });
  const identity = h('input', { type: 'text', required: true, maxlength: 18, name: 'identity', spellcheck: 'false' });
  const code = h('input', { type: 'text', inputmode: 'numeric', required: true, maxlength: 6, name: 'code' });
  const channel = h('select', { name: 'channel' }, ['store', 'online'].map((c) =>
    h('option', { value: c }, t(`op.portin.channel.${c}`))));
  const go = h('button', { type: 'submit' }, t('submit'));
  const msg = messageLine();
  const form = h('form', { class: 'grid' }, field(t('col.number'), number), field(t('sub.name'), name),
    field(t('sub.identity'), identity), field(t('op.portin.code'), code),
    field(t('op.portin.channel'), channel), h('div', { class: 'actions' }, go));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(go, msg, async () => {
      const r = await call('POST', '/v1/port-in', { key: ctx.key, body: {
        number: number.value.trim(), name: name.value.trim(),
        identity: identity.value.trim().toUpperCase(), code: code.value.trim(), channel: channel.value } });
      put(msg, h('p', { class: 'ok', role: 'status' }, t('op.portin.done', { id: r.order }), ' ',
        h('a', { href: `#/operator/order/${r.order}` }, t('op.timeline'))));
      form.reset();
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'op-portin' },
    h('h2', { id: 'op-portin' }, t('op.portin')), form, msg);
}

// The timeline table of an order (also used by the regulator's drill-down).
export function timelineTable(records, withHash) {
  const head = [t('col.seq'), t('col.time'), t('col.actor'), t('col.action'), t('col.state'), t('col.reason'), t('col.detail')];
  if (withHash) head.push(t('col.hash'));
  return table(t('op.timeline'), head, records.map((r) => {
    const d = r.detail && typeof r.detail === 'object' ? r.detail : {};
    const timers = [d.donor_deadline_ms ? `${t('col.deadline')} ${when(d.donor_deadline_ms)}` : null,
      d.cutover_ms ? `${t('col.cutover')} ${when(d.cutover_ms)}` : null,
      d.silent || d.donor_silent ? t('col.silent') : null,
      d.text || d.why || (typeof r.detail === 'string' ? r.detail : null)].filter(Boolean).join(' · ');
    const row = [String(r.seq), when(r.at_ms), r.actor, t(`action.${r.action}`), d.state ? stateName(d.state) : '—',
      d.reason || d.code || '—', timers || '—'];
    if (withHash) row.push(h('code', {}, String(r.hash || '').slice(0, 16)));
    return row;
  }), { name: 'timeline' });
}

export function orderFacts(o) {
  return h('dl', { class: 'facts' },
    h('dt', {}, t('col.number')), h('dd', {}, o.number),
    h('dt', {}, t('col.state')), h('dd', { 'data-testid': 'order-state' }, stateName(o.state)),
    h('dt', {}, t('col.recipient')), h('dd', {}, `${o.recipient} ${opName(o.recipient)}`),
    h('dt', {}, t('col.donor')), h('dd', {}, `${o.donor} ${opName(o.donor)}`),
    h('dt', {}, t('col.network')), h('dd', {}, o.local_network || '—'),
    h('dt', {}, t('col.channel')), h('dd', {}, channelName(o.channel)),
    h('dt', {}, t('col.created')), h('dd', {}, when(o.created_ms)),
    h('dt', {}, t('col.deadline')), h('dd', {}, when(o.donor_deadline_ms)),
    h('dt', {}, t('col.cutover')), h('dd', {}, when(o.cutover_ms)),
    h('dt', {}, t('col.reason')), h('dd', {}, o.reason || '—'),
    h('dt', {}, t('col.silent')), h('dd', {}, o.donor_silent ? t('yes') : t('no')));
}

function orderPage(ctx, id) {
  const box = h('section', { 'aria-labelledby': 'op-order' });
  const msg = messageLine();
  const load = async () => {
    try {
      const r = await call('GET', `/v1/orders/${encodeURIComponent(id)}/timeline`, { key: ctx.key });
      const o = r.order;
      put(box, h('h2', { id: 'op-order' }, t('op.order', { id: o.order })), msg, orderFacts(o),
        actions(ctx, o, msg, load), timelineTable(r.records, false),
        h('div', { class: 'actions' }, csvButton(`order-${o.order}`, () => [
          ['seq', 'at', 'actor', 'action', 'detail'],
          ...r.records.map((x) => [x.seq, new Date(x.at_ms).toISOString(), x.actor, x.action, JSON.stringify(x.detail)])])));
    } catch (e) {
      put(box, h('h2', { id: 'op-order' }, t('op.order', { id })), msg);
      msg.error(e);
    }
  };
  load();
  return [h('p', {}, h('a', { href: '#/operator' }, `← ${t('op.title')}`)), box];
}

function actions(ctx, o, msg, reload) {
  const me = ctx.me.principal;
  const out = [];
  if (o.donor === me && o.state === 'PENDING_DONOR') {
    const reason = h('select', { name: 'reason', required: true }, ['D01', 'D02', 'D03'].map((r) =>
      h('option', { value: r }, t(`reason.${r}`))));
    const text = h('textarea', { name: 'text', maxlength: 255, rows: 3 });
    const object = h('button', { type: 'submit', class: 'danger' }, t('op.object.go'));
    const accept = h('button', { type: 'button' }, t('op.accept'));
    const form = h('form', { class: 'card' }, h('h3', {}, t('op.object')),
      h('p', {}, t('op.window', { time: when(o.donor_deadline_ms) })),
      field(t('op.object.reason'), reason), field(t('op.object.text'), text),
      h('div', { class: 'actions' }, object, accept));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (reason.value === 'D03' && !text.value.trim()) { msg.error(t('err.justification_needed_here')); text.focus(); return; }
      busy(object, msg, async () => {
        await call('POST', `/v1/orders/${o.order}/answer`, { key: ctx.key,
          body: { reason: reason.value, text: text.value.trim() || null } });
        await reload();
        msg.ok(t('op.answered'));
      });
    });
    accept.addEventListener('click', () => busy(accept, msg, async () => {
      await call('POST', `/v1/orders/${o.order}/answer`, { key: ctx.key, body: {} });
      await reload();
      msg.ok(t('op.answered'));
    }));
    out.push(form);
  }
  if (o.recipient === me && ['SUBMITTED', 'PENDING_DONOR', 'ACCEPTED'].includes(o.state)) {
    const cancel = h('button', { type: 'button', class: 'danger' }, t('op.cancel'));
    cancel.addEventListener('click', () => busy(cancel, msg, async () => {
      await call('POST', `/v1/orders/${o.order}/cancel`, { key: ctx.key, body: {} });
      await reload();
      msg.ok(t('op.cancelled'));
    }));
    out.push(h('div', { class: 'actions' }, cancel));
  }
  return out;
}
