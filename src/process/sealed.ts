/**
 * Sparing later shims the CVE-2019-5736 re-exec (native/cloned.c). Every shim makes sure
 * it runs from an image no container can write: it re-executes itself through a detached
 * read-only overlayfs over its binary's directory, or, where overlayfs is refused
 * (rootless), from a copy in a sealed memfd. A shim started from such an image goes on
 * without the re-exec.
 * - The CLI (one shim per process): the binary opens itself through such an overlayfs
 *   (sealedSelf) and spawns the built-in shim from it: one execve instead of two.
 * - A long-running library process: once one shim has protected itself, its
 *   /proc/<pid>/exe is that image: we keep an fd to it and spawn later shims straight
 *   from it. They find their exe protected and go on, and a container still never sees
 *   the host binary.
 *
 * The fd is taken only from a shim we spawned, after its first frame (so after it has
 * protected itself), checked to be the same process (start time read before and after the
 * open, so a recycled pid is never trusted) and to be a memfd named runts-init or a
 * detached overlayfs file (its name does not lead to it here). A kept image is dropped
 * when the binary on disk changes.
 */
import * as fs from '../sys/fs.js';
import { builtInShim, pid, sealedSelf } from '../sys/self.js';
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

/** The protected image of `path` when one is known and still matches the file, else `path`. */
export function shimExe(path: string): ShimExe {
  const own = path === builtInShim() ? sealedSelf() : undefined;
  if (own) return { exe: own, key: '' };
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

/** A file of a detached mount: the kernel names it from that mount's root, `/<binary name>`. */
function detached(fd: number, link: string, path: string): boolean {
  if (link !== `/${path.slice(path.lastIndexOf('/') + 1)}`) return false;
  const kept = fs.fstat(fd);
  try {
    const there = fs.stat(link);
    return there.dev !== kept.dev || there.ino !== kept.ino;
  } catch {
    return true;
  }
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
    const link = fs.readlink(`/proc/self/fd/${fd}`);
    ok = startTimeOf(pid) === start && (link.startsWith('/memfd:runts-init') || detached(fd, link, path));
  } catch {
    ok = false;
  }
  if (ok) copies.set(path, { fd, key: exe.key });
  else fs.close(fd);
}
