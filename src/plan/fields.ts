/**
 * PURE: the OCI fields beyond the core (hooks the init runs, scheduler, I/O priority,
 * CPU affinity, personality, time offsets, memory policy, network devices) -> plan
 * fields. The spec must have passed validation; names become the kernel's numbers here
 * so the shim only makes system calls.
 */
import { HookKind } from '../process/protocol.js';
import type { Hooks, Linux, Process } from '../spec/types.js';
import type { InitPlan } from './types.js';

/** sched_setattr(2) policies by spec name. */
export const SCHED_POLICY: Readonly<Record<string, number>> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};

/** sched_attr.sched_flags by spec name. */
export const SCHED_FLAG: Readonly<Record<string, bigint>> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01n, SCHED_FLAG_RECLAIM: 0x02n, SCHED_FLAG_DL_OVERRUN: 0x04n,
  SCHED_FLAG_KEEP_POLICY: 0x08n, SCHED_FLAG_KEEP_PARAMS: 0x10n, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20n,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40n,
};

/** ioprio_set(2) classes by spec name. */
export const IOPRIO_CLASS: Readonly<Record<string, number>> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** personality(2) domains by spec name. */
export const PERSONALITY_DOMAIN: Readonly<Record<string, number>> = { LINUX: 0x0000, LINUX32: 0x0008 };

/** set_mempolicy(2) modes by spec name. */
export const MPOL_MODE: Readonly<Record<string, number>> = {
  MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5, MPOL_WEIGHTED_INTERLEAVE: 6,
};

/** set_mempolicy(2) mode flags by spec name. */
export const MPOL_FLAG: Readonly<Record<string, number>> = {
  MPOL_F_NUMA_BALANCING: 1 << 13, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_STATIC_NODES: 1 << 15,
};

/** Clocks a time namespace can offset, by spec name (timens_offsets accepts the names). */
export const TIME_CLOCKS = ['monotonic', 'boottime'] as const;

/** "0-3,7" -> [0, 1, 2, 3, 7] (a validated list; duplicates removed, sorted). */
export function parseCpuList(list: string): number[] {
  const out = new Set<number>();
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** Pre-start hooks mean a stop between the mounts and pivot_root; the init's own hooks go in the plan. */
export function applyHooks(p: InitPlan, hooks: Hooks | undefined): void {
  if (!hooks) return;
  const pre = ['prestart', 'createRuntime', 'createContainer', 'startContainer'] as const;
  p.hookBarrier = pre.some((k) => (hooks[k]?.length ?? 0) > 0);
  const own: Array<[number, keyof Hooks]> = [[HookKind.CREATE_CONTAINER, 'createContainer'], [HookKind.START_CONTAINER, 'startContainer']];
  for (const [kind, name] of own) {
    (hooks[name] ?? []).forEach((h, index) => {
      p.hooks.push({ kind, index, path: h.path, args: [...(h.args ?? [])], env: [...(h.env ?? [])], timeout: h.timeout ?? 0 });
    });
  }
}

/** process.scheduler, ioPriority, execCPUAffinity (shared with exec). */
export function applyProcessFields(p: InitPlan, proc: Process): void {
  const s = proc.scheduler;
  if (s) {
    p.scheduler = {
      policy: SCHED_POLICY[s.policy] ?? 0,
      flags: (s.flags ?? []).reduce((m, f) => m | (SCHED_FLAG[f] ?? 0n), 0n),
      nice: s.nice ?? 0,
      priority: s.priority ?? 0,
      runtime: BigInt(s.runtime ?? 0),
      deadline: BigInt(s.deadline ?? 0),
      period: BigInt(s.period ?? 0),
    };
  }
  if (proc.ioPriority) p.ioprio = ((IOPRIO_CLASS[proc.ioPriority.class] ?? 0) << 13) | (proc.ioPriority.priority ?? 0);
  if (proc.execCPUAffinity?.initial) p.cpuInitial = parseCpuList(proc.execCPUAffinity.initial);
  if (proc.execCPUAffinity?.final) p.cpuFinal = parseCpuList(proc.execCPUAffinity.final);
  // As runc 1.3 (1.1 lets it leak): a runtime started under `taskset` must not pin the
  // process; without execCPUAffinity it may use every CPU its cgroup allows. With only
  // `initial`, that list stays (runc 1.3 does the same).
  p.cpuReset = p.cpuFinal.length === 0 && p.cpuInitial.length === 0;
}

/**
 * The init's affinity: execCPUAffinity "is not applicable to the container's init
 * process" (runtime-spec; runc 1.3 ignores it there too), and the caller's affinity
 * does not leak in: every CPU.
 */
export function initAffinity(p: InitPlan): void {
  p.cpuInitial = [];
  p.cpuFinal = [];
  p.cpuReset = true;
}

/**
 * The per-process attributes of the linux section (personality, memoryPolicy): the init
 * gets them, and so does every exec'd process (as runc 1.3 applies the personality in
 * exec too; the time offsets come with the joined time namespace).
 */
export function applyLinuxProcessFields(p: InitPlan, linux: Linux | undefined): void {
  if (!linux) return;
  if (linux.personality) p.personality = PERSONALITY_DOMAIN[linux.personality.domain] ?? 0;
  const mp = linux.memoryPolicy as { mode?: string; nodes?: string; flags?: string[] } | undefined;
  if (mp?.mode) {
    const flags = (mp.flags ?? []).reduce((m, f) => m | (MPOL_FLAG[f] ?? 0), 0);
    p.memPolicy = { mode: (MPOL_MODE[mp.mode] ?? 0) | flags, nodes: mp.nodes ? parseCpuList(mp.nodes) : [] };
  }
}

/** linux.personality, timeOffsets, memoryPolicy, netDevices. */
export function applyLinuxFields(p: InitPlan, linux: Linux): void {
  applyLinuxProcessFields(p, linux);
  const offsets = linux.timeOffsets ?? {};
  p.timeOffsets = TIME_CLOCKS.filter((c) => offsets[c])
    .map((c) => `${c} ${offsets[c]!.secs ?? 0} ${offsets[c]!.nanosecs ?? 0}\n`)
    .join('');
  for (const [name, d] of Object.entries(linux.netDevices ?? {})) p.netDevices.push({ name, newName: d.name || name });
}
