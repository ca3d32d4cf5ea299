// Calls to mnpd's API on this origin. Every refusal comes back as an ApiError whose message is
// in words a person understands (i18n.js), with the server's own sentence kept as detail.

import { t, has } from './i18n.js';

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(code);
    this.status = status;
    this.code = code;
    this.detail = detail || '';
  }

  // What to show: our words for the code, else the server's sentence.
  get text() {
    if (this.code === 'network') return t('err.network');
    if (this.code === 'C01' && this.status === 429) return t('err.C01.locked');
    if (has(`err.${this.code}`)) return t(`err.${this.code}`);
    return `${t('err.generic')} (${this.status} ${this.code})${this.detail ? `: ${this.detail}` : ''}`;
  }
}

export async function call(method, path, { key, body, query } = {}) {
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) url += `?${s}`;
  }
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', String(e));
  }
  const type = res.headers.get('Content-Type') || '';
  const data = res.status === 204 ? null
    : type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const p = data && typeof data === 'object' ? data : {};
    throw new ApiError(res.status, p.code || `http_${res.status}`, p.detail || '');
  }
  return data;
}

// The path segment for a number as typed (the server reads every written form).
export function numberPath(n) { return encodeURIComponent(n.trim()); }
