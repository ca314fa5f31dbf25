// Where the milliseconds of each CLI command go, measured: every command runs under
// bench/stopwatch.c with runts's timing mode on (RUNTS_TIMING: native/cli/timing.c stamps
// the engine, each bytecode module read, each host call and each wait of the event loop;
// native/stamp.c stamps the shim's and the container child's steps), all in one clock.
// Each command's wall time, from the fork of runts to its reaping, is cut into:
//   engine start   fork+exec of the 3 MB static binary, libc, the engine thread, runtime
//   bytecode load  reading the command's bytecode modules (JS_ReadObject)
//   JS             the rest of the engine thread's time: parsing, validation, plans, logic
//   host I/O       host calls that are not cgroup files: state files, config.json, /proc,
//                  kill, sockets, the fifo
//   cgroup         host calls on /sys/fs/cgroup (mkdir, limits, rmdir) + the shim's join
//   shim           spawning the shim, its start-up (exec, sealed re-exec, plan) and its
//                  end (the exit status relay), while runts waits for it
//   container set-up  the kernel work of a container while runts waits: namespaces
//                  (clone/setns), id maps, mounts, /dev, pivot_root, masks
//   process        the container's process: seccomp, capabilities, execve, its run and
//                  its exit (run, exec) while runts waits; runts's short sleeps while it
//                  waits for a container process (start: the exec; delete: the death)
//   exit           runts's own exit once its JS is done (the kernel frees the process)
// Waits are attributed to what the shim or the child was doing at the time (their
// stamps); time where runts itself works counts as runts's, whatever ran beside it.
//
//   node bench/split.mjs [--runs N] [--gap MS] [--out DIR] [--bin PATH]
// Writes DIR/split.json and DIR/split.md (default bench/results). Root only.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const runs = Number(opt('--runs', 15));
const gap = Number(opt('--gap', 50));
const outDir = resolve(opt('--out', join(repo, 'bench/results')));
const work = mkdtempSync('/tmp/runts-split.');
const bin = join(work, 'runts');
execFileSync('cp', [resolve(opt('--bin', join(repo, 'bin/runts'))), bin]);
const stopwatch = join(repo, 'bench/build/stopwatch');
const log = (m) => process.stderr.write(`split: ${m}\n`);
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

execFileSync(join(repo, 'scripts/make-bundle.sh'), [join(work, 'bundle'), '/bin/true'], { stdio: ['ignore', 'ignore', 'inherit'] });
const base = JSON.parse(readFileSync(join(work, 'bundle/config.json'), 'utf8'));
base.root.path = join(work, 'bundle/rootfs');
function bundle(name, args) {
  const s = structuredClone(base);
  s.process.args = args;
  mkdirSync(join(work, name));
  writeFileSync(join(work, name, 'config.json'), JSON.stringify(s, null, 2));
  return join(work, name);
}
const tru = bundle('true', ['/bin/true']);
const slp = bundle('sleep', ['sleep', '1000000']);
const root = join(work, 'root');
const R = (...a) => [bin, '--root', root, ...a];
const plain = (args) => spawnSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 30_000 });

/** Run one command under the stopwatch (after `gap` ms of quiet) and read its timeline. */
function timed(args) {
  const file = join(work, `t-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(file, '');
  sleep(gap);
  // stderr to a file: a created container keeps the caller's stdio (a pipe would never end)
  const err = openSync(join(work, 'stderr'), 'w');
  const r = spawnSync(stopwatch, [file, ...args], { stdio: ['ignore', 'ignore', err] });
  closeSync(err);
  if (r.status !== 0) throw new Error(`${args.slice(3).join(' ')}: status ${r.status}: ${readFileSync(join(work, 'stderr'), 'utf8').trim()}`);
  const ev = readFileSync(file, 'utf8').trim().split('\n').map((l) => {
    const [pid, what, a, b] = l.split(' ');
    return { pid: Number(pid), what, t0: Number(a), t1: Number(b ?? a) };
  });
  rmSync(file);
  return ev;
}

const NS = 1e6; // ns per ms
const COLS = ['engine', 'bytecode', 'js', 'io', 'cgroup', 'shim', 'setup', 'process', 'exit'];

/** Cut one command's timeline into the columns (ms). */
function split(ev, cmd) {
  const one = (w) => ev.find((e) => e.what === w);
  const spawnAt = one('run:spawn').t0, exitAt = one('run:exit').t0;
  const cliPid = one('cli:main').pid;
  const main = one('cli:main').t0, engine = one('cli:engine').t0, done = one('cli:js-done').t0;
  const c = Object.fromEntries(COLS.map((k) => [k, 0]));
  c.engine = engine - spawnAt;
  c.exit = exitAt - done;
  const mine = ev.filter((e) => e.pid === cliPid);
  // Module reads nest (a module's imports are read while it is): count their union.
  let until = 0;
  for (const e of mine.filter((x) => x.what.startsWith('bytecode/')).sort((a, b) => a.t0 - b.t0)) {
    if (e.t1 <= until) continue;
    c.bytecode += e.t1 - Math.max(e.t0, until);
    until = e.t1;
  }
  let busy = c.bytecode;
  for (const e of mine) {
    const d = e.t1 - e.t0;
    if (e.what.startsWith('host:cgroup')) c.cgroup += d;
    else if (e.what.startsWith('host:spawn')) c.shim += d;
    else if (e.what.startsWith('host:sleep')) c.process += d; // waiting for a container process (start: its exec; delete: its death)
    else if (e.what.startsWith('host:')) c.io += d;
    else continue;
    busy += d;
  }
  // The shim's and the child's steps, in time order: each one starts a phase.
  const PHASE = {
    'shim:start': 'shim', 'shim:sealed': 'shim', 'shim:plan': 'shim', 'shim:prepared': 'cgroup', 'shim:cgroup-joined': 'setup',
    'shim:joined': 'setup', 'shim:cloned': 'setup', 'child:released': 'setup', 'child:rootfs-ready': 'setup',
    'child:finish': cmd === 'create' ? 'setup' : 'process', 'shim:child-exit': 'shim',
  };
  const seen = new Set();
  const steps = ev.filter((e) => PHASE[e.what] && !seen.has(e.what) && seen.add(e.what)).sort((a, b) => a.t0 - b.t0);
  const phaseAt = (t) => {
    let p = steps.length && t >= steps[0].t0 ? 'shim' : 'other';
    for (const s of steps) if (s.t0 <= t) p = PHASE[s.what];
    return p;
  };
  let waited = 0;
  for (const w of mine.filter((e) => e.what === 'wait')) {
    waited += w.t1 - w.t0;
    // cut the wait at every step inside it
    const cuts = [w.t0, ...steps.map((s) => s.t0).filter((t) => t > w.t0 && t < w.t1), w.t1];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const p = phaseAt(cuts[i]);
      c[p === 'other' ? 'js' : p] += cuts[i + 1] - cuts[i];
    }
  }
  // JS: the engine thread's time that is neither a module read, a host call nor a wait.
  c.js += done - engine - busy - waited;
  const total = exitAt - spawnAt;
  const out = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v / NS]));
  return { ...out, total: total / NS, execMs: (main - spawnAt) / NS };
}

/**
 * The middle half of the samples by total time (the interquartile mean): every column
 * averaged over the same samples, so the columns add up to the total exactly, and a
 * sample stretched by other work on the machine (preemption lands in any column) is left
 * out instead of inflating one column.
 */
function middle(samples) {
  const s = [...samples].sort((a, b) => a.total - b.total);
  const mid = s.slice(Math.floor(s.length / 4), Math.max(Math.floor(s.length / 4) + 1, Math.ceil((s.length * 3) / 4)));
  const keys = [...COLS, 'total', 'execMs'];
  return Object.fromEntries(keys.map((k) => [k, mid.reduce((acc, x) => acc + x[k], 0) / mid.length]));
}

const samples = { run: [], create: [], start: [], delete: [], exec: [], state: [], list: [], kill: [] };
const running = `split-running-${process.pid}`;
try {
  const up = plain(R('run', '-d', '-b', slp, running));
  if (up.status !== 0) throw new Error(`run -d: ${up.stderr}`);
  log(`${runs} rounds, ${gap} ms before each command; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  for (let i = 0; i < runs + 1; i++) {
    const keep = i > 0; // round 0 warms the caches up
    const add = (k, ev) => keep && samples[k].push(split(ev, k));
    add('run', timed(R('run', '-b', tru, `split-run-${i}-${process.pid}`)));
    const id = `split-c-${i}-${process.pid}`;
    add('create', timed(R('create', '-b', tru, id)));
    add('start', timed(R('start', id)));
    // /bin/true has exited (or soon will): wait for "stopped" before the delete
    for (let k = 0; k < 400 && !/"status": "stopped"/.test(spawnSync(bin, ['--root', root, 'state', id], { encoding: 'utf8' }).stdout); k++) sleep(5);
    add('delete', timed(R('delete', id)));
    add('exec', timed(R('exec', running, '/bin/true')));
    add('state', timed(R('state', running)));
    add('list', timed(R('list')));
    add('kill', timed(R('kill', running, 'WINCH')));
  }
  const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const med = {};
  for (const [k, v] of Object.entries(samples)) med[k] = middle(v);
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const machine = { date: new Date().toISOString(), cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`, kernel: spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim(), loadBefore, loadAfter, runs, gapMs: gap, version };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'split.json'), JSON.stringify({ machine, middleHalf: med, samples }, null, 1) + '\n');
  writeFileSync(join(outDir, 'split.md'), table(machine, med));
  process.stdout.write(table(machine, med));
  log(`wrote ${join(outDir, 'split.md')} and split.json`);
} finally {
  plain(R('delete', '-f', running));
  for (let i = 0; i < runs + 1; i++) plain(R('delete', '-f', `split-c-${i}-${process.pid}`));
  rmSync(work, { recursive: true, force: true });
}

function table(m, med) {
  const f = (v) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const head = ['command', 'total', 'engine start', 'bytecode load', 'JS', 'host I/O', 'cgroup', 'shim', 'container set-up', 'process', 'exit'];
  const lines = [
    `Measured ${m.date.slice(0, 10)} (kernel ${m.kernel}, ${m.cpus}; load average ${m.loadBefore} before, ${m.loadAfter} after), ${m.version}, host cgroups.`,
    `Milliseconds, the mean of the middle half of ${m.runs} rounds by total time (each column over the same samples, so they add up to the total), each command after ${m.gapMs} ms of quiet, in runts's timing mode (\`make bench-split\`, bench/split.mjs).`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`,
  ];
  for (const [k, v] of Object.entries(med)) lines.push(`| ${k} | ${f(v.total)} | ${f(v.engine)} | ${f(v.bytecode)} | ${f(v.js)} | ${f(v.io)} | ${f(v.cgroup)} | ${f(v.shim)} | ${f(v.setup)} | ${f(v.process)} | ${f(v.exit)} |`);
  lines.push('', `Of engine start, the fork+exec of the binary up to its main() takes ${Object.entries(med).map(([k, v]) => `${f(v.execMs)} (${k})`).join(', ')} ms.`);
  return lines.join('\n') + '\n';
}
