// Building the page. Every element is made with h(), and every piece of data goes in as text
// (textContent, attributes), never as markup: nothing an API returns can become script.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces what el holds.
export function put(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A labelled form field; the label is tied to the control for screen readers and clicks.
let fieldSeq = 0;
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

// A table with a caption and column headers; rows are arrays of cells (text or nodes).
export function table(caption, headers, rows, opts = {}) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { class: opts.class || null, 'data-name': opts.name || null },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.length
        ? rows.map((r) => h('tr', {}, r.map((c, i) => (i === 0 && opts.rowHeader
          ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))
        : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, opts.empty || '—')))));
}
