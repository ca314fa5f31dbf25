/**
 * create / run: from a spec to a parked (create) or running (run) init.
 *
 * Order (each step undone on failure, in reverse):
 *   validate -> resolve rootfs -> reserve id (mkdir) -> state.json (pid 0, creator)
 *   -> cgroup create -> spawn shim (joins the cgroup before it gets its plan)
 *   -> PID -> READY -> state.json (pid, start time) -> pid file -> barrier left to start/GO
 */
import * as fs from '../sys/fs.js';
import { hex, view } from '../sys/bytes.js';
import { cwd, egid, euid, kill, monotonic, pid as ownPid } from '../sys/self.js';
import { dirname, isAbsolute, resolve } from '../sys/path.js';
import { deviceRulesFor, newCgroupManager, systemdDriver, type CgroupManager } from '../cgroups/manager.js';
import { cgroupJoin } from '../cgroups/join.js';
import { RuntsError, invalid, sysError } from '../errors.js';
import { ambientIgnored, buildInitPlan, CLONE_NEW, type LaunchMode } from '../plan/build.js';
import { Msg } from '../process/protocol.js';
import { ShimSession, type StdioEntry } from '../process/shim.js';
import type { LinuxResources, Spec } from '../spec/types.js';
import { checkSpec } from '../spec/validate.js';
import { selfStartTime } from '../state/lock.js';
import { checkId, type Store, type StoredState } from '../state/store.js';
import { readProcStat } from '../sys/proc.js';
import { crashPoint } from '../sys/crash.js';
import { hostUnsupported } from '../sys/host-features.js';
import { hostLsm, lsmUnsupported } from '../sys/lsm.js';
import { inUserNamespace, rootlessMaps, writeIdMaps } from '../sys/rootless.js';
import { asHookError, hasHooks, hookBarrier, hookState, runHooks, startHooksDone } from './hooks.js';
import { seccompCacheDir } from '../plan/seccomp.js';
import { waitExec } from './status.js';
import { NotifyProxy, checkNotifySocket, prepareNotify, withNotify } from './notify.js';
import type { RuntimeConfig } from './context.js';
import { resolveRootfs } from './rootfs.js';
import { fillProcessDefaults } from '../spec/process-defaults.js';

export { resolveRootfs };

/** Options of create/run. */
export interface CreateOptions {
  /**
   * false: return before the process has exec'd (its status may still read `created`).
   * The CLI's foreground `run` sets it: it only waits for the exit, and the wait would
   * take CPU from the container. @internal
   */
  execWait?: boolean;
  /**
   * The spec is handed over (the CLI's, just parsed; nothing else holds it): it is
   * normalised in place rather than copied (ValidateOptions.owned). @internal
   */
  specOwned?: boolean;
  /** Bundle directory: relative paths in the spec are relative to it (default: cwd). */
  bundle?: string;
  /** Write the init's host pid here. */
  pidFile?: string;
  /** MS_MOVE + chroot instead of pivot_root (for ramfs roots). */
  noPivot?: boolean;
  /** Keep the caller's session keyring. */
  noNewKeyring?: boolean;
  /** Pass fds 3 .. 3+N-1 of the stdio array (or of this process) to the container. */
  preserveFds?: number;
  /**
   * Socket activation: the first N fds from 3 (before the preserved ones) are listening
   * sockets; the process gets them with LISTEN_FDS=N and LISTEN_PID=1, as runc passes
   * its caller's LISTEN_FDS.
   */
  listenFds?: number;
  /** Unix socket path that receives the pty master (process.terminal). */
  consoleSocket?: string;
  /** Unix socket path that receives a pidfd of the init (SCM_RIGHTS), as runc's --pidfd-socket. */
  pidfdSocket?: string;
  /**
   * The caller's sd_notify socket (the CLI passes its NOTIFY_SOCKET): the container gets
   * NOTIFY_SOCKET=/run/notify/notify.sock and its READY=1 is relayed there (notify.ts).
   */
  notifySocket?: string;
  /** stdio for fds 0,1,2 (+ preserved): parent fd numbers, streams, 'pipe', 'inherit', 'ignore'. */
  stdio?: StdioEntry[];
}

/** What launch returns. */
export interface Launched {
  state: StoredState;
  /** The shim session (run: the monitor; create/detach: already closed). */
  shim: ShimSession;
  cgroup: CgroupManager | null;
}

function sourceKind(p: string): 'dir' | 'file' | 'missing' {
  try {
    return fs.stat(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** RFC 3339 with nanoseconds, as runc prints `created`. */
export function rfc3339Nano(): string {
  const ns = Math.floor(monotonic() * 1e6) % 1_000_000;
  return new Date().toISOString().replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${ns.toString().padStart(6, '0')}Z`);
}

/** Write a pid file atomically (tmp + rename), as runc does. */
export function writePidFile(path: string, pid: number): void {
  const tmp = resolve(dirname(path), `.${ownPid()}.pid.tmp`);
  try {
    fs.writeFile(tmp, String(pid));
    fs.rename(tmp, path);
  } catch (e) {
    fs.remove(tmp, { force: true });
    throw sysError('write pid file', e, path);
  }
}

/** Create a container and leave its init at the barrier (create) or past it (run, detach). */
export async function launch(rt: RuntimeConfig, store: Store, id: string, spec: Spec, mode: LaunchMode, opts: CreateOptions): Promise<Launched> {
  checkId(id);
  const stdioAll: StdioEntry[] = [...(opts.stdio ?? ['inherit', 'inherit', 'inherit'])];
  const passed = (opts.listenFds ?? 0) + (opts.preserveFds ?? 0);
  while (stdioAll.length < 3 + passed) stdioAll.push(stdioAll.length);
  // The shim starts now and waits for its plan: its exec, dynamic linking and sealed
  // re-exec (3-5 ms) overlap the checks and the cgroup set-up below. Any failure before
  // the plan is sent kills it (it has no container yet); a failure to spawn is reported
  // where it used to be, after the config checks.
  let early: ShimSession | Error;
  try {
    early = ShimSession.spawn({ shimPath: rt.shimPath, stdio: stdioAll });
  } catch (e) {
    early = e as Error;
  }
  try {
    return await launchWith(early, rt, store, id, spec, mode, opts, stdioAll);
  } catch (e) {
    if (early instanceof ShimSession) early.kill();
    throw e;
  }
}

async function launchWith(early: ShimSession | Error, rt: RuntimeConfig, store: Store, id: string, spec: Spec, mode: LaunchMode, opts: CreateOptions, stdioAll: StdioEntry[]): Promise<Launched> {
  const bundle = resolve(opts.bundle ?? cwd());
  const { problems, warnings, spec: normal } = checkSpec(spec, { bundle, ...(opts.specOwned ? { owned: true } : {}) });
  if (problems.length) throw invalid(problems);
  spec = normal as Spec; // as runc reads it: nulls dropped, mount destinations absolute (normalise.ts)
  const ignored = ambientIgnored(spec.process);
  if (ignored.length) warnings.push({ path: 'process.capabilities.ambient', message: `ignoring ${ignored.join(', ')}: an ambient capability must also be inheritable and permitted` });
  for (const w of warnings) rt.onWarning?.(`${w.path}: ${w.message}`);
  if (!spec.process) throw invalid([{ path: 'process', message: 'required to create a container' }]);
  fillProcessDefaults(spec.process);
  const wantsLsm = spec.process?.apparmorProfile || spec.process?.selinuxLabel || spec.linux?.mountLabel;
  const unsupported = hostUnsupported(spec) ?? (wantsLsm ? lsmUnsupported(spec, hostLsm()) : undefined);
  if (unsupported) throw unsupported;
  if (rt.rootless && !(spec.linux?.namespaces ?? []).some((n) => n.type === 'user')) {
    throw invalid([{ path: 'linux.namespaces', message: 'a rootless container needs a user namespace (see runts spec --rootless)' }]);
  }
  const rootfs = resolveRootfs(spec, bundle);
  if (opts.notifySocket !== undefined) checkNotifySocket(opts.notifySocket);
  if (opts.pidFile && !isAbsolute(opts.pidFile)) opts = { ...opts, pidFile: resolve(opts.pidFile) };

  store.reserve(id);
  crashPoint('create:after-reserve');
  let cgroup: CgroupManager | null = null;
  let shim: ShimSession | undefined;
  let initPid = 0;
  let cgroupMade = false;
  let pidsLimit: LinuxResources['pids'];
  let proxy: NotifyProxy | undefined;
  const state: StoredState = {
    version: 1, id, pid: 0, pidStart: 0, bundle, rootfs, created: rfc3339Nano(),
    owner: '', spec, cgroup: null, creator: { pid: ownPid(), start: selfStartTime() },
  };
  try {
    if (rt.cgroups !== false) {
      // pids.max is written once the init is parked, as runc sets its limits then: a limit
      // of 1 (or 0, which means 1) would otherwise forbid the shim's own clone of the init.
      const { pids, ...rest } = spec.linux?.resources ?? {};
      pidsLimit = pids;
      const resources = { ...rest, devices: deviceRulesFor(spec.linux?.resources) };
      const systemd = rt.systemdCgroup ? { systemd: true, ...(rt.systemdUser ? { systemdUserBus: systemdDriver().userBusAddress() } : {}) } : {};
      cgroup = newCgroupManager({ id, cgroupsPath: spec.linux?.cgroupsPath, resources, shimPath: rt.shimPath, deferDevices: true, ...systemd });
      state.cgroup = cgroup.state();
    }
    store.write(state);
    crashPoint('create:after-state');
    // The systemd driver starts a scope with a process in it: the shim, whose clone of the init is then born there.
    cgroup?.create(early instanceof Error ? 0 : early.pid);
    // Again: create() knows now which parent cgroups it made (delete removes them).
    if (cgroup) state.cgroup = cgroup.state();
    cgroupMade = true;
    crashPoint('create:after-cgroup');
    const notifyDir = opts.notifySocket ? prepareNotify(store.dir(id), opts.notifySocket) : undefined;
    const plan = buildInitPlan(notifyDir ? withNotify(spec, notifyDir) : spec, {
      id, bundle, rootfs, launch: mode, fifoPath: store.fifo(id), noPivot: opts.noPivot, noNewKeyring: opts.noNewKeyring,
      preserveFds: opts.preserveFds, listenFds: opts.listenFds, consoleSocket: opts.consoleSocket, pidfdSocket: opts.pidfdSocket, sourceKind, seccompCacheDir: seccompCacheDir(rt.root), rootless: rt.rootless, inUserNamespace: inUserNamespace(),
      cgroup: cgroup ? { layout: cgroup.layout, paths: cgroup.paths } : undefined,
    });
    if (rt.rootless && (plan.cloneFlags & BigInt(CLONE_NEW.user))) {
      Object.assign(plan, rootlessMaps(spec.linux, euid(), egid()));
    }
    if (early instanceof Error) throw early;
    shim = early;
    // The init is born in its cgroup v2 directory (clone3 CLONE_INTO_CGROUP; on v2 the
    // shim attaches the device filter first: no helper process); the shim's stage-0 joins
    // v1 hierarchies itself (its own thread, see cgroups/join.ts) once its sealed re-exec
    // is done, so none of the copy is charged to the container, then clones.
    if (cgroup) {
      Object.assign(plan, cgroupJoin(cgroup.layout, cgroup.paths, plan.joinNamespaces.some((n) => n.type === CLONE_NEW.cgroup)));
      if (cgroup.layout === 'v2') {
        const prog = cgroup.pendingDevices();
        plan.deviceBpf = prog ? hex(prog) : '';
      }
    }
    shim.begin(plan);
    crashPoint('create:after-spawn');
    if (plan.mapsByParent) {
      const req = await shim.expect(Msg.MAPS_NEEDED, 'the id maps request');
      writeIdMaps(view(req.payload).getUint32(0, true), spec.linux);
      shim.send(Msg.MAPS_DONE);
    }
    const pidFrame = await shim.expect(Msg.PID, 'the init pid');
    initPid = view(pidFrame.payload).getUint32(0, true);
    crashPoint('create:after-pid');
    try {
      if (plan.hookBarrier) await hookBarrier(shim, id, bundle, spec, initPid);
      await shim.expect(Msg.READY, 'the init to be ready');
      crashPoint('create:after-ready');
    } catch (e) {
      throw asHookError(e);
    }
    if (pidsLimit) cgroup?.set({ pids: pidsLimit });
    const ps = readProcStat(initPid);
    if (!ps) throw new RuntsError('ESHIM', `init (pid ${initPid}) died before it was ready`);
    state.pid = initPid;
    state.pidStart = ps.startTime;
    delete state.creator;
    store.write(state);
    crashPoint('create:after-final-state');
    if (opts.pidFile) writePidFile(opts.pidFile, initPid);
    if (mode === 'create') shim.close();
    else {
      // Bound before the process runs; MAINPID is the init, or us when we stay (foreground run).
      if (notifyDir) proxy = NotifyProxy.start(rt.shimPath, store.dir(id), opts.notifySocket!, initPid, mode === 'run' ? ownPid() : initPid);
      shim.send(Msg.GO);
      await shim.flush();
      if (hasHooks(spec, 'startContainer')) await startHooksDone(shim, initPid, ps.startTime);
      else if (opts.execWait !== false || hasHooks(spec, 'poststart')) waitExec(initPid, ps.startTime);
      if (hasHooks(spec, 'poststart')) await runHooks('poststart', spec, hookState(id, bundle, spec, 'running', initPid));
    }
    if (mode === 'detach') {
      shim.close();
      await proxy?.wait(); // as runc run -d: return once the container said READY=1 (or died)
    }
    return { state, shim, cgroup };
  } catch (e) {
    if (initPid) {
      try {
        kill(initPid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    shim?.kill();
    proxy?.kill();
    try {
      // A refused create() (a busy or frozen cgroup) made nothing: what is there is not ours.
      if (cgroupMade) cgroup?.destroy();
    } catch {
      /* best effort: the original error matters more */
    }
    if (opts.pidFile) fs.remove(opts.pidFile, { force: true });
    store.remove(id);
    throw e;
  }
}
