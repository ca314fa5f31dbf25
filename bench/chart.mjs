// Draws bench/results/latest.json as an SVG (no dependencies): each figure as bars of
// cost relative to runc (runc = 1; time, memory, or time per container for throughput;
// lower is better), for runts on the host's cgroups, runts and crun in the cgroup v2 view,
// with the target of issue #14 (against runc; the library's: issue #9) as a tick.
//
//   node bench/chart.mjs [latest.json] > chart.svg
import { readFileSync } from 'node:fs';
import { cliRows, libraryRows, runcCost } from './rows.mjs';

const file = process.argv[2] ?? new URL('results/latest.json', import.meta.url);
const res = JSON.parse(readFileSync(file, 'utf8'));
const cost = (r, who) => (r.lower ? r.v[who] / r.v.runc : r.v.runc / r.v[who]);

const rows = [];
const host = res.host ? cliRows(res.host) : [];
const v2 = res.v2 ? cliRows(res.v2) : [];
for (let i = 0; i < Math.max(host.length, v2.length); i++) {
  const h = host[i], w = v2[i], any = h ?? w;
  rows.push({
    label: any.label,
    target: runcCost(h && Number.isFinite(h.v.runc) ? h : any),
    bars: [
      { name: 'runts, host cgroups', color: '#1f6feb', x: h ? cost(h, 'runts') : NaN },
      { name: 'runts, cgroup v2 view', color: '#58a6ff', x: w ? cost(w, 'runts') : NaN },
      { name: 'crun, cgroup v2 view', color: '#9a9a9a', x: w ? cost(w, 'crun') : NaN },
    ],
  });
}
for (const env of ['host', 'v2']) {
  for (const r of res[env] ? libraryRows(res[env]) : []) {
    if (!r.label.includes('run to completion, cold') && !r.label.includes('parallel')) continue;
    rows.push({
      label: `library on ${r.label.replace(':', ',')} (${env === 'host' ? 'host' : 'v2 view'})`,
      target: r.lower ? r.target : 1 / r.target,
      bars: [{ name: env === 'host' ? 'runts, host cgroups' : 'runts, cgroup v2 view', color: env === 'host' ? '#1f6feb' : '#58a6ff', x: r.lower ? r.ratio : 1 / r.ratio }],
    });
  }
}

const W = 920, left = 330, right = 40, barH = 9, gap = 6, top = 56;
const xmax = Math.min(4, Math.max(2, ...rows.flatMap((r) => r.bars.map((b) => b.x)).filter(Number.isFinite)));
const sx = (x) => left + (Math.min(x, xmax) / xmax) * (W - left - right);
const heights = rows.map((r) => r.bars.length * barH + gap * 2);
const H = top + heights.reduce((a, b) => a + b, 0) + 40;
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const svg = [];
svg.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`);
svg.push(`<rect width="${W}" height="${H}" fill="white"/>`);
svg.push(`<text x="10" y="18" font-size="14" font-weight="bold">runts against runc (= 1) and crun: cost relative to runc, lower is better</text>`);
svg.push(`<text x="10" y="34" fill="#555">time, peak memory, or time per container for throughput; | = target (issue #14 against runc; library: #9); ${esc(res.machine.date.slice(0, 10))}, ${esc(res.machine.host)}</text>`);
let lx = left;
for (const [name, color] of [['runts, host cgroups', '#1f6feb'], ['runts, cgroup v2 view', '#58a6ff'], ['crun, cgroup v2 view', '#9a9a9a']]) {
  svg.push(`<rect x="${lx}" y="42" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="51">${name}</text>`);
  lx += 150;
}
for (let t = 0; t <= xmax; t += 0.5) {
  svg.push(`<line x1="${sx(t)}" y1="${top}" x2="${sx(t)}" y2="${H - 30}" stroke="${t === 1 ? '#000' : '#e5e5e5'}" ${t === 1 ? 'stroke-dasharray="4 3"' : ''}/>`);
  svg.push(`<text x="${sx(t)}" y="${H - 16}" text-anchor="middle" fill="#555">${t}${t === 1 ? ' (runc)' : ''}</text>`);
}
let y = top;
rows.forEach((r, i) => {
  const h = heights[i];
  if (i % 2) svg.push(`<rect x="0" y="${y}" width="${W}" height="${h}" fill="#f6f8fa" opacity="0.6"/>`);
  svg.push(`<text x="${left - 8}" y="${y + h / 2 + 4}" text-anchor="end">${esc(r.label)}</text>`);
  r.bars.forEach((b, k) => {
    const by = y + gap + k * barH;
    if (!Number.isFinite(b.x)) {
      svg.push(`<text x="${left + 4}" y="${by + barH - 1}" fill="#999" font-size="9">not measured</text>`);
      return;
    }
    svg.push(`<rect x="${left}" y="${by}" width="${Math.max(1, sx(b.x) - left)}" height="${barH - 1}" fill="${b.color}"/>`);
    svg.push(`<text x="${Math.min(sx(b.x) + 3, W - right + 2)}" y="${by + barH - 1}" font-size="9">${b.x > xmax ? '&gt;' : ''}${b.x.toFixed(2)}</text>`);
  });
  if (Number.isFinite(r.target)) svg.push(`<line x1="${sx(r.target)}" y1="${y + 2}" x2="${sx(r.target)}" y2="${y + h - 2}" stroke="#d1242f" stroke-width="2"/>`);
  y += h;
});
svg.push('</svg>');
console.log(svg.join('\n'));
