// The figures of bench/results/latest.json as rows: medians per runtime, runts' ratio to
// runc (and crun) and the target from issue #9. Shared by table.mjs and chart.mjs.

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
 * CLI rows of one environment. `lower` says whether lower is better; `target` is the
 * bound on runts/runc (a maximum when lower is better, a minimum otherwise).
 */
export function cliRows(env) {
  const f = env.figures;
  const row = (label, unit, get, fig, target, lower = true) => {
    const v = {};
    for (const r of ['runc', 'crun', 'runts']) v[r] = get(fig, r);
    return { label, unit, v, lower, target };
  };
  return [
    row('run /bin/true, cold', 'ms', ms, f.run, 0.65),
    row('run /bin/true, back-to-back', 'ms', ms, f.run_b2b, 0.65),
    row('create+start+wait+delete, cold', 'ms', ms, f.csd, 0.7),
    row('create+start+wait+delete, back-to-back', 'ms', ms, f.csd_b2b, 0.7),
    row('exec true', 'ms', ms, f.exec, 0.7),
    row('state', 'ms', ms, f.state, 2),
    row('list', 'ms', ms, f.list, 2),
    row('kill', 'ms', ms, f.kill, 2),
    row('50 runs in parallel', 'containers/s', perSec, f.parallel, 2, false),
    row('peak RSS of run', 'MiB', rssMiB, f.run, 2),
  ];
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
