/**
 * Spec resources → cgroup file writes, pure. `planResources` turns `linux.resources` into
 * the ordered list of writes for cgroup v1 or v2 (per controller group, so a hybrid host
 * can send each group to whichever hierarchy has the controller), plus every problem
 * found, each naming its field. The few host facts an order or a file name depends on
 * (the current memory limit, BFQ or not, devices.list) come in as data.
 */
import type { LinuxResources, ThrottleDevice } from '../spec/types.js';
import type { Problem } from '../errors.js';
import { blkioWeightToIoWeight, maxValue, sharesToWeight, swapToV2 } from './convert.js';
import { type DeviceRule, devicePolicy, devicesTransition, normalizeRule, parseDevicesList } from './devices.js';

/** Which cgroup version writes a group. */
export type Backend = 'v1' | 'v2';

/** Resource groups, each one controller (devices: v1 controller or v2 eBPF program). */
export type Group = 'cpuset' | 'memory' | 'cpu' | 'pids' | 'blkio' | 'hugetlb' | 'net_cls' | 'net_prio' | 'rdma' | 'devices' | 'unified';

/** Write order, and the controller each group needs per version ('' : none needed). */
export const GROUPS: ReadonlyArray<{ group: Group; v1?: string; v2?: string }> = [
  { group: 'cpuset', v1: 'cpuset', v2: 'cpuset' },
  { group: 'memory', v1: 'memory', v2: 'memory' },
  { group: 'cpu', v1: 'cpu', v2: 'cpu' },
  { group: 'pids', v1: 'pids', v2: 'pids' },
  { group: 'blkio', v1: 'blkio', v2: 'io' },
  { group: 'hugetlb', v1: 'hugetlb', v2: 'hugetlb' },
  { group: 'net_cls', v1: 'net_cls' },
  { group: 'net_prio', v1: 'net_prio' },
  { group: 'rdma', v1: 'rdma', v2: 'rdma' },
  { group: 'devices', v1: 'devices', v2: '' },
  { group: 'unified', v2: '' },
];

/** One file write. */
export interface CgroupWrite {
  /** v1 controller whose directory holds the file, or '' for the unified (v2) directory */
  controller: string;
  file: string;
  value: string;
  /** the spec field it comes from, for errors */
  field: string;
  /** skip silently when the kernel has no such file */
  optional?: true;
  /** on EINVAL, retry once after the group's other writes (cfs period/burst vs quota) */
  retry?: true;
}

/** Host facts some writes depend on; the manager reads only those a plan needs. */
export interface HostFacts {
  /** v1: memory.limit_in_bytes now (decides memsw vs limit order) */
  memoryLimit?: number;
  /** v1: false when memory.memsw.* is missing (no swap accounting) */
  memsw?: boolean;
  /** v2: memory.max now, for a swap-only update */
  memoryMax?: number;
  /** v2: memory.current now, for memory.checkBeforeUpdate */
  memoryCurrent?: number;
  /** v2: cpu.max now ("quota period"), for a period-only update */
  cpuMax?: string;
  /** BFQ weight files are present (blkio.bfq.weight / io.bfq.weight) */
  bfq?: boolean;
  /** v1: devices.list now, for a minimal transition (default: a fresh allow-all cgroup) */
  devicesList?: string;
}

/** The result: writes in order, device rules for a v2 program, problems. */
export interface ResourcePlan {
  writes: CgroupWrite[];
  /** rules for the v2 eBPF device program (undefined: leave devices alone) */
  bpfDevices?: DeviceRule[];
  problems: Problem[];
}

const P = 'linux.resources';

/** Groups a resources object asks for (fields the spec says to ignore do not count). */
export function usedGroups(r: LinuxResources): Set<Group> {
  const g = new Set<Group>();
  const m = r.memory;
  if (m && (m.limit !== undefined || m.reservation !== undefined || m.swap !== undefined || m.swappiness !== undefined || m.disableOOMKiller !== undefined)) g.add('memory');
  const c = r.cpu;
  if (c && (c.cpus || c.mems)) g.add('cpuset');
  if (c && [c.shares, c.quota, c.period, c.burst, c.idle, c.realtimeRuntime, c.realtimePeriod].some((v) => v !== undefined)) g.add('cpu');
  if (r.pids) g.add('pids');
  const b = r.blockIO;
  if (b && (b.weight !== undefined || b.leafWeight !== undefined || b.weightDevice?.length || b.throttleReadBpsDevice?.length || b.throttleWriteBpsDevice?.length || b.throttleReadIOPSDevice?.length || b.throttleWriteIOPSDevice?.length)) g.add('blkio');
  if (r.hugepageLimits?.length) g.add('hugetlb');
  if (r.network?.classID !== undefined) g.add('net_cls');
  if (r.network?.priorities?.length) g.add('net_prio');
  if (r.rdma && Object.keys(r.rdma).length) g.add('rdma');
  if (r.devices) g.add('devices');
  if (r.unified && Object.keys(r.unified).length) g.add('unified');
  return g;
}

/** What the host has: per group, the backend, or undefined when no hierarchy offers it. */
export type Route = (group: Group) => Backend | undefined;

/** A route for a host with one version and these controllers. */
export function routeFor(backend: Backend, controllers: Iterable<string>): Route {
  const have = new Set(controllers);
  return (g) => {
    const spec = GROUPS.find((x) => x.group === g)!;
    const ctl = backend === 'v1' ? spec.v1 : spec.v2;
    // No controller needed, or none exists in this version (the writer then names the
    // field as v1-only or v2-only): the group still goes to this version.
    if (ctl === undefined || ctl === '') return backend;
    return have.has(ctl) ? backend : undefined;
  };
}

/** Plan every write for `r`. Problems are collected, never thrown. */
export function planResources(r: LinuxResources, route: Route, facts: HostFacts = {}): ResourcePlan {
  const plan: ResourcePlan = { writes: [], problems: [] };
  const problem = (path: string, message: string) => plan.problems.push({ path, message });
  const used = usedGroups(r);
  for (const { group, v1, v2 } of GROUPS) {
    if (!used.has(group)) continue;
    const backend = route(group);
    if (!backend) {
      const name = v1 === v2 || !v2 ? v1 : !v1 ? v2 : `${v1} (v1) or ${v2} (v2)`;
      problem(groupField(group), `the ${name} controller is not available on this host`);
      continue;
    }
    const ctl = backend === 'v1' ? v1! : '';
    const w = (file: string, value: string, field: string, extra: Partial<CgroupWrite> = {}) =>
      plan.writes.push({ controller: ctl, file, value, field, ...extra });
    const ctx: Ctx = { r, w, problem, facts, plan };
    (backend === 'v1' ? V1 : V2)[group](ctx);
  }
  return plan;
}

function groupField(g: Group): string {
  switch (g) {
    case 'cpuset': return `${P}.cpu.cpus`;
    case 'blkio': return `${P}.blockIO`;
    case 'hugetlb': return `${P}.hugepageLimits`;
    case 'net_cls': return `${P}.network.classID`;
    case 'net_prio': return `${P}.network.priorities`;
    default: return `${P}.${g}`;
  }
}

interface Ctx {
  r: LinuxResources;
  w: (file: string, value: string, field: string, extra?: Partial<CgroupWrite>) => void;
  problem: (path: string, message: string) => void;
  facts: HostFacts;
  plan: ResourcePlan;
}

type Writers = Record<Group, (c: Ctx) => void>;

// ---- checks shared by both versions ----------------------------------------------------

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function checkRange(c: Ctx, field: string, v: number | undefined, min: number, max: number): boolean {
  if (v === undefined) return false;
  if (!isInt(v) || v < min || v > max) {
    c.problem(field, `${v} is out of range (${min}..${max})`);
    return false;
  }
  return true;
}

/** A limit: an integer >= -1 (-1 unlimited; 0 "not set" as in runc). */
function limitOk(c: Ctx, field: string, v: number | undefined): v is number {
  if (v === undefined || v === 0) return false;
  if (!isInt(v) || v < -1) {
    c.problem(field, `${v} is not a byte count or -1`);
    return false;
  }
  return true;
}

function checkShares(c: Ctx): number | undefined {
  const s = c.r.cpu?.shares;
  if (s === undefined || s === 0) return undefined;
  return checkRange(c, `${P}.cpu.shares`, s, 2, 262144) ? s : undefined;
}

function checkMemory(c: Ctx): { limit?: number; swap?: number } {
  const m = c.r.memory!;
  const out: { limit?: number; swap?: number } = {};
  if (limitOk(c, `${P}.memory.limit`, m.limit)) out.limit = m.limit;
  if (limitOk(c, `${P}.memory.swap`, m.swap)) out.swap = m.swap;
  if (out.limit && out.limit > 0 && out.swap && out.swap > 0 && out.swap < out.limit) {
    c.problem(`${P}.memory.swap`, `memory+swap (${out.swap}) must be >= the memory limit (${out.limit})`);
    delete out.swap;
  }
  return out;
}

function pidsValue(c: Ctx): string | undefined {
  const l = c.r.pids!.limit;
  if (!isInt(l)) {
    c.problem(`${P}.pids.limit`, `${l} is not an integer`);
    return undefined;
  }
  return l === 0 ? undefined : l < 0 ? 'max' : String(l);
}

const HUGE = /^[0-9]+[KMG]B$/;

function hugetlb(c: Ctx, limitFile: string, rsvdFile: string): void {
  c.r.hugepageLimits!.forEach((h, i) => {
    const f = `${P}.hugepageLimits[${i}]`;
    if (!HUGE.test(h.pageSize)) return c.problem(`${f}.pageSize`, `${JSON.stringify(h.pageSize)} is not a page size such as "2MB"`);
    if (!isInt(h.limit) || h.limit < -1) return c.problem(`${f}.limit`, `${h.limit} is not a byte count`);
    const v = limitFile === 'max' ? maxValue(h.limit) : String(h.limit);
    c.w(`hugetlb.${h.pageSize}.${limitFile}`, v, `${f}.limit`);
    c.w(`hugetlb.${h.pageSize}.${rsvdFile}`, v, `${f}.limit`, { optional: true });
  });
}

function rdma(c: Ctx): void {
  for (const [dev, l] of Object.entries(c.r.rdma!)) {
    const f = `${P}.rdma["${dev}"]`;
    if (!/^[^\s/]+$/.test(dev)) { c.problem(f, 'not a device name'); continue; }
    let v = dev;
    if (l.hcaHandles !== undefined) v += ` hca_handle=${l.hcaHandles}`;
    if (l.hcaObjects !== undefined) v += ` hca_object=${l.hcaObjects}`;
    if (v !== dev) c.w('rdma.max', v, f);
  }
}

function deviceRules(c: Ctx): DeviceRule[] | undefined {
  const rules: DeviceRule[] = [];
  let ok = true;
  c.r.devices!.forEach((d, i) => {
    try {
      rules.push(normalizeRule(d));
    } catch (e) {
      ok = false;
      c.problem(`${P}.devices[${i}]`, (e as Error).message);
    }
  });
  if (!ok) return undefined;
  try {
    devicePolicy(rules);
  } catch (e) {
    c.problem(`${P}.devices`, (e as Error).message);
    return undefined;
  }
  return rules;
}

const dev = (d: { major: number; minor: number }) => `${d.major}:${d.minor}`;

function throttles(c: Ctx, each: (list: 'throttleReadBpsDevice' | 'throttleWriteBpsDevice' | 'throttleReadIOPSDevice' | 'throttleWriteIOPSDevice', t: ThrottleDevice, field: string) => void): void {
  const b = c.r.blockIO!;
  for (const list of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
    (b[list] ?? []).forEach((t, i) => {
      const f = `${P}.blockIO.${list}[${i}]`;
      if (!isInt(t.major) || !isInt(t.minor) || t.major < 0 || t.minor < 0) return c.problem(f, 'major and minor must be device numbers');
      if (!isInt(t.rate) || t.rate < 0) return c.problem(`${f}.rate`, `${t.rate} is not a rate`);
      each(list, t, f);
    });
  }
}

// ---- cgroup v1 ---------------------------------------------------------------------------

const V1: Writers = {
  cpuset(c) {
    if (c.r.cpu!.cpus) c.w('cpuset.cpus', c.r.cpu!.cpus, `${P}.cpu.cpus`);
    if (c.r.cpu!.mems) c.w('cpuset.mems', c.r.cpu!.mems, `${P}.cpu.mems`);
  },
  memory(c) {
    const m = c.r.memory!;
    let { limit, swap } = checkMemory(c);
    // As runc: lifting the memory limit with no swap value lifts memsw too.
    if (limit === -1 && swap === undefined && c.facts.memsw !== false) swap = -1;
    const wl = () => limit !== undefined && c.w('memory.limit_in_bytes', String(limit), `${P}.memory.limit`);
    const ws = () => swap !== undefined && c.w('memory.memsw.limit_in_bytes', String(swap), `${P}.memory.swap`);
    // The kernel keeps limit <= memsw at every step: when memsw grows past the current
    // limit (or goes unlimited), write it first; otherwise the limit first.
    const cur = c.facts.memoryLimit ?? Number.MAX_SAFE_INTEGER;
    if (limit !== undefined && swap !== undefined && (swap === -1 || cur < swap)) { ws(); wl(); } else { wl(); ws(); }
    if (limitOk(c, `${P}.memory.reservation`, m.reservation)) c.w('memory.soft_limit_in_bytes', String(m.reservation), `${P}.memory.reservation`);
    if (checkRange(c, `${P}.memory.swappiness`, m.swappiness, 0, 100)) c.w('memory.swappiness', String(m.swappiness), `${P}.memory.swappiness`);
    if (m.disableOOMKiller !== undefined) c.w('memory.oom_control', m.disableOOMKiller ? '1' : '0', `${P}.memory.disableOOMKiller`);
  },
  cpu(c) {
    const cpu = c.r.cpu!;
    const shares = checkShares(c);
    if (shares) c.w('cpu.shares', String(shares), `${P}.cpu.shares`);
    const quota = cpu.quota;
    const qok = quota !== undefined && quota !== 0 && (isInt(quota) && quota >= -1 ? true : (c.problem(`${P}.cpu.quota`, `${quota} is not a quota in microseconds or -1`), false));
    // Period and burst may be refused (EINVAL) until the quota is written: retry after it.
    if (checkRange(c, `${P}.cpu.period`, cpu.period || undefined, 1000, 1000000)) c.w('cpu.cfs_period_us', String(cpu.period), `${P}.cpu.period`, qok ? { retry: true } : {});
    if (checkRange(c, `${P}.cpu.burst`, cpu.burst, 0, Number.MAX_SAFE_INTEGER)) c.w('cpu.cfs_burst_us', String(cpu.burst), `${P}.cpu.burst`, qok ? { retry: true } : {});
    if (qok) c.w('cpu.cfs_quota_us', String(quota), `${P}.cpu.quota`);
    if (checkRange(c, `${P}.cpu.realtimePeriod`, cpu.realtimePeriod || undefined, 1, Number.MAX_SAFE_INTEGER)) c.w('cpu.rt_period_us', String(cpu.realtimePeriod), `${P}.cpu.realtimePeriod`);
    if (cpu.realtimeRuntime !== undefined && cpu.realtimeRuntime !== 0 && checkRange(c, `${P}.cpu.realtimeRuntime`, cpu.realtimeRuntime, -1, Number.MAX_SAFE_INTEGER)) c.w('cpu.rt_runtime_us', String(cpu.realtimeRuntime), `${P}.cpu.realtimeRuntime`);
    if (checkRange(c, `${P}.cpu.idle`, cpu.idle, 0, 1)) c.w('cpu.idle', String(cpu.idle), `${P}.cpu.idle`);
  },
  pids(c) {
    const v = pidsValue(c);
    if (v) c.w('pids.max', v, `${P}.pids.limit`);
  },
  blkio(c) {
    const b = c.r.blockIO!;
    const bfq = c.facts.bfq === true;
    const wf = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
    const min = bfq ? 1 : 10;
    if (b.weight !== undefined && b.weight !== 0 && checkRange(c, `${P}.blockIO.weight`, b.weight, min, 1000)) c.w(wf, String(b.weight), `${P}.blockIO.weight`);
    if (b.leafWeight !== undefined && b.leafWeight !== 0 && checkRange(c, `${P}.blockIO.leafWeight`, b.leafWeight, 10, 1000)) c.w('blkio.leaf_weight', String(b.leafWeight), `${P}.blockIO.leafWeight`);
    (b.weightDevice ?? []).forEach((d, i) => {
      const f = `${P}.blockIO.weightDevice[${i}]`;
      if (d.weight !== undefined && checkRange(c, `${f}.weight`, d.weight, min, 1000)) c.w(`${wf}_device`, `${dev(d)} ${d.weight}`, `${f}.weight`);
      if (d.leafWeight !== undefined && checkRange(c, `${f}.leafWeight`, d.leafWeight, 10, 1000)) c.w('blkio.leaf_weight_device', `${dev(d)} ${d.leafWeight}`, `${f}.leafWeight`);
    });
    const files = { throttleReadBpsDevice: 'read_bps_device', throttleWriteBpsDevice: 'write_bps_device', throttleReadIOPSDevice: 'read_iops_device', throttleWriteIOPSDevice: 'write_iops_device' };
    throttles(c, (list, t, f) => c.w(`blkio.throttle.${files[list]}`, `${dev(t)} ${t.rate}`, f));
  },
  hugetlb(c) {
    hugetlb(c, 'limit_in_bytes', 'rsvd.limit_in_bytes');
  },
  net_cls(c) {
    const id = c.r.network!.classID!;
    if (checkRange(c, `${P}.network.classID`, id, 0, 0xffffffff)) c.w('net_cls.classid', String(id), `${P}.network.classID`);
  },
  net_prio(c) {
    c.r.network!.priorities!.forEach((p, i) => {
      const f = `${P}.network.priorities[${i}]`;
      if (!/^[^\s/]+$/.test(p.name ?? '')) return c.problem(`${f}.name`, 'not an interface name');
      if (checkRange(c, `${f}.priority`, p.priority, 0, 0xffffffff)) c.w('net_prio.ifpriomap', `${p.name} ${p.priority}`, f);
    });
  },
  rdma,
  devices(c) {
    const rules = deviceRules(c);
    if (!rules) return;
    const current = parseDevicesList(c.facts.devicesList ?? 'a *:* rwm');
    for (const d of devicesTransition(current, devicePolicy(rules))) c.w(d.file, d.value, `${P}.devices`);
  },
  unified(c) {
    c.problem(`${P}.unified`, 'needs cgroup v2 (the host uses cgroup v1)');
  },
};

// ---- cgroup v2 ---------------------------------------------------------------------------

const v1Only = (c: Ctx, field: string) => c.problem(field, 'not supported on cgroup v2 (a cgroup v1 feature)');

const V2: Writers = {
  cpuset: V1.cpuset,
  memory(c) {
    const m = c.r.memory!;
    const { limit, swap } = checkMemory(c);
    if (m.swappiness !== undefined) v1Only(c, `${P}.memory.swappiness`);
    if (m.disableOOMKiller) v1Only(c, `${P}.memory.disableOOMKiller`);
    if (m.checkBeforeUpdate && c.facts.memoryCurrent !== undefined) {
      const cur = c.facts.memoryCurrent;
      if (limit !== undefined && limit > 0 && limit <= cur) c.problem(`${P}.memory.limit`, `${limit} is not above the current usage ${cur} (checkBeforeUpdate)`);
      if (swap !== undefined && swap > 0 && swap <= cur) c.problem(`${P}.memory.swap`, `${swap} is not above the current usage ${cur} (checkBeforeUpdate)`);
    }
    let sw: number | 'max' | undefined;
    try {
      sw = swapToV2(swap, limit ?? (swap !== undefined && swap > 0 ? c.facts.memoryMax : undefined));
    } catch (e) {
      c.problem(`${P}.memory.swap`, (e as Error).message);
    }
    if (sw !== undefined) c.w('memory.swap.max', String(sw), `${P}.memory.swap`);
    if (limit !== undefined) c.w('memory.max', maxValue(limit), `${P}.memory.limit`);
    if (limitOk(c, `${P}.memory.reservation`, m.reservation)) c.w('memory.low', maxValue(m.reservation), `${P}.memory.reservation`);
  },
  cpu(c) {
    const cpu = c.r.cpu!;
    const shares = checkShares(c);
    if (shares) c.w('cpu.weight', String(sharesToWeight(shares)), `${P}.cpu.shares`);
    if (checkRange(c, `${P}.cpu.idle`, cpu.idle, 0, 1)) c.w('cpu.idle', String(cpu.idle), `${P}.cpu.idle`);
    if (cpu.realtimeRuntime) v1Only(c, `${P}.cpu.realtimeRuntime`);
    if (cpu.realtimePeriod) v1Only(c, `${P}.cpu.realtimePeriod`);
    const quota = cpu.quota;
    const qset = quota !== undefined && quota !== 0;
    if (qset && (!isInt(quota) || quota < -1)) return c.problem(`${P}.cpu.quota`, `${quota} is not a quota in microseconds or -1`);
    const pset = checkRange(c, `${P}.cpu.period`, cpu.period || undefined, 1000, 1000000);
    if (checkRange(c, `${P}.cpu.burst`, cpu.burst, 0, Number.MAX_SAFE_INTEGER)) c.w('cpu.max.burst', String(cpu.burst), `${P}.cpu.burst`, qset || pset ? { retry: true } : {});
    if (qset || pset) {
      // cpu.max is "$QUOTA $PERIOD"; a period-only update keeps the quota in force.
      const q = qset ? (quota! > 0 ? String(quota) : 'max') : (c.facts.cpuMax?.split(/\s+/)[0] ?? 'max');
      c.w('cpu.max', pset ? `${q} ${cpu.period}` : q, qset ? `${P}.cpu.quota` : `${P}.cpu.period`);
    }
  },
  pids: V1.pids,
  blkio(c) {
    const b = c.r.blockIO!;
    const bfq = c.facts.bfq === true;
    if (b.leafWeight !== undefined && b.leafWeight !== 0) v1Only(c, `${P}.blockIO.leafWeight`);
    // BFQ takes the v1 scale (1..1000) as is; io.weight (1..10000) gets runc's conversion.
    const file = bfq ? 'io.bfq.weight' : 'io.weight';
    const conv = (w: number) => String(bfq ? w : blkioWeightToIoWeight(w));
    if (b.weight !== undefined && b.weight !== 0 && checkRange(c, `${P}.blockIO.weight`, b.weight, bfq ? 1 : 10, 1000)) c.w(file, conv(b.weight), `${P}.blockIO.weight`);
    (b.weightDevice ?? []).forEach((d, i) => {
      const f = `${P}.blockIO.weightDevice[${i}]`;
      if (d.leafWeight !== undefined) v1Only(c, `${f}.leafWeight`);
      if (d.weight !== undefined && checkRange(c, `${f}.weight`, d.weight, bfq ? 1 : 10, 1000)) c.w(file, `${dev(d)} ${conv(d.weight)}`, `${f}.weight`);
    });
    const keys = { throttleReadBpsDevice: 'rbps', throttleWriteBpsDevice: 'wbps', throttleReadIOPSDevice: 'riops', throttleWriteIOPSDevice: 'wiops' };
    // v1 removes a throttle with rate 0; v2 spells that "max".
    throttles(c, (list, t, f) => c.w('io.max', `${dev(t)} ${keys[list]}=${t.rate === 0 ? 'max' : t.rate}`, f));
  },
  hugetlb(c) {
    hugetlb(c, 'max', 'rsvd.max');
  },
  net_cls(c) {
    v1Only(c, `${P}.network.classID`);
  },
  net_prio(c) {
    v1Only(c, `${P}.network.priorities`);
  },
  rdma,
  devices(c) {
    const rules = deviceRules(c);
    if (rules) c.plan.bpfDevices = rules;
  },
  unified(c) {
    for (const [k, v] of Object.entries(c.r.unified!)) {
      const f = `${P}.unified["${k}"]`;
      if (k.includes('/') || !/^[a-z_]+\.[A-Za-z0-9_.]+$/.test(k)) { c.problem(f, 'must be a cgroup file name such as "memory.high"'); continue; }
      if (typeof v !== 'string') { c.problem(f, 'the value must be a string'); continue; }
      // One write per line: files like io.max take one entry per write.
      for (const line of v.split('\n')) if (line.trim() !== '' || v === '') c.w(k, line, f);
    }
  },
};
