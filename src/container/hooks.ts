/**
 * OCI lifecycle hooks.
 *
 * Design. TypeScript decides (which hooks, when, the state JSON on their stdin); the C
 * init only executes the two kinds that must run inside the container's namespaces.
 * runc's order and places:
 *
 *   runts (TS)                           init (C, container namespaces)
 *     | PLAN (HOOK_BARRIER, HOOK groups)  |
 *     |                                   | namespaces, mounts, /dev
 *     |<--------------------- HOOKS ------| waits (before pivot_root)
 *     | prestart[] (deprecated), then      |
 *     | createRuntime[]: here, in the      |
 *     | runtime's namespaces, state        |
 *     | "creating" with the init's pid     |
 *     |---- HOOKS_DONE (state JSONs) ----->| createContainer[]: fork + execve from the
 *     |                                   | rootfs dir, container namespaces, host paths
 *     |<--------------------- READY ------| pivot_root ... parked at the barrier
 *   start / GO ............................> startContainer[]: fork + execve after the
 *     |                                   | barrier, container paths, then execve
 *     | poststart[]: here, after start;   |
 *     | a failure kills the container     |
 *   delete: poststop[] here; failures are warnings, delete goes on
 *
 * Every hook gets the state JSON on stdin, its args (args[0] is argv0; none: [path]), its
 * env (none: the runtime's, as runc's exec.Cmd does) and its timeout in seconds (then
 * SIGKILL and an error). A failure before start is an EHOOK error naming the kind, the
 * index and the path, with the start of the hook's output; create then cleans up as on
 * any failure. Without hooks in the spec nothing here runs and the init never stops
 * (HOOK_BARRIER is absent from the plan): hooks cost nothing when unused.
 *
 * The state's pid is the init's host pid for every kind (the spec says "as seen by the
 * host"; runc gives in-container hooks the pid from their own namespace).
 */
import { RuntsError } from '../errors.js';
import { tlv } from '../plan/encode.js';
import { INIT_COMM, Msg, Tag } from '../process/protocol.js';
import type { ShimSession } from '../process/shim.js';
import { SPEC_VERSION } from '../spec/defaults.js';
import type { Hook, Hooks, Spec, Status } from '../spec/types.js';
import type { StoredState } from '../state/store.js';
import { readProcStat } from '../sys/proc.js';
import { run, runSync, type RunOptions, type RunResult } from '../sys/spawn.js';
import { env as ownEnv, kill, sleep } from '../sys/self.js';
import { utf8 } from '../sys/bytes.js';
import { waitExec } from './status.js';

/** The longest delay a timer takes as asked (a signed 32-bit millisecond count). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The hook kinds, in lifecycle order. */
export type HookKind = keyof Hooks;

/** The OCI state a hook reads on stdin. */
export interface HookState {
  ociVersion: string;
  id: string;
  status: Status;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** The state JSON for a hook. */
export function hookState(id: string, bundle: string, spec: Spec, status: Status, pid: number): HookState {
  const s: HookState = { ociVersion: SPEC_VERSION, id, status, bundle };
  if (pid > 0) s.pid = pid;
  if (spec.annotations && Object.keys(spec.annotations).length) s.annotations = spec.annotations;
  return s;
}

/** True when the spec has hooks of this kind. */
export function hasHooks(spec: Spec, kind: HookKind): boolean {
  return (spec.hooks?.[kind]?.length ?? 0) > 0;
}

const OUTPUT_MAX = 2048;

function argvOf(h: Hook): { file: string; args: string[]; argv0: string } {
  const a = h.args ?? [];
  return { file: h.path, args: a.slice(1), argv0: a[0] ?? h.path };
}

function envOf(h: Hook): Record<string, string | undefined> {
  if (!h.env) return { ...ownEnv() };
  const env: Record<string, string | undefined> = {};
  for (const e of h.env) {
    const i = e.indexOf('=');
    env[e.slice(0, i)] = e.slice(i + 1);
  }
  return env;
}

function failure(kind: HookKind, i: number, h: Hook, why: string, output: string): RuntsError {
  const out = output.trim().slice(0, OUTPUT_MAX);
  return new RuntsError('EHOOK', `${kind}[${i}] ${h.path}: ${why}${out ? `: ${out}` : ''}`, { path: h.path, step: kind });
}

/** Why a hook run failed, or undefined when it succeeded. */
function verdict(kind: HookKind, i: number, h: Hook, r: RunResult): RuntsError | undefined {
  const output = `${r.stdout}${r.stderr}`;
  if (r.timedOut) return failure(kind, i, h, `timed out after ${h.timeout} s`, output);
  if (r.signal) return failure(kind, i, h, `killed by ${r.signal}`, output);
  if (r.status !== 0) return failure(kind, i, h, `exit status ${r.status}`, output);
  return undefined;
}

function notStarted(kind: HookKind, i: number, h: Hook, e: unknown): RuntsError {
  const err = e as NodeJS.ErrnoException;
  return failure(kind, i, h, err.code === 'ENOENT' ? 'no such file' : err.message, '');
}

function runOptions(h: Hook, state: HookState, argv0: string): RunOptions {
  // A timer longer than 2^31-1 ms would fire at once (Node and Bun clamp it to 1 ms):
  // a timeout of more than ~24.8 days is no timeout in practice.
  const timeout = h.timeout && h.timeout * 1000 <= MAX_TIMER_MS ? { timeoutMs: h.timeout * 1000 } : {};
  return { argv0, env: envOf(h), input: JSON.stringify(state), maxOutput: 1 << 20, ...timeout };
}

/** Run one hook, blocking (for the synchronous verbs: start, delete). */
export function runHookSync(kind: HookKind, i: number, h: Hook, state: HookState): void {
  const { file, args, argv0 } = argvOf(h);
  let r: RunResult;
  try {
    r = runSync(file, args, runOptions(h, state, argv0));
  } catch (e) {
    throw notStarted(kind, i, h, e);
  }
  const bad = verdict(kind, i, h, r);
  if (bad) throw bad;
}

/** Run one hook without blocking the event loop (create/run). */
export async function runHook(kind: HookKind, i: number, h: Hook, state: HookState): Promise<void> {
  const { file, args, argv0 } = argvOf(h);
  let r: RunResult;
  try {
    r = await run(file, args, runOptions(h, state, argv0));
  } catch (e) {
    throw notStarted(kind, i, h, e);
  }
  const bad = verdict(kind, i, h, r);
  if (bad) throw bad;
}

/** Run every hook of a kind in order; the first failure throws. */
export async function runHooks(kind: HookKind, spec: Spec, state: HookState): Promise<void> {
  const list = spec.hooks?.[kind] ?? [];
  for (let i = 0; i < list.length; i++) await runHook(kind, i, list[i]!, state);
}

/** Run every hook of a kind in order, blocking; the first failure throws. */
export function runHooksSync(kind: HookKind, spec: Spec, state: HookState): void {
  const list = spec.hooks?.[kind] ?? [];
  for (let i = 0; i < list.length; i++) runHookSync(kind, i, list[i]!, state);
}

/**
 * The hooks barrier of create/run: wait for the init's HOOKS frame, run prestart and
 * createRuntime, and release the init with the states its own hooks will read.
 */
export async function hookBarrier(shim: ShimSession, id: string, bundle: string, spec: Spec, initPid: number): Promise<void> {
  await shim.expect(Msg.HOOKS, 'the init to reach the hooks');
  const creating = hookState(id, bundle, spec, 'creating', initPid);
  await runHooks('prestart', spec, creating);
  await runHooks('createRuntime', spec, creating);
  const created = hookState(id, bundle, spec, 'created', initPid);
  shim.send(Msg.HOOKS_DONE, tlv([
    [Tag.HOOK_STATE_CREATE, utf8(JSON.stringify(creating))],
    [Tag.HOOK_STATE_START, utf8(JSON.stringify(created))],
  ]));
}

/** True once the init has left runts:init for the user's program (false: it died first). */
export function initExeced(pid: number, startTime: number): boolean {
  const ps = readProcStat(pid);
  return ps !== undefined && ps.startTime === startTime && ps.comm !== INIT_COMM && ps.state !== 'Z';
}

/**
 * run/detach with startContainer hooks: wait until the init has exec'd (the hooks run
 * first, up to their timeouts); if it died instead, the ERROR frame it sent says why.
 */
export async function startHooksDone(shim: ShimSession, pid: number, startTime: number): Promise<void> {
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const ps = readProcStat(pid);
    // Gone (already reaped by the monitor): its EXIT frame tells the rest.
    if (!ps || ps.startTime !== startTime || ps.comm !== INIT_COMM) return;
    if (ps.state === 'Z') break; // died as runts:init: a hook failed and the init sent ERROR
    await sleep(delay);
  }
  try {
    await shim.expect(Msg.ERROR, 'the startContainer hooks');
  } catch (e) {
    throw asHookError(e);
  }
}

/**
 * `start` of a created container, after the fifo is released: wait for the exec when the
 * init runs startContainer hooks (a failure there went to the container's stderr, the
 * runts socket being closed since create), then run poststart; a poststart failure
 * kills the container (as runc does) and throws.
 */
export function afterStartSync(st: StoredState): void {
  const spec = st.spec;
  if (hasHooks(spec, 'startContainer')) {
    const total = (spec.hooks?.startContainer ?? []).reduce((t, h) => t + (h.timeout ?? 60), 0);
    waitExec(st.pid, st.pidStart, total * 1000 + 2000);
    if (!initExeced(st.pid, st.pidStart)) {
      throw new RuntsError('EHOOK', `container ${st.id}: the init exited before execve: a startContainer hook failed (its error is on the container's stderr)`);
    }
  }
  if (!hasHooks(spec, 'poststart')) return;
  try {
    runHooksSync('poststart', spec, hookState(st.id, st.bundle, spec, 'running', st.pid));
  } catch (e) {
    try {
      kill(st.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    throw e;
  }
}

/** A failure the init reported from one of its own hooks, as EHOOK. */
export function asHookError(e: unknown): unknown {
  if (e instanceof RuntsError && e.code === 'ESHIM' && e.step === 'hook') {
    return new RuntsError('EHOOK', e.message.replace(/^hook /, ''), { cause: e, ...(e.path ? { path: e.path } : {}) });
  }
  return e;
}

/** poststop: failures become warnings (the spec: log, and go on with delete). */
export function runPoststop(spec: Spec, state: HookState, warn: (msg: string) => void): void {
  const list = spec.hooks?.poststop ?? [];
  for (let i = 0; i < list.length; i++) {
    try {
      runHookSync('poststop', i, list[i]!, state);
    } catch (e) {
      warn((e as Error).message);
    }
  }
}
