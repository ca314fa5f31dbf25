/**
 * A container bound to its state directory. Every method re-reads state.json and derives
 * the status from the kernel, so two Container objects (or two processes) never disagree.
 */
import type { OomEvent } from '../cgroups/oom.js';
import { isFrozen, loadCgroupManager, watchOom, type CgroupManager, type Stats } from '../cgroups/manager.js';
import { invalid, RuntsError } from '../errors.js';
import { dropNulls } from '../spec/normalise.js';
import { resourcesProblems } from '../spec/validate-resources.js';
import { SPEC_VERSION } from '../spec/defaults.js';
import { parseSignal } from '../spec/signals.js';
import type { LinuxResources, State, Status } from '../spec/types.js';
import { lock } from '../state/lock.js';
import type { Store, StoredState } from '../state/store.js';
import { readProcStat } from '../sys/proc.js';
import { crashPoint } from '../sys/crash.js';
import { timer } from '../sys/self.js';
import type { RuntimeConfig } from './context.js';
import { afterStartSync, hookState, runPoststop } from './hooks.js';
import { releaseFifo } from './start.js';
import { NotifyProxy, notifyTarget } from './notify.js';
import type { ExecOptions, ExecProcessOptions } from './exec.js';
import { abortError, checkAbortOptions, ContainerProcess, type AbortOptions } from './process.js';
import type { Process } from '../spec/types.js';
import { assertCan, deriveStatus, hostProbe, waitExec } from './status.js';
import type { CheckpointOptions } from '../criu/checkpoint.js';
import { kill, sleepSync } from '../sys/self.js';

const SIGKILL = 9;

const probe = hostProbe((st) => (st.cgroup ? isFrozen(st.cgroup) : false));

/** Options of kill. */
export interface KillOptions {
  /** Signal every process of the container (its cgroup), not just the init. */
  all?: boolean;
}

/** Options of delete. */
export interface DeleteOptions {
  /** Kill a container that is still running first. */
  force?: boolean;
}

/** A container. Obtain one from Runtime.create, Runtime.run or Runtime.load. */
export class Container implements AsyncDisposable {
  /** The container id. */
  readonly id: string;
  private readonly store: Store;

  private readonly rt: RuntimeConfig;

  /** @internal */
  constructor(rt: RuntimeConfig, store: Store, id: string) {
    this.rt = rt;
    this.store = store;
    this.id = id;
  }

  /** The stored facts (throws ENOTFOUND when the container is gone). */
  stored(): StoredState {
    return this.store.read(this.id);
  }

  /** Current status, derived from the kernel. */
  status(): Status {
    return deriveStatus(this.stored(), probe);
  }

  /** OCI state (with runc's extra fields); pid is 0 once stopped. */
  state(): State {
    return toState(this.stored());
  }

  /**
   * Release a created container: its process runs. With a notify socket (create's
   * notifySocket), return only once the process has sent READY=1 or died, as runc.
   */
  start(): void {
    const l = lock(this.store.dir(this.id));
    let proxy: NotifyProxy | undefined;
    try {
      crashPoint('start:after-lock');
      const st = this.stored();
      assertCan('start', deriveStatus(st, probe), this.id);
      const target = notifyTarget(this.store.dir(this.id));
      if (target) proxy = NotifyProxy.start(this.rt.shimPath, this.store.dir(this.id), target, st.pid, st.pid);
      releaseFifo(this.store.fifo(this.id), st);
      crashPoint('start:after-release');
      waitExec(st.pid, st.pidStart);
      if (st.spec.hooks) afterStartSync(st);
    } catch (e) {
      proxy?.kill();
      throw e;
    } finally {
      l.release();
    }
    proxy?.waitDone();
  }

  /**
   * Run another process in the container (runc exec). It joins every namespace and the
   * cgroup of the container; fields not given come from the container's process (env
   * entries are added to its env). `wait()` on the result gives its exit status.
   */
  async exec(process: ExecProcessOptions | Process, opts: ExecOptions & AbortOptions = {}): Promise<ContainerProcess> {
    const what = `exec in container ${this.id}`;
    checkAbortOptions(opts);
    if (opts.signal?.aborted) throw abortError(what, opts.signal.reason);
    const { execIn } = await import('./exec.js'); // loaded on first use, as the CRIU code below
    const { signal: _s, killSignal: _k, ...execOpts } = opts;
    const r = await execIn(this.rt, this.store, this.id, process, execOpts, false);
    const proc = new ContainerProcess(r.shim, r.pid, { what }, opts);
    if (opts.signal?.aborted) {
      await proc.dispose(); // aborted while it was starting: it does not outlive the call
      throw abortError(what, opts.signal.reason);
    }
    return proc;
  }

  /** exec without waiting: returns the host pid once the process runs (it is not a child of this process). */
  async execDetached(process: ExecProcessOptions | Process, opts: ExecOptions = {}): Promise<number> {
    const { execIn } = await import('./exec.js');
    return (await execIn(this.rt, this.store, this.id, process, opts, true)).pid;
  }

  /** Send a signal (name like "TERM"/"SIGTERM", or number) to the init, or to every process with `all`. */
  kill(signal: string | number = 'SIGTERM', opts: KillOptions = {}): void {
    const sig = parseSignal(signal);
    const st = this.stored();
    const status = deriveStatus(st, probe);
    const cg = this.cgroup(st);
    // Everyone in the cgroup: with `all`, and (runc 1.2+) with SIGKILL when the container
    // has no pid namespace of its own, since then the init's death does not take the
    // others along. Whatever the status: a stopped container's cgroup may still hold
    // processes (its init exited, the rest did not). The cgroup is the container's own
    // (create refuses one that held anything), so no pid-reuse guess is involved.
    const sharedPid = !(st.spec.linux?.namespaces ?? []).some((n) => n.type === 'pid' && !n.path);
    if (cg && (opts.all || (sig === SIGKILL && sharedPid))) {
      for (const pid of cg.pids()) signalPid(pid, sig);
      if (sig === SIGKILL && status === 'paused') cg.thaw(); // a frozen v1 task dies only once thawed
      return;
    }
    // runc 1.2+: `kill --all` on a stopped container is not an error.
    if (opts.all && status === 'stopped') return;
    assertCan('kill', status, this.id);
    signalPid(st.pid, sig, this.id);
    if (sig === SIGKILL && status === 'paused') cg?.thaw();
  }

  /** Pids of every process in the container (from its cgroup; the init alone without cgroups). */
  processes(): number[] {
    const st = this.stored();
    const cg = this.cgroup(st);
    if (cg) return cg.pids();
    return deriveStatus(st, probe) === 'stopped' ? [] : [st.pid];
  }

  /** Freeze every process of the container. */
  pause(): void {
    const st = this.stored();
    assertCan('pause', deriveStatus(st, probe), this.id);
    this.requireCgroup(st, 'pause').freeze();
  }

  /** Thaw a paused container. */
  resume(): void {
    const st = this.stored();
    assertCan('resume', deriveStatus(st, probe), this.id);
    this.requireCgroup(st, 'resume').thaw();
  }

  /**
   * Change resource limits of a live container (runc `update`). Only the fields given
   * change; the merged resources are kept in the state for later updates.
   */
  set(resources: LinuxResources): void {
    // Read as a config's resources are (a null member is absent) and checked the same way.
    resources = dropNulls(resources) as LinuxResources;
    const problems = resourcesProblems(resources);
    if (problems.length) throw invalid(problems, 'invalid resources');
    const l = lock(this.store.dir(this.id));
    try {
      const st = this.stored();
      const status = deriveStatus(st, probe);
      if (status === 'stopped') throw new RuntsError('ESTATE', `container ${this.id}: container not running`);
      this.requireCgroup(st, 'update').set(resources);
      const linux = (st.spec.linux ??= {});
      linux.resources = mergeResources(linux.resources ?? {}, resources);
      this.store.write(st);
    } finally {
      l.release();
    }
  }

  /** Resource usage from the cgroup, in runc's `events --stats` data shape. */
  stats(): Stats {
    return this.requireCgroup(this.stored(), 'read stats of').stats();
  }

  /**
   * Checkpoint the container with CRIU (src/criu/). Without `leaveRunning` (or `preDump`)
   * its processes stop and the container is removed, as with runc.
   */
  async checkpoint(opts: CheckpointOptions = {}): Promise<void> {
    const { checkpoint: criuCheckpoint } = await import('../criu/checkpoint.js');
    return criuCheckpoint(this.rt, this.store, this.id, opts, (st) => deriveStatus(st, probe));
  }

  /**
   * Resource usage every `intervalMs` (default 5000, as runc `events`), the first at
   * once, until `signal` aborts or the container stops (runc `events --interval`).
   */
  async *statsEvents(opts: { intervalMs?: number; signal?: AbortSignal } = {}): AsyncIterable<Stats> {
    const ms = opts.intervalMs ?? 5000;
    if (!(ms > 0)) throw new RuntsError('EINVALID', `statsEvents: intervalMs must be greater than 0, got ${String(opts.intervalMs)}`);
    while (!opts.signal?.aborted && this.status() !== 'stopped') {
      yield this.stats();
      await new Promise<void>((resolve) => {
        const cancel = timer(ms, done);
        opts.signal?.addEventListener('abort', done, { once: true });
        function done() {
          cancel();
          opts.signal?.removeEventListener('abort', done);
          resolve();
        }
      });
    }
  }

  /** OOM kills in the container, as they happen, until `signal` aborts. */
  oomEvents(signal: AbortSignal): AsyncIterable<OomEvent> {
    const st = this.stored();
    if (!st.cgroup) throw new RuntsError('EUNSUPPORTED', `container ${this.id} has no cgroup`);
    return watchOom(st.cgroup, signal);
  }

  /**
   * Remove the container: its cgroup, its state. A container that is not stopped is an
   * error unless `force`, which kills every process first.
   */
  delete(opts: DeleteOptions = {}): void {
    const l = lock(this.store.dir(this.id));
    try {
      crashPoint('delete:after-lock');
      let st: StoredState;
      try {
        st = this.stored();
      } catch (e) {
        // A reservation without state.json: its creator died between mkdir and the
        // first write, so nothing else (cgroup, process) exists yet. Force removes it.
        if (!(opts.force && e instanceof RuntsError && e.code === 'ENOTFOUND')) throw e;
        this.store.remove(this.id);
        return;
      }
      const status = deriveStatus(st, probe);
      if (status !== 'stopped') {
        if (!opts.force) assertCan('delete', status, this.id);
        // Frozen tasks only die once thawed (v1): signal first, then thaw, then wait.
        if (status === 'paused') killAndWait(st, () => this.cgroup(st)?.thaw());
        else if (status !== 'creating' || st.pid) killAndWait(st);
      }
      crashPoint('delete:after-kill');
      const cg = this.cgroup(st);
      if (cg) cg.destroy();
      else if (st.pid && readProcStat(st.pid)?.startTime === st.pidStart) killAndWait(st);
      crashPoint('delete:after-cgroup');
      if (st.spec.hooks?.poststop?.length) {
        runPoststop(st.spec, hookState(st.id, st.bundle, st.spec, 'stopped', 0), (m) => this.rt.onWarning?.(m));
      }
      this.store.remove(this.id);
    } finally {
      l.release();
    }
  }

  /**
   * Scoped cleanup (`await using c = await runtime.create(...)`): force-delete the
   * container (kill its processes; cgroup, state, mounts gone). A container that is
   * already gone is not an error.
   */
  async dispose(): Promise<void> {
    try {
      this.delete({ force: true });
    } catch (e) {
      if (!(e instanceof RuntsError && e.code === 'ENOTFOUND')) throw e;
    }
  }

  /** `await using`: see dispose(). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private cgroup(st: StoredState): CgroupManager | null {
    return st.cgroup ? loadCgroupManager(st.cgroup, undefined, { shimPath: this.rt.shimPath }) : null;
  }

  private requireCgroup(st: StoredState, verb: string): CgroupManager {
    const cg = this.cgroup(st);
    if (!cg) throw new RuntsError('EUNSUPPORTED', `cannot ${verb} container ${this.id}: it has no cgroup`);
    return cg;
  }
}

/** Deep-merge resource objects (arrays and scalars from `b` replace those of `a`). */
export function mergeResources(a: LinuxResources, b: LinuxResources): LinuxResources {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && old && typeof old === 'object' && !Array.isArray(old)
      ? mergeResources(old as LinuxResources, v as LinuxResources)
      : v;
  }
  return out as LinuxResources;
}

/** OCI state of stored facts. */
export function toState(st: StoredState): State {
  const status = deriveStatus(st, probe);
  const out: State = {
    ociVersion: SPEC_VERSION,
    id: st.id,
    pid: status === 'stopped' ? 0 : st.pid,
    status,
    bundle: st.bundle,
    rootfs: st.rootfs,
    created: st.created,
    owner: st.owner,
  };
  if (st.spec.annotations && Object.keys(st.spec.annotations).length) out.annotations = st.spec.annotations;
  return out;
}

function signalPid(pid: number, sig: number, id?: string): void {
  try {
    kill(pid, sig);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') {
      if (id) throw new RuntsError('ESTATE', `container ${id}: container not running`);
      return;
    }
    throw new RuntsError('ESYS', `kill ${pid}: ${(e as Error).message}`, { cause: e, errno: code ?? '' });
  }
}


/** SIGKILL the init and wait (up to 5 s) until it is no longer alive. */
function killAndWait(st: StoredState, afterSignal?: () => void): void {
  const ps = readProcStat(st.pid);
  if (!ps || ps.startTime !== st.pidStart) return;
  try {
    kill(st.pid, 'SIGKILL');
  } catch {
    return;
  }
  afterSignal?.();
  const deadline = Date.now() + 5000;
  for (;;) {
    const now = readProcStat(st.pid);
    if (!now || now.startTime !== st.pidStart || now.state === 'Z' || now.state === 'X') return;
    if (Date.now() > deadline) throw new RuntsError('ETIMEOUT', `container ${st.id}: init ${st.pid} still alive 5 s after SIGKILL`);
    sleepSync(2);
  }
}
