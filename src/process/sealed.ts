/**
 * Reusing the shim's sealed copy in a long-running process. Every shim copies its binary
 * into a sealed memfd and re-executes from it (native/cloned.c, the CVE-2019-5736
 * defence), which costs ~2 ms per container (a copy, a second execve, the dynamic loader
 * again). Once one shim has done so, its /proc/<pid>/exe is that sealed memfd: we keep an
 * fd to it and spawn later shims straight from it. They find their exe sealed and go on,
 * so they run from the same kind of file as before, and a container still never sees
 * the host binary.
 *
 * The fd is taken only from a shim we spawned, checked to be the same process (start
 * time read before and after the open, so a recycled pid is never trusted) and to be a
 * memfd named runts-init. A cached copy is dropped when the binary on disk changes.
 */
import * as fs from '../sys/fs.js';
import { pid } from '../sys/self.js';
import { readProcStat } from '../sys/proc.js';

interface Copy {
  fd: number;
  key: string;
}

const copies = new Map<string, Copy>();

/** What a spawn of `path` should exec, and the on-disk identity it was resolved for. */
export interface ShimExe {
  exe: string;
  key: string;
}

function diskKey(path: string): string {
  try {
    const st = fs.stat(path);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

let reuse = true;

/**
 * Turn reuse off for this process: a process that spawns one shim and exits (the CLI)
 * gains nothing from keeping the copy, and skips the stat and the /proc reads it takes.
 */
export function noSealedReuse(): void {
  reuse = false;
}

/** The sealed copy of `path` when one is known and still matches the file, else `path`. */
export function shimExe(path: string): ShimExe {
  if (!reuse) return { exe: path, key: '' };
  const key = diskKey(path);
  const c = copies.get(path);
  if (c && c.key === key) return { exe: `/proc/${pid()}/fd/${c.fd}`, key };
  if (c) {
    copies.delete(path);
    fs.close(c.fd);
  }
  return { exe: path, key };
}

/** The start time of a just-spawned shim, for remember(). */
export function startTimeOf(pid: number): number {
  return readProcStat(pid)?.startTime ?? -1;
}

/** After a shim (pid, started at `start`) sent its first frame: keep its sealed exe. */
export function remember(path: string, exe: ShimExe, pid: number, start: number): void {
  if (copies.has(path) || !exe.key || start < 0 || exe.exe !== path) return;
  let fd: number;
  try {
    fd = fs.open(`/proc/${pid}/exe`, fs.O.RDONLY);
  } catch {
    return; // rootless, or the shim is gone: nothing to reuse
  }
  let ok = false;
  try {
    ok = startTimeOf(pid) === start && fs.readlink(`/proc/self/fd/${fd}`).startsWith('/memfd:runts-init');
  } catch {
    ok = false;
  }
  if (ok) copies.set(path, { fd, key: exe.key });
  else fs.close(fd);
}
