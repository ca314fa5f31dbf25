/**
 * The plan encoder writes one growing buffer (TlvWriter); its bytes must stay exactly those
 * of the former encoder, which built one Uint8Array per field and copied groups. That encoder
 * is kept here verbatim as the reference and compared on real and arbitrary plans.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePlan, encodePlan, tlv as newTlv } from '../../../src/plan/encode.js';
import { PROTOCOL_VERSION, Tag, TLV_HEADER } from '../../../src/process/protocol.js';
import { emptyPlan, type InitPlan, type PlanMount } from '../../../src/plan/types.js';
import type { PlanSeccomp } from '../../../src/plan/seccomp.js';
import { utf8, view } from '../../../src/sys/bytes.js';
import { buildInitPlan } from '../../../src/plan/build.js';
import { defaultSpec } from '../../../src/spec/defaults.js';

// ---- reference: the former encoder (src/plan/encode.ts and encode-security.ts before TlvWriter) ----

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
function tlv(fields: Field[]): Uint8Array {
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

/** The former encodePlan, verbatim. */
function oldEncodePlan(p: InitPlan): Uint8Array {
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

function seccompFields(sc: PlanSeccomp): Field[] {
  const f: Field[] = [u32(Tag.SC_DEFAULT_ACTION, sc.defaultAction), ...sc.archs.map((a) => u32(Tag.SC_ARCH, a))];
  if (sc.flags) f.push(u32(Tag.SC_FLAGS, sc.flags));
  for (const r of sc.rules) {
    const rf: Field[] = [...r.names.map((x) => str(Tag.SC_NAME, x)), u32(Tag.SC_ACTION, r.action)];
    for (const a of r.args) {
      rf.push([Tag.SC_ARG, tlv([u32(Tag.SA_INDEX, a.index), u32(Tag.SA_OP, a.op), u64(Tag.SA_VALUE, a.value), u64(Tag.SA_VALUE_TWO, a.valueTwo)])]);
    }
    f.push([Tag.SC_RULE, tlv(rf)]);
  }
  for (const x of sc.enosysNames) f.push(str(Tag.SC_ENOSYS_NAME, x));
  if (sc.listenerPath) f.push(str(Tag.SC_LISTENER_PATH, sc.listenerPath));
  for (const s of sc.listenerState) f.push(str(Tag.SC_LISTENER_STATE, s));
  if (sc.cachePath) f.push(str(Tag.SC_CACHE_PATH, sc.cachePath));
  return f;
}

/** The security fields of a plan, as TLV records. */
function encodeSecurity(p: InitPlan): Field[] {
  const f: Field[] = [];
  if (p.seccomp) f.push([Tag.SECCOMP, tlv(seccompFields(p.seccomp))]);
  if (p.apparmorProfile !== undefined) f.push(str(Tag.APPARMOR_PROFILE, p.apparmorProfile));
  if (p.selinuxLabel !== undefined) f.push(str(Tag.SELINUX_LABEL, p.selinuxLabel));
  if (p.mapsByParent) f.push(u32(Tag.MAPS_BY_PARENT, 1));
  return f;
}


// ---- the comparison ----

/** A plan with every field set, optional ones included (values at the edges of their types). */
const FULL: InitPlan = {
  ...emptyPlan(), mode: 1, barrier: 2, fifoPath: '/run/x/exec.fifo', cloneFlags: 0x7e020000n,
  joinNamespaces: [{ type: 0x40000000, path: '/var/run/netns/a' }, { type: 0x20000000, path: '/proc/1/ns/ipc' }],
  uidMap: '0 1000 1\n', gidMap: '0 1000 1\n', setgroupsDeny: true, rootfs: '/r', rootfsPropagation: 1n << 19n,
  rootPropagationAfter: 1n << 20n, noPivot: true,
  mounts: [
    { kind: 2, source: '/src', destination: '/dst', fstype: 'tmpfs', flags: 4096n, data: 'size=1m', propagation: [1n << 18n, 1n << 19n],
      attrSet: 1n, attrClr: 0n, destIsFile: true, remountFlags: 1n, uidMap: '0 1 1', gidMap: '0 2 1', idmapRecursive: false,
      tmpcopyup: true, remountClear: 2n, keepAtime: true, keepMode: true, ordinaryDir: true },
    { kind: 1, source: 'proc', destination: '/proc', fstype: 'proc', flags: 0n, data: '', propagation: [],
      attrSet: 0n, attrClr: (1n << 64n) - 1n, destIsFile: false, remountFlags: 0n, idmapRecursive: true, tmpcopyup: false },
  ],
  mountSources: true,
  devices: [{ path: '/dev/null', kind: 1, major: 1, minor: 3, mode: 0o666, uid: 0, gid: 0 },
    { path: '/dev/sda', kind: 2, major: 8, minor: 0, mode: 0o660, uid: 4294967295, gid: 6 }],
  bindDevices: true, symlinks: [{ target: '/proc/self/fd', path: '/dev/fd' }], maskedPaths: ['/proc/kcore', '/sys/firmware'],
  readonlyPaths: ['/proc/sys'], rootReadonly: true, devReadonly: true, hostname: 'h\u00e9\u{1f600}', domainname: '',
  sysctls: [{ path: 'net/ipv4/ip_forward', value: '1' }], rlimits: [{ resource: 7, soft: 1024n, hard: 0xffffffffffffffffn }],
  oomScoreAdj: -500, keyring: '_ses.x', loopbackUp: true, uid: 1000, gid: 1000, additionalGids: [10, 29], umask: 0o22, cwd: '/tmp',
  args: ['sh', '-c', 'echo \u00fc'], env: ['PATH=/bin', 'X='], capBounding: 1n, capEffective: 2n, capInheritable: 3n,
  capPermitted: 4n, capAmbient: 5n, noNewPrivs: true, preserveFds: 2, setsid: true, stdioOwner: true, initPid: 77,
  cgroupProcs: ['/sys/fs/cgroup/unified/c/cgroup.procs'], cgroupTasks: ['/sys/fs/cgroup/pids/c/tasks'], cgroupInto: '/sys/fs/cgroup/c',
  deviceBpf: '/sys/fs/bpf/x', parentDeathSignal: 9, label: 'x', monitor: true, terminal: true, consoleSocket: '/s',
  consoleHeight: 24, consoleWidth: 80, pidfdSocket: '/p',
  hookBarrier: true,
  hooks: [{ kind: 1, index: 0, path: '/bin/true', args: ['true', 'a'], env: ['A=1'], timeout: 5 }, { kind: 2, index: 3, path: '/h', args: [], env: [], timeout: 0 }],
  scheduler: { policy: 6, flags: 1n, nice: -20, priority: 0, runtime: 10n, deadline: 20n, period: 30n },
  ioprio: 0x4004, cpuInitial: [0, 1], cpuFinal: [1], cpuReset: true, homeFromPasswd: true, cwdMkdir: true, personality: 8,
  timeOffsets: 'monotonic 1 0\n', memPolicy: { mode: 2, nodes: [0, 3] }, netDevices: [{ name: 'eth1', newName: 'eth0' }],
  seccomp: {
    defaultAction: 0x00050001, archs: [0xc000003e, 0x40000003], flags: 4,
    rules: [
      { names: ['read', 'write'], action: 0x7fff0000, args: [] },
      { names: ['personality'], action: 0x7fff0000, args: [{ index: 0, op: 4, value: 0n, valueTwo: 0n }, { index: 1, op: 7, value: (1n << 64n) - 1n, valueTwo: 8n }] },
    ],
    enosysNames: ['statx'], listenerPath: '/run/l.sock', listenerState: ['{"pid":', '}'], cachePath: '/run/cache',
  },
  apparmorProfile: 'runts-default', selinuxLabel: 'system_u:system_r:container_t:s0', mapsByParent: true,
};

/** Plans the encoders must agree on, by name. */
const PLANS: Record<string, InitPlan> = {
  empty: emptyPlan(),
  minimal: { ...emptyPlan(), args: ['sh'] },
  full: FULL,
  // What `runts run` of the default spec sends.
  'default spec': buildInitPlan(defaultSpec(), { id: 'x', bundle: '/b', rootfs: '/r', launch: 'create', sourceKind: () => 'dir' }),
  // Values outside their wire types wrap the same way in both (>>> 0, | 0, mod 2^64).
  wrapping: {
    ...FULL, uid: -1, gid: 2 ** 32 + 5, oomScoreAdj: 2 ** 31, cloneFlags: -1n, capBounding: (1n << 64n) + 3n,
    scheduler: { ...FULL.scheduler!, nice: -(2 ** 31) - 1, runtime: -5n },
  },
  // Far past the writer's first buffer: it grows and keeps what it wrote.
  large: {
    ...FULL,
    mounts: Array.from({ length: 600 }, (_, i) => ({ ...FULL.mounts[i % 2]!, destination: `/m/${i}/${'x'.repeat(i % 50)}` })),
    env: Array.from({ length: 300 }, (_, i) => `V${i}=${'\u00e9'.repeat(i)}`),
  },
};

describe('plan encoder (one growing buffer)', () => {
  for (const [name, p] of Object.entries(PLANS)) {
    it(`writes the former encoder's bytes: ${name}`, () => {
      const b = encodePlan(p);
      assert.deepEqual(Buffer.from(b), Buffer.from(oldEncodePlan(p)));
    });
  }

  it('the full plan round-trips', () => {
    assert.deepEqual(decodePlan(encodePlan(FULL)), FULL);
  });

  it("tlv() writes the former tlv()'s bytes", () => {
    const fields: Field[] = [u32(1, 7), str(2, 'a\u00e9'), [3, new Uint8Array(0)], group(4, [u64(5, -1n), i32(6, -1)])];
    assert.deepEqual(Buffer.from(newTlv(fields)), Buffer.from(tlv(fields)));
    assert.deepEqual(Buffer.from(newTlv([])), Buffer.from(tlv([])));
  });

  it('writes the former bytes for arbitrary plans of the full shape', () => {
    const U64 = (1n << 64n) - 1n;
    const like = (v: unknown): fc.Arbitrary<unknown> => {
      if (typeof v === 'string') return fc.string({ unit: 'grapheme', maxLength: 20 });
      if (typeof v === 'bigint') return fc.bigInt({ min: -U64, max: U64 * 2n });
      if (typeof v === 'boolean') return fc.boolean();
      if (typeof v === 'number') return fc.integer({ min: -(2 ** 33), max: 2 ** 33 });
      if (Array.isArray(v)) return v.length ? fc.array(like(v[0]), { maxLength: 3 }) : fc.constant([]);
      if (v && typeof v === 'object') {
        const shape: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, x] of Object.entries(v)) shape[k] = like(x);
        return fc.record(shape, { requiredKeys: Object.keys(v).filter((k) => !OPTIONAL.has(k)) });
      }
      return fc.constant(v);
    };
    fc.assert(
      fc.property(like(FULL) as fc.Arbitrary<InitPlan>, (p) => {
        assert.deepEqual(Buffer.from(encodePlan(p)), Buffer.from(oldEncodePlan(p)));
      }),
      { numRuns: 300 },
    );
  });
});

/** Keys the arbitrary may leave out (optional in the plan types). */
const OPTIONAL = new Set([
  'rootPropagationAfter', 'devReadonly', 'hostname', 'domainname', 'oomScoreAdj', 'keyring', 'umask', 'scheduler', 'ioprio',
  'personality', 'memPolicy', 'seccomp', 'apparmorProfile', 'selinuxLabel', 'uidMap', 'gidMap', 'idmapRecursive', 'tmpcopyup',
  'remountClear', 'keepAtime', 'keepMode', 'ordinaryDir',
]);
