// Reads hyperfine JSON exports and prints a markdown table of medians and ratios to runc.
import { readFileSync } from 'node:fs';
const [dir, ...names] = process.argv.slice(2);
const rows = [];
let cols;
for (const name of names) {
  const j = JSON.parse(readFileSync(`${dir}/${name}.json`, 'utf8'));
  const med = Object.fromEntries(j.results.map((r) => [r.command, r.median * 1000]));
  cols ??= Object.keys(med);
  rows.push([name, ...cols.map((c) => med[c].toFixed(1)), ...cols.filter((c) => c !== 'runc').map((c) => (med[c] / med.runc).toFixed(2))]);
}
const others = cols.filter((c) => c !== 'runc');
const head = ['', ...cols.map((c) => `${c} ms`), ...others.map((c) => `${c}/runc`)];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
