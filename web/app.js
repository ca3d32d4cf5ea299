// The single page: a header with the three areas and the language switch, and the area the
// address names (#/subscriber, #/operator, #/regulator and their sub-pages).

import { h, put } from './dom.js';
import { t, getLang, setLang } from './i18n.js';
import * as subscriber from './subscriber.js';
import * as operator from './operator.js';
import * as regulator from './regulator.js';

const all = { subscriber, operator, regulator };
// The areas this listener serves (GET areas.json): the self-service needs a gateway, the
// dashboard the clearinghouse.
let areas = {};

function header(current) {
  return [
    h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); document.getElementById('main').focus(); } }, t('app.skip')),
    h('header', { class: 'top' },
      h('a', { href: '#/', class: 'brand' }, t('app.title')),
      h('nav', { 'aria-label': t('nav.label') },
        h('ul', {}, Object.keys(areas).map((a) => h('li', {},
          h('a', { href: `#/${a}`, 'aria-current': a === current ? 'page' : null }, t(`nav.${a}`)))))),
      h('button', {
        type: 'button', class: 'lang', lang: getLang() === 'en' ? 'zh-CN' : 'en',
        'aria-label': t('lang.switch.label'),
        onclick: () => { setLang(getLang() === 'en' ? 'zh' : 'en'); render(); },
      }, t('lang.switch'))),
  ];
}

function home() {
  return h('section', { class: 'home' }, h('h1', {}, t('app.title')), h('p', {}, t('home.lead')),
    h('ul', { class: 'tiles' }, Object.keys(areas).map((a) => h('li', {},
      h('a', { href: `#/${a}` }, h('strong', {}, t(`nav.${a}`)), h('span', {}, t(`home.${a}`)))))));
}

function render() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const area = all[parts[0]] ? parts[0] : null;
  setLang(getLang());
  document.title = area ? `${t(`nav.${area}`)} · ${t('app.title')}` : t('app.title');
  const main = h('main', { id: 'main', tabindex: '-1' });
  put(document.body, header(area), main);
  if (area && areas[area]) areas[area].render(main, parts.slice(1));
  else if (area) main.append(h('h1', {}, t(`nav.${area}`)), h('p', { class: 'error', role: 'alert' }, t('area.elsewhere')), home());
  else main.append(home());
}

window.addEventListener('hashchange', () => { render(); document.getElementById('main').focus(); });
fetch('areas.json', { cache: 'no-store' }).then((r) => r.json()).then((r) => {
  areas = Object.fromEntries(r.areas.filter((a) => all[a]).map((a) => [a, all[a]]));
}).catch(() => { areas = all; }).finally(render);
