/**
 * checkpoint: dump a running (or paused) container with CRIU (see swrk.ts for how).
 *
 *   lock -> status running|paused -> criu usable? -> image/work dirs -> external mounts,
 *   stdio, namespaces -> runts-checkpoint.json -> DUMP (or PRE_DUMP) through the relay
 *   -> without --leave-running the processes are gone: the container is deleted (runc)
 *
 * A failed dump leaves the container running (CRIU rolls back) and reports CRIU's
 * reason in one line with the path of its log.
 */
import * as fs from '../sys/fs.js';
import { resolve } from '../sys/path.js';
import { loadCgroupManager } from '../cgroups/manager.js';
import type { RuntimeConfig } from '../container/context.js';
import { RuntsError, sysError } from '../errors.js';
import { lock } from '../state/lock.js';
import { crashPoint } from '../sys/crash.js';
import type { Store, StoredState } from '../state/store.js';
import { requireCriu } from './binary.js';
import { requireFeatures } from './features.js';
import { externalMounts, parseMountInfo, stdioKeys, writeImage } from './image.js';
import { criuFailure } from './log.js';
import { CgMode, ReqType, type CriuOpts } from './rpc.js';
import { SwrkSession } from './swrk.js';

/** Options shared by checkpoint and restore (runc's flags). */
export interface CriuCommonOptions {
  /** Directory of the CRIU images (created by checkpoint). Default: ./checkpoint. */
  imagePath?: string;
  /** Directory for CRIU's log and temporary files (default: the image path). */
  workPath?: string;
  /** Allow open TCP connections. */
  tcpEstablished?: boolean;
  /** Allow unix sockets connected to processes outside the container. */
  extUnixSk?: boolean;
  /** Allow a process tree that is a shell job (its session or terminal is outside). */
  shellJob?: boolean;
  /** Dump/restore file locks. */
  fileLocks?: boolean;
  /** soft (default), full, strict or ignore. */
  manageCgroupsMode?: 'soft' | 'full' | 'strict' | 'ignore';
  /** Namespaces CRIU leaves empty, by OCI name ("network"). */
  emptyNs?: string[];
  /** Deduplicate the images against the parent as pages are written/read. */
  autoDedup?: boolean;
  /** Lazy migration: pages are served on demand (userfaultfd). */
  lazyPages?: boolean;
  /** Path of criu (default: `criu` on PATH). */
  criuPath?: string;
}

/** Options of checkpoint. */
export interface CheckpointOptions extends CriuCommonOptions {
  /** Images of a previous pre-dump, relative to the image path (iterative migration). */
  parentPath?: string;
  /** Keep the container running after the dump. */
  leaveRunning?: boolean;
  /** Dump memory only, to be completed by a later checkpoint with parentPath. */
  preDump?: boolean;
  /** Send the pages to a CRIU page server, "address:port". */
  pageServer?: string;
  /** With lazyPages: an fd of this process that gets "\0" once the lazy-pages server is ready. */
  statusFd?: number;
}

const NS_FLAGS: Record<string, number> = { network: 0x40000000, ipc: 0x08000000, uts: 0x04000000, mount: 0x00020000, pid: 0x20000000, user: 0x10000000, cgroup: 0x02000000 };

/** CLONE_* bits of namespace names (empty_ns). */
export function emptyNsFlags(names: string[] = []): number {
  let flags = 0;
  for (const n of names) {
    const f = NS_FLAGS[n];
    if (f === undefined) throw new RuntsError('EINVALID', `empty-ns: unknown namespace ${JSON.stringify(n)} (one of ${Object.keys(NS_FLAGS).join(', ')})`);
    flags |= f;
  }
  return flags >>> 0;
}

/** criu_cg_mode of a mode name. */
export function cgMode(name = 'soft'): number {
  if (!['soft', 'full', 'strict', 'ignore'].includes(name)) {
    throw new RuntsError('EINVALID', `manage-cgroups-mode: ${JSON.stringify(name)} is not one of soft, full, strict, ignore`);
  }
  return CgMode[name as keyof typeof CgMode];
}

/** Open a directory (created when missing) for CRIU, as an fd. */
export function openDir(path: string, create: boolean, what: string): number {
  if (create) {
    try {
      fs.mkdir(path, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw sysError(`create ${what}`, e, path);
    }
  }
  try {
    const fd = fs.open(path, fs.O.RDONLY);
    if (!fs.fstat(fd).isDirectory()) {
      fs.close(fd);
      throw new RuntsError('EINVALID', `${what} ${path}: not a directory`);
    }
    return fd;
  } catch (e) {
    if (e instanceof RuntsError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new RuntsError('EINVALID', `${what} ${path} does not exist`, { path, cause: e });
    throw sysError(`open ${what}`, e, path);
  }
}

/** Checkpoint container `id`. Called by Container.checkpoint. */
export async function checkpoint(rt: RuntimeConfig, store: Store, id: string, opts: CheckpointOptions, status: (st: StoredState) => string): Promise<void> {
  const criu = requireCriu({ path: opts.criuPath, cacheDir: rt.root });
  store.read(id);
  const l = lock(store.dir(id));
  const fds: number[] = [];
  try {
    crashPoint('checkpoint:after-lock');
    const st = store.read(id);
    const s = status(st);
    if (s !== 'running' && s !== 'paused') throw new RuntsError('ESTATE', `container ${id}: container not running`);
    const mode = cgMode(opts.manageCgroupsMode);
    const emptyNs = emptyNsFlags(opts.emptyNs);
    await requireFeatures(rt.shimPath, criu.path, { memTrack: !!(opts.preDump || opts.parentPath), lazyPages: !!opts.lazyPages }, `checkpoint ${id}`);
    const imagePath = resolve(opts.imagePath ?? 'checkpoint');
    const workPath = opts.workPath ? resolve(opts.workPath) : undefined;
    fds.push(openDir(imagePath, true, 'image path'));
    if (workPath) fds.push(openDir(workPath, true, 'work path'));

    const mounts = parseMountInfo(fs.readText(`/proc/${st.pid}/mountinfo`));
    const ext = externalMounts(st.spec, mounts);
    const stdio = stdioKeys(st.pid, new Set(mounts.map((m) => m.id)));
    const external = [...stdio.external];
    for (const ns of st.spec.linux?.namespaces ?? []) {
      if (!ns.path || (ns.type !== 'network' && ns.type !== 'pid')) continue;
      const key = ns.type === 'network' ? 'extRootNetNS' : 'extRootPidNS';
      external.push(`${ns.type === 'network' ? 'net' : 'pid'}[${fs.stat(ns.path).ino}]:${key}`);
    }
    const o: CriuOpts = {
      imagesDirFd: 4,
      logLevel: 4,
      logFile: 'dump.log',
      root: st.rootfs,
      manageCgroups: true,
      manageCgroupsMode: mode,
      notifyScripts: true,
      pid: st.pid,
      shellJob: !!opts.shellJob,
      leaveRunning: !!opts.leaveRunning,
      tcpEstablished: !!opts.tcpEstablished,
      extUnixSk: !!opts.extUnixSk,
      fileLocks: !!opts.fileLocks,
      emptyNs,
      orphanPtsMaster: true,
      autoDedup: !!opts.autoDedup,
      lazyPages: !!opts.lazyPages,
      ...(workPath ? { workDirFd: 5 } : {}),
      ...(st.spec.annotations?.['org.criu.config'] !== undefined
        ? st.spec.annotations['org.criu.config'] ? { configFile: st.spec.annotations['org.criu.config'] } : {}
        : { configFile: '/etc/criu/runc.conf' }),
    };
    const freezer = st.cgroup?.paths['freezer'] ?? (st.cgroup?.layout === 'v2' ? st.cgroup.paths[''] : undefined);
    if (freezer) o.freezeCgroup = freezer;
    if (opts.pageServer) {
      const m = /^(.*):(\d+)$/.exec(opts.pageServer);
      if (!m) throw new RuntsError('EINVALID', `page-server: ${JSON.stringify(opts.pageServer)} is not ADDRESS:PORT`);
      o.ps = { address: m[1] as string, port: Number(m[2]) };
    }
    if (opts.parentPath) {
      o.parentImg = opts.parentPath;
      o.trackMem = true;
    }
    if (!opts.preDump) {
      o.extMnt = ext.map((e) => ({ key: e.dest, val: e.dest }));
      o.external = external;
      writeImage(imagePath, { version: 1, state: st, stdio: stdio.keys, externalMounts: ext, criu: criu.versionText, cgroupMode: opts.manageCgroupsMode ?? 'soft' });
    }
    crashPoint('checkpoint:before-dump');

    const logPath = resolve(workPath ?? imagePath, 'dump.log');
    const session = new SwrkSession({ shimPath: rt.shimPath, criuPath: criu.path, stdio: ['ignore', 'ignore', 'ignore', null, ...fds] });
    let resp;
    try {
      resp = await session.call({ type: opts.preDump ? ReqType.PRE_DUMP : ReqType.DUMP, opts: o }, (script) => {
        // CRIU has frozen the container and is dumping it: the worst moment to die.
        if (script === 'post-dump') crashPoint('checkpoint:in-dump');
        if (script === 'status-ready' && opts.statusFd !== undefined) {
          fs.write(opts.statusFd, '\0');
          fs.close(opts.statusFd);
        }
      });
    } catch (e) {
      session.kill();
      if (e instanceof RuntsError && e.code === 'ESHIM') throw new RuntsError('ESHIM', `checkpoint ${id}: ${e.message}`, { step: e.step ?? 'criu-swrk', cause: e });
      throw criuFailure(`checkpoint ${id}`, logPath, undefined, e);
    } finally {
      session.close();
    }
    await session.wait();
    if (!resp.success) throw criuFailure(`checkpoint ${id}`, logPath, resp);
    crashPoint('checkpoint:after-dump');
    if (!opts.leaveRunning && !opts.preDump) removeDumped(rt, store, st);
  } finally {
    for (const fd of fds) fs.close(fd);
    l.release();
  }
}

/** After a dump without --leave-running CRIU has killed the processes: remove the container, as runc does. */
function removeDumped(rt: RuntimeConfig, store: Store, st: StoredState): void {
  if (st.cgroup) loadCgroupManager(st.cgroup, undefined, { shimPath: rt.shimPath }).destroy();
  store.remove(st.id);
}
