/**
 * What the v1 and v2 resource writers share: the planning context and the value checks
 * (each problem names its spec field). Pure.
 */
import type { LinuxResources, ThrottleDevice } from '../spec/types.js';
import type { CgroupWrite, Group, HostFacts, ResourcePlan } from './resources.js';
import { maxValue } from './convert.js';
import { type DevicePolicy, type DeviceRule, devicePolicy, normalizeRule } from './devices.js';

export const P = 'linux.resources';

export interface Ctx {
  r: LinuxResources;
  w: (file: string, value: string, field: string, extra?: Partial<CgroupWrite>) => void;
  problem: (path: string, message: string) => void;
  facts: HostFacts;
  plan: ResourcePlan;
}

export type Writers = Record<Group, (c: Ctx) => void>;

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

export function checkRange(c: Ctx, field: string, v: number | undefined, min: number, max: number): boolean {
  if (v === undefined) return false;
  if (!isInt(v) || v < min || v > max) {
    c.problem(field, `${v} is out of range (${min}..${max})`);
    return false;
  }
  return true;
}

/** A limit: an integer >= -1 (-1 unlimited; 0 "not set" as in runc). */
export function limitOk(c: Ctx, field: string, v: number | undefined): v is number {
  if (v === undefined || v === 0) return false;
  if (!isInt(v) || v < -1) {
    c.problem(field, `${v} is not a byte count or -1`);
    return false;
  }
  return true;
}

export function checkShares(c: Ctx): number | undefined {
  const s = c.r.cpu?.shares;
  if (s === undefined || s === 0) return undefined;
  return checkRange(c, `${P}.cpu.shares`, s, 2, 262144) ? s : undefined;
}

export function checkMemory(c: Ctx): { limit?: number; swap?: number } {
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

export function pidsValue(c: Ctx): string | undefined {
  const l = c.r.pids!.limit;
  if (!isInt(l)) {
    c.problem(`${P}.pids.limit`, `${l} is not an integer`);
    return undefined;
  }
  // 0 is a real limit, and it means 1: the init is already in the cgroup when the limit
  // applies, so 0 and 1 forbid the same forks, and systemd's TasksMax cannot say 0 (runc
  // issue 4014; opencontainers/cgroups now writes 1 for 0). runc 1.3 still ignores 0.
  return l === 0 ? '1' : l < 0 ? 'max' : String(l);
}

const HUGE = /^[0-9]+[KMG]B$/;

export function hugetlb(c: Ctx, limitFile: string, rsvdFile: string): void {
  c.r.hugepageLimits!.forEach((h, i) => {
    const f = `${P}.hugepageLimits[${i}]`;
    if (!HUGE.test(h.pageSize)) return c.problem(`${f}.pageSize`, `${JSON.stringify(h.pageSize)} is not a page size such as "2MB"`);
    if (!isInt(h.limit) || h.limit < -1) return c.problem(`${f}.limit`, `${h.limit} is not a byte count`);
    const v = limitFile === 'max' ? maxValue(h.limit) : String(h.limit);
    c.w(`hugetlb.${h.pageSize}.${limitFile}`, v, `${f}.limit`);
    c.w(`hugetlb.${h.pageSize}.${rsvdFile}`, v, `${f}.limit`, { optional: true });
  });
}

export function rdma(c: Ctx): void {
  for (const [dev, l] of Object.entries(c.r.rdma!)) {
    const f = `${P}.rdma["${dev}"]`;
    if (!/^[^\s/]+$/.test(dev)) { c.problem(f, 'not a device name'); continue; }
    let v = dev;
    if (l.hcaHandles !== undefined) v += ` hca_handle=${l.hcaHandles}`;
    if (l.hcaObjects !== undefined) v += ` hca_object=${l.hcaObjects}`;
    if (v !== dev) c.w('rdma.max', v, f);
  }
}

const POLICY = new WeakMap<DeviceRule[], DevicePolicy>();

/** The policy of rules returned by {@link deviceRules}, computed once (it checked them). */
export function policyOf(rules: DeviceRule[]): DevicePolicy {
  let p = POLICY.get(rules);
  if (!p) POLICY.set(rules, (p = devicePolicy(rules)));
  return p;
}

export function deviceRules(c: Ctx): DeviceRule[] | undefined {
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
    POLICY.set(rules, devicePolicy(rules));
  } catch (e) {
    c.problem(`${P}.devices`, (e as Error).message);
    return undefined;
  }
  return rules;
}

export const dev = (d: { major: number; minor: number }) => `${d.major}:${d.minor}`;

export function throttles(c: Ctx, each: (list: 'throttleReadBpsDevice' | 'throttleWriteBpsDevice' | 'throttleReadIOPSDevice' | 'throttleWriteIOPSDevice', t: ThrottleDevice, field: string) => void): void {
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
