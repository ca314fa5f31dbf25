/**
 * OCI runtime-spec (1.2/1.3) configuration types: config.json as TypeScript.
 * Field names are the spec's, verbatim. Only Linux is modelled.
 */

/** The whole config.json. */
export interface Spec {
  /** Version of the runtime-spec this config follows, e.g. "1.2.0". */
  ociVersion: string;
  /** The container's root filesystem. */
  root?: Root;
  /** The process to run (required for `create`/`run`). */
  process?: Process;
  /** Container hostname (needs a UTS namespace). */
  hostname?: string;
  /** Container NIS domain name (needs a UTS namespace). */
  domainname?: string;
  /** Additional mounts, in order, after the rootfs. */
  mounts?: Mount[];
  /** Lifecycle hooks. */
  hooks?: Hooks;
  /** Arbitrary metadata, kept in the container state. */
  annotations?: Record<string, string>;
  /** Linux-specific configuration. */
  linux?: Linux;
}

/** `root`: where the rootfs is. */
export interface Root {
  /** Path of the rootfs, absolute or relative to the bundle. */
  path: string;
  /** Make the rootfs read-only inside the container. */
  readonly?: boolean;
}

/** `process`: what runs in the container. */
export interface Process {
  /** Allocate a pseudo-terminal. */
  terminal?: boolean;
  /** Terminal size. */
  consoleSize?: { height: number; width: number };
  /** The user the process runs as. */
  user: User;
  /** argv; args[0] is looked up in the container's PATH when not absolute. */
  args?: string[];
  /** Windows only; accepted and ignored. */
  commandLine?: string;
  /** Environment, `KEY=value`. */
  env?: string[];
  /** Working directory, absolute inside the container. */
  cwd: string;
  /** Capability sets, by name (`CAP_SYS_ADMIN`). */
  capabilities?: Capabilities;
  /** Resource limits. */
  rlimits?: Rlimit[];
  /** Set no_new_privs. */
  noNewPrivileges?: boolean;
  /** AppArmor profile name. */
  apparmorProfile?: string;
  /** OOM score adjustment (-1000..1000). */
  oomScoreAdj?: number;
  /** SELinux process label. */
  selinuxLabel?: string;
  /** Scheduling policy (sched_setattr). */
  scheduler?: Scheduler;
  /** I/O priority (ioprio_set). */
  ioPriority?: { class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE'; priority?: number };
  /** CPU affinity for exec'd processes. */
  execCPUAffinity?: { initial?: string; final?: string };
}

/** `process.user`. */
export interface User {
  uid: number;
  gid: number;
  /** umask for the process (default 0022). */
  umask?: number;
  additionalGids?: number[];
  /** Non-standard: a name resolved through the container's /etc/passwd (library only). */
  username?: string;
}

/** `process.capabilities`. */
export interface Capabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** `process.rlimits[]`. */
export interface Rlimit {
  /** `RLIMIT_NOFILE` etc. */
  type: string;
  soft: number;
  hard: number;
}

/** `process.scheduler`. */
export interface Scheduler {
  policy: string;
  nice?: number;
  priority?: number;
  flags?: string[];
  runtime?: number;
  deadline?: number;
  period?: number;
}

/** `mounts[]`. */
export interface Mount {
  /** Absolute path inside the container. */
  destination: string;
  /** Filesystem type (`proc`, `tmpfs`, `bind`, ...). */
  type?: string;
  /** Device name, directory for binds, or a dummy. */
  source?: string;
  /** mount(8) style options: `ro`, `nosuid`, `bind`, `rbind`, `rprivate`, `mode=755` ... */
  options?: string[];
  /** Idmapped mounts. */
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
}

/** One line of a uid/gid map. */
export interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** `hooks`. */
export interface Hooks {
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

/** A hook command. */
export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

/** `linux`. */
export interface Linux {
  namespaces?: Namespace[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  timeOffsets?: Record<string, { secs?: number; nanosecs?: number }>;
  devices?: Device[];
  cgroupsPath?: string;
  resources?: LinuxResources;
  rootfsPropagation?: string;
  seccomp?: Seccomp;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  personality?: { domain: string; flags?: string[] };
  intelRdt?: Record<string, unknown>;
  memoryPolicy?: Record<string, unknown>;
  netDevices?: Record<string, { name?: string }>;
}

/** Namespace types the spec knows. */
export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

/** `linux.namespaces[]`: create a new one, or join `path`. */
export interface Namespace {
  type: NamespaceType;
  path?: string;
}

/** `linux.devices[]`: a device node to create. */
export interface Device {
  type: 'c' | 'b' | 'u' | 'p';
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** `linux.resources`. */
export interface LinuxResources {
  devices?: DeviceCgroupRule[];
  memory?: {
    limit?: number;
    reservation?: number;
    swap?: number;
    kernel?: number;
    kernelTCP?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
    useHierarchy?: boolean;
    checkBeforeUpdate?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    burst?: number;
    period?: number;
    realtimeRuntime?: number;
    realtimePeriod?: number;
    cpus?: string;
    mems?: string;
    idle?: number;
  };
  pids?: { limit: number };
  blockIO?: {
    weight?: number;
    leafWeight?: number;
    weightDevice?: Array<{ major: number; minor: number; weight?: number; leafWeight?: number }>;
    throttleReadBpsDevice?: ThrottleDevice[];
    throttleWriteBpsDevice?: ThrottleDevice[];
    throttleReadIOPSDevice?: ThrottleDevice[];
    throttleWriteIOPSDevice?: ThrottleDevice[];
  };
  hugepageLimits?: Array<{ pageSize: string; limit: number }>;
  network?: { classID?: number; priorities?: Array<{ name: string; priority: number }> };
  rdma?: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  unified?: Record<string, string>;
}

/** A device cgroup rule. */
export interface DeviceCgroupRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number | null;
  minor?: number | null;
  access?: string;
}

/** A block device throttle. */
export interface ThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

/** `linux.seccomp`. */
export interface Seccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: Array<{
    names: string[];
    action: string;
    errnoRet?: number;
    args?: Array<{ index: number; value: number; valueTwo?: number; op: string }>;
  }>;
}

/** OCI state, as printed by `state` (plus runc's extra fields). */
export interface State {
  ociVersion: string;
  id: string;
  status: Status;
  /** Host pid of the init; 0 when stopped. */
  pid: number;
  bundle: string;
  rootfs: string;
  /** RFC 3339 creation time. */
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** Container status, derived from the kernel on every read. */
export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';
