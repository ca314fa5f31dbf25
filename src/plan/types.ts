/**
 * The init plan: everything the C shim needs, fully resolved (numbers, flags, paths).
 * The shim adds no defaults and never parses OCI JSON. See src/process/protocol.ts for
 * the wire format; `encodePlan` turns this into bytes.
 */

import type { PlanSeccomp } from './seccomp.js';

/** A mount, in order. */
export interface PlanMount {
  /** 1 = filesystem mount(2), 2 = bind (see MountKind). */
  kind: number;
  source: string;
  /** Absolute path inside the rootfs. */
  destination: string;
  fstype: string;
  /** MS_* flags for mount(2) (no propagation flags). */
  flags: bigint;
  data: string;
  /** Propagation changes applied after the mount, each MS_SHARED|MS_SLAVE|... [|MS_REC]. */
  propagation: bigint[];
  /** MOUNT_ATTR_* set/cleared recursively through mount_setattr (rro, rnosuid ...). */
  attrSet: bigint;
  attrClr: bigint;
  /** Bind of a non-directory: the destination is created as an empty file. */
  destIsFile: boolean;
  /** Bind only: flags for the MS_BIND|MS_REMOUNT pass (0n: no remount). */
  remountFlags: bigint;
  /** Idmapped bind: uid_map/gid_map text of the mount's user namespace (absent: not idmapped). */
  uidMap?: string;
  gidMap?: string;
  /** Idmapped bind: the idmap covers submounts too (`ridmap`). */
  idmapRecursive?: boolean;
  /** tmpfs with `tmpcopyup`: the new tmpfs gets a copy of the rootfs's tree at the destination. */
  tmpcopyup?: boolean;
  /** Bind only: MS_* flags the options cleared (`rw`, `dev` ...): a remount is due even when remountFlags is 0. */
  remountClear?: bigint;
  /** Bind remount without an atime option: the source's atime flags are kept (runc 1.2+). */
  keepAtime?: boolean;
  /** tmpfs without `mode=`: mounted with the mode of the directory it covers (runc 1.2+). */
  keepMode?: boolean;
  /** proc and sysfs: the destination must be a real directory (a symlink there is refused, as runc). */
  ordinaryDir?: boolean;
}

/** A device node to create under /dev. */
export interface PlanDevice {
  path: string;
  /** DeviceKind: 1 char, 2 block, 3 fifo. */
  kind: number;
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
}

/** A resource limit. */
export interface PlanRlimit {
  resource: number;
  soft: bigint;
  hard: bigint;
}

/** A namespace to join by path. */
export interface PlanJoinNs {
  /** CLONE_NEW* constant. */
  type: number;
  path: string;
}

/** A hook the init runs itself (createContainer, startContainer). */
export interface PlanHook {
  /** HookKind. */
  kind: number;
  /** Index in the spec's list of that kind (for errors). */
  index: number;
  path: string;
  args: string[];
  env: string[];
  /** Seconds (0: none). */
  timeout: number;
}

/** sched_setattr(2) arguments (process.scheduler). */
export interface PlanScheduler {
  policy: number;
  flags: bigint;
  nice: number;
  priority: number;
  runtime: bigint;
  deadline: bigint;
  period: bigint;
}

/** The init plan. */
export interface InitPlan {
  /** Seccomp filter (src/plan/seccomp.ts), loaded as late as possible before execve. */
  seccomp?: PlanSeccomp;
  /** AppArmor profile for execve (absent: none). */
  apparmorProfile?: string;
  /** SELinux process label for execve (absent: none). */
  selinuxLabel?: string;
  /** Rootless: runts writes the id maps (newuidmap/newgidmap) on MAPS_NEEDED. */
  mapsByParent: boolean;
  mode: number;
  barrier: number;
  fifoPath: string;
  cloneFlags: bigint;
  joinNamespaces: PlanJoinNs[];
  uidMap: string;
  gidMap: string;
  setgroupsDeny: boolean;
  rootfs: string;
  rootfsPropagation: bigint;
  /** Propagation applied to the new "/" after the root change (0n: none): runc applies an explicit, non-private rootfsPropagation again there. */
  rootPropagationAfter?: bigint;
  noPivot: boolean;
  mounts: PlanMount[];
  /** Stage-0 opens, in the container's mount namespace, the bind sources the init cannot reach (user namespace, not rootless). */
  mountSources: boolean;
  devices: PlanDevice[];
  bindDevices: boolean;
  symlinks: Array<{ target: string; path: string }>;
  maskedPaths: string[];
  readonlyPaths: string[];
  rootReadonly: boolean;
  /** The /dev mount asked for `ro`: mounted writable, made read-only after the device nodes (runc's order). */
  devReadonly?: boolean;
  hostname?: string;
  domainname?: string;
  sysctls: Array<{ path: string; value: string }>;
  rlimits: PlanRlimit[];
  oomScoreAdj?: number;
  keyring?: string;
  loopbackUp: boolean;
  uid: number;
  gid: number;
  additionalGids: number[];
  umask?: number;
  cwd: string;
  args: string[];
  env: string[];
  capBounding: bigint;
  capEffective: bigint;
  capInheritable: bigint;
  capPermitted: bigint;
  capAmbient: bigint;
  noNewPrivs: boolean;
  preserveFds: number;
  setsid: boolean;
  /**
   * Give stdio (fds 0-2: the pty slave, pipes; not /dev/null) to the process's uid before
   * the user switch, keeping the group, as runc does: so the pty is the user's (group
   * tty, from devpts' gid=5) and a non-root process can reopen /dev/stdout.
   */
  stdioOwner: boolean;
  initPid: number;
  cgroupProcs: string[];
  /**
   * cgroup v1 `tasks` files stage-0 joins by writing "0" (the calling thread). stage-0 is
   * single-threaded, so this moves the whole process, but the kernel skips the global
   * cgroup_threadgroup_rwsem for it: a cgroup.procs write takes that lock for writing, and
   * the first one after a quiet spell waits for an RCU grace period (~5-15 ms here).
   */
  cgroupTasks: string[];
  /**
   * A cgroup v2 directory the container process is cloned into (clone3 with
   * CLONE_INTO_CGROUP): nothing is migrated, so no cgroup.procs write and none of the
   * RCU grace period the first migration after a quiet spell waits for. '' for none.
   */
  cgroupInto: string;
  /** Hex of an eBPF device program for cgroupInto, attached by the shim before the clone ('' for none). */
  deviceBpf: string;
  parentDeathSignal: number;
  label: string;
  monitor: boolean;
  terminal: boolean;
  consoleSocket: string;
  consoleHeight: number;
  consoleWidth: number;
  /** Unix socket that receives a pidfd of the container process ('' for none). */
  pidfdSocket: string;
  /** Stop after the mounts for prestart/createRuntime hooks (HOOKS / HOOKS_DONE). */
  hookBarrier: boolean;
  hooks: PlanHook[];
  scheduler?: PlanScheduler;
  ioprio?: number;
  cpuInitial: number[];
  cpuFinal: number[];
  /** No execCPUAffinity.final: the process gets every CPU (its cgroup allows), not the caller's affinity. */
  cpuReset: boolean;
  /** Create a missing cwd in the rootfs before pivot_root (the init, as runc). */
  cwdMkdir: boolean;
  /** env has no HOME (or an empty one): the shim appends HOME from the container's /etc/passwd. */
  homeFromPasswd: boolean;
  personality?: number;
  timeOffsets: string;
  memPolicy?: { mode: number; nodes: number[] };
  netDevices: Array<{ name: string; newName: string }>;
}

/** A plan with every field at its zero value. */
export function emptyPlan(): InitPlan {
  return {
    mode: 0, barrier: 0, fifoPath: '', cloneFlags: 0n, joinNamespaces: [], uidMap: '', gidMap: '',
    setgroupsDeny: false, rootfs: '', rootfsPropagation: 0n, noPivot: false, mounts: [], mountSources: false, devices: [],
    bindDevices: false, symlinks: [], maskedPaths: [], readonlyPaths: [], rootReadonly: false,
    sysctls: [], rlimits: [], loopbackUp: false, uid: 0, gid: 0, additionalGids: [], cwd: '/',
    args: [], env: [], capBounding: 0n, capEffective: 0n, capInheritable: 0n, capPermitted: 0n,
    capAmbient: 0n, noNewPrivs: false, preserveFds: 0, setsid: false, stdioOwner: false, initPid: 0, cgroupProcs: [], cgroupTasks: [], cgroupInto: '', deviceBpf: '',
    parentDeathSignal: 0, label: '', monitor: false, terminal: false, consoleSocket: '',
    consoleHeight: 0, consoleWidth: 0, pidfdSocket: '', mapsByParent: false,
    hookBarrier: false, hooks: [], cpuInitial: [], cpuFinal: [], cpuReset: false, homeFromPasswd: false, cwdMkdir: false, timeOffsets: '', netDevices: [],
  };
}
