/**
 * Reading process facts from /proc. Status derivation rests on one read of
 * /proc/<pid>/stat: its comm (field 2), state (field 3) and start time (field 22).
 */
import * as fs from './fs.js';

/** The parts of /proc/<pid>/stat runts uses. */
export interface ProcStat {
  pid: number;
  /** Process name (comm), without the parentheses. */
  comm: string;
  /** One-letter state: R, S, D, Z, T, t, X, I ... */
  state: string;
  ppid: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process uniquely. */
  startTime: number;
}

/**
 * Parse the text of /proc/<pid>/stat. comm may hold spaces and parentheses, so the
 * fields after it are found from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new RangeError('malformed /proc stat: no comm');
  const rest = text.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 20) throw new RangeError('malformed /proc stat: too few fields');
  const startTime = Number(rest[22 - 3]);
  const ppid = Number(rest[4 - 3]);
  const pid = Number(text.slice(0, open).trim());
  if (!Number.isInteger(pid) || !Number.isInteger(startTime) || !Number.isInteger(ppid)) {
    throw new RangeError('malformed /proc stat: bad numbers');
  }
  return { pid, comm: text.slice(open + 1, close), state: rest[0] ?? '', ppid, startTime };
}

/** Read /proc/<pid>/stat; undefined when the process does not exist. */
export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(fs.readLatin1(`${procRoot}/${pid}/stat`));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH') return undefined;
    throw e;
  }
}

/** True when pid is a live (not zombie, not dead) process that started at startTime. */
export function isAlive(pid: number, startTime: number, procRoot = '/proc'): boolean {
  const st = readProcStat(pid, procRoot);
  return st !== undefined && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}
