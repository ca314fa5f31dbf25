/**
 * The systemd driver's pure part: `linux.cgroupsPath` (`slice:prefix:name`) → the unit,
 * its slice and its cgroup directory, and spec resources → unit properties
 * (org.freedesktop.systemd1's transient unit properties, as `(sv)` pairs).
 */
import type { DeviceCgroupRule, LinuxResources } from '../../spec/types.js';
import { devicePolicy, exceptions, normalizeRule } from '../devices.js';
import type { DBusValue, Variant } from './wire.js';
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from '../convert.js';

/** The unit a container's cgroup is, and where systemd puts it. */
export interface SystemdUnit {
  /** `prefix-name.scope`, or `name` when it ends in `.slice` */
  unit: string;
  /** the parent slice unit, e.g. `system.slice` */
  slice: string;
  /** the cgroup, relative to the cgroup2 root: `/system.slice/runts-ID.scope` */
  path: string;
}

/** The parent slice when cgroupsPath has none (runc: system.slice, user.slice when rootless). */
export function defaultSlice(rootless: boolean): string {
  return rootless ? 'user.slice' : 'system.slice';
}

/**
 * A slice name to its cgroup path, systemd's way: `a-b-c.slice` lives in
 * `/a.slice/a-b.slice/a-b-c.slice`; `-.slice` is the root. Throws a plain Error.
 */
export function expandSlice(slice: string): string {
  const bad = () => new Error(`invalid slice name ${JSON.stringify(slice)}`);
  if (!slice.endsWith('.slice') || slice.length <= '.slice'.length || slice.includes('/')) throw bad();
  const stem = slice.slice(0, -'.slice'.length);
  if (stem === '-') return '/';
  let path = '';
  let prefix = '';
  for (const part of stem.split('-')) {
    if (!part) throw bad(); // a--b.slice, -a.slice, a-.slice
    path += `/${prefix}${part}.slice`;
    prefix += `${part}-`;
  }
  return path;
}

/**
 * `slice:prefix:name` → unit, slice and path. An empty cgroupsPath gives
 * `<default slice>/runts-<id>.scope` (runc uses the prefix `runc`). Throws a plain Error
 * (the caller names the field).
 */
export function systemdUnit(cgroupsPath: string | undefined, id: string, rootless = false): SystemdUnit {
  let slice = '';
  let prefix = 'runts';
  let name = id;
  if (cgroupsPath) {
    const parts = cgroupsPath.split(':');
    if (parts.length !== 3) throw new Error(`expected "slice:prefix:name" with the systemd cgroup driver, got ${JSON.stringify(cgroupsPath)}`);
    [slice, prefix, name] = parts as [string, string, string];
    if (!name) throw new Error(`the name part of ${JSON.stringify(cgroupsPath)} is empty`);
    for (const [what, v] of [['prefix', prefix], ['name', name]] as const) {
      if (v.includes('/')) throw new Error(`the ${what} part of ${JSON.stringify(cgroupsPath)} contains "/"`);
    }
  }
  slice ||= defaultSlice(rootless);
  const parent = expandSlice(slice);
  const unit = name.endsWith('.slice') ? name : `${prefix}-${name}.scope`;
  if (unit.endsWith('.slice')) expandSlice(unit);
  return { unit, slice, path: `${parent === '/' ? '' : parent}/${unit}` };
}

/** A cpuset list ("0-2,4") → systemd's `ay` bitmask: byte k bit b is CPU 8k+b. */
export function cpusetBits(list: string): number[] {
  const bytes: number[] = [];
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) throw new Error(`invalid cpuset list ${JSON.stringify(list)}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`invalid cpuset range ${item}`);
    for (let c = lo; c <= hi; c++) {
      while (bytes.length <= c >> 3) bytes.push(0);
      bytes[c >> 3]! |= 1 << (c & 7);
    }
  }
  return bytes;
}

const INFINITY = 0xffffffffffffffffn;
const limit = (n: number): bigint => (n < 0 ? INFINITY : BigInt(n));

/** CPUQuotaPerSecUSec from quota/period, rounded up to whole 10 ms as systemd stores it (as runc). */
export function quotaPerSec(quota: number, period: number): bigint {
  if (quota < 0) return INFINITY;
  let us = Math.floor((quota * 1_000_000) / period);
  if (us % 10000) us = (Math.floor(us / 10000) + 1) * 10000;
  return BigInt(us);
}

/**
 * Unit properties for what systemd can express of `r`. The files are written afterwards
 * with the exact values (the v2 writer), as runc does: systemd rounds some (the quota)
 * and cannot express others (unified, hugetlb, rdma, io.max).
 */
export function resourceProperties(r: LinuxResources, currentMemoryMax?: number): Array<[string, Variant]> {
  const p: Array<[string, Variant]> = [];
  const m = r.memory;
  if (m?.limit !== undefined && m.limit !== 0) p.push(['MemoryMax', ['t', limit(m.limit)]]);
  if (m?.reservation !== undefined && m.reservation !== 0) p.push(['MemoryLow', ['t', limit(m.reservation)]]);
  if (m?.swap !== undefined && m.swap !== 0) {
    const v = swapToV2(m.swap, m.limit ?? currentMemoryMax);
    if (v !== undefined) p.push(['MemorySwapMax', ['t', v === 'max' ? INFINITY : BigInt(v)]]);
  }
  const high = r.unified?.['memory.high'];
  if (high !== undefined) p.push(['MemoryHigh', ['t', high === 'max' ? INFINITY : BigInt(high)]]);
  const c = r.cpu;
  if (c?.shares) p.push(['CPUWeight', ['t', BigInt(sharesToWeight(c.shares))]]);
  if (c?.quota !== undefined && c.quota !== 0) {
    const period = c.period || 100000;
    p.push(['CPUQuotaPerSecUSec', ['t', quotaPerSec(c.quota, period)]]);
    if (c.period) p.push(['CPUQuotaPeriodUSec', ['t', BigInt(c.period)]]);
  }
  if (c?.cpus) p.push(['AllowedCPUs', ['ay', cpusetBits(c.cpus)]]);
  if (c?.mems) p.push(['AllowedMemoryNodes', ['ay', cpusetBits(c.mems)]]);
  const pids = r.pids?.limit;
  // TasksMax cannot say 0; 0 means 1 as in the cgroup files (src/cgroups/checks.ts pidsValue)
  if (pids !== undefined) p.push(['TasksMax', ['t', limit(pids === 0 ? 1 : pids)]]);
  const w = r.blockIO?.weight;
  if (w) p.push(['IOWeight', ['t', BigInt(blkioWeightToIoWeight(w))]]);
  return p;
}

/**
 * StartTransientUnit's properties: where (Slice=, or Wants= for a slice unit), who (PIDs=,
 * a scope only), Delegate=yes (the container manages its own subtree), no default
 * dependencies, every accounting on (so the controllers are enabled for stats and limits)
 * and the resources, the device rules among them (deviceProperties; runts attaches its own
 * eBPF filter with the exact rules too, as runc does). `devices` undefined: no device
 * properties (systemd's default, DevicePolicy=auto).
 */
export function startProperties(u: SystemdUnit, id: string, pid: number, r: LinuxResources): Array<[string, Variant]> {
  const p: Array<[string, Variant]> = [['Description', ['s', `runts container ${id}`]]];
  if (u.unit.endsWith('.slice')) p.push(['Wants', ['as', [u.slice]]]);
  else {
    p.push(['Slice', ['s', u.slice]], ['Delegate', ['b', true]]);
    if (pid > 0) p.push(['PIDs', ['au', [pid]]]);
  }
  p.push(
    ['MemoryAccounting', ['b', true]],
    ['CPUAccounting', ['b', true]],
    ['IOAccounting', ['b', true]],
    ['TasksAccounting', ['b', true]],
    ['DefaultDependencies', ['b', false]],
  );
  return [...p, ...(r.devices ? deviceProperties(r.devices) : []), ...resourceProperties(r)];
}

/**
 * The device rules as systemd's DevicePolicy=/DeviceAllow= (what runc 1.3 gives systemd
 * >= 240). The rules reduce as for the cgroup (devices.ts); then:
 * - an allow-list: DevicePolicy=strict, DeviceAllow= emptied, then one entry per allow
 *   exception: `/dev/char/M:m` (or block) for a device, `char-M` for a whole major
 *   (runc 1.1 writes the /proc/devices group name, `char-pts`, instead: systemd treats
 *   both alike), `char-*` for all of a type; a `*:m` rule has no systemd syntax and is
 *   left to runts's own eBPF program;
 * - allow-all (`a *:* rwm` allowed, nothing denied): DevicePolicy=auto, DeviceAllow= empty;
 * - a deny-list (allow all but some): systemd cannot say it, so strict with nothing
 *   allowed, and the eBPF program (which runc also attaches, as runts does) has the
 *   exact rules: systemd's program denies what ours would allow, as with runc.
 * Throws a plain Error for a rule the cgroup cannot express (as devicePolicy does).
 */
export function deviceProperties(rules: DeviceCgroupRule[]): Array<[string, Variant]> {
  const p = devicePolicy(rules.map(normalizeRule));
  const allow: DBusValue[] = [];
  if (p.defaultAllow) {
    if (p.exceptions.size === 0) return [['DevicePolicy', ['s', 'auto']], ['DeviceAllow', ['a(ss)', []]]];
  } else {
    for (const e of exceptions(p)) {
      const kind = e.type === 'c' ? 'char' : 'block';
      if (e.major < 0 && e.minor >= 0) continue;
      const path = e.major < 0 ? `${kind}-*` : e.minor < 0 ? `${kind}-${e.major}` : `/dev/${kind}/${e.major}:${e.minor}`;
      allow.push([path, e.access]);
    }
  }
  // As runc: the empty DeviceAllow= first clears what an existing unit has.
  return [['DevicePolicy', ['s', 'strict']], ['DeviceAllow', ['a(ss)', []]], ['DeviceAllow', ['a(ss)', allow]]];
}

/** As the D-Bus body of a(sv). */
export function asBody(props: Array<[string, Variant]>): DBusValue[] {
  return props.map(([k, v]) => [k, v]);
}
