/**
 * InitPlan <-> bytes (the PLAN frame payload). The format is in src/process/protocol.ts.
 * decodePlan exists for tests and `--debug`; the shim has its own decoder in C.
 */
import { PROTOCOL_VERSION, Tag, TLV_HEADER } from '../process/protocol.js';
import { decodeSecurity, encodeSecurity } from './encode-security.js';
import { emptyPlan, type InitPlan, type PlanMount } from './types.js';
import { text, utf8, view } from '../sys/bytes.js';

type Field = [tag: number, value: Uint8Array];

function u32(tag: number, v: number): Field {
  const b = new Uint8Array(4);
  view(b).setUint32(0, v >>> 0, true);
  return [tag, b];
}
function i32(tag: number, v: number): Field {
  const b = new Uint8Array(4);
  view(b).setInt32(0, v | 0, true);
  return [tag, b];
}
function u64(tag: number, v: bigint): Field {
  const b = new Uint8Array(8);
  view(b).setBigUint64(0, BigInt.asUintN(64, v), true);
  return [tag, b];
}
function str(tag: number, v: string): Field {
  return [tag, utf8(v)];
}
function bool(tag: number, v: boolean): Field[] {
  return v ? [u32(tag, 1)] : [];
}
function group(tag: number, fields: Field[]): Field {
  return [tag, tlv(fields)];
}

/** Serialise TLV records. */
export function tlv(fields: Field[]): Uint8Array {
  let size = 0;
  for (const [, v] of fields) size += TLV_HEADER + v.length;
  const out = new Uint8Array(size);
  const dv = view(out);
  let off = 0;
  for (const [tag, v] of fields) {
    dv.setUint16(off, tag, true);
    dv.setUint32(off + 4, v.length, true);
    out.set(v, off + TLV_HEADER);
    off += TLV_HEADER + v.length;
  }
  return out;
}

/** Parse TLV records; throws on truncation. */
export function parseTlv(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  const dv = view(buf);
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < TLV_HEADER) throw new RangeError(`truncated tlv header at ${off}`);
    const tag = dv.getUint16(off, true);
    const len = dv.getUint32(off + 4, true);
    if (buf.length - off - TLV_HEADER < len) throw new RangeError(`truncated tlv value of tag ${tag} at ${off}`);
    out.push([tag, buf.subarray(off + TLV_HEADER, off + TLV_HEADER + len)]);
    off += TLV_HEADER + len;
  }
  return out;
}

function mountFields(m: PlanMount): Field[] {
  return [
    u32(Tag.M_KIND, m.kind),
    str(Tag.M_SOURCE, m.source),
    str(Tag.M_DEST, m.destination),
    str(Tag.M_FSTYPE, m.fstype),
    u64(Tag.M_FLAGS, m.flags),
    str(Tag.M_DATA, m.data),
    ...m.propagation.map((p) => u64(Tag.M_PROPAGATION, p)),
    u64(Tag.M_ATTR_SET, m.attrSet),
    u64(Tag.M_ATTR_CLR, m.attrClr),
    ...bool(Tag.M_DEST_IS_FILE, m.destIsFile),
    u64(Tag.M_REMOUNT_FLAGS, m.remountFlags),
    ...(m.uidMap !== undefined ? [str(Tag.M_UID_MAP, m.uidMap)] : []),
    ...(m.gidMap !== undefined ? [str(Tag.M_GID_MAP, m.gidMap)] : []),
    ...(m.idmapRecursive !== undefined ? [u32(Tag.M_IDMAP_RECURSIVE, m.idmapRecursive ? 1 : 0)] : []),
    ...(m.tmpcopyup !== undefined ? [u32(Tag.M_TMPCOPYUP, m.tmpcopyup ? 1 : 0)] : []),
    ...(m.remountClear ? [u64(Tag.M_REMOUNT_CLEAR, m.remountClear)] : []),
    ...(m.keepAtime ? [u32(Tag.M_KEEP_ATIME, 1)] : []),
    ...(m.keepMode ? [u32(Tag.M_KEEP_MODE, 1)] : []),
    ...(m.ordinaryDir ? [u32(Tag.M_ORDINARY_DIR, 1)] : []),
  ];
}

/** Encode a plan as the PLAN frame payload. */
export function encodePlan(p: InitPlan): Uint8Array {
  const f: Field[] = [u32(Tag.VERSION, PROTOCOL_VERSION), u32(Tag.MODE, p.mode), u32(Tag.BARRIER, p.barrier)];
  if (p.fifoPath) f.push(str(Tag.FIFO_PATH, p.fifoPath));
  f.push(u64(Tag.CLONE_FLAGS, p.cloneFlags));
  for (const ns of p.joinNamespaces) f.push(group(Tag.JOIN_NS, [u32(Tag.NS_TYPE, ns.type), str(Tag.NS_PATH, ns.path)]));
  if (p.uidMap) f.push(str(Tag.UID_MAP, p.uidMap));
  if (p.gidMap) f.push(str(Tag.GID_MAP, p.gidMap));
  f.push(...bool(Tag.SETGROUPS_DENY, p.setgroupsDeny));
  if (p.rootfs) f.push(str(Tag.ROOTFS, p.rootfs));
  f.push(u64(Tag.ROOTFS_PROPAGATION, p.rootfsPropagation));
  if (p.rootPropagationAfter) f.push(u64(Tag.ROOT_PROPAGATION_AFTER, p.rootPropagationAfter));
  f.push(...bool(Tag.NO_PIVOT, p.noPivot));
  for (const m of p.mounts) f.push(group(Tag.MOUNT, mountFields(m)));
  f.push(...bool(Tag.MOUNT_SOURCES, p.mountSources));
  for (const d of p.devices) {
    f.push(group(Tag.DEVICE, [
      str(Tag.D_PATH, d.path), u32(Tag.D_KIND, d.kind), u32(Tag.D_MAJOR, d.major), u32(Tag.D_MINOR, d.minor),
      u32(Tag.D_MODE, d.mode), u32(Tag.D_UID, d.uid), u32(Tag.D_GID, d.gid),
    ]));
  }
  f.push(...bool(Tag.BIND_DEVICES, p.bindDevices));
  for (const l of p.symlinks) f.push(group(Tag.SYMLINK, [str(Tag.L_TARGET, l.target), str(Tag.L_PATH, l.path)]));
  for (const m of p.maskedPaths) f.push(str(Tag.MASKED_PATH, m));
  for (const r of p.readonlyPaths) f.push(str(Tag.READONLY_PATH, r));
  f.push(...bool(Tag.ROOT_READONLY, p.rootReadonly));
  if (p.devReadonly) f.push(u32(Tag.DEV_READONLY, 1));
  if (p.hostname !== undefined) f.push(str(Tag.HOSTNAME, p.hostname));
  if (p.domainname !== undefined) f.push(str(Tag.DOMAINNAME, p.domainname));
  for (const s of p.sysctls) f.push(group(Tag.SYSCTL, [str(Tag.S_PATH, s.path), str(Tag.S_VALUE, s.value)]));
  for (const r of p.rlimits) {
    f.push(group(Tag.RLIMIT, [u32(Tag.R_RESOURCE, r.resource), u64(Tag.R_SOFT, r.soft), u64(Tag.R_HARD, r.hard)]));
  }
  if (p.oomScoreAdj !== undefined) f.push(i32(Tag.OOM_SCORE_ADJ, p.oomScoreAdj));
  if (p.keyring !== undefined) f.push(str(Tag.KEYRING, p.keyring));
  f.push(...bool(Tag.LOOPBACK_UP, p.loopbackUp));
  f.push(u32(Tag.UID, p.uid), u32(Tag.GID, p.gid));
  for (const g of p.additionalGids) f.push(u32(Tag.ADDITIONAL_GID, g));
  if (p.umask !== undefined) f.push(u32(Tag.UMASK, p.umask));
  f.push(str(Tag.CWD, p.cwd));
  for (const a of p.args) f.push(str(Tag.ARG, a));
  for (const e of p.env) f.push(str(Tag.ENV, e));
  f.push(
    u64(Tag.CAP_BOUNDING, p.capBounding), u64(Tag.CAP_EFFECTIVE, p.capEffective),
    u64(Tag.CAP_INHERITABLE, p.capInheritable), u64(Tag.CAP_PERMITTED, p.capPermitted),
    u64(Tag.CAP_AMBIENT, p.capAmbient),
  );
  f.push(...bool(Tag.NO_NEW_PRIVS, p.noNewPrivs));
  if (p.preserveFds) f.push(u32(Tag.PRESERVE_FDS, p.preserveFds));
  f.push(...bool(Tag.SETSID, p.setsid), ...bool(Tag.STDIO_OWNER, p.stdioOwner));
  if (p.initPid) f.push(u32(Tag.INIT_PID, p.initPid));
  for (const c of p.cgroupProcs) f.push(str(Tag.CGROUP_PROCS, c));
  for (const c of p.cgroupTasks) f.push(str(Tag.CGROUP_TASKS, c));
  if (p.cgroupInto) f.push(str(Tag.CGROUP_INTO, p.cgroupInto));
  if (p.deviceBpf) f.push(str(Tag.DEVICE_BPF, p.deviceBpf));
  if (p.parentDeathSignal) f.push(u32(Tag.PARENT_DEATH_SIGNAL, p.parentDeathSignal));
  if (p.label) f.push(str(Tag.LABEL, p.label));
  f.push(...bool(Tag.MONITOR, p.monitor), ...bool(Tag.TERMINAL, p.terminal));
  if (p.consoleSocket) f.push(str(Tag.CONSOLE_SOCKET, p.consoleSocket));
  if (p.consoleHeight) f.push(u32(Tag.CONSOLE_HEIGHT, p.consoleHeight));
  if (p.consoleWidth) f.push(u32(Tag.CONSOLE_WIDTH, p.consoleWidth));
  if (p.pidfdSocket) f.push(str(Tag.PIDFD_SOCKET, p.pidfdSocket));
  f.push(...encodeExtra(p));
  f.push(...encodeSecurity(p));
  return tlv(f);
}

/** Hooks and the process/linux fields of tags 380-429. */
function encodeExtra(p: InitPlan): Field[] {
  const f: Field[] = [...bool(Tag.HOOK_BARRIER, p.hookBarrier)];
  for (const h of p.hooks) {
    f.push(group(Tag.HOOK, [
      u32(Tag.H_KIND, h.kind), u32(Tag.H_INDEX, h.index), str(Tag.H_PATH, h.path),
      ...h.args.map((a) => str(Tag.H_ARG, a)), ...h.env.map((e) => str(Tag.H_ENV, e)), u32(Tag.H_TIMEOUT, h.timeout),
    ]));
  }
  const sc = p.scheduler;
  if (sc) {
    f.push(u32(Tag.SCHED_POLICY, sc.policy), u64(Tag.SCHED_FLAGS, sc.flags), i32(Tag.SCHED_NICE, sc.nice),
      u32(Tag.SCHED_PRIORITY, sc.priority), u64(Tag.SCHED_RUNTIME, sc.runtime), u64(Tag.SCHED_DEADLINE, sc.deadline),
      u64(Tag.SCHED_PERIOD, sc.period));
  }
  if (p.ioprio !== undefined) f.push(u32(Tag.IOPRIO, p.ioprio));
  for (const c of p.cpuInitial) f.push(u32(Tag.CPU_INITIAL, c));
  for (const c of p.cpuFinal) f.push(u32(Tag.CPU_FINAL, c));
  if (p.cpuReset) f.push(u32(Tag.CPU_RESET, 1));
  if (p.homeFromPasswd) f.push(u32(Tag.HOME_FROM_PASSWD, 1));
  if (p.cwdMkdir) f.push(u32(Tag.CWD_MKDIR, 1));
  if (p.personality !== undefined) f.push(u32(Tag.PERSONALITY, p.personality));
  if (p.timeOffsets) f.push(str(Tag.TIME_OFFSETS, p.timeOffsets));
  if (p.memPolicy) {
    f.push(u32(Tag.MEMPOLICY_MODE, p.memPolicy.mode), ...p.memPolicy.nodes.map((x) => u32(Tag.MEMPOLICY_NODE, x)));
  }
  for (const d of p.netDevices) f.push(group(Tag.NETDEV, [str(Tag.ND_NAME, d.name), str(Tag.ND_NEW_NAME, d.newName)]));
  return f;
}

const s = (v: Uint8Array) => text(v);
const n = (v: Uint8Array) => view(v).getUint32(0, true);
const b64 = (v: Uint8Array) => view(v).getBigUint64(0, true);
const i = (v: Uint8Array) => view(v).getInt32(0, true);

/** Decode a PLAN payload (tests and --debug). Throws on unknown tags, as the shim does. */
export function decodePlan(buf: Uint8Array): InitPlan {
  const p = emptyPlan();
  for (const [tag, v] of parseTlv(buf)) {
    switch (tag) {
      case Tag.VERSION: if (n(v) !== PROTOCOL_VERSION) throw new RangeError(`plan version ${n(v)}`); break;
      case Tag.MODE: p.mode = n(v); break;
      case Tag.BARRIER: p.barrier = n(v); break;
      case Tag.FIFO_PATH: p.fifoPath = s(v); break;
      case Tag.CLONE_FLAGS: p.cloneFlags = b64(v); break;
      case Tag.JOIN_NS: {
        const ns = { type: 0, path: '' };
        for (const [t, x] of parseTlv(v)) if (t === Tag.NS_TYPE) ns.type = n(x); else if (t === Tag.NS_PATH) ns.path = s(x);
        p.joinNamespaces.push(ns);
        break;
      }
      case Tag.UID_MAP: p.uidMap = s(v); break;
      case Tag.GID_MAP: p.gidMap = s(v); break;
      case Tag.SETGROUPS_DENY: p.setgroupsDeny = n(v) !== 0; break;
      case Tag.ROOTFS: p.rootfs = s(v); break;
      case Tag.ROOTFS_PROPAGATION: p.rootfsPropagation = b64(v); break;
      case Tag.ROOT_PROPAGATION_AFTER: p.rootPropagationAfter = b64(v); break;
      case Tag.NO_PIVOT: p.noPivot = n(v) !== 0; break;
      case Tag.MOUNT_SOURCES: p.mountSources = n(v) !== 0; break;
      case Tag.MOUNT: {
        const m: PlanMount = {
          kind: 0, source: '', destination: '', fstype: '', flags: 0n, data: '', propagation: [],
          attrSet: 0n, attrClr: 0n, destIsFile: false, remountFlags: 0n,
        };
        for (const [t, x] of parseTlv(v)) {
          if (t === Tag.M_KIND) m.kind = n(x);
          else if (t === Tag.M_SOURCE) m.source = s(x);
          else if (t === Tag.M_DEST) m.destination = s(x);
          else if (t === Tag.M_FSTYPE) m.fstype = s(x);
          else if (t === Tag.M_FLAGS) m.flags = b64(x);
          else if (t === Tag.M_DATA) m.data = s(x);
          else if (t === Tag.M_PROPAGATION) m.propagation.push(b64(x));
          else if (t === Tag.M_ATTR_SET) m.attrSet = b64(x);
          else if (t === Tag.M_ATTR_CLR) m.attrClr = b64(x);
          else if (t === Tag.M_DEST_IS_FILE) m.destIsFile = n(x) !== 0;
          else if (t === Tag.M_REMOUNT_FLAGS) m.remountFlags = b64(x);
          else if (t === Tag.M_UID_MAP) m.uidMap = s(x);
          else if (t === Tag.M_GID_MAP) m.gidMap = s(x);
          else if (t === Tag.M_IDMAP_RECURSIVE) m.idmapRecursive = n(x) !== 0;
          else if (t === Tag.M_TMPCOPYUP) m.tmpcopyup = n(x) !== 0;
          else if (t === Tag.M_REMOUNT_CLEAR) m.remountClear = b64(x);
          else if (t === Tag.M_KEEP_ATIME) m.keepAtime = n(x) !== 0;
          else if (t === Tag.M_KEEP_MODE) m.keepMode = n(x) !== 0;
          else if (t === Tag.M_ORDINARY_DIR) m.ordinaryDir = n(x) !== 0;
          else throw new RangeError(`unknown mount tag ${t}`);
        }
        p.mounts.push(m);
        break;
      }
      case Tag.DEVICE: {
        const d = { path: '', kind: 0, major: 0, minor: 0, mode: 0, uid: 0, gid: 0 };
        for (const [t, x] of parseTlv(v)) {
          if (t === Tag.D_PATH) d.path = s(x);
          else if (t === Tag.D_KIND) d.kind = n(x);
          else if (t === Tag.D_MAJOR) d.major = n(x);
          else if (t === Tag.D_MINOR) d.minor = n(x);
          else if (t === Tag.D_MODE) d.mode = n(x);
          else if (t === Tag.D_UID) d.uid = n(x);
          else if (t === Tag.D_GID) d.gid = n(x);
          else throw new RangeError(`unknown device tag ${t}`);
        }
        p.devices.push(d);
        break;
      }
      case Tag.BIND_DEVICES: p.bindDevices = n(v) !== 0; break;
      case Tag.SYMLINK: {
        const l = { target: '', path: '' };
        for (const [t, x] of parseTlv(v)) if (t === Tag.L_TARGET) l.target = s(x); else if (t === Tag.L_PATH) l.path = s(x);
        p.symlinks.push(l);
        break;
      }
      case Tag.MASKED_PATH: p.maskedPaths.push(s(v)); break;
      case Tag.READONLY_PATH: p.readonlyPaths.push(s(v)); break;
      case Tag.ROOT_READONLY: p.rootReadonly = n(v) !== 0; break;
      case Tag.DEV_READONLY: p.devReadonly = n(v) !== 0; break;
      case Tag.HOSTNAME: p.hostname = s(v); break;
      case Tag.DOMAINNAME: p.domainname = s(v); break;
      case Tag.SYSCTL: {
        const x = { path: '', value: '' };
        for (const [t, y] of parseTlv(v)) if (t === Tag.S_PATH) x.path = s(y); else if (t === Tag.S_VALUE) x.value = s(y);
        p.sysctls.push(x);
        break;
      }
      case Tag.RLIMIT: {
        const r = { resource: 0, soft: 0n, hard: 0n };
        for (const [t, y] of parseTlv(v)) {
          if (t === Tag.R_RESOURCE) r.resource = n(y);
          else if (t === Tag.R_SOFT) r.soft = b64(y);
          else if (t === Tag.R_HARD) r.hard = b64(y);
        }
        p.rlimits.push(r);
        break;
      }
      case Tag.OOM_SCORE_ADJ: p.oomScoreAdj = i(v); break;
      case Tag.KEYRING: p.keyring = s(v); break;
      case Tag.LOOPBACK_UP: p.loopbackUp = n(v) !== 0; break;
      case Tag.UID: p.uid = n(v); break;
      case Tag.GID: p.gid = n(v); break;
      case Tag.ADDITIONAL_GID: p.additionalGids.push(n(v)); break;
      case Tag.UMASK: p.umask = n(v); break;
      case Tag.CWD: p.cwd = s(v); break;
      case Tag.ARG: p.args.push(s(v)); break;
      case Tag.ENV: p.env.push(s(v)); break;
      case Tag.CAP_BOUNDING: p.capBounding = b64(v); break;
      case Tag.CAP_EFFECTIVE: p.capEffective = b64(v); break;
      case Tag.CAP_INHERITABLE: p.capInheritable = b64(v); break;
      case Tag.CAP_PERMITTED: p.capPermitted = b64(v); break;
      case Tag.CAP_AMBIENT: p.capAmbient = b64(v); break;
      case Tag.NO_NEW_PRIVS: p.noNewPrivs = n(v) !== 0; break;
      case Tag.PRESERVE_FDS: p.preserveFds = n(v); break;
      case Tag.SETSID: p.setsid = n(v) !== 0; break;
      case Tag.STDIO_OWNER: p.stdioOwner = n(v) !== 0; break;
      case Tag.INIT_PID: p.initPid = n(v); break;
      case Tag.CGROUP_PROCS: p.cgroupProcs.push(s(v)); break;
      case Tag.CGROUP_TASKS: p.cgroupTasks.push(s(v)); break;
      case Tag.CGROUP_INTO: p.cgroupInto = s(v); break;
      case Tag.DEVICE_BPF: p.deviceBpf = s(v); break;
      case Tag.PARENT_DEATH_SIGNAL: p.parentDeathSignal = n(v); break;
      case Tag.LABEL: p.label = s(v); break;
      case Tag.MONITOR: p.monitor = n(v) !== 0; break;
      case Tag.TERMINAL: p.terminal = n(v) !== 0; break;
      case Tag.CONSOLE_SOCKET: p.consoleSocket = s(v); break;
      case Tag.CONSOLE_HEIGHT: p.consoleHeight = n(v); break;
      case Tag.CONSOLE_WIDTH: p.consoleWidth = n(v); break;
      case Tag.PIDFD_SOCKET: p.pidfdSocket = s(v); break;
      default:
        if (!decodeExtra(p, tag, v) && !decodeSecurity(p, tag, v)) throw new RangeError(`unknown plan tag ${tag}`);
    }
  }
  return p;
}

function schedulerOf(p: InitPlan): NonNullable<InitPlan['scheduler']> {
  return (p.scheduler ??= { policy: 0, flags: 0n, nice: 0, priority: 0, runtime: 0n, deadline: 0n, period: 0n });
}

/** Decode one of the tags 380-429 into p; false for a tag that is not one of them. */
function decodeExtra(p: InitPlan, tag: number, v: Uint8Array): boolean {
  switch (tag) {
    case Tag.HOOK_BARRIER: p.hookBarrier = n(v) !== 0; return true;
    case Tag.HOOK: {
      const h = { kind: 0, index: 0, path: '', args: [] as string[], env: [] as string[], timeout: 0 };
      for (const [t, x] of parseTlv(v)) {
        if (t === Tag.H_KIND) h.kind = n(x);
        else if (t === Tag.H_INDEX) h.index = n(x);
        else if (t === Tag.H_PATH) h.path = s(x);
        else if (t === Tag.H_ARG) h.args.push(s(x));
        else if (t === Tag.H_ENV) h.env.push(s(x));
        else if (t === Tag.H_TIMEOUT) h.timeout = n(x);
        else throw new RangeError(`unknown hook tag ${t}`);
      }
      p.hooks.push(h);
      return true;
    }
    case Tag.SCHED_POLICY: schedulerOf(p).policy = n(v); return true;
    case Tag.SCHED_FLAGS: schedulerOf(p).flags = b64(v); return true;
    case Tag.SCHED_NICE: schedulerOf(p).nice = i(v); return true;
    case Tag.SCHED_PRIORITY: schedulerOf(p).priority = n(v); return true;
    case Tag.SCHED_RUNTIME: schedulerOf(p).runtime = b64(v); return true;
    case Tag.SCHED_DEADLINE: schedulerOf(p).deadline = b64(v); return true;
    case Tag.SCHED_PERIOD: schedulerOf(p).period = b64(v); return true;
    case Tag.IOPRIO: p.ioprio = n(v); return true;
    case Tag.CPU_INITIAL: p.cpuInitial.push(n(v)); return true;
    case Tag.CPU_FINAL: p.cpuFinal.push(n(v)); return true;
    case Tag.CPU_RESET: p.cpuReset = n(v) !== 0; return true;
    case Tag.HOME_FROM_PASSWD: p.homeFromPasswd = n(v) !== 0; return true;
    case Tag.CWD_MKDIR: p.cwdMkdir = n(v) !== 0; return true;
    case Tag.PERSONALITY: p.personality = n(v); return true;
    case Tag.TIME_OFFSETS: p.timeOffsets = s(v); return true;
    case Tag.MEMPOLICY_MODE: (p.memPolicy ??= { mode: 0, nodes: [] }).mode = n(v); return true;
    case Tag.MEMPOLICY_NODE: (p.memPolicy ??= { mode: 0, nodes: [] }).nodes.push(n(v)); return true;
    case Tag.NETDEV: {
      const d = { name: '', newName: '' };
      for (const [t, x] of parseTlv(v)) if (t === Tag.ND_NAME) d.name = s(x); else if (t === Tag.ND_NEW_NAME) d.newName = s(x);
      p.netDevices.push(d);
      return true;
    }
    default: return false;
  }
}
