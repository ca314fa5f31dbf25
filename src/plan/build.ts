/**
 * PURE: a validated spec + the runtime's choices -> the InitPlan the shim executes.
 * Everything here is data in, data out; host facts (is a bind source a directory, the
 * cgroup paths) come in through BuildContext.
 */
import { isAbsolute, join, normalize, resolve } from '../sys/path.js';
import { Barrier, DeviceKind, Mode, MountKind } from '../process/protocol.js';
import { capMask } from '../spec/capabilities.js';
import {
  MS_BIND, MS_NOATIME, MS_NODEV, MS_NODIRATIME, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_RELATIME, MS_SHARED, MS_SLAVE,
  MS_STRICTATIME, MS_UNBINDABLE, parseMountOptions,
} from '../spec/mount-options.js';
import { parseRlimits } from '../spec/rlimits.js';
import type { Device, IDMapping, Mount, NamespaceType, Process, Spec } from '../spec/types.js';
import type { CgroupLayout } from '../cgroups/manager.js';
import { applyHooks, applyLinuxFields, applyProcessFields, initAffinity } from './fields.js';
import { withIdmap } from './idmap.js';
import { withMountLabel } from './mount-label.js';
import { seccompPlan } from './seccomp.js';
import { emptyPlan, type InitPlan, type PlanDevice, type PlanMount } from './types.js';

/** CLONE_NEW* per spec namespace type. */
export const CLONE_NEW: Readonly<Record<NamespaceType, number>> = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
  time: 0x00000080,
};

/** How the init leaves the barrier. */
export type LaunchMode =
  /** `create`: park on exec.fifo until `start`; the shim exits (init reparents to the caller). */
  | 'create'
  /** foreground `run` / library run: wait for GO, the shim stays and reports the exit status. */
  | 'run'
  /** `run -d`: wait for GO, the shim exits. */
  | 'detach';

/** Host facts and runtime choices the pure builder needs. */
export interface BuildContext {
  id: string;
  /** Absolute bundle directory (relative paths in the spec are relative to it). */
  bundle: string;
  /** Absolute, symlink-resolved rootfs. */
  rootfs: string;
  launch: LaunchMode;
  /** exec.fifo path (launch 'create'). */
  fifoPath?: string;
  noPivot?: boolean;
  noNewKeyring?: boolean;
  preserveFds?: number;
  /** Socket-activation fds, passed before the preserved ones (LISTEN_FDS). */
  listenFds?: number;
  consoleSocket?: string;
  /** Unix socket that receives a pidfd of the init (--pidfd-socket). */
  pidfdSocket?: string;
  /** Directory where the shim caches compiled seccomp programs (absent: no cache). */
  seccompCacheDir?: string;
  /** Kind of a bind source on the host (to create a file or a directory as target). */
  sourceKind: (path: string) => 'dir' | 'file' | 'missing';
  /** Rootless runts (not host root): stage-0 cannot open what the container cannot reach. */
  rootless?: boolean;
  /** Cgroup layout and the container's cgroup dirs (controller or '' -> dir), for `cgroup` mounts. */
  cgroup?: { layout: CgroupLayout; paths: Record<string, string> };
}

/** The devices every container gets (runc's defaults). */
export const DEFAULT_DEVICES: readonly Device[] = [
  { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/zero', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/full', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/random', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/urandom', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { type: 'c', path: '/dev/tty', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const PROPAGATION: Record<string, bigint> = {
  shared: MS_SHARED,
  slave: MS_SLAVE,
  private: MS_PRIVATE,
  unbindable: MS_UNBINDABLE,
  rshared: MS_SHARED | MS_REC,
  rslave: MS_SLAVE | MS_REC,
  rprivate: MS_PRIVATE | MS_REC,
  runbindable: MS_UNBINDABLE | MS_REC,
};

/** Build the plan of a new container. The spec must have passed validateSpec. */
export function buildInitPlan(spec: Spec, ctx: BuildContext): InitPlan {
  const p = emptyPlan();
  const linux = spec.linux ?? {};
  const namespaces = linux.namespaces ?? [];
  const has = (t: NamespaceType) => namespaces.some((n) => n.type === t && !n.path);
  const userns = namespaces.some((n) => n.type === 'user');

  p.mode = Mode.INIT;
  p.label = ctx.id;
  p.setsid = true;
  p.stdioOwner = true;
  p.barrier = ctx.launch === 'create' ? Barrier.FIFO : Barrier.SOCKET;
  p.fifoPath = ctx.launch === 'create' ? (ctx.fifoPath ?? '') : '';
  p.monitor = ctx.launch === 'run';

  for (const ns of namespaces) {
    if (ns.path) p.joinNamespaces.push({ type: CLONE_NEW[ns.type], path: ns.path });
    else p.cloneFlags |= BigInt(CLONE_NEW[ns.type]);
  }
  // user first, so the other joined namespaces are entered with the user namespace's privileges
  p.joinNamespaces.sort((a, b) => Number(b.type === CLONE_NEW.user) - Number(a.type === CLONE_NEW.user));
  if (has('user')) {
    p.uidMap = idMap(linux.uidMappings);
    p.gidMap = idMap(linux.gidMappings);
  }

  p.rootfs = ctx.rootfs;
  p.rootfsPropagation = linux.rootfsPropagation ? (PROPAGATION[linux.rootfsPropagation] ?? 0n) : MS_SLAVE | MS_REC;
  // runc 1.2+: an explicit propagation is applied again to the new "/" (the rootfs's parent
  // was made private, so that is where it takes effect), except private, which it already is;
  // the default (rslave) is not, so the mounts' own propagation options stay as asked.
  const after = linux.rootfsPropagation ? (PROPAGATION[linux.rootfsPropagation] ?? 0n) : 0n;
  if (after && !(after & MS_PRIVATE)) p.rootPropagationAfter = after;
  p.noPivot = ctx.noPivot ?? false;
  p.rootReadonly = spec.root?.readonly ?? false;

  for (const m of spec.mounts ?? []) p.mounts.push(...planMounts(m, ctx).map((pm) => withIdmap(pm, m, linux)));
  p.mounts = withMountLabel(p.mounts, linux.mountLabel);
  // runc: a read-only /dev filesystem is mounted writable and made read-only at the end,
  // so that devpts, the device nodes and the /dev symlinks can still be made in it.
  const dev = p.mounts.find((m) => m.kind === MountKind.FS && normalize(m.destination).replace(/(.)\/$/, '$1') === '/dev');
  if (dev && (dev.flags & MS_RDONLY)) {
    dev.flags &= ~MS_RDONLY;
    p.devReadonly = true;
  }
  // runc 1.2+: with a user namespace, bind sources the container's root cannot reach are
  // opened by the (host root) runtime, in config order (native/mountsrc.c).
  p.mountSources = userns && !ctx.rootless && p.mounts.some((m) => m.kind === MountKind.BIND);

  p.bindDevices = userns;
  p.devices = planDevices(linux.devices ?? []);
  p.symlinks = [
    { target: '/proc/self/fd', path: '/dev/fd' },
    { target: '/proc/self/fd/0', path: '/dev/stdin' },
    { target: '/proc/self/fd/1', path: '/dev/stdout' },
    { target: '/proc/self/fd/2', path: '/dev/stderr' },
  ];
  if ((spec.mounts ?? []).some((m) => m.destination === '/dev/pts' && m.type === 'devpts')) {
    p.symlinks.push({ target: 'pts/ptmx', path: '/dev/ptmx' });
  }
  p.symlinks.push(...cgroupSymlinks(spec.mounts ?? [], ctx));
  p.maskedPaths = [...new Set(linux.maskedPaths ?? [])]; // a path listed twice is masked once
  p.readonlyPaths = [...(linux.readonlyPaths ?? [])];

  if (spec.hostname !== undefined && spec.hostname !== '') p.hostname = spec.hostname;
  if (spec.domainname !== undefined && spec.domainname !== '') p.domainname = spec.domainname;
  for (const [k, v] of Object.entries(linux.sysctl ?? {})) p.sysctls.push({ path: k.replace(/\./g, '/'), value: v });
  p.loopbackUp = has('network');
  if (!ctx.noNewKeyring) p.keyring = `_ses.${ctx.id}`;
  p.preserveFds = (ctx.listenFds ?? 0) + (ctx.preserveFds ?? 0);
  if (ctx.consoleSocket) p.consoleSocket = ctx.consoleSocket;
  if (ctx.pidfdSocket) p.pidfdSocket = ctx.pidfdSocket;

  applyProcess(p, spec.process);
  p.cwdMkdir = true; // as runc: a cwd missing from the image is created (exec's is not)
  initAffinity(p);
  if (ctx.listenFds) {
    p.env = p.env.filter((e) => !e.startsWith('LISTEN_FDS=') && !e.startsWith('LISTEN_PID='));
    p.env.push(`LISTEN_FDS=${ctx.listenFds}`, 'LISTEN_PID=1');
  }
  const seccomp = seccompPlan(linux.seccomp, { id: ctx.id, bundle: ctx.bundle, annotations: spec.annotations, cacheDir: ctx.seccompCacheDir });
  if (seccomp) p.seccomp = seccomp;
  applyHooks(p, spec.hooks);
  applyLinuxFields(p, linux);
  return p;
}

/** The per-process part (shared with exec). */
export function applyProcess(p: InitPlan, proc: Process | undefined): void {
  if (!proc) return;
  p.args = [...(proc.args ?? [])];
  const env = processEnv(proc.env);
  p.env = env.env;
  p.homeFromPasswd = env.homeFromPasswd;
  p.cwd = proc.cwd;
  p.uid = proc.user.uid;
  p.gid = proc.user.gid;
  p.additionalGids = [...(proc.user.additionalGids ?? [])];
  if (proc.user.umask !== undefined) p.umask = proc.user.umask;
  const caps = proc.capabilities ?? {};
  p.capBounding = capMask(caps.bounding ?? [], 'process.capabilities.bounding').mask;
  p.capEffective = capMask(caps.effective ?? [], 'process.capabilities.effective').mask;
  p.capInheritable = capMask(caps.inheritable ?? [], 'process.capabilities.inheritable').mask;
  p.capPermitted = capMask(caps.permitted ?? [], 'process.capabilities.permitted').mask;
  // An ambient capability must also be permitted and inheritable (capabilities(7)); runc
  // ignores the others with a warning (see ambientIgnored), and so do we.
  p.capAmbient = capMask(caps.ambient ?? [], 'process.capabilities.ambient').mask & p.capInheritable & p.capPermitted;
  p.noNewPrivs = proc.noNewPrivileges ?? false;
  p.rlimits = parseRlimits(proc.rlimits ?? []).rlimits.map((r) => ({ resource: r.resource, soft: r.soft, hard: r.hard }));
  if (proc.oomScoreAdj !== undefined) p.oomScoreAdj = proc.oomScoreAdj;
  p.terminal = proc.terminal ?? false;
  if (proc.apparmorProfile) p.apparmorProfile = proc.apparmorProfile;
  if (proc.selinuxLabel) p.selinuxLabel = proc.selinuxLabel;
  if (proc.consoleSize) {
    p.consoleHeight = proc.consoleSize.height;
    p.consoleWidth = proc.consoleSize.width;
  }
  applyProcessFields(p, proc);
}

/**
 * The process environment as runc 1.3 prepares it: a KEY given twice keeps its last
 * value (at the place of that last one), and HOME, when absent or empty, comes from the
 * container's /etc/passwd for the process's uid ("/" without an entry; the shim reads
 * it inside the container and appends it). No env at all stays empty, without HOME.
 * (runc 1.1 kept duplicates and replaced an empty HOME in place.)
 */
export function processEnv(env: readonly string[] | undefined): { env: string[]; homeFromPasswd: boolean } {
  if (env === undefined) return { env: [], homeFromPasswd: false };
  const keyOf = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  const last = new Map<string, number>();
  env.forEach((e, i) => last.set(keyOf(e), i));
  const out = env.filter((e, i) => last.get(keyOf(e)) === i && e !== 'HOME=');
  return { env: out, homeFromPasswd: !out.some((e) => e.startsWith('HOME=')) };
}

/** Names of ambient capabilities that will be ignored (not both permitted and inheritable). */
export function ambientIgnored(proc: Process | undefined): string[] {
  const caps = proc?.capabilities ?? {};
  const keep = new Set((caps.permitted ?? []).filter((c) => (caps.inheritable ?? []).includes(c)));
  return (caps.ambient ?? []).filter((c) => !keep.has(c));
}

function idMap(maps: IDMapping[] | undefined): string {
  return (maps ?? []).map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** One spec mount -> plan mounts (a `cgroup` mount expands to several). */
export function planMounts(m: Mount, ctx: BuildContext): PlanMount[] {
  const o = parseMountOptions(m.options ?? []);
  const type = m.type ?? '';
  if (type === 'cgroup' || type === 'cgroup2') return cgroupMounts(m, ctx);
  const bind = o.bind || type === 'bind';
  const base: PlanMount = {
    kind: MountKind.FS,
    source: m.source ?? '',
    destination: m.destination,
    fstype: type,
    flags: o.flags,
    data: o.data,
    propagation: o.propagation,
    attrSet: o.attrSet,
    attrClr: o.attrClr,
    destIsFile: false,
    remountFlags: 0n,
  };
  if (!bind) {
    // runc 1.2+: a tmpfs without mode= keeps the mode of the directory it covers.
    const keepMode = type === 'tmpfs' && !o.data.split(',').some((d) => d.startsWith('mode='));
    // runc: proc and sysfs go on a real directory; a symlink there (to anywhere) is refused.
    const ordinaryDir = type === 'proc' || type === 'sysfs';
    return [{
      ...base, ...(o.tmpcopyup ? { tmpcopyup: true } : {}), ...(keepMode ? { keepMode: true } : {}), ...(ordinaryDir ? { ordinaryDir: true } : {}),
    }];
  }
  const source = isAbsolute(m.source ?? '') ? (m.source as string) : resolve(ctx.bundle, m.source ?? '');
  // runc 1.2+: any flag option, set or cleared, means a remount with exactly the flags
  // asked for (plus the source's atime flags when none was asked for).
  const remount = o.flags & ~(MS_BIND | MS_REC);
  const clear = o.clearFlags & ~(MS_BIND | MS_REC);
  const atime = MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;
  return [{
    ...base,
    kind: MountKind.BIND,
    source,
    fstype: '',
    flags: MS_BIND | (o.recursiveBind ? MS_REC : 0n),
    data: '',
    destIsFile: ctx.sourceKind(source) === 'file',
    remountFlags: remount ? remount : 0n,
    ...(clear ? { remountClear: clear } : {}),
    ...((remount || clear) && !(remount & atime) ? { keepAtime: true } : {}),
  }];
}

/**
 * A `cgroup` mount: on v2 a bind of the container's own cgroup dir; on v1/hybrid a
 * tmpfs with one bind per controller hierarchy (the container sees its own cgroup as
 * the root, with or without a cgroup namespace, and in a user namespace too).
 */
function cgroupMounts(m: Mount, ctx: BuildContext): PlanMount[] {
  if (!ctx.cgroup) return [];
  const o = parseMountOptions(m.options ?? []);
  const bindFlags = o.flags & ~(MS_BIND | MS_REC);
  const bindOf = (source: string, destination: string): PlanMount => ({
    kind: MountKind.BIND, source, destination, fstype: '', flags: MS_BIND, data: '', propagation: [],
    attrSet: 0n, attrClr: 0n, destIsFile: false, remountFlags: bindFlags | MS_NOSUID | MS_NODEV | MS_NOEXEC,
  });
  const { layout, paths } = ctx.cgroup;
  if (layout === 'v2') return paths[''] ? [bindOf(paths[''], m.destination)] : [];
  const out: PlanMount[] = [{
    kind: MountKind.FS, source: 'tmpfs', destination: m.destination, fstype: 'tmpfs',
    flags: MS_NOSUID | MS_NODEV | MS_NOEXEC, data: 'mode=755', propagation: [], attrSet: 0n, attrClr: 0n,
    destIsFile: false, remountFlags: 0n,
  }];
  // A hybrid host's cgroup2 (unified) hierarchy is not mounted: runc 1.1 and 1.3 mount the
  // v1 hierarchies only, and a caller comparing /proc/self/mountinfo sees the same set.
  const { '': _unified, ...v1 } = paths;
  for (const [hier, dir] of hierarchies(v1)) out.push(bindOf(dir, join(m.destination, hier)));
  return out;
}

/** Hierarchy directory names (e.g. "cpu,cpuacct", "unified") -> container cgroup dir. */
function hierarchies(paths: Record<string, string>): Array<[string, string]> {
  const seen = new Map<string, string>();
  for (const [ctrl, dir] of Object.entries(paths)) {
    // dir = <mount>/<path>; the hierarchy name is the first component under /sys/fs/cgroup
    const m = /^\/sys\/fs\/cgroup\/([^/]+)/.exec(dir);
    const hier = m?.[1] ?? (ctrl === '' ? 'unified' : ctrl);
    if (!seen.has(hier)) seen.set(hier, dir);
  }
  return [...seen.entries()];
}

/** Symlinks for co-mounted v1 controllers (cpu -> cpu,cpuacct), as on the host. */
function cgroupSymlinks(mounts: Mount[], ctx: BuildContext): Array<{ target: string; path: string }> {
  const m = mounts.find((x) => x.type === 'cgroup' || x.type === 'cgroup2');
  if (!m || !ctx.cgroup || ctx.cgroup.layout === 'v2') return [];
  const out: Array<{ target: string; path: string }> = [];
  for (const [hier] of hierarchies(ctx.cgroup.paths)) {
    if (!hier.includes(',')) continue;
    for (const part of hier.split(',')) out.push({ target: hier, path: join(m.destination, part) });
  }
  return out;
}

/** Default devices plus the spec's, the spec winning on the same path. */
export function planDevices(devices: Device[]): PlanDevice[] {
  const byPath = new Map<string, Device>();
  for (const d of DEFAULT_DEVICES) byPath.set(d.path, d);
  for (const d of devices) byPath.set(d.path, d);
  return [...byPath.values()].map((d) => ({
    path: d.path,
    kind: d.type === 'b' ? DeviceKind.BLOCK : d.type === 'p' ? DeviceKind.FIFO : DeviceKind.CHAR,
    major: d.major ?? 0,
    minor: d.minor ?? 0,
    mode: d.fileMode ?? 0o666,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
  }));
}
