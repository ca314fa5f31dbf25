/**
 * What both managers do the same way: apply planned writes with errors that name the
 * spec field, freeze/thaw through either freezer, kill everything in a subtree, remove
 * directories, attach the v2 device program through the runts-init helper.
 */
import * as fs from '../sys/fs.js';
import { runSync } from '../sys/spawn.js';
import { dirname, join } from '../sys/path.js';
import { invalid, RuntsError } from '../errors.js';
import type { DeviceRule } from './devices.js';
import { killQuiet, procs, procsRecursive, readTrim, rmdirIfUnused, rmdirRetry, sleepMs, subtree, tryRead, writeFile, writeRaw } from './fs.js';
import { type CgroupWrite, type ResourcePlan } from './resources.js';
import { deviceFilterProgram } from './v2/devices-bpf.js';

/** Default time limits (ms). */
export const TIMEOUTS = { destroy: 10_000, freeze: 5_000 };

/** Throw EINVALID listing a plan's problems. */
export function throwProblems(plan: ResourcePlan): void {
  if (plan.problems.length) throw invalid(plan.problems, 'unsupported cgroup resources');
}

/**
 * Apply writes in order; `dirOf` maps a write's controller to its directory. Writes
 * marked retry that fail with EINVAL are tried again once after the others. Consecutive
 * writes to one file (device rules) go through one open fd, still one write(2) each:
 * the kernel parses every write as one command, and each open is a path lookup that
 * takes the hierarchy's lock.
 */
export function applyWrites(writes: CgroupWrite[], dirOf: (controller: string) => string): void {
  const later: CgroupWrite[] = [];
  const file = new SameFile();
  try {
    for (const w of writes) writeOne(w, dirOf(w.controller), file, later);
    for (const w of later) writeOne(w, dirOf(w.controller), file);
  } finally {
    file.close();
  }
}

/** The file the last write went to, kept open for the next write to the same path. */
class SameFile {
  private path: string | undefined;
  private fd = -1;

  /** One write(2) of `value` to `path`, reusing the open fd when the path is the previous one's. */
  write(path: string, value: string): void {
    if (path !== this.path) {
      this.close();
      this.fd = fs.open(path, fs.O.WRONLY);
      this.path = path;
    }
    fs.write(this.fd, value);
  }

  /** Close the kept fd, if any. */
  close(): void {
    if (this.fd >= 0) fs.close(this.fd);
    this.fd = -1;
    this.path = undefined;
  }
}

function writeOne(w: CgroupWrite, dir: string, file: SameFile, later?: CgroupWrite[]): void {
  const path = join(dir, w.file);
  try {
    file.write(path, w.value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && w.optional) return;
    if (code === 'EINVAL' && w.retry && later) {
      later.push(w);
      return;
    }
    throw writeError(w, e as NodeJS.ErrnoException, path, dir);
  }
}

/** The human part of a Node errno error ("ERANGE: result too large, write" → "result too large"). */
function why(e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return 'the kernel has no such file';
  return /^[A-Z0-9]+: ([^,]+)/.exec(e.message)?.[1] ?? e.code ?? e.message;
}

function writeError(w: CgroupWrite, e: NodeJS.ErrnoException, path: string, dir: string): RuntsError {
  let reason = why(e);
  if (e.code === 'EBUSY' && /^memory\.(memsw\.)?limit_in_bytes$/.test(w.file)) {
    reason += ` (current usage ${tryRead(join(dir, 'memory.usage_in_bytes'))?.trim() ?? '?'}, peak ${tryRead(join(dir, 'memory.max_usage_in_bytes'))?.trim() ?? '?'})`;
  }
  if ((e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EPERM') && w.field.includes('.unified[')) {
    const ctl = w.file.split('.')[0]!;
    const have = (tryRead(join(dir, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
    if (ctl !== 'cgroup' && !have.includes(ctl)) reason = `the ${ctl} controller is not available in this cgroup`;
  }
  if (e.code === 'ENOENT' && w.file === 'memory.memsw.limit_in_bytes') reason = 'swap accounting is off in this kernel (no memory.memsw.limit_in_bytes)';
  return new RuntsError('ESYS', `${w.field}: write ${JSON.stringify(w.value)} to ${path}: ${reason}`, {
    cause: e,
    ...(e.code ? { errno: e.code } : {}),
    syscall: 'write',
    path,
  });
}

/** Write a pid to cgroup.procs, retrying EINVAL briefly (a task still in TASK_NEW, as runc). */
export function joinCgroup(dir: string, pid: number): void {
  const path = join(dir, 'cgroup.procs');
  for (let i = 0; ; i++) {
    try {
      writeRaw(path, String(pid));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EINVAL' && i < 5) {
        sleepMs(1 << i);
        continue;
      }
      throw new RuntsError('ESYS', `move pid ${pid} into cgroup ${dir}: ${why(e as NodeJS.ErrnoException)}`, {
        cause: e,
        errno: (e as NodeJS.ErrnoException).code ?? '',
        syscall: 'write',
        path,
      });
    }
  }
}

/**
 * create() reusing a cgroup that already exists: refuse one that holds processes (they
 * would share the container's limits and die with it) or is frozen (the init would hang
 * on its first instruction), with runc's messages. runc looks at one v1 hierarchy (the
 * devices one); every directory is checked here, so a process left in any of them is seen.
 */
export function checkReusable(dirs: string[], freezers: Freezer[]): void {
  // No exists() probe first: a missing directory reads as empty and not frozen.
  for (const d of dirs) {
    const n = procsRecursive(d).length;
    if (n > 0) throw new RuntsError('ESTATE', `container's cgroup is not empty: ${n} process(es) found in ${d}`, { path: d });
  }
  for (const f of freezers) {
    const t = tryRead(join(f.dir, f.v2 ? 'cgroup.freeze' : 'freezer.state'))?.trim();
    if (f.v2 ? t === '1' : t === 'FROZEN' || t === 'FREEZING') {
      throw new RuntsError('ESTATE', `container's cgroup unexpectedly frozen (${f.dir}); thaw it or choose another linux.cgroupsPath`, { path: f.dir });
    }
  }
}

/** A freezer: v1 freezer.state or v2 cgroup.freeze. */
export interface Freezer {
  dir: string;
  v2: boolean;
}

export function freezerFrozen(f: Freezer): boolean {
  const t = tryRead(join(f.dir, f.v2 ? 'cgroup.freeze' : 'freezer.state'))?.trim();
  return f.v2 ? t === '1' : t === 'FROZEN';
}

/** Freeze and wait until every task is frozen; on timeout thaw again and throw ETIMEOUT. */
export function freeze(f: Freezer, timeoutMs = TIMEOUTS.freeze): void {
  const deadline = Date.now() + timeoutMs;
  const file = join(f.dir, f.v2 ? 'cgroup.freeze' : 'freezer.state');
  writeFile(file, f.v2 ? '1' : 'FROZEN');
  let lastKick = Date.now();
  for (let wait = 0.05; ; wait = Math.min(wait * 2, 10)) {
    if (f.v2 ? /^frozen 1$/m.test(tryRead(join(f.dir, 'cgroup.events')) ?? '') : readTrim(file) === 'FROZEN') return;
    if (Date.now() > deadline) {
      thaw(f);
      throw new RuntsError('ETIMEOUT', `freeze cgroup ${f.dir}: tasks did not freeze within ${timeoutMs} ms`, { path: f.dir });
    }
    // v1 can get stuck in FREEZING when a task was busy; writing FROZEN again retries it.
    if (!f.v2 && Date.now() - lastKick > 50) {
      writeFile(file, 'FROZEN');
      lastKick = Date.now();
    }
    sleepMs(wait);
  }
}

export function thaw(f: Freezer): void {
  writeFile(join(f.dir, f.v2 ? 'cgroup.freeze' : 'freezer.state'), f.v2 ? '0' : 'THAWED');
}

/** cgroup.events says whether a v2 subtree holds any process: one read for the whole tree. */
function populated(v2Dir: string): boolean | undefined {
  const t = tryRead(join(v2Dir, 'cgroup.events'));
  if (t === undefined) return undefined;
  return !/^populated 0$/m.test(t);
}

/**
 * SIGKILL every process in the given cgroup trees and wait until they are empty.
 * With a v2 directory that has cgroup.kill (5.14+), the kernel kills the whole subtree
 * atomically, forks included, and cgroup.events tells in one read when it is empty.
 * Otherwise: freeze (so nothing forks between reading the pids and killing them), kill
 * each pid, thaw (v1 frozen tasks die only once thawed), and repeat for stragglers until
 * empty or the timeout. Either way a last scan of every tree confirms.
 */
export function killAll(trees: string[], v2Dir: string | undefined, freezer: Freezer | undefined, timeoutMs = TIMEOUTS.destroy): void {
  const deadline = Date.now() + timeoutMs;
  const alive = () => [...new Set(trees.flatMap(procsRecursive))];
  const canKill = v2Dir !== undefined && fs.exists(join(v2Dir, 'cgroup.kill'));
  const thawIfFrozen = () => {
    if (freezer && fs.exists(freezer.dir) && freezerFrozen(freezer)) thaw(freezer);
  };
  // The fast check: one read (v2) or one tree (v1).
  const busy = () => (canKill ? populated(v2Dir!) === true : procsRecursive(trees[0] ?? '').length > 0);
  if (canKill && !busy() && alive().length === 0) return;
  if (canKill) {
    writeFile(join(v2Dir!, 'cgroup.kill'), '1');
  } else {
    if (alive().length === 0) return;
    if (freezer && fs.exists(freezer.dir)) {
      try {
        freeze(freezer, Math.min(1000, timeoutMs));
      } catch {
        // Not fatal: kill what we see and loop for what forked meanwhile.
      }
    }
    for (const pid of alive()) killQuiet(pid);
  }
  thawIfFrozen();
  for (let wait = 0.02; ; wait = Math.min(wait * 2, 20)) {
    if (!busy()) {
      const left = alive();
      if (left.length === 0) return;
      for (const pid of left) killQuiet(pid); // outside the fast-checked tree: moved by someone
    }
    if (Date.now() > deadline) {
      const left = alive();
      throw new RuntsError('ETIMEOUT', `kill processes in cgroup ${trees[0]}: ${left.length} still running after ${timeoutMs} ms (pids ${left.slice(0, 10).join(' ')})`, { path: trees[0] ?? '' });
    }
    if (!canKill) for (const pid of procsRecursive(trees[0] ?? '')) killQuiet(pid);
    thawIfFrozen();
    sleepMs(wait);
  }
}

/**
 * destroy(): the common case first. A cgroup with no task and no child goes with a single
 * rmdir (the kernel refuses with EBUSY while anything is in it), so when the container's
 * processes are already gone nothing is read; what remains takes the careful path: kill
 * and wait (killAll), then remove bottom-up. `v2Dir` is the tree with cgroup.kill.
 */
export function destroyTrees(trees: string[], v2Dir: string | undefined, freezer: Freezer | undefined, createdParents: string[], timeoutMs = TIMEOUTS.destroy): void {
  const left = trees.filter((t) => !rmdirIfEmpty(t));
  if (left.length > 0) {
    killAll(left, v2Dir !== undefined && left.includes(v2Dir) ? v2Dir : undefined, freezer, timeoutMs);
    removeTrees(left, [], timeoutMs);
  }
  for (const p of [...createdParents].sort((a, b) => b.length - a.length)) rmdirIfUnused(p);
}

/** true when `dir` is gone (removed now, or missing); false when busy or not removable. */
function rmdirIfEmpty(dir: string): boolean {
  try {
    fs.rmdir(dir);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Remove each tree bottom-up, then the parents create() made (when nobody else uses them). */
export function removeTrees(trees: string[], createdParents: string[], timeoutMs = TIMEOUTS.destroy): void {
  const deadline = Date.now() + timeoutMs;
  for (const t of trees) for (const d of subtree(t)) rmdirRetry(d, deadline);
  for (const p of [...createdParents].sort((a, b) => b.length - a.length)) rmdirIfUnused(p);
}

/** Undo a failed create: remove what it made, deepest first; keep the first error. */
export function undoCreate(made: string[]): void {
  for (const d of [...made].sort((a, b) => b.length - a.length)) {
    try {
      if (procs(d).length === 0) rmdirIfUnused(d);
    } catch {
      // best effort; the original error matters more
    }
  }
}

/**
 * Attach the eBPF device filter for `rules` to the cgroup v2 directory `dir` through
 * `runts-init bpf-devices DIR` (program bytes on stdin). Node and Bun cannot call bpf(2);
 * a second entry point of the shim is the smallest thing that works for both.
 */
export function attachDeviceFilter(dir: string, rules: DeviceRule[], shimPath: string | undefined): void {
  if (!shimPath) {
    throw new RuntsError('EUNSUPPORTED', 'linux.resources.devices: cgroup v2 device rules need the runts-init helper (no shim path given)');
  }
  const prog = deviceFilterProgram(rules);
  let r;
  try {
    r = runSync(shimPath, ['bpf-devices', dir], { input: prog, timeoutMs: 10_000 });
  } catch (e) {
    throw new RuntsError('ESYS', `linux.resources.devices: run ${shimPath}: ${(e as Error).message}`, { cause: e, path: shimPath });
  }
  if (r.status !== 0) {
    const line = r.stderr.trim().split('\n').pop() || (r.timedOut ? 'timed out after 10 s' : `exit status ${r.status ?? r.signal}`);
    throw new RuntsError('ESYS', `linux.resources.devices: attach the device filter to ${dir}: ${line}`, { path: dir });
  }
}

/** The resources of a plan that touch devices on v2 (the manager attaches them). */
export function hasBpf(plan: ResourcePlan): plan is ResourcePlan & { bpfDevices: DeviceRule[] } {
  return plan.bpfDevices !== undefined;
}

/**
 * The controllers of the nearest existing directory from `dir` up: one read per level
 * (a missing level costs one failed open, no separate exists() probe).
 */
export function nearestControllers(dir: string): string[] {
  for (let d = dir; ; d = dirname(d)) {
    const t = tryRead(join(d, 'cgroup.controllers'));
    if (t !== undefined) return t.trim().split(/\s+/).filter(Boolean);
    // The directory exists but has no such file (not a cgroup2 dir): nothing to enable.
    if (d === dirname(d) || fs.exists(d)) return [];
  }
}

/** Controllers listed in a cgroup.controllers-like file. */
export function controllersIn(dir: string, file = 'cgroup.controllers'): string[] {
  return (tryRead(join(dir, file)) ?? '').trim().split(/\s+/).filter(Boolean);
}

/**
 * Enable `want` controllers in cgroup.subtree_control of every directory from `top`
 * down to the parent of `dir`, as far as each level offers them. Best effort, as runc:
 * a controller that cannot be enabled shows up later as "not available" for the field
 * that needs it.
 */
export function enableControllers(top: string, dir: string, want: 'all' | string[]): void {
  const levels = [top];
  const rel = dir.slice(top.length + 1).split('/');
  for (let i = 0; i < rel.length - 1; i++) levels.push(join(levels[levels.length - 1]!, rel[i]!));
  for (const lvl of levels) {
    const avail = controllersIn(lvl);
    const on = new Set(controllersIn(lvl, 'cgroup.subtree_control'));
    const missing = avail.filter((c) => !on.has(c) && (want === 'all' || want.includes(c)));
    if (missing.length === 0) continue;
    const file = join(lvl, 'cgroup.subtree_control');
    try {
      writeRaw(file, missing.map((c) => '+' + c).join(' '));
    } catch {
      for (const c of missing) {
        try {
          writeRaw(file, '+' + c);
        } catch {
          // see above
        }
      }
    }
  }
}
