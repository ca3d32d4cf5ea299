// Subscriber self-service (SPEC.md §3): the same answers as the SMS commands CXXZ and SQXZ, and
// the subscriber's own port order through its states. The subscriber proves they hold the number
// with a login code the gateway sends to it by SMS; the session token lives in sessionStorage
// for this tab only.

import { h, put, field } from './dom.js';
import { t, opName, stateName, when, yuan } from './i18n.js';
import { call, ApiError } from './api.js';
import { messageLine, busy } from './common.js';

const STORE = 'mnp.self';
const PATH = ['SUBMITTED', 'PENDING_DONOR', 'ACCEPTED', 'SCHEDULED', 'BROADCASTING', 'ACTIVE'];

function session() {
  try { return JSON.parse(sessionStorage.getItem(STORE)); } catch { return null; }
}

function masked(number) {
  const d = String(number).replace(/^86/, '');
  return d.length === 11 ? `${d.slice(0, 3)}****${d.slice(7)}` : d;
}

export function render(main) {
  const s = session();
  main.append(h('h1', {}, t('sub.title')), h('p', { class: 'lead' }, t('sub.intro')));
  if (!s) main.append(loginPanel(main));
  else main.append(...servicePanels(main, s));
}

function loginPanel(main) {
  const number = h('input', { type: 'tel', inputmode: 'numeric', autocomplete: 'tel-national',
    required: true, maxlength: 20, name: 'number' });
  const code = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
    required: true, maxlength: 6, pattern: '[0-9]{6}', name: 'code' });
  const msg = messageLine();
  const sent = h('div', { class: 'sent' });
  const send = h('button', { type: 'submit' }, t('sub.send'));
  const login = h('button', { type: 'submit' }, t('sub.login'));
  const step2 = h('form', { class: 'card', hidden: true },
    field(t('sub.code'), code), h('div', { class: 'actions' }, login));
  const step1 = h('form', { class: 'card' },
    field(t('sub.number'), number, t('sub.number.hint')), h('div', { class: 'actions' }, send));
  step1.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(send, msg, async () => {
      const r = await call('POST', '/v1/self/login', { body: { number: number.value.trim() } });
      put(sent, h('p', { role: 'status' }, t('sub.sent', { to: r.sent_to, name: r.operator_name })),
        r.demo_sms ? h('p', { class: 'demo' }, `${t('sub.demo_sms')}: `, h('q', { class: 'sms' }, r.demo_sms)) : null);
      step2.hidden = false;
      code.focus();
    });
  });
  step2.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(login, msg, async () => {
      const r = await call('POST', '/v1/self/session',
        { body: { number: number.value.trim(), code: code.value.trim() } });
      sessionStorage.setItem(STORE, JSON.stringify(r));
      put(main);
      render(main);
    });
  });
  setTimeout(() => number.focus(), 0);
  return h('section', { 'aria-labelledby': 'sub-login' },
    h('h2', { id: 'sub-login', class: 'visually-hidden' }, t('sub.login')), step1, sent, step2, msg);
}

// A call with the session; a refused session sends the subscriber back to log in.
async function selfCall(main, method, path, body) {
  const s = session();
  try {
    return await call(method, path, { key: s && s.token, body });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      sessionStorage.removeItem(STORE);
      put(main);
      render(main);
      main.querySelector('.message')?.error(t('sub.expired'));
    }
    throw e;
  }
}

function servicePanels(main, s) {
  const logout = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    try { await call('POST', '/v1/self/logout', { key: s.token }); } catch { /* gone anyway */ }
    sessionStorage.removeItem(STORE);
    put(main);
    render(main);
  } }, t('logout'));
  const who = h('p', { class: 'who' }, t('sub.as', { number: masked(s.number), name: s.operator_name }), ' ', logout);
  return [who, queryPanel(main), ordersPanel(main)];
}

function queryPanel(main) {
  const name = h('input', { type: 'text', required: true, maxlength: 63, autocomplete: 'name', name: 'name' });
  const identity = h('input', { type: 'text', required: true, maxlength: 18, autocomplete: 'off',
    spellcheck: 'false', name: 'identity', pattern: '[0-9]{17}[0-9Xx]' });
  const check = h('button', { type: 'submit', value: 'check' }, t('sub.check'));
  const code = h('button', { type: 'submit', value: 'authcode', class: 'secondary' }, t('sub.authcode'));
  const msg = messageLine();
  const out = h('div', { class: 'result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card' }, field(t('sub.name'), name),
    field(t('sub.identity'), identity, t('sub.identity.hint')), h('div', { class: 'actions' }, check, code));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const which = ev.submitter === code ? 'authcode' : 'eligibility';
    busy(ev.submitter || check, msg, async () => {
      const r = await selfCall(main, 'POST', `/v1/self/${which}`,
        { name: name.value.trim(), identity: identity.value.trim().toUpperCase() });
      put(out, verdict(r));
      out.querySelector('h3')?.focus();
    });
  });
  return h('section', { 'aria-labelledby': 'sub-query' },
    h('h2', { id: 'sub-query' }, `${t('sub.check')} · ${t('sub.authcode')}`), form, msg, out);
}

// One condition in words: [what is wrong, what to do].
export function conditionText(c) {
  switch (c.code) {
    case 'E01': return [t(`cond.E01.${c.why}`), t(`cond.E01.${c.why}.fix`)];
    case 'E02': return [t(`cond.E02.${c.status}`), t(`cond.E02.${c.status}.fix`)];
    case 'E03': return [t('cond.E03', { amount: yuan(c.unpaid_fen) }), t('cond.E03.fix')];
    case 'E04': return [(c.agreements || []).map((a) => t('cond.E04',
      { name: a.name, end: a.end, fee: yuan(a.fee_fen) })).join(' '), t('cond.E04.fix')];
    case 'E05': return [t('cond.E05'), t('cond.E05.fix', { date: c.portable_from })];
    default: return [t(`cond.${c.code}`), t(`cond.${c.code}.fix`)];
  }
}

function verdict(r) {
  const parts = [];
  if (r.code_issued) {
    parts.push(h('h3', { tabindex: '-1', class: 'good' }, t('sub.code_is')),
      h('p', { class: 'authcode', 'data-testid': 'authcode' }, r.code),
      h('p', {}, t('sub.code_valid', { time: when(r.expires_ms) })));
  } else if (r.eligible) {
    parts.push(h('h3', { tabindex: '-1', class: 'good' }, t('sub.eligible')));
    if (r.code_issued === false) parts.push(h('p', { class: 'error' }, t('sub.code_failed')));
  } else {
    parts.push(h('h3', { tabindex: '-1', class: 'bad' }, t('sub.not_eligible')),
      h('ol', { class: 'conditions' }, (r.conditions || []).map((c) => {
        const [what, fix] = conditionText(c);
        return h('li', { 'data-code': c.code }, h('strong', {}, `${c.code} `), what,
          fix ? h('div', { class: 'remedy' }, t('sub.remedy'), fix) : null);
      })));
  }
  if (r.services && r.services.length) parts.push(h('p', {}, t('sub.services'), r.services.join('、')));
  if (r.balance_fen) parts.push(h('p', {}, t('sub.balance', { amount: yuan(r.balance_fen) })));
  if (r.reply) parts.push(h('details', {}, h('summary', {}, t('sub.sms_text')), h('p', { class: 'sms', lang: 'zh-CN' }, r.reply)));
  return parts;
}

function ordersPanel(main) {
  const list = h('div', { class: 'orders' });
  const msg = messageLine();
  const refresh = h('button', { type: 'button', class: 'secondary' }, t('refresh'));
  const load = () => busy(refresh, msg, async () => {
    const r = await selfCall(main, 'GET', '/v1/self/orders');
    const orders = (r.orders || []).slice().sort((a, b) => b.order - a.order);
    put(list, orders.length ? orders.map(orderCard) : h('p', {}, t('sub.orders.none')));
  });
  refresh.addEventListener('click', load);
  load();
  return h('section', { 'aria-labelledby': 'sub-orders' },
    h('h2', { id: 'sub-orders' }, t('sub.orders')), h('div', { class: 'actions' }, refresh), msg, list);
}

function orderCard(o) {
  const at = PATH.indexOf(o.state);
  const steps = at >= 0 ? PATH : [...PATH.slice(0, 2), o.state];
  const now = at >= 0 ? at : steps.length - 1;
  return h('article', { class: 'card order', 'data-state': o.state },
    h('h3', {}, t('sub.order', { id: o.order, donor: opName(o.donor), recipient: opName(o.recipient) })),
    h('ol', { class: 'stepper' }, steps.map((s, i) => h('li', {
      class: i < now || (i === now && o.state === 'ACTIVE') ? 'done' : i === now ? 'now' : 'todo',
      'aria-current': i === now ? 'step' : null,
    }, stateName(s), i < now ? h('span', { class: 'visually-hidden' }, ` (${t('sub.step.done')})`)
      : i === now ? h('span', { class: 'visually-hidden' }, ` (${t('sub.step.now')})`) : null))),
    o.cutover_ms && o.state === 'SCHEDULED' ? h('p', {}, t('sub.cutover', { time: when(o.cutover_ms) })) : null,
    h('dl', { class: 'facts' }, h('dt', {}, t('col.created')), h('dd', {}, when(o.created_ms)),
      h('dt', {}, t('col.updated')), h('dd', {}, when(o.updated_ms)),
      o.reason ? [h('dt', {}, t('col.reason')), h('dd', {}, o.reason)] : null));
}
