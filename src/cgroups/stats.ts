/**
 * Container statistics in runc's `events --stats` data shape (runc types/events.go:
 * cpu, memory, pids, blkio, hugetlb), read from cgroup v1 or v2 files. Missing files
 * (controller absent, old kernel) read as zeros.
 *
 * Numbers are JS numbers. Counters fit; "unlimited" limits do not (v1 reports
 * 9223372036854771712, v2 "max" is reported as 2^64-1 by runc), so values above 2^53
 * are rounded, and anything that would round to 2^64 or more is clamped to the largest
 * double below 2^64, so a Go client decoding into uint64 still accepts it.
 */
import * as fs from '../sys/fs.js';
import { join } from '../sys/path.js';
import { tryRead } from './fs.js';

/** CPU time used, in nanoseconds (total, per CPU, kernel and user). */
export interface CpuUsage {
  /** Total CPU time (ns). */
  total: number;
  /** CPU time per CPU (ns). */
  percpu: number[];
  /** Kernel-mode CPU time per CPU (ns). */
  percpu_kernel: number[];
  /** User-mode CPU time per CPU (ns). */
  percpu_user: number[];
  /** Kernel-mode CPU time (ns). */
  kernel: number;
  /** User-mode CPU time (ns). */
  user: number;
}
/** CFS throttling counters. */
export interface Throttling {
  /** Enforcement periods elapsed. */
  periods: number;
  /** Periods in which the group was throttled. */
  throttledPeriods: number;
  /** Total time throttled (ns). */
  throttledTime: number;
}
/** CPU usage and throttling. */
export interface CpuStats {
  /** CPU time used. */
  usage: CpuUsage;
  /** CFS bandwidth throttling. */
  throttling: Throttling;
}
/** One memory counter: usage, its peak, its limit and how often the limit was hit. */
export interface MemoryEntry {
  /** The limit (bytes). */
  limit: number;
  /** Current usage (bytes). */
  usage: number;
  /** Peak usage (bytes). */
  max: number;
  /** Times the limit was hit. */
  failcnt: number;
}
/** Memory usage (with swap, kernel and kernel TCP), page cache and the raw memory.stat keys. */
export interface MemoryStats {
  /** Page cache (bytes). */
  cache: number;
  /** Memory. */
  usage: MemoryEntry;
  /** Memory + swap. */
  swap: MemoryEntry;
  /** Kernel memory (v1). */
  kernel: MemoryEntry;
  /** Kernel TCP buffers (v1). */
  kernelTCP: MemoryEntry;
  /** memory.stat, key by key. */
  raw: Record<string, number>;
}
/** Number of tasks and the pids limit. */
export interface PidsStats {
  /** Number of tasks. */
  current: number;
  /** pids.max (0: no limit). */
  limit: number;
}
/** One block I/O counter of a device. */
export interface BlkioEntry {
  /** Device major number. */
  major: number;
  /** Device minor number. */
  minor: number;
  /** Operation: Read, Write, Sync, Async, Discard, Total. */
  op: string;
  /** Count (bytes or operations). */
  value: number;
}
/** Block I/O bytes and operations per device. */
export interface BlkioStats {
  /** Bytes per device and operation. */
  ioServiceBytesRecursive: BlkioEntry[];
  /** Operations per device and operation. */
  ioServicedRecursive: BlkioEntry[];
}
/** Huge page usage of one page size. */
export interface HugetlbStats {
  /** Usage (bytes). */
  usage: number;
  /** Peak usage (bytes). */
  max: number;
  /** Times the limit was hit. */
  failcnt: number;
}
/** runc's events `data` (the parts cgroups provide). */
export interface Stats {
  /** CPU usage. */
  cpu: CpuStats;
  /** Memory usage. */
  memory: MemoryStats;
  /** Tasks. */
  pids: PidsStats;
  /** Block I/O. */
  blkio: BlkioStats;
  /** Huge pages, by page size ("2MB"). */
  hugetlb: Record<string, HugetlbStats>;
}

/** Largest double below 2^64 (see the module comment). */
export const U64_MAX_AS_NUMBER = 18446744073709549568;

/** Parse a kernel counter ("max" → 2^64-1 clamped). */
export function u64(s: string | undefined): number {
  if (s === undefined) return 0;
  const t = s.trim();
  if (t === 'max') return U64_MAX_AS_NUMBER;
  if (!/^-?\d+$/.test(t)) return 0;
  const n = Number(t);
  return n >= 2 ** 64 ? U64_MAX_AS_NUMBER : n < 0 ? 0 : n;
}

/** "key value" lines → record. */
export function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) out[k] = u64(v);
  }
  return out;
}

const entry = (): MemoryEntry => ({ limit: 0, usage: 0, max: 0, failcnt: 0 });

/** An all-zero Stats. */
export function emptyStats(): Stats {
  return {
    cpu: { usage: { total: 0, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0, user: 0 }, throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 } },
    memory: { cache: 0, usage: entry(), swap: entry(), kernel: entry(), kernelTCP: entry(), raw: {} },
    pids: { current: 0, limit: 0 },
    blkio: { ioServiceBytesRecursive: [], ioServicedRecursive: [] },
    hugetlb: {},
  };
}

const rd = (dir: string, f: string) => tryRead(join(dir, f));
const nums = (s: string | undefined) => (s ?? '').trim().split(/\s+/).filter(Boolean).map(u64);

/** USER_HZ: cpuacct.stat counts in clock ticks, 100 per second on every Linux ABI. */
const NS_PER_TICK = 1e9 / 100;

export function cpuV1(s: Stats, cpuacct: string | undefined, cpu: string | undefined): void {
  if (cpuacct) {
    s.cpu.usage.total = u64(rd(cpuacct, 'cpuacct.usage'));
    s.cpu.usage.percpu = nums(rd(cpuacct, 'cpuacct.usage_percpu'));
    s.cpu.usage.percpu_kernel = nums(rd(cpuacct, 'cpuacct.usage_percpu_sys'));
    s.cpu.usage.percpu_user = nums(rd(cpuacct, 'cpuacct.usage_percpu_user'));
    const st = keyValues(rd(cpuacct, 'cpuacct.stat'));
    s.cpu.usage.user = (st.user ?? 0) * NS_PER_TICK;
    s.cpu.usage.kernel = (st.system ?? 0) * NS_PER_TICK;
  }
  if (cpu) {
    const st = keyValues(rd(cpu, 'cpu.stat'));
    s.cpu.throttling = { periods: st.nr_periods ?? 0, throttledPeriods: st.nr_throttled ?? 0, throttledTime: st.throttled_time ?? 0 };
  }
}

export function cpuV2(s: Stats, dir: string): void {
  const st = keyValues(rd(dir, 'cpu.stat'));
  s.cpu.usage.total = (st.usage_usec ?? 0) * 1000;
  s.cpu.usage.user = (st.user_usec ?? 0) * 1000;
  s.cpu.usage.kernel = (st.system_usec ?? 0) * 1000;
  s.cpu.throttling = { periods: st.nr_periods ?? 0, throttledPeriods: st.nr_throttled ?? 0, throttledTime: (st.throttled_usec ?? 0) * 1000 };
}

export function memoryV1(s: Stats, dir: string): void {
  const raw = keyValues(rd(dir, 'memory.stat'));
  const e = (p: string): MemoryEntry => ({
    usage: u64(rd(dir, `memory.${p}usage_in_bytes`)),
    max: u64(rd(dir, `memory.${p}max_usage_in_bytes`)),
    limit: u64(rd(dir, `memory.${p}limit_in_bytes`)),
    failcnt: u64(rd(dir, `memory.${p}failcnt`)),
  });
  s.memory = { cache: raw.total_cache ?? raw.cache ?? 0, usage: e(''), swap: e('memsw.'), kernel: e('kmem.'), kernelTCP: e('kmem.tcp.'), raw };
}

export function memoryV2(s: Stats, dir: string): void {
  const raw = keyValues(rd(dir, 'memory.stat'));
  const events = keyValues(rd(dir, 'memory.events'));
  const usage: MemoryEntry = { usage: u64(rd(dir, 'memory.current')), max: u64(rd(dir, 'memory.peak')), limit: u64(rd(dir, 'memory.max')), failcnt: events.max ?? 0 };
  // As runc: v1 reported memory+swap, so v2's swap figures include memory.
  const sw = u64(rd(dir, 'memory.swap.current'));
  const swl = u64(rd(dir, 'memory.swap.max'));
  const swap: MemoryEntry = {
    usage: sw + usage.usage,
    max: u64(rd(dir, 'memory.swap.peak')) + usage.max,
    limit: swl === U64_MAX_AS_NUMBER || usage.limit === U64_MAX_AS_NUMBER ? U64_MAX_AS_NUMBER : swl + usage.limit,
    failcnt: 0,
  };
  s.memory = { cache: raw.file ?? 0, usage, swap, kernel: entry(), kernelTCP: entry(), raw };
}

export function pidsStats(s: Stats, dir: string): void {
  const max = rd(dir, 'pids.max')?.trim();
  s.pids = { current: u64(rd(dir, 'pids.current')), limit: max === 'max' || max === undefined ? 0 : u64(max) };
}

export function blkioV1(s: Stats, dir: string): void {
  const parse = (f: string): BlkioEntry[] => {
    const out: BlkioEntry[] = [];
    for (const line of (rd(dir, f) ?? '').split('\n')) {
      const m = /^(\d+):(\d+) (\S+) (\d+)$/.exec(line.trim());
      if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: u64(m[4]) });
    }
    return out;
  };
  s.blkio = { ioServiceBytesRecursive: parse('blkio.throttle.io_service_bytes_recursive'), ioServicedRecursive: parse('blkio.throttle.io_serviced_recursive') };
}

export function ioV2(s: Stats, dir: string): void {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (rd(dir, 'io.stat') ?? '').split('\n')) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    const v = Object.fromEntries(kv.map((x) => x.split('=') as [string, string]));
    bytes.push({ major, minor, op: 'Read', value: u64(v.rbytes) }, { major, minor, op: 'Write', value: u64(v.wbytes) });
    ios.push({ major, minor, op: 'Read', value: u64(v.rios) }, { major, minor, op: 'Write', value: u64(v.wios) });
  }
  s.blkio = { ioServiceBytesRecursive: bytes, ioServicedRecursive: ios };
}

function pageSizes(dir: string, suffix: string): string[] {
  try {
    return fs.readdir(dir).map((f) => new RegExp(`^hugetlb\\.([0-9]+[KMG]B)\\.${suffix.replace('.', '\\.')}$`).exec(f)?.[1]).filter((x): x is string => !!x);
  } catch {
    return [];
  }
}

export function hugetlbV1(s: Stats, dir: string): void {
  for (const size of pageSizes(dir, 'usage_in_bytes')) {
    s.hugetlb[size] = { usage: u64(rd(dir, `hugetlb.${size}.usage_in_bytes`)), max: u64(rd(dir, `hugetlb.${size}.max_usage_in_bytes`)), failcnt: u64(rd(dir, `hugetlb.${size}.failcnt`)) };
  }
}

export function hugetlbV2(s: Stats, dir: string): void {
  for (const size of pageSizes(dir, 'current')) {
    s.hugetlb[size] = { usage: u64(rd(dir, `hugetlb.${size}.current`)), max: 0 /* v2 keeps no peak */, failcnt: keyValues(rd(dir, `hugetlb.${size}.events`)).max ?? 0 };
  }
}
