/**
 * restore: a container from a checkpoint, set up as `create` would have set it up.
 *
 *   criu usable? -> runts-checkpoint.json -> reserve id -> state.json (creating) -> cgroup
 *   create -> relay (runts-init criu-swrk) joins the cgroup -> RESTORE (rst_sibling, root
 *   bound on <state>/criu-root in the relay's own mount namespace, external mounts mapped
 *   to this host's paths, stdio handed in for pipes and host files)
 *   -> post-restore: state.json (pid, start time), pid file -> answer -> relay exits
 *
 * The restored init is the relay's child; the relay exits when CRIU is done, so the init
 * is re-parented to the caller's subreaper exactly like a created container's init. In
 * monitor mode (foreground `restore`) the relay stays, waits for it and exits with its
 * status. Every failure removes what was made: state, cgroup, pid file, processes.
 */
import * as fs from '../sys/fs.js';
import { kill, pid } from '../sys/self.js';
import { posix, resolve } from '../sys/path.js';
import { DEFAULT_ROOT, newCgroupManager, deviceRulesFor, type CgroupManager } from '../cgroups/manager.js';
import { hostView } from '../cgroups/paths.js';
import type { RuntimeConfig } from '../container/context.js';
import { resolveRootfs, rfc3339Nano, writePidFile } from '../container/create.js';
import { RuntsError, sysError } from '../errors.js';
import type { Spec } from '../spec/types.js';
import { selfStartTime } from '../state/lock.js';
import { checkId, type Store, type StoredState } from '../state/store.js';
import { readProcStat } from '../sys/proc.js';
import { requireCriu } from './binary.js';
import { cgMode, emptyNsFlags, openDir, type CriuCommonOptions } from './checkpoint.js';
import { requireFeatures } from './features.js';
import { readImage, type CheckpointImage } from './image.js';
import { criuFailure } from './log.js';
import { restoreMountpoints } from './mountpoints.js';
import { CgMode, ReqType, type CriuOpts } from './rpc.js';
import { SwrkSession } from './swrk.js';

/** Options of restore. */
export interface RestoreOptions extends CriuCommonOptions {
  /** Bundle of the restored container (default: the checkpointed one). */
  bundle?: string;
  /** Config to restore with (default: the checkpointed container's). */
  spec?: Spec;
  /** Write the restored init's host pid here. */
  pidFile?: string;
  /** Unix socket that receives the pty master of a container with a terminal. */
  consoleSocket?: string;
  /** LSM profile to restore with instead of the checkpointed one. */
  lsmProfile?: string;
  /** LSM mount context (SELinux) for the restored mounts. */
  lsmMountContext?: string;
  /** stdio of the restored init where it was a pipe or a host file: fds of this process, 'inherit' or 'ignore' (default). */
  stdio?: Array<number | 'inherit' | 'ignore'>;
  /** With lazyPages: an fd of this process that gets "\0" once the restore waits for pages. */
  statusFd?: number;
}

/** What restore returns: the state and, in monitor mode, the relay that waits for the init. */
export interface Restored {
  state: StoredState;
  session: SwrkSession;
}

/** Restore container `id` from a checkpoint. Called by Runtime.restore. */
export async function restore(rt: RuntimeConfig, store: Store, id: string, opts: RestoreOptions, monitor = false): Promise<Restored> {
  checkId(id);
  const mode = cgMode(opts.manageCgroupsMode);
  const emptyNs = emptyNsFlags(opts.emptyNs);
  const criu = requireCriu({ path: opts.criuPath, cacheDir: rt.root });
  const imagePath = resolve(opts.imagePath ?? 'checkpoint');
  const img = readImage(imagePath);
  const spec = opts.spec ?? img.state.spec;
  const bundle = resolve(opts.bundle ?? img.state.bundle);
  const rootfs = resolveRootfs(spec, bundle);
  const mountpoints = restoreMountpoints(spec, bundle);
  await requireFeatures(rt.shimPath, criu.path, { lazyPages: !!opts.lazyPages }, `restore ${id}`);
  const pidFile = opts.pidFile ? resolve(opts.pidFile) : undefined;
  const workPath = opts.workPath ? resolve(opts.workPath) : undefined;

  const fds: number[] = [];
  store.reserve(id);
  const state: StoredState = {
    version: 1, id, pid: 0, pidStart: 0, bundle, rootfs, created: rfc3339Nano(), owner: '', spec, cgroup: null,
    creator: { pid: pid(), start: selfStartTime() },
  };
  let cgroup: CgroupManager | null = null;
  let session: SwrkSession | undefined;
  let cgroupOurs = false;
  const criuRoot = resolve(store.dir(id), 'criu-root');
  try {
    fds.push(openDir(imagePath, false, 'image path'));
    if (workPath) fds.push(openDir(workPath, true, 'work path'));
    const nsFds: Array<{ key: string; fd: number }> = [];
    const joinNs: Array<{ ns: string; nsFile: string }> = [];
    for (const ns of spec.linux?.namespaces ?? []) {
      if (!ns.path) continue;
      if (ns.type === 'network' || ns.type === 'pid') {
        let fd: number;
        try {
          fd = fs.open(ns.path, fs.O.RDONLY);
        } catch (e) {
          throw sysError(`open ${ns.type} namespace`, e, ns.path);
        }
        fds.push(fd);
        nsFds.push({ key: ns.type === 'network' ? 'extRootNetNS' : 'extRootPidNS', fd: 3 + fds.length });
      } else if (ns.type === 'cgroup') {
        throw new RuntsError('EUNSUPPORTED', `linux.namespaces: CRIU cannot join an existing cgroup namespace (${ns.path})`);
      } else {
        joinNs.push({ ns: ns.type === 'mount' ? 'mnt' : ns.type, nsFile: ns.path });
      }
    }
    // strict: CRIU restores the cgroups itself, properties included, and aborts when they
    // exist ("Abort restore of existing cgroups"), so they are left to it: refused early
    // when already there, not made here, the relay not moved (runc fails here instead).
    // A dump made with --manage-cgroups-mode ignore holds no cgroups: runts makes them.
    const strict = mode === CgMode.strict && img.cgroupMode !== 'ignore';
    // The systemd driver: a transient scope starts with a process in it, so the relay is
    // started first and becomes the scope's process (as runc passes CRIU's pid to systemd).
    const systemd = rt.cgroups !== false && !!rt.systemdCgroup;
    if (systemd && strict) {
      throw new RuntsError('EUNSUPPORTED', 'restore --manage-cgroups-mode strict with --systemd-cgroup: in strict mode CRIU makes the cgroup itself, but with the systemd driver systemd makes it (a transient scope); use soft or full');
    }
    if (rt.cgroups !== false) {
      const resources = { ...spec.linux?.resources, devices: deviceRulesFor(spec.linux?.resources) };
      cgroup = newCgroupManager({ id, cgroupsPath: spec.linux?.cgroupsPath, resources, shimPath: rt.shimPath, ...(systemd ? { systemd: true } : {}) });
      state.cgroup = cgroup.state();
    }
    store.write(state);
    if (strict && cgroup) strictFree(cgroup);
    else if (!systemd) cgroup?.create();
    cgroupOurs = !strict && !systemd; // strict: ours once CRIU runs (it makes them); systemd: once the scope is started
    fs.mkdir(criuRoot, { mode: 0o755 });

    const stdio = opts.stdio ?? ['ignore', 'ignore', 'ignore'];
    session = new SwrkSession({
      shimPath: rt.shimPath, criuPath: criu.path, monitor,
      stdio: [stdio[0] ?? 'ignore', stdio[1] ?? 'ignore', stdio[2] ?? 'ignore', null, ...fds],
      rootBind: { src: rootfs, dst: criuRoot }, mountpoints,
      ...(opts.consoleSocket ? { consoleSocket: resolve(opts.consoleSocket) } : {}),
    });
    if (!session.pid) throw new RuntsError('ESYS', `restore ${id}: cannot start ${rt.shimPath} criu-swrk`);
    if (systemd) {
      cgroup?.create(session.pid);
      cgroupOurs = true;
    } else if (!strict) cgroup?.apply(session.pid);

    const o: CriuOpts = {
      imagesDirFd: 4, evasiveDevices: true, logLevel: 4, logFile: 'restore.log', rstSibling: true, root: criuRoot,
      manageCgroups: true, manageCgroupsMode: mode, notifyScripts: true, shellJob: !!opts.shellJob,
      extUnixSk: !!opts.extUnixSk, tcpEstablished: !!opts.tcpEstablished, fileLocks: !!opts.fileLocks, emptyNs,
      orphanPtsMaster: true, autoDedup: !!opts.autoDedup, lazyPages: !!opts.lazyPages,
      extMnt: externalMountMap(img, spec, bundle, cgroup), inheritFd: [...inheritStdio(img), ...nsFds],
      ...(cgroup ? { cgRoot: strict ? intendedRoots(cgroup) : cgroupRoots(session.pid) } : {}),
      ...(joinNs.length ? { joinNs } : {}),
      ...(workPath ? { workDirFd: 5 } : {}),
      ...(opts.lsmProfile ? { lsmProfile: opts.lsmProfile } : {}),
      ...(opts.lsmMountContext ? { lsmMountContext: opts.lsmMountContext } : {}),
      ...(spec.annotations?.['org.criu.config'] !== undefined
        ? spec.annotations['org.criu.config'] ? { configFile: spec.annotations['org.criu.config'] } : {}
        : { configFile: '/etc/criu/runc.conf' }),
    };
    const logPath = resolve(workPath ?? imagePath, 'restore.log');
    const recordPid = (pid: number) => {
      if (state.pid === pid || pid <= 0) return;
      const ps = readProcStat(pid);
      if (!ps) throw new RuntsError('ESYS', `restore ${id}: restored init ${pid} is gone`);
      state.pid = pid;
      state.pidStart = ps.startTime;
      delete state.creator;
      store.write(state);
      if (pidFile) writePidFile(pidFile, pid);
    };
    let resp;
    cgroupOurs = true;
    try {
      resp = await session.call({ type: ReqType.RESTORE, opts: o }, (script, pid) => {
        if (script === 'post-restore') recordPid(pid);
        else if (script === 'status-ready' && opts.statusFd !== undefined) {
          try {
            fs.close(opts.statusFd);
          } catch {
            /* already closed */
          }
        }
      });
    } catch (e) {
      if (e instanceof RuntsError && e.code === 'ESHIM') throw new RuntsError('ESHIM', `restore ${id}: ${e.message}`, { step: e.step ?? 'criu-swrk', cause: e });
      throw e instanceof RuntsError && e.code !== 'ESYS' ? e : criuFailure(`restore ${id}`, logPath, undefined, e);
    }
    if (!resp.success) throw criuFailure(`restore ${id}`, logPath, resp);
    recordPid(resp.restore?.pid ?? 0);
    if (!state.pid) throw new RuntsError('ESYS', `restore ${id}: criu did not report the restored pid; see ${logPath}`);
    // CRIU restores cgroup files, not the v2 device program (an eBPF attachment).
    if (strict && cgroup?.layout === 'v2') cgroup.set({ devices: deviceRulesFor(spec.linux?.resources) });
    session.close();
    if (!monitor) await session.wait();
    rmdirQuiet(criuRoot);
    return { state, session };
  } catch (e) {
    session?.kill();
    if (state.pid) {
      try {
        kill(state.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    try {
      // A refused create() or strict check made nothing: what is there is not ours.
      if (cgroupOurs) cgroup?.destroy();
    } catch {
      /* the original error matters more */
    }
    if (pidFile) fs.remove(pidFile, { force: true });
    store.remove(id);
    throw e;
  } finally {
    for (const fd of fds) fs.close(fd);
  }
}

/** inherit_fd for the init's stdio that was a pipe or a host file: the new fds 0-2. */
function inheritStdio(img: CheckpointImage): Array<{ key: string; fd: number }> {
  const out: Array<{ key: string; fd: number }> = [];
  img.stdio.forEach((key, fd) => {
    if (key && !out.some((x) => x.key === key)) out.push({ key, fd });
  });
  return out;
}

/** ext_mnt for restore: each external mount's destination -> this host's source. */
function externalMountMap(img: CheckpointImage, spec: Spec, bundle: string, cgroup: CgroupManager | null): Array<{ key: string; val: string }> {
  const out: Array<{ key: string; val: string }> = [];
  for (const e of img.externalMounts) {
    let val: string | undefined;
    if (e.kind === 'dev') val = e.dest;
    else if (e.kind === 'bind') {
      const m = (spec.mounts ?? []).find((x) => x.destination.replace(/\/+$/, '') === e.dest);
      if (m?.source) val = resolve(bundle, m.source);
    } else {
      // /sys/fs/cgroup/<hierarchy> -> the new cgroup's directory in that hierarchy
      const hier = e.dest.slice('/sys/fs/cgroup'.length).replace(/^\//, '');
      const dirs = Object.values(cgroup?.paths ?? {});
      val = hier ? dirs.find((d) => d.startsWith(`/sys/fs/cgroup/${hier}/`)) : dirs[0];
    }
    if (!val) throw new RuntsError('EINVALID', `restore: no source for the external mount ${e.dest} (not in the config's mounts, or no cgroup)`);
    out.push({ key: e.dest, val });
  }
  return out;
}

/** cg_root: the relay's cgroups (the new container's), one per hierarchy, as runc passes them. */
function cgroupRoots(pid: number): Array<{ ctrl: string; path: string }> {
  const out: Array<{ ctrl: string; path: string }> = [];
  for (const line of fs.readText(`/proc/${pid}/cgroup`).split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out.push({ ctrl: m[1] as string, path: m[2] as string });
  }
  return out;
}

/** strict restore: the container's cgroups must not exist yet (CRIU makes them). */
function strictFree(cg: CgroupManager): void {
  for (const dir of new Set(Object.values(cg.paths))) {
    if (fs.exists(dir)) {
      throw new RuntsError('EEXIST', `restore --manage-cgroups-mode strict: cgroup ${dir} already exists (in strict mode CRIU creates the container's cgroups itself)`, { path: dir });
    }
  }
}

/**
 * cg_root for strict mode: each hierarchy's container directory, as CRIU names the
 * hierarchy in /proc/PID/cgroup ("cpu,cpuacct", "name=systemd", "" for cgroup v2) and
 * relative to the hierarchy's root.
 */
function intendedRoots(cg: CgroupManager): Array<{ ctrl: string; path: string }> {
  const view = hostView(DEFAULT_ROOT, cg.layout);
  const mounts = [...view.v1, ...(view.unified ? [view.unified] : [])];
  const out: Array<{ ctrl: string; path: string }> = [];
  for (const dir of new Set(Object.values(cg.paths))) {
    const m = mounts.find((x) => dir.startsWith(x.mountpoint + '/'));
    if (!m) continue;
    out.push({ ctrl: m.type === 'cgroup2' ? '' : m.controllers.join(','), path: posix.join(m.root, dir.slice(m.mountpoint.length)) });
  }
  return out;
}

/** Remove the (empty, unmounted in our namespace) criu-root mount point; leftovers go with the state dir. */
function rmdirQuiet(dir: string): void {
  try {
    fs.rmdir(dir);
  } catch {
    /* delete removes the state directory */
  }
}
