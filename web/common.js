// Pieces every area uses: the message line, a button that shows it is working, the credential
// form, CSV export.

import { h, put, field } from './dom.js';
import { t } from './i18n.js';
import { call, ApiError } from './api.js';

// A region that announces what happened (role=alert for errors, status otherwise).
export function messageLine() {
  const el = h('div', { class: 'message', 'aria-live': 'polite' });
  el.error = (e) => {
    put(el, h('p', { class: 'error', role: 'alert' }, e instanceof ApiError ? e.text : String(e)));
  };
  el.ok = (text) => put(el, h('p', { class: 'ok', role: 'status' }, text));
  el.clear = () => put(el);
  return el;
}

// Runs fn with the button disabled and its label saying so; errors go to msg.
export async function busy(button, msg, fn) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = t('busy');
  try {
    if (msg) msg.clear();
    return await fn();
  } catch (e) {
    if (msg) msg.error(e);
    else throw e;
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = label;
  }
}

// The key of the operator or the regulator, for this browser session only: sessionStorage is
// per tab and cleared when it closes; nothing goes to localStorage or a cookie.
export const keys = {
  get(role) { return sessionStorage.getItem(`mnp.key.${role}`); },
  set(role, key) { sessionStorage.setItem(`mnp.key.${role}`, key); },
  drop(role) { sessionStorage.removeItem(`mnp.key.${role}`); },
};

// Who a key belongs to: {role, principal, now_ms}.
export function whoami(key) { return call('GET', '/v1/me', { key }); }

// The credential form; onIn(key, me) runs once the server accepted a key of the wanted role.
export function credentialForm(role, onIn) {
  const input = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, name: 'key' });
  const msg = messageLine();
  const button = h('button', { type: 'submit' }, t('cred.enter'));
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'cred-title' },
    h('h2', { id: 'cred-title' }, t('cred.title')),
    field(t(`cred.${role}`), input, t('cred.hint')),
    h('div', { class: 'actions' }, button), msg);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(button, msg, async () => {
      const key = input.value.trim();
      const me = await whoami(key);
      if (me.role !== role) throw new Error(t(`cred.wrong_role.${role}`));
      keys.set(role, key);
      input.value = '';
      onIn(key, me);
    });
  });
  setTimeout(() => input.focus(), 0);
  return form;
}

// Offers rows (arrays of plain values, the first being the header) as a CSV file.
export function csvButton(name, rowsFn) {
  return h('button', {
    type: 'button', class: 'secondary',
    onclick: () => {
      const rows = rowsFn();
      const text = rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
      const url = URL.createObjectURL(new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' }));
      const a = h('a', { href: url, download: `${name}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  }, t('export.csv'));
}

function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
