/**
 * PURE: the plan of a process exec'd into an existing container (runc exec).
 *
 * The process is the container's own `process` from its stored spec, with the caller's
 * fields over it (library `ProcessOptions`, or runc's flags), or a complete OCI process
 * (`exec --process FILE`) whose absent capabilities, rlimits, noNewPrivileges and LSM
 * fields come from the container. The plan joins every namespace of the init (the shim
 * compares each with its own and setns's into those that differ: user and cgroup
 * included), the container's cgroup (or a sub-cgroup of it), and applies the process.
 */
import { join } from '../sys/path.js';
import { RuntsError } from '../errors.js';
import { Barrier, Mode } from '../process/protocol.js';
import type { Capabilities, Linux, Process } from '../spec/types.js';
import { fillProcessDefaults } from '../spec/process-defaults.js';
import { applyProcess } from './build.js';
import { applyLinuxProcessFields } from './fields.js';
import type { CgroupJoin } from '../cgroups/join.js';
import type { PlanSeccomp } from './seccomp.js';
import { emptyPlan, type InitPlan } from './types.js';

/** Host facts and choices of one exec. */
export interface ExecContext {
  /** Container id (the plan's label). */
  id: string;
  /** Host pid of the container init whose namespaces are joined. */
  initPid: number;
  /** How the process gets into the container's cgroups (cgroups/join.ts); none without. */
  cgroup?: CgroupJoin;
  /** true: the shim exits once the process runs (no EXIT frame, nobody reaps it but the caller's subreaper). */
  detach: boolean;
  /** Unix socket that receives the pty master (process.terminal). */
  consoleSocket?: string;
  /** Fds 3 .. 3+N-1 of the shim go to the process. */
  preserveFds?: number;
  /** Unix socket that receives a pidfd of the process. */
  pidfdSocket?: string;
  /** The container's seccomp filter (seccompPlan of its linux.seccomp): exec'd processes get it too. */
  seccomp?: PlanSeccomp;
  /** The container's linux section: its personality and memoryPolicy apply to exec'd processes too. */
  linux?: Linux;
}

/** A deep copy of spec data (plain JSON: no engine needs structuredClone for it). */
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** What runc exec's flags change in the container's process. */
export interface ExecOverrides {
  /** Replaces args. */
  args?: string[];
  /** Entries added to the env; a KEY given again replaces the container's (last wins). */
  env?: string[];
  /** Working directory (default: the container's process cwd). */
  cwd?: string;
  /** Run on a new pty (its master goes to the console socket). */
  terminal?: boolean;
  /** Initial size of the pty. */
  consoleSize?: Process['consoleSize'];
  /** Numeric user (names are resolved by the caller, through the container's /etc/passwd). */
  user?: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  /** Supplementary gids added to the user's. */
  additionalGids?: number[];
  /**
   * Capabilities added to the bounding, effective and permitted sets (runc exec --cap):
   * not inheritable or ambient, so, as with runc, a non-root --user loses them at execve
   * (only the bounding set shows them).
   */
  addCapabilities?: string[];
  /** true sets no_new_privs (false never clears the container's). */
  noNewPrivileges?: boolean;
  /** AppArmor profile to exec under. */
  apparmorProfile?: string;
  /** SELinux label of the process. */
  selinuxLabel?: string;
  /** Resource limits (default: the container's). */
  rlimits?: Process['rlimits'];
  /** Capability sets (default: the container's). */
  capabilities?: Capabilities;
  /** /proc/self/oom_score_adj of the process. */
  oomScoreAdj?: number;
}

/** Merge env lists: entries of `extra` replace those with the same KEY in `base`, order kept. */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const keyOf = (e: string) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e);
  const out = new Map<string, string>();
  for (const e of [...base, ...extra]) {
    const k = keyOf(e);
    out.delete(k); // last wins, and moves to the end like a fresh assignment
    out.set(k, e);
  }
  return [...out.values()];
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/**
 * A --cap name as given: like runc 1.3, names are exact (`CAP_SYS_ADMIN`); `sys_admin` or
 * `SYS_ADMIN` is an unknown name, ignored with the same warning as in a config.
 */
export function capName(name: string): string {
  return name.trim();
}

/** The exec'd process: the container's process with the overrides applied. */
export function execProcess(base: Process | undefined, o: ExecOverrides): Process {
  const b: Process = clone(base ?? { user: { uid: 0, gid: 0 }, cwd: '/' });
  const p: Process = { ...b, user: { ...b.user } };
  if (o.args) p.args = [...o.args];
  if (o.env) p.env = mergeEnv(b.env ?? [], o.env);
  if (o.cwd !== undefined) p.cwd = o.cwd;
  p.terminal = o.terminal ?? false;
  if (o.consoleSize) p.consoleSize = o.consoleSize;
  else delete p.consoleSize;
  if (o.user) p.user = { ...o.user, ...(o.user.umask === undefined && b.user.umask !== undefined ? { umask: b.user.umask } : {}) };
  if (o.additionalGids?.length) p.user.additionalGids = [...new Set([...(p.user.additionalGids ?? []), ...o.additionalGids])];
  if (o.capabilities) p.capabilities = clone(o.capabilities);
  if (o.addCapabilities?.length) {
    const add = o.addCapabilities.map(capName);
    const c = (p.capabilities ??= {});
    for (const set of ['bounding', 'effective', 'permitted'] as const) {
      c[set] = unique([...(c[set] ?? []), ...add]);
    }
  }
  if (o.noNewPrivileges) p.noNewPrivileges = true;
  if (o.apparmorProfile !== undefined) p.apparmorProfile = o.apparmorProfile;
  if (o.selinuxLabel !== undefined) p.selinuxLabel = o.selinuxLabel;
  if (o.rlimits) p.rlimits = o.rlimits;
  if (o.oomScoreAdj !== undefined) p.oomScoreAdj = o.oomScoreAdj;
  return p;
}

/**
 * A complete OCI process (runc exec --process FILE): used as given, except that fields it
 * leaves out come from the container (capabilities, rlimits, LSM labels, and
 * noNewPrivileges: an absent field never weakens the container's setting).
 */
export function completeProcess(base: Process | undefined, given: Process): Process {
  const p: Process = clone(given);
  fillProcessDefaults(p);
  if (!base) return p;
  if (p.capabilities === undefined && base.capabilities) p.capabilities = clone(base.capabilities);
  if (p.rlimits === undefined && base.rlimits) p.rlimits = clone(base.rlimits);
  if (p.noNewPrivileges === undefined && base.noNewPrivileges !== undefined) p.noNewPrivileges = base.noNewPrivileges;
  if (!p.apparmorProfile && base.apparmorProfile) p.apparmorProfile = base.apparmorProfile;
  if (!p.selinuxLabel && base.selinuxLabel) p.selinuxLabel = base.selinuxLabel;
  if (p.oomScoreAdj === undefined && base.oomScoreAdj !== undefined) p.oomScoreAdj = base.oomScoreAdj;
  return p;
}

/**
 * Parse runc's `--cgroup` arguments: `[controller[,controller...]:]path`. A path without
 * a controller (only alone) applies to every controller (and is the only form on cgroup
 * v2). Returns controller ('' for all) -> relative path.
 */
export function parseSubCgroups(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const colon = a.indexOf(':');
    const path = colon < 0 ? a : a.slice(colon + 1);
    checkSubPath(a, path);
    if (colon < 0) {
      if (args.length !== 1) throw cgroupArg(a, 'a path without a controller: prefix must be the only --cgroup');
      out[''] = path;
      continue;
    }
    for (const ctrl of a.slice(0, colon).split(',')) {
      if (ctrl === '') throw cgroupArg(a, 'empty controller name');
      if (out[ctrl] !== undefined) throw cgroupArg(a, `controller ${ctrl} given more than once`);
      out[ctrl] = path;
    }
  }
  return out;
}

function checkSubPath(arg: string, path: string): void {
  if (path === '' || path.split('/').some((c) => c === '..')) throw cgroupArg(arg, 'the path must be non-empty and must not contain ".."');
}

function cgroupArg(arg: string, why: string): RuntsError {
  return new RuntsError('EINVALID', `--cgroup ${JSON.stringify(arg)}: ${why}`, { problems: [{ path: 'cgroup', message: why }] });
}

/**
 * The cgroup directories an exec'd process joins: the container's (controller -> dir),
 * each moved into its sub-cgroup when one is asked for. A controller named in `sub`
 * that the container has no cgroup for is an error.
 */
export function execCgroupPaths(paths: Record<string, string>, sub: Record<string, string>, layout: string): Record<string, string> {
  if (layout === 'v2') {
    const bad = Object.keys(sub).find((k) => k !== '');
    if (bad) throw cgroupArg(`${bad}:${sub[bad]}`, 'cgroup v2 takes a single path, without a controller');
  }
  for (const ctrl of Object.keys(sub)) {
    if (ctrl !== '' && !(ctrl in paths)) throw cgroupArg(`${ctrl}:${sub[ctrl]}`, `the container has no ${ctrl} cgroup`);
  }
  const out: Record<string, string> = {};
  for (const [ctrl, dir] of Object.entries(paths)) {
    const s = sub[ctrl] ?? sub[''];
    out[ctrl] = s === undefined ? dir : join(dir, s);
  }
  return out;
}

/** Build the plan of an exec'd process. `proc` must have passed validation. */
export function buildExecPlan(proc: Process, ctx: ExecContext): InitPlan {
  const p = emptyPlan();
  p.mode = Mode.EXEC;
  p.barrier = Barrier.NONE;
  p.label = ctx.id;
  p.initPid = ctx.initPid;
  if (ctx.cgroup) Object.assign(p, ctx.cgroup);
  p.setsid = true;
  p.stdioOwner = true;
  p.monitor = !ctx.detach;
  p.preserveFds = ctx.preserveFds ?? 0;
  if (ctx.consoleSocket) p.consoleSocket = ctx.consoleSocket;
  if (ctx.pidfdSocket) p.pidfdSocket = ctx.pidfdSocket;
  applyProcess(p, proc);
  applyLinuxProcessFields(p, ctx.linux);
  if (ctx.seccomp) p.seccomp = ctx.seccomp;
  return p;
}
