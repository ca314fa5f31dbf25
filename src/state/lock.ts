/**
 * Per-container lock without flock (Node and Bun have none): a lock file created with
 * O_EXCL holding the holder's pid and start time. A lock whose holder is gone (killed
 * with SIGKILL, or a reused pid with another start time) is broken and taken over, so
 * a crash never wedges a container. Waiters poll with a short sleep and give up after a
 * timeout with a clear error.
 */
import * as fs from '../sys/fs.js';
import { join } from '../sys/path.js';
import { pid, sleepSync } from '../sys/self.js';
import { RuntsError, sysError } from '../errors.js';
import { isAlive, readProcStat } from '../sys/proc.js';

let selfStart: number | undefined;
/** This process's start time (cached). */
export function selfStartTime(): number {
  selfStart ??= readProcStat(pid())?.startTime ?? 0;
  return selfStart;
}

/** A held lock; release() is idempotent. */
export interface Lock {
  release(): void;
}

/** Take the lock file `<dir>/lock`, waiting up to timeoutMs. */
export function lock(dir: string, timeoutMs = 10_000): Lock {
  const file = join(dir, 'lock');
  const me = `${pid()} ${selfStartTime()}`;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    try {
      const fd = fs.open(file, fs.O.WRONLY | fs.O.CREAT | fs.O.EXCL, 0o600);
      fs.write(fd, me);
      fs.close(fd);
      let held = true;
      return {
        release() {
          if (!held) return;
          held = false;
          fs.remove(file, { force: true });
        },
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new RuntsError('ENOTFOUND', `container ${dir.split('/').pop()} does not exist`);
      if (code !== 'EEXIST') throw sysError('lock', e, file);
    }
    if (holderGone(file)) {
      fs.remove(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new RuntsError('ETIMEOUT', `lock ${file}: still held by ${holderText(file)} after ${timeoutMs} ms`);
    }
    sleepSync(delay);
  }
}

function holderText(file: string): string {
  try {
    return `pid ${fs.readText(file).split(' ')[0]}`;
  } catch {
    return 'another process';
  }
}

/** The lock file exists but its holder is not alive (a partially written file counts as alive briefly). */
function holderGone(file: string): boolean {
  let text: string;
  try {
    text = fs.readText(file);
  } catch {
    return false; // vanished: retry the create
  }
  const [pid, start] = text.split(' ').map(Number);
  if (!pid || start === undefined || Number.isNaN(start)) {
    // Created but not yet written: the holder is between open and write, or died there.
    // Only a file older than a second is treated as abandoned.
    try {
      return Date.now() - fs.stat(file).mtimeMs > 1000;
    } catch {
      return false;
    }
  }
  return !isAlive(pid, start);
}
