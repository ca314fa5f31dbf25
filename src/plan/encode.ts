/**
 * InitPlan <-> bytes (the PLAN frame payload). The format is in src/process/protocol.ts.
 * decodePlan exists for tests and `--debug`; the shim has its own decoder in C.
 */
import { PROTOCOL_VERSION, Tag, TLV_HEADER } from '../process/protocol.js';
import { decodeSecurity, encodeSecurity } from './encode-security.js';
import { emptyPlan, type InitPlan, type PlanMount } from './types.js';
import { text, utf8, view } from '../sys/bytes.js';

/** One TLV record: its tag and value bytes (what tlv() writes and parseTlv() returns). */
export type Field = [tag: number, value: Uint8Array];

/**
 * TLV records appended in place to one growing buffer (the plan encoder: no per-field
 * allocation). A record header is tag u16, two zero bytes, length u32, all little-endian;
 * a group's length is patched in after its content is written.
 */
export class TlvWriter {
  private buf: Uint8Array;
  private dv: DataView;
  private off = 0;

  /** A writer whose buffer starts at `size` bytes (it grows as needed). */
  constructor(size = 8192) {
    this.buf = new Uint8Array(size);
    this.dv = new DataView(this.buf.buffer);
  }

  /** Make room for `n` more bytes (new bytes are zero: the header padding relies on it). */
  private room(n: number): void {
    const need = this.off + n;
    if (need <= this.buf.length) return;
    const b = new Uint8Array(Math.max(need, this.buf.length * 2));
    b.set(this.buf.subarray(0, this.off));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }

  /** A u32 record. */
  u32(tag: number, v: number): void {
    this.room(TLV_HEADER + 4);
    const dv = this.dv, o = this.off;
    dv.setUint16(o, tag, true);
    dv.setUint32(o + 4, 4, true);
    dv.setUint32(o + TLV_HEADER, v >>> 0, true);
    this.off = o + TLV_HEADER + 4;
  }

  /** An i32 record. */
  i32(tag: number, v: number): void {
    this.room(TLV_HEADER + 4);
    const dv = this.dv, o = this.off;
    dv.setUint16(o, tag, true);
    dv.setUint32(o + 4, 4, true);
    dv.setInt32(o + TLV_HEADER, v | 0, true);
    this.off = o + TLV_HEADER + 4;
  }

  /** A u64 record (v modulo 2^64, as setBigUint64 does). */
  u64(tag: number, v: bigint): void {
    this.room(TLV_HEADER + 8);
    const dv = this.dv, o = this.off;
    dv.setUint16(o, tag, true);
    dv.setUint32(o + 4, 8, true);
    dv.setBigUint64(o + TLV_HEADER, v, true);
    this.off = o + TLV_HEADER + 8;
  }

  /** A UTF-8 string record. */
  str(tag: number, v: string): void {
    this.raw(tag, utf8(v));
  }

  /** A record of the bytes `v`. */
  raw(tag: number, v: Uint8Array): void {
    this.room(TLV_HEADER + v.length);
    const o = this.off;
    this.dv.setUint16(o, tag, true);
    this.dv.setUint32(o + 4, v.length, true);
    this.buf.set(v, o + TLV_HEADER);
    this.off = o + TLV_HEADER + v.length;
  }

  /** A u32 record of 1 when v is true (booleans encode as presence); nothing when false. */
  bool(tag: number, v: boolean): void {
    if (v) this.u32(tag, 1);
  }

  /** Start a group record; returns the mark that close() takes once its content is written. */
  open(tag: number): number {
    this.room(TLV_HEADER);
    const o = this.off;
    this.dv.setUint16(o, tag, true);
    this.off = o + TLV_HEADER;
    return o;
  }

  /** End the group opened at `mark`: its length is what was written since. */
  close(mark: number): void {
    this.dv.setUint32(mark + 4, this.off - mark - TLV_HEADER, true);
  }

  /** The bytes written so far (a view of the writer's buffer). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.off);
  }
}

/** Serialise TLV records. */
export function tlv(fields: Field[]): Uint8Array {
  let size = 0;
  for (const [, v] of fields) size += TLV_HEADER + v.length;
  const w = new TlvWriter(size);
  for (const [tag, v] of fields) w.raw(tag, v);
  return w.bytes();
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

function writeMount(w: TlvWriter, m: PlanMount): void {
  const g = w.open(Tag.MOUNT);
  w.u32(Tag.M_KIND, m.kind);
  w.str(Tag.M_SOURCE, m.source);
  w.str(Tag.M_DEST, m.destination);
  w.str(Tag.M_FSTYPE, m.fstype);
  w.u64(Tag.M_FLAGS, m.flags);
  w.str(Tag.M_DATA, m.data);
  for (const p of m.propagation) w.u64(Tag.M_PROPAGATION, p);
  w.u64(Tag.M_ATTR_SET, m.attrSet);
  w.u64(Tag.M_ATTR_CLR, m.attrClr);
  w.bool(Tag.M_DEST_IS_FILE, m.destIsFile);
  w.u64(Tag.M_REMOUNT_FLAGS, m.remountFlags);
  if (m.uidMap !== undefined) w.str(Tag.M_UID_MAP, m.uidMap);
  if (m.gidMap !== undefined) w.str(Tag.M_GID_MAP, m.gidMap);
  if (m.idmapRecursive !== undefined) w.u32(Tag.M_IDMAP_RECURSIVE, m.idmapRecursive ? 1 : 0);
  if (m.tmpcopyup !== undefined) w.u32(Tag.M_TMPCOPYUP, m.tmpcopyup ? 1 : 0);
  if (m.remountClear) w.u64(Tag.M_REMOUNT_CLEAR, m.remountClear);
  if (m.keepAtime) w.u32(Tag.M_KEEP_ATIME, 1);
  if (m.keepMode) w.u32(Tag.M_KEEP_MODE, 1);
  if (m.ordinaryDir) w.u32(Tag.M_ORDINARY_DIR, 1);
  w.close(g);
}

/** Encode a plan as the PLAN frame payload. */
export function encodePlan(p: InitPlan): Uint8Array {
  const w = new TlvWriter();
  w.u32(Tag.VERSION, PROTOCOL_VERSION);
  w.u32(Tag.MODE, p.mode);
  w.u32(Tag.BARRIER, p.barrier);
  if (p.fifoPath) w.str(Tag.FIFO_PATH, p.fifoPath);
  w.u64(Tag.CLONE_FLAGS, p.cloneFlags);
  for (const ns of p.joinNamespaces) {
    const g = w.open(Tag.JOIN_NS);
    w.u32(Tag.NS_TYPE, ns.type);
    w.str(Tag.NS_PATH, ns.path);
    w.close(g);
  }
  if (p.uidMap) w.str(Tag.UID_MAP, p.uidMap);
  if (p.gidMap) w.str(Tag.GID_MAP, p.gidMap);
  w.bool(Tag.SETGROUPS_DENY, p.setgroupsDeny);
  if (p.rootfs) w.str(Tag.ROOTFS, p.rootfs);
  w.u64(Tag.ROOTFS_PROPAGATION, p.rootfsPropagation);
  if (p.rootPropagationAfter) w.u64(Tag.ROOT_PROPAGATION_AFTER, p.rootPropagationAfter);
  w.bool(Tag.NO_PIVOT, p.noPivot);
  for (const m of p.mounts) writeMount(w, m);
  w.bool(Tag.MOUNT_SOURCES, p.mountSources);
  for (const d of p.devices) {
    const g = w.open(Tag.DEVICE);
    w.str(Tag.D_PATH, d.path);
    w.u32(Tag.D_KIND, d.kind);
    w.u32(Tag.D_MAJOR, d.major);
    w.u32(Tag.D_MINOR, d.minor);
    w.u32(Tag.D_MODE, d.mode);
    w.u32(Tag.D_UID, d.uid);
    w.u32(Tag.D_GID, d.gid);
    w.close(g);
  }
  w.bool(Tag.BIND_DEVICES, p.bindDevices);
  for (const l of p.symlinks) {
    const g = w.open(Tag.SYMLINK);
    w.str(Tag.L_TARGET, l.target);
    w.str(Tag.L_PATH, l.path);
    w.close(g);
  }
  for (const m of p.maskedPaths) w.str(Tag.MASKED_PATH, m);
  for (const r of p.readonlyPaths) w.str(Tag.READONLY_PATH, r);
  w.bool(Tag.ROOT_READONLY, p.rootReadonly);
  if (p.devReadonly) w.u32(Tag.DEV_READONLY, 1);
  if (p.hostname !== undefined) w.str(Tag.HOSTNAME, p.hostname);
  if (p.domainname !== undefined) w.str(Tag.DOMAINNAME, p.domainname);
  for (const s of p.sysctls) {
    const g = w.open(Tag.SYSCTL);
    w.str(Tag.S_PATH, s.path);
    w.str(Tag.S_VALUE, s.value);
    w.close(g);
  }
  for (const r of p.rlimits) {
    const g = w.open(Tag.RLIMIT);
    w.u32(Tag.R_RESOURCE, r.resource);
    w.u64(Tag.R_SOFT, r.soft);
    w.u64(Tag.R_HARD, r.hard);
    w.close(g);
  }
  if (p.oomScoreAdj !== undefined) w.i32(Tag.OOM_SCORE_ADJ, p.oomScoreAdj);
  if (p.keyring !== undefined) w.str(Tag.KEYRING, p.keyring);
  w.bool(Tag.LOOPBACK_UP, p.loopbackUp);
  w.u32(Tag.UID, p.uid);
  w.u32(Tag.GID, p.gid);
  for (const g of p.additionalGids) w.u32(Tag.ADDITIONAL_GID, g);
  if (p.umask !== undefined) w.u32(Tag.UMASK, p.umask);
  w.str(Tag.CWD, p.cwd);
  for (const a of p.args) w.str(Tag.ARG, a);
  for (const e of p.env) w.str(Tag.ENV, e);
  w.u64(Tag.CAP_BOUNDING, p.capBounding);
  w.u64(Tag.CAP_EFFECTIVE, p.capEffective);
  w.u64(Tag.CAP_INHERITABLE, p.capInheritable);
  w.u64(Tag.CAP_PERMITTED, p.capPermitted);
  w.u64(Tag.CAP_AMBIENT, p.capAmbient);
  w.bool(Tag.NO_NEW_PRIVS, p.noNewPrivs);
  if (p.preserveFds) w.u32(Tag.PRESERVE_FDS, p.preserveFds);
  w.bool(Tag.SETSID, p.setsid);
  w.bool(Tag.STDIO_OWNER, p.stdioOwner);
  if (p.initPid) w.u32(Tag.INIT_PID, p.initPid);
  for (const c of p.cgroupProcs) w.str(Tag.CGROUP_PROCS, c);
  for (const c of p.cgroupTasks) w.str(Tag.CGROUP_TASKS, c);
  if (p.cgroupInto) w.str(Tag.CGROUP_INTO, p.cgroupInto);
  if (p.deviceBpf) w.str(Tag.DEVICE_BPF, p.deviceBpf);
  if (p.parentDeathSignal) w.u32(Tag.PARENT_DEATH_SIGNAL, p.parentDeathSignal);
  if (p.label) w.str(Tag.LABEL, p.label);
  w.bool(Tag.MONITOR, p.monitor);
  w.bool(Tag.TERMINAL, p.terminal);
  if (p.consoleSocket) w.str(Tag.CONSOLE_SOCKET, p.consoleSocket);
  if (p.consoleHeight) w.u32(Tag.CONSOLE_HEIGHT, p.consoleHeight);
  if (p.consoleWidth) w.u32(Tag.CONSOLE_WIDTH, p.consoleWidth);
  if (p.pidfdSocket) w.str(Tag.PIDFD_SOCKET, p.pidfdSocket);
  encodeExtra(w, p);
  encodeSecurity(w, p);
  return w.bytes();
}

/** Hooks and the process/linux fields of tags 380-429. */
function encodeExtra(w: TlvWriter, p: InitPlan): void {
  w.bool(Tag.HOOK_BARRIER, p.hookBarrier);
  for (const h of p.hooks) {
    const g = w.open(Tag.HOOK);
    w.u32(Tag.H_KIND, h.kind);
    w.u32(Tag.H_INDEX, h.index);
    w.str(Tag.H_PATH, h.path);
    for (const a of h.args) w.str(Tag.H_ARG, a);
    for (const e of h.env) w.str(Tag.H_ENV, e);
    w.u32(Tag.H_TIMEOUT, h.timeout);
    w.close(g);
  }
  const sc = p.scheduler;
  if (sc) {
    w.u32(Tag.SCHED_POLICY, sc.policy);
    w.u64(Tag.SCHED_FLAGS, sc.flags);
    w.i32(Tag.SCHED_NICE, sc.nice);
    w.u32(Tag.SCHED_PRIORITY, sc.priority);
    w.u64(Tag.SCHED_RUNTIME, sc.runtime);
    w.u64(Tag.SCHED_DEADLINE, sc.deadline);
    w.u64(Tag.SCHED_PERIOD, sc.period);
  }
  if (p.ioprio !== undefined) w.u32(Tag.IOPRIO, p.ioprio);
  for (const c of p.cpuInitial) w.u32(Tag.CPU_INITIAL, c);
  for (const c of p.cpuFinal) w.u32(Tag.CPU_FINAL, c);
  if (p.cpuReset) w.u32(Tag.CPU_RESET, 1);
  if (p.homeFromPasswd) w.u32(Tag.HOME_FROM_PASSWD, 1);
  if (p.cwdMkdir) w.u32(Tag.CWD_MKDIR, 1);
  if (p.personality !== undefined) w.u32(Tag.PERSONALITY, p.personality);
  if (p.timeOffsets) w.str(Tag.TIME_OFFSETS, p.timeOffsets);
  if (p.memPolicy) {
    w.u32(Tag.MEMPOLICY_MODE, p.memPolicy.mode);
    for (const x of p.memPolicy.nodes) w.u32(Tag.MEMPOLICY_NODE, x);
  }
  for (const d of p.netDevices) {
    const g = w.open(Tag.NETDEV);
    w.str(Tag.ND_NAME, d.name);
    w.str(Tag.ND_NEW_NAME, d.newName);
    w.close(g);
  }
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
