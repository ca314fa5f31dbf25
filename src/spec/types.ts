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
  /** Terminal size. */
  consoleSize?: {
    /** Rows. */
    height: number;
    /** Columns. */
    width: number;
  };
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
  /** I/O priority (ioprio_set). */
  ioPriority?: {
    /** Scheduling class. */
    class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
    /** Priority within the class (0 highest, 7 lowest). */
    priority?: number;
  };
  /** CPU affinity for exec'd processes. */
  /** CPU affinity for exec'd processes. */
  execCPUAffinity?: {
    /** CPU list before joining the container (`0-3,7`). */
    initial?: string;
    /** CPU list once in the container. */
    final?: string;
  };
}

/** `process.user`. */
export interface User {
  /** User id in the container. */
  uid: number;
  /** Group id in the container. */
  gid: number;
  /** umask for the process (default 0022). */
  umask?: number;
  /** Supplementary group ids. */
  additionalGids?: number[];
  /** Non-standard: a name resolved through the container's /etc/passwd (library only). */
  username?: string;
}

/** `process.capabilities`. */
export interface Capabilities {
  /** Bounding set: the most any exec may gain. */
  bounding?: string[];
  /** Effective set. */
  effective?: string[];
  /** Inheritable set. */
  inheritable?: string[];
  /** Permitted set. */
  permitted?: string[];
  /** Ambient set (kept across execve). */
  ambient?: string[];
}

/** `process.rlimits[]`. */
export interface Rlimit {
  /** `RLIMIT_NOFILE` etc. */
  type: string;
  /** Soft limit (the one enforced). */
  soft: number;
  /** Hard limit (ceiling for the soft one). */
  hard: number;
}

/** `process.scheduler`. */
export interface Scheduler {
  /** SCHED_* policy name (`SCHED_OTHER`, `SCHED_FIFO`, `SCHED_DEADLINE` ...). */
  policy: string;
  /** Nice value (SCHED_OTHER, SCHED_BATCH). */
  nice?: number;
  /** Static priority (SCHED_FIFO, SCHED_RR). */
  priority?: number;
  /** SCHED_FLAG_* names. */
  flags?: string[];
  /** SCHED_DEADLINE runtime (ns). */
  runtime?: number;
  /** SCHED_DEADLINE deadline (ns). */
  deadline?: number;
  /** SCHED_DEADLINE period (ns). */
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
  /** Idmapped mounts: gid map. */
  gidMappings?: IDMapping[];
}

/** One line of a uid/gid map. */
export interface IDMapping {
  /** First id inside. */
  containerID: number;
  /** First id outside. */
  hostID: number;
  /** Number of ids. */
  size: number;
}

/** `hooks`. */
export interface Hooks {
  /** Deprecated: run in the runtime namespace after create, before pivot_root. */
  prestart?: Hook[];
  /** Run in the runtime namespace during create. */
  createRuntime?: Hook[];
  /** Run in the container namespace during create, before pivot_root. */
  createContainer?: Hook[];
  /** Run in the container before the user process starts. */
  startContainer?: Hook[];
  /** Run in the runtime namespace after start. */
  poststart?: Hook[];
  /** Run in the runtime namespace after delete. */
  poststop?: Hook[];
}

/** A hook command. */
export interface Hook {
  /** Absolute path of the executable (on the host). */
  path: string;
  /** argv, with argv[0]. */
  args?: string[];
  /** Environment, `KEY=value`. */
  env?: string[];
  /** Seconds before the hook is killed. */
  timeout?: number;
}

/** `linux`. */
export interface Linux {
  /** Namespaces to create or join. */
  namespaces?: Namespace[];
  /** User namespace uid map. */
  uidMappings?: IDMapping[];
  /** User namespace gid map. */
  gidMappings?: IDMapping[];
  /** Time namespace offsets, by clock (`monotonic`, `boottime`). */
  timeOffsets?: Record<string, TimeOffset>;
  /** Device nodes to create. */
  devices?: Device[];
  /** Cgroup path, absolute or relative to the cgroup root. */
  cgroupsPath?: string;
  /** Cgroup limits. */
  resources?: LinuxResources;
  /** Propagation of the rootfs mount (`rprivate`, `rslave`, `rshared` ...). */
  rootfsPropagation?: string;
  /** Syscall filter. */
  seccomp?: Seccomp;
  /** Namespaced sysctls. */
  sysctl?: Record<string, string>;
  /** Paths hidden (masked) inside the container. */
  maskedPaths?: string[];
  /** Paths made read-only inside the container. */
  readonlyPaths?: string[];
  /** SELinux label of the mounts. */
  mountLabel?: string;
  /** Execution domain (personality(2)). */
  personality?: {
    /** `LINUX` or `LINUX32`. */
    domain: string;
    /** Personality flags. */
    flags?: string[];
  };
  /** Intel RDT (refused: EUNSUPPORTED). */
  intelRdt?: Record<string, unknown>;
  /** NUMA memory policy (set_mempolicy). */
  memoryPolicy?: Record<string, unknown>;
  /** Network devices moved into the container, by host name. */
  netDevices?: Record<string, NetDevice>;
}

/** Namespace types the spec knows. */
export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

/** `linux.namespaces[]`: create a new one, or join `path`. */
export interface Namespace {
  /** Namespace type. */
  type: NamespaceType;
  /** Join the namespace at this path instead of creating one. */
  path?: string;
}

/** `linux.devices[]`: a device node to create. */
export interface Device {
  /** Character, block, unbuffered or FIFO. */
  type: 'c' | 'b' | 'u' | 'p';
  /** Path inside the container. */
  path: string;
  /** Major number. */
  major?: number;
  /** Minor number. */
  minor?: number;
  /** Permission bits. */
  fileMode?: number;
  /** Owner uid. */
  uid?: number;
  /** Owner gid. */
  gid?: number;
}

/** `linux.resources`. */
export interface LinuxResources {
  /** Device cgroup allow/deny rules. */
  devices?: DeviceCgroupRule[];
  /** Memory limits. */
  memory?: {
    /** Limit (bytes; -1 unlimited). */
    limit?: number;
    /** Soft limit (bytes). */
    reservation?: number;
    /** Memory + swap limit (bytes). */
    swap?: number;
    /** Kernel memory limit (deprecated). */
    kernel?: number;
    /** Kernel TCP buffer limit (v1). */
    kernelTCP?: number;
    /** Swappiness (v1). */
    swappiness?: number;
    /** Disable the OOM killer (v1). */
    disableOOMKiller?: boolean;
    /** Hierarchical accounting (v1). */
    useHierarchy?: boolean;
    /** Refuse an update below current usage. */
    checkBeforeUpdate?: boolean;
  };
  /** CPU limits. */
  cpu?: {
    /** Relative weight (v1 shares). */
    shares?: number;
    /** CFS quota per period (µs). */
    quota?: number;
    /** CFS burst (µs). */
    burst?: number;
    /** CFS period (µs). */
    period?: number;
    /** Realtime runtime per period (µs). */
    realtimeRuntime?: number;
    /** Realtime period (µs). */
    realtimePeriod?: number;
    /** CPUs allowed (`0-3,7`). */
    cpus?: string;
    /** Memory nodes allowed. */
    mems?: string;
    /** SCHED_IDLE for the group (1). */
    idle?: number;
  };
  /** Pids limit. */
  pids?: {
    /** Most tasks at once (pids.max; -1 unlimited). */
    limit: number;
  };
  /** Block I/O limits. */
  blockIO?: {
    /** Relative weight. */
    weight?: number;
    /** Leaf weight (v1). */
    leafWeight?: number;
    /** Weight per device. */
    weightDevice?: WeightDevice[];
    /** Read bytes/s per device. */
    throttleReadBpsDevice?: ThrottleDevice[];
    /** Write bytes/s per device. */
    throttleWriteBpsDevice?: ThrottleDevice[];
    /** Read operations/s per device. */
    throttleReadIOPSDevice?: ThrottleDevice[];
    /** Write operations/s per device. */
    throttleWriteIOPSDevice?: ThrottleDevice[];
  };
  /** Huge page limits, by page size. */
  hugepageLimits?: HugepageLimit[];
  /** Network classid and priorities (v1). */
  network?: {
    /** net_cls classid. */
    classID?: number;
    /** net_prio priorities by interface. */
    priorities?: Array<{
      /** Interface name. */
      name: string;
      /** Its priority. */
      priority: number;
    }>;
  };
  /** RDMA limits, by device. */
  rdma?: Record<string, RdmaLimit>;
  /** cgroup v2 files to write, by name (`memory.high`). */
  unified?: Record<string, string>;
}

/** `linux.timeOffsets` entry. */
export interface TimeOffset {
  /** Seconds. */
  secs?: number;
  /** Nanoseconds. */
  nanosecs?: number;
}

/** `linux.netDevices` entry. */
export interface NetDevice {
  /** Name inside the container (default: the host name). */
  name?: string;
}

/** `linux.resources.rdma` entry. */
export interface RdmaLimit {
  /** Most HCA handles. */
  hcaHandles?: number;
  /** Most HCA objects. */
  hcaObjects?: number;
}

/** `linux.resources.blockIO.weightDevice[]`. */
export interface WeightDevice {
  /** Device major number. */
  major: number;
  /** Device minor number. */
  minor: number;
  /** Weight for this device. */
  weight?: number;
  /** Leaf weight (v1). */
  leafWeight?: number;
}

/** `linux.resources.hugepageLimits[]`. */
export interface HugepageLimit {
  /** Page size, e.g. `2MB`. */
  pageSize: string;
  /** Limit (bytes). */
  limit: number;
}

/** A device cgroup rule. */
export interface DeviceCgroupRule {
  /** Allow (true) or deny. */
  allow: boolean;
  /** All, character or block devices. */
  type?: 'a' | 'c' | 'b';
  /** Major number (null or absent: any). */
  major?: number | null;
  /** Minor number (null or absent: any). */
  minor?: number | null;
  /** Access: any of `r`, `w`, `m`. */
  access?: string;
}

/** A block device throttle. */
export interface ThrottleDevice {
  /** Device major number. */
  major: number;
  /** Device minor number. */
  minor: number;
  /** Rate (bytes or operations per second). */
  rate: number;
}

/** `linux.seccomp`. */
export interface Seccomp {
  /** Action for syscalls no rule matches (SCMP_ACT_*). */
  defaultAction: string;
  /** errno of the default action. */
  defaultErrnoRet?: number;
  /** SCMP_ARCH_* names. */
  architectures?: string[];
  /** SECCOMP_FILTER_FLAG_* names. */
  flags?: string[];
  /** Unix socket for SCMP_ACT_NOTIFY. */
  listenerPath?: string;
  /** Opaque data sent to the listener. */
  listenerMetadata?: string;
  /** The rules. */
  syscalls?: SeccompRule[];
}

/** `linux.seccomp.syscalls[]`. */
export interface SeccompRule {
  /** Syscall names. */
  names: string[];
  /** SCMP_ACT_* action. */
  action: string;
  /** errno for SCMP_ACT_ERRNO/SCMP_ACT_TRACE. */
  errnoRet?: number;
  /** Argument conditions (all must hold). */
  args?: SeccompArg[];
}

/** An argument condition of a seccomp rule. */
export interface SeccompArg {
  /** Argument index (0-5). */
  index: number;
  /** Value compared with. */
  value: number;
  /** Second value (SCMP_CMP_MASKED_EQ). */
  valueTwo?: number;
  /** SCMP_CMP_* operator. */
  op: string;
}

/** OCI state, as printed by `state` (plus runc's extra fields). */
export interface State {
  /** runtime-spec version of the state. */
  ociVersion: string;
  /** Container id. */
  id: string;
  /** Status. */
  status: Status;
  /** Host pid of the init; 0 when stopped. */
  pid: number;
  /** Absolute path of the bundle. */
  bundle: string;
  /** Absolute path of the rootfs. */
  rootfs: string;
  /** RFC 3339 creation time. */
  created: string;
  /** Owner (empty: root). */
  owner: string;
  /** Annotations of the config. */
  annotations?: Record<string, string>;
}

/** Container status, derived from the kernel on every read. */
export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';
