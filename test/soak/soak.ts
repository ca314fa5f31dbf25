/**
 * Soak: many create/start/delete cycles and exec cycles from ONE long-running library
 * process, comparing the host before and after: cgroups, mounts, this process's fds,
 * zombie children, files under the state root, and this process's memory (RSS and heap
 * after a forced GC). Any growth in a count is a leak; memory must stay flat.
 *
 *   node --expose-gc dist/test/soak/soak.js --cycles 1000 --exec-cycles 200   (make soak)
 *
 * The integration suite runs a shorter version through soak() (test/integration/soak.test.ts).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../../src/runtime.js';
import { defaultSpec } from '../../src/spec/defaults.js';
import type { Spec } from '../../src/spec/types.js';
import { SHIM, rootfs } from '../integration/helpers.js';

/** Counts that must not grow. */
export interface HostCounts {
  cgroups: number;
  mounts: number;
  fds: number;
  zombies: number;
  stateFiles: number;
  processes: number;
}

/** What a soak run measured. */
export interface SoakResult {
  cycles: number;
  execCycles: number;
  seconds: number;
  before: HostCounts;
  after: HostCounts;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  /** Counts that grew (name: before -> after); empty when nothing leaked. */
  leaks: string[];
}

/** Cgroup directories (in every hierarchy, up to `depth` levels) whose name starts with `prefix`. */
function countCgroups(dir: string, prefix: string, depth: number): number {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let n = 0;
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    if (e.name.startsWith(prefix)) n++;
    if (depth > 0) n += countCgroups(join(dir, e.name), prefix, depth - 1);
  }
  return n;
}

function countFiles(dir: string): number {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let n = 0;
  for (const e of entries) n += 1 + (e.isDirectory() ? countFiles(join(dir, e.name)) : 0);
  return n;
}

/** Processes in the soak's cgroups, and zombies whose parent is this process. */
function procCounts(cgroupPrefix: string): { processes: number; zombies: number } {
  let processes = 0;
  let zombies = 0;
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z' && Number(rest[1]) === process.pid) zombies++;
      if (readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(cgroupPrefix)) processes++;
    } catch {
      /* gone */
    }
  }
  return { processes, zombies };
}

/** Counts of what this soak could leak (other users of the host do not move them). */
function counts(dir: string, stateRoot: string, rootfsDir: string): HostCounts {
  return {
    cgroups: countCgroups('/sys/fs/cgroup', `soak-${process.pid}-`, 4),
    mounts: readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir) || l.includes(rootfsDir)).length,
    fds: readdirSync('/proc/self/fd').length,
    stateFiles: countFiles(stateRoot),
    ...procCounts(`/soak-${process.pid}-`),
  };
}

function memory(): { rss: number; heap: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss / 1048576, heap: m.heapUsed / 1048576 };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run the soak; progress lines go to `log`. */
export async function soak(opts: { cycles: number; execCycles: number; log?: (line: string) => void }): Promise<SoakResult> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'runts-soak-'));
  const stateRoot = join(dir, 'state');
  mkdirSync(stateRoot);
  const rfs = rootfs();
  const rt = new Runtime({ root: stateRoot, shimPath: SHIM });
  const spec: Spec = defaultSpec();
  spec.root = { path: rfs, readonly: true };
  spec.process!.args = ['sleep', '1000'];
  spec.process!.terminal = false;
  const stdio = ['ignore', 'ignore', 'ignore'] as const;
  let n = 0;
  const cycle = async () => {
    const id = `soak-${process.pid}-${++n}`;
    const c = await rt.create(id, spec, { bundle: dir, stdio: [...stdio] });
    c.start();
    if (c.status() !== 'running') throw new Error(`${id}: ${c.status()} after start`);
    c.delete({ force: true });
  };
  try {
    // Warm-up: JIT, module caches and the seccomp program cache are not leaks.
    for (let i = 0; i < 10; i++) await cycle();
    const host = await rt.create(`soak-${process.pid}-exec`, spec, { bundle: dir, stdio: [...stdio] });
    host.start();
    const execOnce = async () => {
      const p = await host.exec({ args: ['true'] }, { stdio: [...stdio] });
      const st = await p.wait();
      if (st.code !== 0) throw new Error(`exec: exit ${st.code}`);
    };
    for (let i = 0; i < 5; i++) await execOnce();
    await settle(200);
    const before = counts(dir, stateRoot, rfs);
    const m0 = memory();
    const t0 = Date.now();
    for (let i = 1; i <= opts.cycles; i++) {
      await cycle();
      if (i % 100 === 0) log(`cycle ${i}/${opts.cycles} rss ${memory().rss.toFixed(1)} MB fds ${readdirSync('/proc/self/fd').length}`);
    }
    for (let i = 1; i <= opts.execCycles; i++) {
      await execOnce();
      if (i % 50 === 0) log(`exec ${i}/${opts.execCycles} rss ${memory().rss.toFixed(1)} MB`);
    }
    const seconds = (Date.now() - t0) / 1000;
    await settle(500);
    const after = counts(dir, stateRoot, rfs);
    const m1 = memory();
    const leaks = (Object.keys(before) as Array<keyof HostCounts>)
      .filter((k) => after[k] > before[k])
      .map((k) => `${k}: ${before[k]} -> ${after[k]}`);
    host.delete({ force: true });
    return {
      cycles: opts.cycles, execCycles: opts.execCycles, seconds, before, after, leaks,
      rssBeforeMb: m0.rss, rssAfterMb: m1.rss, heapBeforeMb: m0.heap, heapAfterMb: m1.heap,
    };
  } finally {
    for (const id of rt.list().map((s) => s.id)) {
      try {
        rt.load(id).delete({ force: true });
      } catch {
        /* best effort */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line for the README / CI log. */
export function summary(r: SoakResult): string {
  return `soak: ${r.cycles} create/start/delete cycles + ${r.execCycles} exec cycles in ${r.seconds.toFixed(0)} s; ` +
    `leaks: ${r.leaks.length ? r.leaks.join(', ') : 'none'} (cgroups ${r.after.cgroups}, mounts ${r.after.mounts}, fds ${r.after.fds}, ` +
    `zombies ${r.after.zombies}, state files ${r.after.stateFiles}, container processes ${r.after.processes}); ` +
    `RSS ${r.rssBeforeMb.toFixed(1)} -> ${r.rssAfterMb.toFixed(1)} MB, heap ${r.heapBeforeMb.toFixed(1)} -> ${r.heapAfterMb.toFixed(1)} MB`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  if (!(globalThis as { gc?: unknown }).gc) console.error('soak: run with node --expose-gc for exact heap figures');
  const r = await soak({ cycles: arg('cycles', 1000), execCycles: arg('exec-cycles', 200), log: (l) => console.log(l) });
  console.log(JSON.stringify(r));
  console.log(summary(r));
  // Memory is flat when it grew by less than 32 MB of RSS over the whole run.
  const flat = r.rssAfterMb - r.rssBeforeMb < 32;
  if (r.leaks.length || !flat) {
    console.log(`soak: FAILED (${r.leaks.length ? 'leaks' : 'memory grew'})`);
    process.exit(1);
  }
}
