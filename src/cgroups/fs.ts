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
 * directories it created, outermost first (`dir` is not among them when it existed).
 * The leaf is tried first: parents are usually there already, and each path operation
 * in cgroupfs takes the hierarchy's lock, so only a missing parent (ENOENT) walks up.
 */
export function mkdirBelow(top: string, dir: string): string[] {
  const made: string[] = [];
  if (!dir.startsWith(top + '/')) throw new RuntsError('EINVALID', `cgroup ${dir} is not below ${top}`);
  // A shared parent may vanish between our mkdirs: another container's delete removes
  // the parents it made once they look unused (rmdirIfUnused). Then walk again.
  for (let attempt = 0; ; attempt++) {
    const failed = { path: dir };
    try {
      mkdirUp(top, dir, made, failed);
      return made;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw sysError('mkdir', e, failed.path);
    }
  }
}

/** mkdir `dir`, making missing parents below `top` first; `failed.path` names the mkdir that threw. */
function mkdirUp(top: string, dir: string, made: string[], failed: { path: string }): void {
  const once = (): NodeJS.ErrnoException | undefined => {
    try {
      fs.mkdir(dir);
      if (!made.includes(dir)) made.push(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return undefined;
      failed.path = dir;
      if (code === 'ENOENT') return e as NodeJS.ErrnoException;
      throw e;
    }
    return undefined;
  };
  let err = once();
  if (!err) return;
  const parent = dir.slice(0, dir.lastIndexOf('/'));
  // The hierarchy root itself missing: the error names its first level, as a walk from the top would.
  if (parent === top) throw err;
  mkdirUp(top, parent, made, failed);
  err = once();
  if (err) throw err;
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
