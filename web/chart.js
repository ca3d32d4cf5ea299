// A grouped bar chart in SVG, small enough to read at a glance and accessible: the figure has a
// text summary and every bar a <title>; the same numbers are always in a table beside it.

const SVG = 'http://www.w3.org/2000/svg';
// Colour-blind-safe hues, each at least 3:1 against the white background.
export const SERIES_COLOURS = ['#1f5fa8', '#b35c00', '#2e7d32', '#8e24aa', '#c62828', '#00695c'];

function el(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// groups: ["CMCC", ...]; series: [{name, values: [per group]}]; label: the figure's summary.
export function barChart(label, groups, series) {
  const W = 640, H = 260, left = 44, bottom = 36, top = 12;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  const ceil = Math.ceil(max / step) * step;
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'chart' });
  svg.append(el('title', {}, label));
  const plotH = H - top - bottom, plotW = W - left - 8;
  for (let i = 0; i <= 4; i++) {
    const v = (ceil * i) / 4, y = top + plotH - (plotH * v) / ceil;
    svg.append(el('line', { x1: left, x2: W - 8, y1: y, y2: y, class: 'grid' }),
      el('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, Number.isInteger(v) ? v : v.toFixed(1)));
  }
  const gw = plotW / Math.max(1, groups.length), bw = Math.min(28, (gw * 0.8) / Math.max(1, series.length));
  groups.forEach((g, gi) => {
    const x0 = left + gi * gw + (gw - bw * series.length) / 2;
    series.forEach((s, si) => {
      const v = s.values[gi] || 0, hgt = (plotH * v) / ceil;
      const r = el('rect', { x: x0 + si * bw, y: top + plotH - hgt, width: bw - 2, height: Math.max(hgt, 0),
        fill: SERIES_COLOURS[si % SERIES_COLOURS.length] });
      r.append(el('title', {}, `${g} · ${s.name}: ${v}`));
      svg.append(r);
    });
    svg.append(el('text', { x: left + gi * gw + gw / 2, y: H - bottom + 16, 'text-anchor': 'middle', class: 'axis' }, g));
  });
  const legend = document.createElement('ul');
  legend.className = 'legend';
  series.forEach((s, si) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = SERIES_COLOURS[si % SERIES_COLOURS.length];
    li.append(sw, document.createTextNode(s.name));
    legend.append(li);
  });
  const fig = document.createElement('figure');
  const cap = document.createElement('figcaption');
  cap.textContent = label;
  fig.append(cap, svg, legend);
  return fig;
}
