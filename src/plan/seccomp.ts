/**
 * PURE: `linux.seccomp` -> the seccomp part of the plan. Everything libseccomp needs as
 * numbers (actions with their errno, architecture tokens, operators, filter flags); only
 * syscall names stay strings, because libseccomp resolves them per architecture in the
 * shim (a name the native architecture does not know is skipped there, as runc does).
 *
 * The same function serves `create`/`run` and `exec` (runc applies the container's
 * profile to every process it starts in it).
 */
import { sha256Hex } from '../sys/bytes.js';
import { join } from '../sys/path.js';
import { SPEC_VERSION } from '../spec/defaults.js';
import type { Seccomp } from '../spec/types.js';

/** One argument comparison (libseccomp's scmp_arg_cmp). */
export interface PlanSeccompArg {
  index: number;
  /** SCMP_CMP_* value (1 NE .. 7 MASKED_EQ). */
  op: number;
  /** datum_a: the value, or the mask for MASKED_EQ. */
  value: bigint;
  /** datum_b: the compared value for MASKED_EQ. */
  valueTwo: bigint;
}

/** Syscalls that share one action and one set of argument conditions (all must match). */
export interface PlanSeccompRule {
  names: string[];
  /** Kernel SECCOMP_RET_* value, data (errno, trace message) in the low 16 bits. */
  action: number;
  args: PlanSeccompArg[];
}

/** The seccomp filter of a process. */
export interface PlanSeccomp {
  /** SECCOMP_RET_* of the default action. */
  defaultAction: number;
  /** AUDIT_ARCH_* tokens (libseccomp's SCMP_ARCH_* values) besides the native one. */
  archs: number[];
  /** SECCOMP_FILTER_FLAG_* bits. */
  flags: number;
  rules: PlanSeccompRule[];
  /** Unix socket that receives the notify fd (SCMP_ACT_NOTIFY), '' for none. */
  listenerPath: string;
  /** The container process state JSON sent with the fd, cut where the process's host
   * pid goes: the shim joins the pieces with the pid in decimal. */
  listenerState: string[];
  /**
   * Every syscall name the profile lists (whatever its action), when syscalls newer than
   * the profile must fail with ENOSYS; empty for no such stub. See enosysNames().
   */
  enosysNames: string[];
  /** File caching the compiled program, named by a digest of everything above but the
   * listener ('' for no cache). */
  cachePath: string;
}

/** Kernel SECCOMP_RET_* bases of the spec's actions (libseccomp's SCMP_ACT_* values). */
export const SECCOMP_RET: Readonly<Record<string, number>> = {
  SCMP_ACT_KILL: 0x00000000, // KILL_THREAD, as libseccomp and runc define SCMP_ACT_KILL
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
};

/** AUDIT_ARCH_* values, which are what libseccomp's SCMP_ARCH_* tokens are. */
export const SECCOMP_ARCH_TOKEN: Readonly<Record<string, number>> = {
  SCMP_ARCH_X86: 0x40000003,
  SCMP_ARCH_X86_64: 0xc000003e,
  SCMP_ARCH_X32: 0x4000003e,
  SCMP_ARCH_ARM: 0x40000028,
  SCMP_ARCH_AARCH64: 0xc00000b7,
  SCMP_ARCH_MIPS: 0x00000008,
  SCMP_ARCH_MIPS64: 0x80000008,
  SCMP_ARCH_MIPS64N32: 0xa0000008,
  SCMP_ARCH_MIPSEL: 0x40000008,
  SCMP_ARCH_MIPSEL64: 0xc0000008,
  SCMP_ARCH_MIPSEL64N32: 0xe0000008,
  SCMP_ARCH_PPC: 0x00000014,
  SCMP_ARCH_PPC64: 0x80000015,
  SCMP_ARCH_PPC64LE: 0xc0000015,
  SCMP_ARCH_S390: 0x00000016,
  SCMP_ARCH_S390X: 0x80000016,
  SCMP_ARCH_PARISC: 0x0000000f,
  SCMP_ARCH_PARISC64: 0x8000000f,
  SCMP_ARCH_RISCV64: 0xc00000f3,
  SCMP_ARCH_LOONGARCH64: 0xc0000102,
  SCMP_ARCH_M68K: 0x00000004,
  SCMP_ARCH_SH: 0x4000002a,
  SCMP_ARCH_SHEB: 0x0000002a,
};

/** SECCOMP_FILTER_FLAG_* bits of the spec's flags. */
export const SECCOMP_FILTER_FLAG: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

/** libseccomp's enum scmp_compare. */
export const SECCOMP_OP: Readonly<Record<string, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

const EPERM = 1;

/** The SECCOMP_RET_* value of an action; ERRNO and TRACE carry errnoRet (EPERM when absent, as runc). */
export function seccompAction(action: string, errnoRet: number | undefined): number {
  const base = SECCOMP_RET[action];
  if (base === undefined) throw new RangeError(`unknown seccomp action ${action}`);
  if (action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE') return (base | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
  return base >>> 0;
}

/** The container the filter is for, and where compiled programs are cached. */
export interface SeccompPlanOptions {
  /** For the listener's state: the container id, bundle, annotations and status. */
  id: string;
  bundle: string;
  annotations?: Record<string, string>;
  status?: 'creating' | 'running';
  /** Directory of the compiled-program cache (absent: compile every time). */
  cacheDir?: string;
}

/** Where a runtime with state root `root` caches compiled seccomp programs (root-only, like the root). */
export function seccompCacheDir(root: string): string {
  return join(root, '.seccomp-cache');
}

/** Bump when the shim's way of compiling a plan changes (old cache entries then miss). */
const CACHE_FORMAT = 2; // 2: the ENOSYS stub

/** Digest naming a compiled program: the rules, actions, architectures and flags. */
export function seccompCacheKey(p: Pick<PlanSeccomp, 'defaultAction' | 'archs' | 'flags' | 'rules' | 'enosysNames'>): string {
  const text = JSON.stringify([CACHE_FORMAT, p.defaultAction, p.archs, p.flags, p.rules, p.enosysNames], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  return sha256Hex(text);
}

/**
 * The plan of a validated `linux.seccomp` (undefined when there is none). Rules whose
 * action equals the default are dropped (libseccomp refuses them and they change
 * nothing); a rule that compares one argument twice becomes one rule per comparison
 * (libseccomp allows one comparison per argument in a rule; runc splits them the same
 * way, so such comparisons are OR-ed).
 */
export function seccompPlan(sc: Seccomp | undefined, opts?: SeccompPlanOptions): PlanSeccomp | undefined {
  if (!sc) return undefined;
  const defaultAction = seccompAction(sc.defaultAction, sc.defaultErrnoRet);
  const archs = [...new Set((sc.architectures ?? []).map((a) => {
    const t = SECCOMP_ARCH_TOKEN[a];
    if (t === undefined) throw new RangeError(`unknown seccomp architecture ${a}`);
    return t;
  }))];
  let flags = 0;
  for (const f of sc.flags ?? []) {
    const bit = SECCOMP_FILTER_FLAG[f];
    if (bit === undefined) throw new RangeError(`unknown seccomp flag ${f}`);
    flags |= bit;
  }
  const rules: PlanSeccompRule[] = [];
  for (const s of sc.syscalls ?? []) {
    const action = seccompAction(s.action, s.errnoRet);
    if (action === defaultAction) continue;
    const args = (s.args ?? []).map((a) => {
      const op = SECCOMP_OP[a.op];
      if (op === undefined) throw new RangeError(`unknown seccomp operator ${a.op}`);
      return { index: a.index, op, value: BigInt(a.value), valueTwo: BigInt(a.valueTwo ?? 0) };
    });
    const repeated = new Set(args.map((a) => a.index)).size !== args.length;
    if (repeated) for (const a of args) rules.push({ names: [...s.names], action, args: [a] });
    else rules.push({ names: [...s.names], action, args });
  }
  const plan: PlanSeccomp = { defaultAction, archs, flags, rules, enosysNames: enosysNames(sc), listenerPath: '', listenerState: [], cachePath: '' };
  if (opts?.cacheDir) plan.cachePath = join(opts.cacheDir, `${seccompCacheKey(plan)}.bpf`);
  // The listener hears only about filters that can notify (runc sends nothing otherwise).
  if (sc.listenerPath && rules.some((r) => (r.action & 0xfff00000) === SECCOMP_RET.SCMP_ACT_NOTIFY)) {
    plan.listenerPath = sc.listenerPath;
    plan.listenerState = listenerState(sc.listenerMetadata ?? '', opts ?? { id: '', bundle: '' });
  }
  return plan;
}

const ENOSYS = 38;

/**
 * Syscalls newer than the profile: a profile names the syscalls of its time, and a
 * newer libc tries newer calls first (clone3, faccessat2, close_range, rseq...), falling
 * back to the old ones only on ENOSYS. A default-deny profile would answer them with its
 * default action (EPERM), and the program fails instead of falling back. So, as runc
 * does, a syscall numbered above the largest one the profile names (per architecture)
 * fails with ENOSYS, as on a kernel that predates it. Syscalls in the gaps below that
 * number keep the default action.
 *
 * The decision is here, the numbers in the shim: this returns every name the profile
 * lists (rules whose action equals the default included; they are dropped from the
 * rules but still tell how new the profile is), and the shim resolves them with
 * libseccomp per architecture of the filter (the native one always, as runc 1.3; 1.1
 * only for listed architectures) and puts a short BPF prefix before the compiled
 * program. Names libseccomp does not know are skipped, so the bound is the newest
 * syscall it does know. No stub (an empty list) when the default action is permissive
 * (ALLOW, LOG, and TRACE: a tracer handles new syscalls itself), or when it already
 * returns ENOSYS (defaultErrnoRet 38).
 */
export function enosysNames(sc: Seccomp): string[] {
  if (sc.defaultAction === 'SCMP_ACT_ALLOW' || sc.defaultAction === 'SCMP_ACT_LOG' || sc.defaultAction === 'SCMP_ACT_TRACE') return [];
  if (sc.defaultErrnoRet === ENOSYS) return [];
  return [...new Set((sc.syscalls ?? []).flatMap((s) => s.names))];
}

/**
 * The runtime-spec's container process state ("fds": ["seccompFd"], "pid", "metadata",
 * "state"), in three pieces around the two places the pid goes.
 */
function listenerState(metadata: string, l: SeccompPlanOptions): string[] {
  const state: Record<string, unknown> = { bundle: l.bundle };
  if (l.annotations && Object.keys(l.annotations).length) state.annotations = l.annotations;
  return [
    `{"ociVersion":${JSON.stringify(SPEC_VERSION)},"fds":["seccompFd"],"pid":`,
    `,"metadata":${JSON.stringify(metadata)},"state":{"ociVersion":${JSON.stringify(SPEC_VERSION)},` +
      `"id":${JSON.stringify(l.id)},"status":${JSON.stringify(l.status ?? 'creating')},"pid":`,
    `,${JSON.stringify(state).slice(1)}}`,
  ];
}
