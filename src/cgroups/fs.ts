/**
 * The cgroup file system operations the managers share. Synchronous on purpose: create,
 * apply and destroy sit on every container's start/stop path, and cgroupfs calls never
 * block on I/O.
 */
import * as fs from '../sys/fs.js';
import { join } from '../sys/path.js';
import { RuntsError, sysError } from '../errors.js';
import { kill, sleepSync } from '../sys/self.js';
import { SIGNALS } from '../spec/signals.js';

/** Block the thread for `ms` milliseconds (sync waits in freeze/destroy). */
export function sleepMs(ms: number): void {
  sleepSync(ms);
}

/** Read a cgroup file; undefined when it does not exist. */
export function tryRead(path: string): string | undefined {
  try {
    return fs.readText(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw sysError('read', e, path);
  }
}

/** Read a cgroup file, trimmed. */
export function readTrim(path: string): string {
  try {
    return fs.readText(path).trim();
  } catch (e) {
    throw sysError('read', e, path);
  }
}

/**
 * One write(2) of `value` to an existing cgroup file (no O_CREAT, no O_TRUNC games: the
 * kernel parses each write as one command). Throws the raw Node error; callers wrap it
 * with the field they were setting.
 */
export function writeRaw(path: string, value: string): void {
  const fd = fs.open(path, fs.O.WRONLY);
  try {
    fs.write(fd, value);
  } finally {
    fs.close(fd);
  }
}

/** writeRaw with an ESYS error naming the file. */
export function writeFile(path: string, value: string): void {
  try {
    writeRaw(path, value);
  } catch (e) {
    throw sysError(`write ${JSON.stringify(value)} to`, e, path);
  }
}

/**
 * mkdir `dir` and any missing parent below `top` (a hierarchy root), returning the
 * directories it created, outermost first.
 */
export function mkdirBelow(top: string, dir: string): string[] {
  const made: string[] = [];
  if (!dir.startsWith(top + '/')) throw new RuntsError('EINVALID', `cgroup ${dir} is not below ${top}`);
  const parts = dir.slice(top.length + 1).split('/');
  // A shared parent may vanish between our mkdirs: another container's delete removes
  // the parents it made once they look unused (rmdirIfUnused). Then walk again.
  for (let attempt = 0; ; attempt++) {
    let cur = top;
    try {
      for (const part of parts) {
        cur = join(cur, part);
        try {
          fs.mkdir(cur);
          if (!made.includes(cur)) made.push(cur);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
      }
      return made;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw sysError('mkdir', e, cur);
    }
  }
}

/** `dir` and every cgroup below it, deepest first (for rmdir). Missing dir: []. */
export function subtree(dir: string): string[] {
  let names: string[];
  try {
    names = fs.subdirs(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw sysError('readdir', e, dir);
  }
  return [...names.flatMap((n) => subtree(join(dir, n))), dir];
}

/** The pids in cgroup.procs of `dir` alone (missing: []). */
export function procs(dir: string): number[] {
  const t = tryRead(join(dir, 'cgroup.procs'));
  if (!t) return [];
  return t.split('\n').filter(Boolean).map(Number);
}

/** Every pid in `dir` and below. */
export function procsRecursive(dir: string): number[] {
  return [...new Set(subtree(dir).flatMap(procs))].sort((a, b) => a - b);
}

/** rmdir, tolerating a missing dir; retries EBUSY (a dying task still counted) until `deadline`. */
export function rmdirRetry(dir: string, deadline: number): void {
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      fs.rmdir(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) throw sysError('rmdir', e, dir);
    }
    sleepMs(wait);
  }
}

/** rmdir that ignores "missing", "not empty" and "busy": for parents possibly shared with others. */
export function rmdirIfUnused(dir: string): void {
  try {
    fs.rmdir(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EBUSY') throw sysError('rmdir', e, dir);
  }
}

/** kill(2) that ignores ESRCH (the process is already gone). */
export function killQuiet(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    kill(pid, SIGNALS[signal] ?? 9);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw sysError(`kill ${pid}`, e);
  }
}
