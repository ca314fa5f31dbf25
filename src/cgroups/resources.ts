/**
 * Spec resources → cgroup file writes, pure. `planResources` turns `linux.resources` into
 * the ordered list of writes for cgroup v1 or v2 (per controller group, so a hybrid host
 * can send each group to whichever hierarchy has the controller), plus every problem
 * found, each naming its field. The few host facts an order or a file name depends on
 * (the current memory limit, BFQ or not, devices.list) come in as data.
 */
import type { LinuxResources } from '../spec/types.js';
import type { Problem } from '../errors.js';
import type { DeviceRule } from './devices.js';
import { type Ctx, P } from './checks.js';
import { V1 } from './v1/writes.js';
import { V2 } from './v2/writes.js';

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

/** Groups a resources object asks for (fields the spec says to ignore do not count). */
export function usedGroups(r: LinuxResources): Set<Group> {
  // Runs several times per container start (validate, facts, plan, make): plain tests,
  // no per-call arrays or closures.
  const g = new Set<Group>();
  const m = r.memory;
  if (m && (m.limit !== undefined || m.reservation !== undefined || m.swap !== undefined || m.swappiness !== undefined || m.disableOOMKiller !== undefined)) g.add('memory');
  const c = r.cpu;
  if (c) {
    if (c.cpus || c.mems) g.add('cpuset');
    if (c.shares !== undefined || c.quota !== undefined || c.period !== undefined || c.burst !== undefined || c.idle !== undefined || c.realtimeRuntime !== undefined || c.realtimePeriod !== undefined) g.add('cpu');
  }
  if (r.pids) g.add('pids');
  const b = r.blockIO;
  if (b && (b.weight !== undefined || b.leafWeight !== undefined || b.weightDevice?.length || b.throttleReadBpsDevice?.length || b.throttleWriteBpsDevice?.length || b.throttleReadIOPSDevice?.length || b.throttleWriteIOPSDevice?.length)) g.add('blkio');
  if (r.hugepageLimits?.length) g.add('hugetlb');
  const net = r.network;
  if (net) {
    if (net.classID !== undefined) g.add('net_cls');
    if (net.priorities?.length) g.add('net_prio');
  }
  if (r.rdma && hasKeys(r.rdma)) g.add('rdma');
  if (r.devices) g.add('devices');
  if (r.unified && hasKeys(r.unified)) g.add('unified');
  return g;
}

/** Object.keys(o).length > 0, without building the array. */
function hasKeys(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
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
