/**
 * exec: run another process in a running (or created) container, as runc exec does.
 *
 *   load state -> status check (paused only with ignorePaused) -> process (container's
 *   process + the caller's fields, users resolved in the rootfs) -> validate -> cgroup
 *   dirs (sub-cgroups must exist) -> plan (mode EXEC) -> spawn shim -> PID -> READY
 *   -> pid file -> (detach: close, the shim exits; else the shim monitors: EXIT)
 *
 * The shim joins the init's cgroup(s) and every namespace that differs from its own
 * (user and cgroup included), enters the container's root through /proc/PID/root, forks
 * (so the process is inside the pid namespace), then applies the process like an init:
 * pty, rlimits, user, capabilities, no_new_privs, cwd, execve. Hooks never run for exec.
 */
import * as fs from '../sys/fs.js';
import { view } from '../sys/bytes.js';
import { kill, timer } from '../sys/self.js';
import { isFrozen, loadCgroupManager } from '../cgroups/manager.js';
import { invalid, RuntsError } from '../errors.js';
import { seccompCacheDir, seccompPlan } from '../plan/seccomp.js';
import { buildExecPlan, completeProcess, execCgroupPaths, execProcess, parseSubCgroups, type ExecOverrides } from '../plan/exec.js';
import { cgroupJoin } from '../cgroups/join.js';
import { Msg } from '../process/protocol.js';
import { ShimSession, shimError, type StdioEntry } from '../process/shim.js';
import { dropNulls } from '../spec/normalise.js';
import { resolveUser } from '../spec/passwd.js';
import type { Process } from '../spec/types.js';
import type { NumericUser } from '../spec/build.js';
import type { InitPlan } from '../plan/types.js';
import { checkSpec } from '../spec/validate.js';
import type { Store, StoredState } from '../state/store.js';
import { readProcStat } from '../sys/proc.js';
import { crashPoint } from '../sys/crash.js';
import { readRootfsFile } from '../runtime.js';
import type { RuntimeConfig } from './context.js';
import { writePidFile } from './create.js';
import { assertCan, deriveStatus, hostProbe } from './status.js';

const probe = hostProbe((st) => (st.cgroup ? isFrozen(st.cgroup) : false));

/** The process to exec: the container's process with these fields over it. */
export interface ExecProcessOptions extends Omit<ExecOverrides, 'user' | 'args'> {
  /** Command and arguments (args[0] is looked up in the PATH of the process's env). */
  args: string[];
  /**
   * The user: a name, "name:group" or "uid:gid" resolved through the container's
   * /etc/passwd and /etc/group, or numeric ids. HOME comes from the passwd entry when
   * the env has none.
   */
  user?: string | NumericUser;
}

/** Options of Container.exec. */
export interface ExecOptions {
  /** stdio for fds 0,1,2 (+ preserved): parent fds, streams, 'pipe', 'inherit', 'ignore' (default: pipes). */
  stdio?: StdioEntry[];
  /** Unix socket that receives the pty master (the process has `terminal`). */
  consoleSocket?: string;
  /** Pass fds 3 .. 3+N-1 of the stdio array (or of this process) to the process. */
  preserveFds?: number;
  /** Write the process's host pid here. */
  pidFile?: string;
  /** Sub-cgroup(s) of the container to run in, runc's `--cgroup` syntax: `[controller[,controller]:]path`. */
  cgroup?: string[];
  /** Unix socket that receives a pidfd of the process (SCM_RIGHTS), as runc's --pidfd-socket. */
  pidfdSocket?: string;
  /** Exec into a paused (frozen) container too (the process starts frozen). */
  ignorePaused?: boolean;
  /**
   * `process` is a complete OCI process (runc exec --process FILE): used as given, only
   * absent capabilities, rlimits, noNewPrivileges and LSM fields come from the container.
   */
  complete?: boolean;
}

/** What execIn returns: the shim (monitoring unless detached) and the process's host pid. */
export interface Execed {
  shim: ShimSession;
  pid: number;
}

/** Run a process in container `id`. @internal (use Container.exec / execDetached) */
export async function execIn(
  rt: RuntimeConfig, store: Store, id: string, process: ExecProcessOptions | Process, opts: ExecOptions, detach: boolean,
): Promise<Execed> {
  // As in launch(): the shim starts first and waits for its plan while the checks and the
  // plan are made here; any failure before the plan is sent kills it.
  const stdio = [...(opts.stdio ?? ['pipe', 'pipe', 'pipe'])];
  if (opts.preserveFds) while (stdio.length < 3 + opts.preserveFds) stdio.push(stdio.length);
  let early: ShimSession | Error;
  try {
    early = ShimSession.spawn({ shimPath: rt.shimPath, stdio });
  } catch (e) {
    early = e as Error;
  }
  let plan: InitPlan;
  try {
    plan = execPlan(rt, store, id, process, opts, detach);
    if (early instanceof Error) throw early;
    if (plan.cgroupInto) joinUserUnit(store.read(id), early.pid);
    early.begin(plan);
  } catch (e) {
    if (early instanceof ShimSession) early.kill();
    throw e;
  }
  const shim = early;
  crashPoint('exec:after-spawn');
  let pid = 0;
  try {
    pid = view((await shim.expect(Msg.PID, 'the exec pid')).payload).getUint32(0, true);
    crashPoint('exec:after-pid');
    await shim.expect(Msg.READY, 'the exec process to be ready');
    crashPoint('exec:after-ready');
    // Detached, as runc exec -d: return once the process has called execve (the socket,
    // close-on-exec in it and closed by the exited stage-0, reaches EOF), so the pid file
    // and the caller see the program, not the shim. An execve failure comes as ERROR.
    for (let f = detach ? await shim.next() : null; f; f = await shim.next()) {
      if (f.type === Msg.ERROR) throw shimError(f.payload, 'the exec process to start');
    }
    if (opts.pidFile) writePidFile(opts.pidFile, pid);
  } catch (e) {
    if (pid && readProcStat(pid)) {
      try {
        kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    // The monitor reaps a failed child and exits by itself: give it a moment, then make sure.
    if (!detach) {
      let cancel: (() => void) | undefined;
      await Promise.race([shim.wait(), new Promise((r) => (cancel = timer(2000, () => r(undefined))))]);
      cancel?.();
    }
    shim.kill();
    throw e;
  }
  if (detach) shim.close();
  return { shim, pid };
}

/**
 * Rootless with the systemd driver: the shim asks the user's systemd instance to put it
 * in the container's unit first (the kernel lets a user move a process only between
 * cgroups under a common ancestor it owns, and the caller's cgroup is usually outside the
 * instance's subtree), so that its clone is then born in the container's cgroup. runc
 * 1.1.5/1.3 try the cgroup.procs write and, rootless, run the process where it is when
 * that fails.
 */
function joinUserUnit(st: StoredState, shimPid: number): void {
  if (st.cgroup?.systemd?.user) loadCgroupManager(st.cgroup).apply(shimPid);
}

/** Check the exec against the container's state and build its plan. */
function execPlan(rt: RuntimeConfig, store: Store, id: string, process: ExecProcessOptions | Process, opts: ExecOptions, detach: boolean): InitPlan {
  const st = store.read(id);
  const status = deriveStatus(st, probe);
  if (!(status === 'paused' && opts.ignorePaused)) assertCan('exec', status, id);
  // A process.json is read as runc reads it: a null member is an absent one (normalise.ts).
  const proc = opts.complete ? completeProcess(st.spec.process, dropNulls(process) as Process) : mergeProcess(st, process as ExecProcessOptions);
  checkProcess(st, proc, opts, detach, rt.onWarning);
  const paths = cgroupPaths(st, opts.cgroup);

  const seccomp = seccompPlan(st.spec.linux?.seccomp, {
    id, bundle: st.bundle, annotations: st.spec.annotations, cacheDir: seccompCacheDir(rt.root),
  });
  const plan = buildExecPlan(proc, {
    ...(seccomp ? { seccomp } : {}),
    ...(st.spec.linux ? { linux: st.spec.linux } : {}),
    id, initPid: st.pid, detach, preserveFds: opts.preserveFds,
    // Born in its cgroup v2 directory (clone3 CLONE_INTO_CGROUP), v1 hierarchies joined
    // by stage-0's own thread (cgroups/join.ts); the cgroup namespace is entered after
    // the clone (ns_join_container), so no namespace is in the way.
    ...(st.cgroup ? { cgroup: cgroupJoin(st.cgroup.layout, paths) } : {}),
    ...(opts.consoleSocket ? { consoleSocket: opts.consoleSocket } : {}),
    ...(opts.pidfdSocket ? { pidfdSocket: opts.pidfdSocket } : {}),
  });
  return plan;
}

/** The container's process with the caller's fields over it; user names resolved in the rootfs. */
function mergeProcess(st: StoredState, p: ExecProcessOptions): Process {
  const { user, ...rest } = p;
  const o: ExecOverrides = { ...rest };
  if (typeof user === 'string') {
    const r = resolveUser(user, readRootfsFile(st.rootfs, '/etc/passwd'), readRootfsFile(st.rootfs, '/etc/group'));
    o.user = { uid: r.uid, gid: r.gid, additionalGids: r.additionalGids };
  } else if (user) {
    o.user = user;
  }
  // HOME, when the env has none, is set by the shim from the container's /etc/passwd
  // for the process's uid (processEnv in src/plan/build.ts), as for the init.
  return execProcess(st.spec.process, o);
}

function checkProcess(st: StoredState, proc: Process, opts: ExecOptions, detach: boolean, warn?: (message: string) => void): void {
  const spec = { ociVersion: st.spec.ociVersion, root: st.spec.root, process: proc };
  const checked = checkSpec(spec);
  const problems = checked.problems.filter((p) => p.path.startsWith('process'));
  // e.g. an unknown capability from --cap or process.json: ignored with a warning, as runc
  for (const w of checked.warnings) if (w.path.startsWith('process')) warn?.(`${w.path}: ${w.message}`);
  if (opts.preserveFds !== undefined && (!Number.isInteger(opts.preserveFds) || opts.preserveFds < 0)) {
    problems.push({ path: 'preserveFds', message: `must be a non-negative integer, got ${opts.preserveFds}` });
  }
  if (proc.terminal && detach && !opts.consoleSocket) {
    problems.push({ path: 'process.terminal', message: 'a detached process with a terminal needs a console socket' });
  }
  if (opts.consoleSocket && !proc.terminal) {
    problems.push({ path: 'consoleSocket', message: 'a console socket needs process.terminal (--tty)' });
  }
  if (problems.length) throw invalid(problems, 'invalid exec process');
  // As runc: asking for a label of an LSM the host does not run is an error (a label
  // inherited from the container's process is the container's business).
  const base = st.spec.process;
  if (proc.apparmorProfile && proc.apparmorProfile !== base?.apparmorProfile && !apparmorEnabled()) {
    throw new RuntsError('EUNSUPPORTED', `apparmor profile ${proc.apparmorProfile}: AppArmor is not enabled on this host`);
  }
  if (proc.selinuxLabel && proc.selinuxLabel !== base?.selinuxLabel && !fs.exists('/sys/fs/selinux/enforce')) {
    throw new RuntsError('EUNSUPPORTED', `selinux label ${proc.selinuxLabel}: SELinux is not enabled on this host`);
  }
}

/** The exec'd process's cgroup directories by hierarchy ('' for the unified one). */
function cgroupPaths(st: StoredState, args: string[] | undefined): Record<string, string> {
  const sub = parseSubCgroups(args ?? []);
  if (!st.cgroup) {
    if (Object.keys(sub).length) throw new RuntsError('EUNSUPPORTED', `--cgroup: container ${st.id} has no cgroup`);
    return {};
  }
  const paths = execCgroupPaths(st.cgroup.paths, sub, st.cgroup.layout);
  if (Object.keys(sub).length) {
    for (const d of new Set(Object.values(paths))) {
      if (!fs.exists(d)) throw new RuntsError('EINVALID', `--cgroup: sub-cgroup ${d} does not exist`, { path: d });
    }
  }
  return paths;
}

function apparmorEnabled(): boolean {
  try {
    return fs.readText('/sys/module/apparmor/parameters/enabled').startsWith('Y');
  } catch {
    return false;
  }
}
