// Prints bench/results/latest.json (or the file given) as markdown: medians, runts' ratio
// to runc and crun, the targets of issue #14 (the library's: issue #9) and whether they are met.
import { readFileSync } from 'node:fs';
import { cliRows, floorOf, libraryRows, meets, rowMet, targetText } from './rows.mjs';

const file = process.argv[2] ?? new URL('results/latest.json', import.meta.url);
const res = JSON.parse(readFileSync(file, 'utf8'));
const m = res.machine;
const fmt = (v) => (!Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const mark = (ok) => (ok === null ? '' : ok ? 'yes' : '**no**');
const out = [];
out.push(`Measured ${m.date.slice(0, 10)} on ${m.host}; load average ${m.load} before, ${m.loadAfter} after (other work shared the machine).`);
out.push(`${m.versions.runts.split('\n')[0]}, ${m.versions.runc.split('\n')[0]}, ${m.versions.crun.split('\n')[0]}, bun ${m.versions.bun}, node ${m.versions.node}.`);
out.push(`Medians of ${m.runs} interleaved runs per figure (5 batches of 50 for the parallel figure, 2 with --quick); "cold" waits ${m.gapMs} ms before each call, "back-to-back" does not.`);
for (const [key, title] of [['host', "Host cgroups (hybrid: v1 controllers + cgroup2 with hugetlb; crun refuses this layout)"], ['v2', 'Pure cgroup v2 view (private mount namespace, cgroup2 on /sys/fs/cgroup)']]) {
  const env = res[key];
  if (!env) continue;
  const has = (r) => env.runtimes.includes(r);
  out.push('', `### CLI, ${title}`, '');
  const head = ['', 'runc', ...(has('crun') ? ['crun'] : []), 'runts', 'runts/runc', ...(has('crun') ? ['runts/crun'] : []), 'target (issue #14)', 'met'];
  out.push(`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`);
  for (const r of cliRows(env)) {
    const ratio = r.v.runts / r.v.runc;
    const cells = [`${r.label} (${r.unit})`, fmt(r.v.runc), ...(has('crun') ? [fmt(r.v.crun)] : []), fmt(r.v.runts), fmt(ratio), ...(has('crun') ? [fmt(r.v.runts / r.v.crun)] : []), targetText(r), mark(rowMet(r))];
    out.push(`| ${cells.join(' | ')} |`);
  }
  const fl = floorOf(env);
  out.push('', `C floor (clone with 5 namespaces, pivot_root, mount /proc, exec /bin/true): ${fmt(fl.bare)} ms, ${fmt(fl.cgroups)} ms with cgroups.`);
  const lib = libraryRows(env);
  if (lib.length) {
    out.push('', `### Library (one long-running process), ${key === 'host' ? 'host cgroups' : 'cgroup v2 view'}`, '');
    out.push('| | value | ratio | against | target | met |', '|---|---:|---:|---|---:|---|');
    for (const r of lib) out.push(`| ${r.label} (${r.unit}) | ${fmt(r.value)} | ${fmt(r.ratio)} | ${r.vs} | ${r.lower ? '≤' : '≥'} ${r.target} | ${mark(meets(r.ratio, r.target, r.lower))} |`);
  }
}
if (res.memory) {
  out.push('', '### 1 MiB memory limit (host cgroups, /bin/true)', '');
  for (const [r, v] of Object.entries(res.memory)) out.push(`- ${r}: ${v.ok ? 'runs' : `fails (${v.error})`}`);
}
console.log(out.join('\n'));
