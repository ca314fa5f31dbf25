// The figures of bench/results/latest.json as rows: medians per runtime, runts' ratio to
// runc (and crun) and the targets of issue #14 (the library's: issue #9). Shared by
// table.mjs and chart.mjs.

export function median(a) {
  if (!a?.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const ms = (fig, r) => median(fig?.cases?.[r]?.ms);
/** Containers per second of a parallel figure (samples are wall ms per batch). */
const perSec = (fig, r) => (fig?.cases?.[r] ? (fig.parallel * 1000) / median(fig.cases[r].ms) : NaN);
const rssMiB = (fig, r) => median(fig?.cases?.[r]?.rss_kb) / 1024;

/**
 * CLI rows of one environment, with issue #14's targets. Each target bounds runts/runc or
 * runts/crun (`ref`), or runts's own value in the row's unit (`ref: 'abs'`): a maximum
 * when lower is better (`lower`), a minimum otherwise. A target whose reference did not
 * run in this environment (crun on the hybrid host) does not apply there.
 */
export function cliRows(env) {
  const f = env.figures;
  const row = (label, unit, get, fig, targets, lower = true) => {
    const v = {};
    for (const r of ['runc', 'crun', 'runts']) v[r] = get(fig, r);
    return { label, unit, v, lower, targets };
  };
  const runc = (bound) => ({ ref: 'runc', bound });
  const crun = (bound) => ({ ref: 'crun', bound });
  return [
    row('run /bin/true, cold', 'ms', ms, f.run, [runc(0.6)]),
    row('run /bin/true, back-to-back', 'ms', ms, f.run_b2b, [runc(0.6)]),
    row('create+start+wait+delete, cold', 'ms', ms, f.csd, [runc(0.65)]),
    row('create+start+wait+delete, back-to-back', 'ms', ms, f.csd_b2b, [runc(0.65)]),
    row('exec true', 'ms', ms, f.exec, [runc(0.5)]),
    row('state', 'ms', ms, f.state, [runc(0.7), crun(1)]),
    row('list', 'ms', ms, f.list, [runc(0.7), crun(1)]),
    row('kill', 'ms', ms, f.kill, [runc(0.7), crun(1)]),
    row('50 runs in parallel', 'containers/s', perSec, f.parallel, [runc(2)], false),
    row('peak RSS of run', 'MiB', rssMiB, f.run, [runc(0.5), crun(1.5)]),
    row('`--version`', 'ms', ms, f.version, [{ ref: 'abs', bound: 2 }]),
  ];
}

/** The targets of a CLI row that apply (their reference ran), each with runts's value against it. */
export function applicable(r) {
  return r.targets
    .map((t) => ({ ...t, value: t.ref === 'abs' ? r.v.runts : r.v.runts / r.v[t.ref] }))
    .filter((t) => Number.isFinite(t.value));
}

/** The targets of a CLI row as text ("≤ 0.7x runc, ≤ 1x crun", "≤ 2 ms"). */
export function targetText(r) {
  const op = r.lower ? '≤' : '≥';
  const ts = applicable(r);
  return (ts.length ? ts : r.targets.filter((t) => t.ref !== 'crun')).map((t) => (t.ref === 'abs' ? `${op} ${t.bound} ${r.unit}` : `${op} ${t.bound}x ${t.ref}`)).join(', ');
}

/** Whether a CLI row meets every target that applies (null: nothing measured). */
export function rowMet(r) {
  const ts = applicable(r);
  if (!ts.length) return null;
  return ts.every((t) => meets(t.value, t.bound, r.lower));
}

/** The target as a cost relative to runc (the chart's axis: lower is better). */
export function runcCost(r) {
  const t = r.targets.find((x) => x.ref === 'runc');
  if (t) return r.lower ? t.bound : 1 / t.bound;
  const a = r.targets.find((x) => x.ref === 'abs');
  return a ? a.bound / r.v.runc : NaN;
}

/** The C floor of the environment (ms), without and with cgroups. */
export function floorOf(env) {
  return { bare: ms(env.figures.floor, 'floor'), cgroups: ms(env.figures.floor, 'floor+cgroups') };
}

/** Library rows of one environment, against runc's CLI in the same environment. */
export function libraryRows(env) {
  const f = env.figures;
  const runcRun = ms(f.run, 'runc');
  const runcPar = perSec(f.parallel, 'runc');
  const fl = floorOf(env).cgroups;
  const out = [];
  for (const [name, l] of Object.entries(env.library ?? {})) {
    const run = median(l.run_cold_ms);
    const par = 50 / median(l.parallel50_s);
    out.push(
      { label: `${name}: container run to completion, cold`, unit: 'ms', value: run, ratio: run / runcRun, vs: "runc's CLI run", target: 0.3, lower: true },
      { label: `${name}: container run to completion, back-to-back`, unit: 'ms', value: median(l.run_b2b_ms), ratio: median(l.run_b2b_ms) / runcRun, vs: "runc's CLI run", target: 0.3, lower: true },
      { label: `${name}: run, multiple of the C floor (with cgroups)`, unit: 'x', value: run / fl, ratio: run / fl, vs: 'C floor', target: 3, lower: true },
      { label: `${name}: 50 runs in parallel`, unit: 'containers/s', value: par, ratio: par / runcPar, vs: "runc's CLI", target: 3, lower: false },
      { label: `${name}: state()`, unit: 'ms', value: median(l.state_us) / 1000, ratio: median(l.state_us) / 1000, vs: '1 ms', target: 1, lower: true },
      { label: `${name}: list()`, unit: 'ms', value: median(l.list_us) / 1000, ratio: median(l.list_us) / 1000, vs: '1 ms', target: 1, lower: true },
      { label: `${name}: kill()`, unit: 'ms', value: median(l.kill_us) / 1000, ratio: median(l.kill_us) / 1000, vs: '1 ms', target: 1, lower: true },
    );
  }
  return out;
}

/** Whether a ratio meets its target. */
export function meets(ratio, target, lower) {
  if (!Number.isFinite(ratio)) return null;
  return lower ? ratio <= target : ratio >= target;
}
