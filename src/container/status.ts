/**
 * Status is derived on every read, from the kernel: one read of /proc/<pid>/stat
 * (alive? zombie? same start time? still the parked shim?) and, when the init is alive,
 * one read of the freezer state. Nothing about status is ever stored.
 */
import { RuntsError } from '../errors.js';
import { INIT_COMM } from '../process/protocol.js';
import type { Status } from '../spec/types.js';
import type { StoredState } from '../state/store.js';
import { isAlive, readProcStat, type ProcStat } from '../sys/proc.js';
import { sleepSync } from '../sys/self.js';

/** Host facts status depends on (injectable for tests). */
export interface StatusProbe {
  stat(pid: number): ProcStat | undefined;
  frozen(st: StoredState): boolean;
}

/** Derive the status from stored facts and a probe of the host. */
export function deriveStatus(st: StoredState, probe: StatusProbe): Status {
  if (st.pid === 0) {
    // Still being created, or the creator died half-way (then it is stopped: delete cleans it up).
    const c = st.creator;
    return c && isAliveWith(probe, c.pid, c.start) ? 'creating' : 'stopped';
  }
  const ps = probe.stat(st.pid);
  if (!ps || ps.startTime !== st.pidStart || ps.state === 'Z' || ps.state === 'X') return 'stopped';
  if (probe.frozen(st)) return 'paused';
  if (ps.comm === INIT_COMM) return 'created';
  return 'running';
}

function isAliveWith(probe: StatusProbe, pid: number, start: number): boolean {
  const ps = probe.stat(pid);
  return ps !== undefined && ps.startTime === start && ps.state !== 'Z' && ps.state !== 'X';
}

/** The probe of the real host. */
export function hostProbe(frozen: (st: StoredState) => boolean): StatusProbe {
  return { stat: (pid) => readProcStat(pid), frozen };
}

/** The verbs whose allowed statuses are checked. */
export type Verb = 'start' | 'kill' | 'delete' | 'pause' | 'resume' | 'exec';

const ALLOWED: Record<Verb, readonly Status[]> = {
  start: ['created'],
  kill: ['created', 'running', 'paused'],
  delete: ['stopped'],
  pause: ['running', 'created'],
  resume: ['paused'],
  exec: ['created', 'running'],
};

/** Throw ESTATE with runc's wording when `verb` is not allowed in `status`. */
export function assertCan(verb: Verb, status: Status, id: string): void {
  if (ALLOWED[verb].includes(status)) return;
  let msg: string;
  if (verb === 'start' && status === 'running') msg = `cannot start an already running container ${id}`;
  else if (verb === 'start' && status === 'stopped') msg = `cannot start a container that has stopped: ${id}`;
  else if (verb === 'delete') msg = `cannot delete container ${id} that is not stopped: ${status}`;
  else if (verb === 'resume') msg = `container ${id} is not paused`;
  else if (verb === 'exec' && status === 'paused') msg = `cannot exec in a paused container ${id} (use --ignore-paused)`;
  else if (status === 'stopped' || status === 'creating') msg = `container ${id}: container not running`;
  else msg = `cannot ${verb} container ${id}: status is ${status}`;
  throw new RuntsError('ESTATE', msg);
}

export { isAlive };


/**
 * After the barrier is released, wait (briefly) until the init has exec'd, so that a
 * status read right after start/run says running, never created. Returns early if the
 * init dies. The exec follows the release within microseconds; the cap is a safety net.
 */
export function waitExec(pid: number, startTime: number, timeoutMs = 2000): void {
  const deadline = Date.now() + timeoutMs;
  for (let spin = 0; ; spin++) {
    const ps = readProcStat(pid);
    if (!ps || ps.startTime !== startTime || ps.comm !== INIT_COMM || ps.state === 'Z') return;
    if (Date.now() > deadline) return;
    // A few immediate re-reads (the exec usually follows within microseconds), then short
    // sleeps rather than a spin that takes a core from the process being waited for.
    if (spin > 3) sleepSync(spin > 40 ? 1 : 0.1);
  }
}
