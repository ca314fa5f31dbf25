// Side-by-side benchmark of runts against runc and crun: one busybox bundle, the same
// namespaces and cgroup setup for every runtime, every figure interleaved round-robin in
// one timeit run (bench/timeit.c). Run twice: on the host's cgroups (hybrid here: crun
// refuses them) and in a pure cgroup v2 view (a private mount namespace with cgroup2 on
// /sys/fs/cgroup), plus the library figures (bench/library.mjs on Node and Bun) and the
// 1 MiB memory-limit check. Writes bench/results/latest.json; bench/table.mjs and
// bench/chart.mjs turn it into the markdown table and the SVG chart.
//
//   node bench/bench.mjs [--runs N] [--quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const runs = Number(argv[argv.indexOf('--runs') + 1] || 0) || (quick ? 8 : 15);
const GAP = 50; // ms before each cold call: the first cgroup.procs write after a quiet spell waits for RCU
const timeit = join(repo, 'bench/build/timeit');
const floor = join(repo, 'bench/build/floor');
const work = mkdtempSync('/tmp/runts-bench.');
const log = (m) => process.stderr.write(`bench: ${m}\n`);

// A snapshot of the CLI and its shim, so that a rebuild during the run changes nothing.
mkdirSync(join(work, 'pkg/bin'), { recursive: true });
mkdirSync(join(work, 'pkg/native/build'), { recursive: true });
copyFileSync(join(repo, 'bin/runts'), join(work, 'pkg/bin/runts'));
copyFileSync(join(repo, 'native/build/runts-init'), join(work, 'pkg/native/build/runts-init'));
cpSync(join(repo, 'dist'), join(work, 'pkg/dist'), { recursive: true });
mkdirSync(join(work, 'pkg/bench'));
copyFileSync(join(repo, 'bench/library.mjs'), join(work, 'pkg/bench/library.mjs'));
copyFileSync(join(repo, 'package.json'), join(work, 'pkg/package.json')); // "type": "module"
const bin = { runts: join(work, 'pkg/bin/runts'), runc: which('runc'), crun: which('crun') };
function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

// The bundles: /bin/true, and a parked `sleep` for exec/state/list/kill. ociVersion 1.0.2:
// crun 1.8.1 refuses 1.2.x ("unknown version specified"). In the v2 view the device rules
// are dropped for every runtime: crun raises RLIMIT_MEMLOCK for its eBPF device filter,
// which fails here without CAP_SYS_RESOURCE.
execFileSync(join(repo, 'scripts/make-bundle.sh'), [join(work, 'bundle'), '/bin/true'], { stdio: ['ignore', 'ignore', 'inherit'] });
const base = JSON.parse(readFileSync(join(work, 'bundle/config.json'), 'utf8'));
base.ociVersion = '1.0.2';
base.root.path = join(work, 'bundle/rootfs');
function bundle(name, edit) {
  const s = structuredClone(base);
  edit(s);
  mkdirSync(join(work, name), { recursive: true });
  writeFileSync(join(work, name, 'config.json'), JSON.stringify(s, null, 2));
  return join(work, name);
}
const noDevices = (s) => delete s.linux.resources;
const B = {
  host: { tru: bundle('true-host', () => {}), sleep: bundle('sleep-host', (s) => (s.process.args = ['sleep', '1000000'])) },
  v2: { tru: bundle('true-v2', noDevices), sleep: bundle('sleep-v2', (s) => (noDevices(s), (s.process.args = ['sleep', '1000000']))) },
  mem: bundle('true-1mib', (s) => (s.linux.resources = { ...s.linux.resources, memory: { limit: 1048576 } })),
};

/** Run a shell script on the host's cgroups or in a pure cgroup v2 view. */
function sh(env, script) {
  const file = join(work, `step-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, `set -e\n${script}\n`);
  const args = env === 'v2'
    ? ['-m', 'sh', '-c', 'mount --make-rprivate / && umount -l /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup && exec sh "$0"', file]
    : ['sh', file];
  return spawnSync(env === 'v2' ? 'unshare' : args[0], env === 'v2' ? args : args.slice(1), { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '' } });
}

/** Which runtimes work in this environment (a real `run` of the bundle). */
function probe(env) {
  const ok = [];
  for (const r of ['runts', 'runc', 'crun']) {
    if (!bin[r]) {
      log(`${env}: ${r} is not installed`);
      continue;
    }
    const res = sh(env, `"${bin[r]}" --root ${work}/${env}-probe-${r} run -b ${B[env].tru} probe-${r}-${process.pid}`);
    if (res.status === 0) ok.push(r);
    else log(`${env}: ${r} skipped, it fails here: ${(res.stderr || res.stdout).trim().split('\n').pop()}`);
  }
  return ok;
}

const q = (a) => a.map((x) => x.replace(/\t/g, ' ')).join('\t');

/** One figure: a case per runtime, interleaved. steps(r) gives the argv lists of one sample. */
function figure(env, name, rts, steps, { gap = GAP, parallel = 1, n = runs, setup = '', teardown = '' } = {}) {
  const cases = join(work, `${env}-${name.replace(/\W+/g, '_')}.cases`);
  writeFileSync(cases, rts.map((r) => `@ ${r}\n${steps(r).map((s) => (s === '!wait' ? s : q(s))).join('\n')}\n`).join(''));
  const out = `${cases}.json`;
  const res = sh(env, `${setup}\n"${timeit}" -r ${n} -w 2 -g ${gap} -p ${parallel} "${cases}" > "${out}"\n${teardown}`);
  if (res.status !== 0 || !existsSync(out)) throw new Error(`${env} ${name}: ${res.stderr}`);
  const j = JSON.parse(readFileSync(out, 'utf8'));
  const errs = existsSync(`${cases}.err`) ? readFileSync(`${cases}.err`, 'utf8').trim() : '';
  for (const [r, c] of Object.entries(j.cases)) if (c.failures) log(`${env} ${name}: ${r} failed ${c.failures}/${n}: ${errs.split('\n').slice(-2).join(' | ')}`);
  log(`${env} ${name}: ${Object.entries(j.cases).map(([r, c]) => `${r} ${median(c.ms).toFixed(1)} ms`).join(', ')}`);
  return j;
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function hasExec() {
  return spawnSync(bin.runts, ['exec', '--help'], { encoding: 'utf8' }).status === 0;
}

function cliFigures(env) {
  const rts = probe(env);
  const root = (r) => `${work}/${env}-${r}`;
  const R = (r, ...a) => [bin[r], '--root', root(r), ...a];
  const id = (r, what) => `${r}-${what}-${process.pid}`;
  const f = {};
  f.run = figure(env, 'run', rts, (r) => [R(r, 'run', '-b', B[env].tru, id(r, 'run{i}'))]);
  f.run_b2b = figure(env, 'run b2b', rts, (r) => [R(r, 'run', '-b', B[env].tru, id(r, 'rb{i}'))], { gap: 0 });
  const csd = (tag) => (r) => [R(r, 'create', '-b', B[env].tru, id(r, `${tag}{i}`)), R(r, 'start', id(r, `${tag}{i}`)), '!wait', R(r, 'delete', id(r, `${tag}{i}`))];
  f.csd = figure(env, 'create+start+wait+delete', rts, csd('csd'));
  f.csd_b2b = figure(env, 'create+start+wait+delete b2b', rts, csd('cb'), { gap: 0 });
  // A parked (created) container per runtime for state, list and kill.
  const parked = (r) => id(r, 'parked');
  const setup = rts.map((r) => `"${bin[r]}" --root ${root(r)} create -b ${B[env].sleep} ${parked(r)} </dev/null >/dev/null`).join('\n');
  const teardown = rts.map((r) => `"${bin[r]}" --root ${root(r)} delete -f ${parked(r)} || true`).join('\n');
  f.state = figure(env, 'state', rts, (r) => [R(r, 'state', parked(r))], { setup, teardown });
  f.list = figure(env, 'list', rts, (r) => [R(r, 'list')], { setup, teardown });
  f.kill = figure(env, 'kill', rts, (r) => [R(r, 'kill', parked(r), 'WINCH')], { setup, teardown });
  const execRts = rts.filter((r) => r !== 'runts' || hasExec());
  if (!execRts.includes('runts')) log('runts exec is missing: no exec figure for runts');
  const running = (r) => id(r, 'running');
  f.exec = figure(env, 'exec true', execRts, (r) => [R(r, 'exec', running(r), '/bin/true')], {
    setup: execRts.map((r) => `"${bin[r]}" --root ${root(r)} run -d -b ${B[env].sleep} ${running(r)} </dev/null >/dev/null 2>&1`).join('\n'),
    teardown: execRts.map((r) => `"${bin[r]}" --root ${root(r)} delete -f ${running(r)} || true`).join('\n'),
  });
  f.parallel = figure(env, 'parallel 50', rts, (r) => [R(r, 'run', '-b', B[env].tru, id(r, 'p{i}-{j}'))], { parallel: 50, n: quick ? 2 : 5 });
  // `--version`: the start-up cost alone (issue #14: runts <= 2 ms), side by side.
  f.version = figure(env, '--version', rts, (r) => [[bin[r], '--version']], { gap: 0 });
  const rootfs = join(work, 'bundle/rootfs');
  f.floor = figure(env, 'C floor', ['floor', 'floor+cgroups'], (c) => [c === 'floor' ? [floor, rootfs] : [floor, '-c', rootfs]]);
  return { runtimes: rts, figures: f };
}

function library(env) {
  const out = {};
  const bun = join(repo, 'node_modules/.bin/bun');
  for (const [name, cmd] of [['node', process.execPath], ['bun', bun]]) {
    const res = sh(env, `"${cmd}" "${join(work, 'pkg/bench/library.mjs')}" "${B[env].tru}" ${runs}`);
    if (res.status !== 0) {
      log(`${env} library on ${name} failed: ${res.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      continue;
    }
    out[name] = JSON.parse(res.stdout);
    log(`${env} library on ${name}: run ${median(out[name].run_cold_ms).toFixed(1)} ms, state ${median(out[name].state_us).toFixed(0)} us`);
  }
  return out;
}

function memoryCheck() {
  const out = {};
  for (const r of ['runts', 'runc', 'crun']) {
    if (!bin[r]) continue;
    const res = sh('host', `"${bin[r]}" --root ${work}/mem-${r} run -b ${B.mem} mem-${r}-${process.pid}`);
    out[r] = { ok: res.status === 0, error: res.status === 0 ? '' : (res.stderr || '').trim().split('\n').pop().slice(0, 200) };
    log(`1 MiB memory limit: ${r} ${out[r].ok ? 'runs /bin/true' : `fails: ${out[r].error}`}`);
  }
  return out;
}

function machine() {
  const os = readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="(.*)"/)?.[1] ?? 'linux';
  const ver = (c, a) => spawnSync(c, a, { encoding: 'utf8' }).stdout?.split('\n')[0]?.trim() ?? '';
  return {
    date: new Date().toISOString(),
    host: `${os}, kernel ${ver('uname', ['-r'])}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    versions: { runts: ver(bin.runts, ['--version']), runc: bin.runc ? ver(bin.runc, ['--version']) : '', crun: bin.crun ? ver(bin.crun, ['--version']) : '', bun: ver(join(repo, 'node_modules/.bin/bun'), ['--version']), node: process.version },
    runs,
    gapMs: GAP,
  };
}

try {
  const result = { machine: machine() };
  log(`work dir ${work}, ${runs} runs per figure`);
  result.host = cliFigures('host');
  result.host.library = library('host');
  result.v2 = cliFigures('v2');
  result.v2.library = library('v2');
  result.memory = memoryCheck();
  result.machine.loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  mkdirSync(join(repo, 'bench/results'), { recursive: true });
  writeFileSync(join(repo, 'bench/results/latest.json'), JSON.stringify(result, null, 1) + '\n');
  log('wrote bench/results/latest.json');
} finally {
  rmSync(work, { recursive: true, force: true });
}
