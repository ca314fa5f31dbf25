/**
 * The one protocol between runts (TypeScript) and the init shim (C).
 *
 * Every constant both sides share lives in this file; `native/protocol.h` is generated
 * from it (`node dist/scripts/gen-protocol-h.js`) and a unit test fails when they drift.
 *
 * Transport: a SOCK_STREAM unix socketpair. runts keeps one end; the shim gets the other
 * as fd `argv[2]` (`runts-init init <fd>`). Every message is a frame:
 *
 *     u32 length (of payload, little endian) | u16 type | u16 zero | payload
 *
 * The PLAN payload is a TLV stream: repeated records `u16 tag | u16 zero | u32 len | bytes`.
 * Integers are little-endian u32/u64/i32 by tag; strings are raw bytes (no NUL); a
 * group tag (MOUNT, DEVICE, ...) holds a nested TLV stream. Repeated tags form arrays,
 * in order. Unknown tags are an error in the shim (the plan is versioned, never guessed).
 *
 * Sequence (create; `run` replaces the fifo by a GO frame, exec has no rootfs steps):
 *
 *   runts (TS)                    stage-0 shim                   init (container pid 1)
 *     | spawn runts-init init 3      |                               |
 *     | cgroup.procs <- shim pid     |                               |
 *     |---- PLAN ------------------->| setns(joined namespaces)      |
 *     |                              | clone(CLONE_NEW*) ----------->| (waits for maps)
 *     |                              | write uid_map/gid_map         |
 *     |<--- PID (init host pid) -----|---- maps done --------------->|
 *     |                              | create: exit(0)               | mounts, pivot_root, /dev,
 *     |                              | run/exec: wait for the child  | masks, sysctl, caps ...
 *     |<--- READY ---------------------------------------------------| parked
 *     | create: write state, exit    |                               | open(exec.fifo, O_WRONLY)
 *     | run: write state, GO ------------------------------------------>| (blocks until start)
 *     |                              |                               | execve(args)
 *     |<--- EXIT (wait status) ------| (run/exec only)               |
 *
 * With pre-start hooks (HOOK_BARRIER), the init stops between its mounts and pivot_root:
 * init --HOOKS--> TS (runs prestart + createRuntime) --HOOKS_DONE--> init (runs the
 * createContainer hooks, pivots ...; startContainer hooks run after the barrier).
 *
 * Any failure in the shim or the init sends ERROR (step, syscall, path, errno, detail)
 * and exits 1. EOF on the socket before READY means the shim died: runts reports the
 * shim's exit status. The shim notices a dead runts through EOF/EPIPE on the socket and
 * PR_SET_PDEATHSIG, and never waits on it without that.
 */

/** Protocol version: bump on any incompatible change of frames or tags. */
export const PROTOCOL_VERSION = 1;

/** Frame types. */
export const Msg = {
  /** TS -> shim: the init plan (TLV payload). */
  PLAN: 1,
  /** shim -> TS: u32 host pid of the container init (or of the exec'd process). */
  PID: 2,
  /** init -> TS: the init is parked at the create/start barrier; payload empty. */
  READY: 3,
  /** TS -> init: leave the barrier and exec (run mode: no fifo). Payload empty. */
  GO: 4,
  /** shim -> TS: TLV with ERR_* tags. */
  ERROR: 5,
  /** stage-0 -> TS: i32 wait status of the child (run/exec monitor mode). */
  EXIT: 6,
  /** stage-0 -> TS (MAPS_BY_PARENT): u32 pid whose uid_map/gid_map TS must write (newuidmap). */
  MAPS_NEEDED: 330,
  /** TS -> stage-0: the maps are written; payload empty. */
  MAPS_DONE: 331,
  /** init -> TS: hooks barrier (HOOK_BARRIER): namespaces and mounts done, before pivot_root; payload empty. */
  HOOKS: 380,
  /** TS -> init: prestart/createRuntime hooks ran; TLV with HOOK_STATE_CREATE and HOOK_STATE_START. */
  HOOKS_DONE: 381,
} as const;

/** Kinds of the hooks the init runs itself (in the container's namespaces). */
export const HookKind = {
  /** After HOOKS_DONE, before pivot_root (host paths, container namespaces). */
  CREATE_CONTAINER: 1,
  /** After the create/start barrier, before execve (container paths). */
  START_CONTAINER: 2,
} as const;

/** Plan modes. */
export const Mode = {
  /** A new container: namespaces, rootfs, barrier on a fifo (create) or a GO frame (run). */
  INIT: 1,
  /** A process in an existing container: join its namespaces, no rootfs work. */
  EXEC: 2,
} as const;

/** Barrier kinds. */
export const Barrier = {
  /** No barrier: exec as soon as set up (exec mode). */
  NONE: 0,
  /** Wait for a GO frame on the sync socket (foreground run, library run). */
  SOCKET: 1,
  /** Open PLAN_FIFO_PATH for writing, which blocks until `start` opens it for reading. */
  FIFO: 2,
} as const;

/** Mount kinds (decided by TS from the spec's type and options). */
export const MountKind = {
  /** mount(2) of a filesystem: source, fstype, flags, data. */
  FS: 1,
  /** bind mount of a host path (MS_BIND, MS_REC when recursive), then a remount for flags. */
  BIND: 2,
} as const;

/** Device node kinds. */
export const DeviceKind = { CHAR: 1, BLOCK: 2, FIFO: 3 } as const;

/**
 * Plan tags. Scalars are u32 unless marked u64/i32; "str" is raw bytes; "group" is a
 * nested TLV. Fields absent from a plan take the zero value (empty, false, 0).
 */
export const Tag = {
  VERSION: 1, // u32 PROTOCOL_VERSION, must be first
  MODE: 2, // u32 Mode
  BARRIER: 3, // u32 Barrier
  FIFO_PATH: 4, // str: host path of exec.fifo (Barrier.FIFO)
  CLONE_FLAGS: 5, // u64: CLONE_NEW* for namespaces to create
  JOIN_NS: 6, // group: NS_TYPE (u32 CLONE_NEW* of that namespace) + NS_PATH (str); setns before clone, user first
  UID_MAP: 7, // str: contents for /proc/<pid>/uid_map ("inside outside count\n"...)
  GID_MAP: 8, // str: contents for /proc/<pid>/gid_map
  SETGROUPS_DENY: 9, // u32 bool: write "deny" to /proc/<pid>/setgroups before gid_map
  ROOTFS: 10, // str: absolute host path of the rootfs
  ROOTFS_PROPAGATION: 11, // u64: MS_* propagation flags for "/" (MS_REC|MS_SLAVE by default)
  NO_PIVOT: 12, // u32 bool: MS_MOVE + chroot instead of pivot_root
  MOUNT: 13, // group: M_* (in order)
  DEVICE: 14, // group: D_* (created after mounts)
  BIND_DEVICES: 15, // u32 bool: bind-mount host device nodes instead of mknod (user namespaces)
  SYMLINK: 16, // group: L_TARGET + L_PATH (in /dev, after devices)
  MASKED_PATH: 17, // str (repeated): bind /dev/null on files, ro tmpfs on directories
  READONLY_PATH: 18, // str (repeated): bind on itself, remount read-only
  ROOT_READONLY: 19, // u32 bool
  HOSTNAME: 20, // str (absent: do not set)
  DOMAINNAME: 21, // str (absent: do not set)
  SYSCTL: 22, // group: S_PATH (path under /proc/sys) + S_VALUE
  RLIMIT: 23, // group: R_RESOURCE (u32 RLIMIT_*), R_SOFT (u64), R_HARD (u64)
  OOM_SCORE_ADJ: 24, // i32 (absent: do not write)
  KEYRING: 25, // str: name of a new session keyring (absent: keep the caller's)
  LOOPBACK_UP: 26, // u32 bool: bring up "lo" (new network namespace)
  UID: 27, // u32
  GID: 28, // u32
  ADDITIONAL_GID: 29, // u32 (repeated); absent and UID != 0 still calls setgroups(0, NULL)
  UMASK: 30, // u32 (absent: leave 0022)
  CWD: 31, // str: absolute path in the container
  ARG: 32, // str (repeated): argv
  ENV: 33, // str (repeated): envp; PATH from here is used to find argv[0]
  CAP_BOUNDING: 34, // u64 bitmask
  CAP_EFFECTIVE: 35, // u64
  CAP_INHERITABLE: 36, // u64
  CAP_PERMITTED: 37, // u64
  CAP_AMBIENT: 38, // u64
  NO_NEW_PRIVS: 39, // u32 bool
  PRESERVE_FDS: 40, // u32: keep fds 3 .. 3+N-1 open in the container process
  SETSID: 41, // u32 bool: new session (always for init)
  INIT_PID: 42, // u32: exec mode: the container init whose namespaces to join
  CGROUP_PROCS: 43, // str (repeated): cgroup.procs files stage-0 joins (its own pid) before it clones/forks
  CGROUP_TASKS: 720, // str (repeated): cgroup v1 `tasks` files stage-0 (single-threaded) joins by writing "0": moves only the calling thread, which the kernel does without the global threadgroup rwsem (no RCU grace period)
  DEVICE_BPF: 451, // str: hex of the eBPF device program (struct bpf_insn[]) stage-0 attaches to CGROUP_INTO before the clone
  CGROUP_INTO: 450, // str: cgroup v2 dir the init (INIT) or the process (EXEC) is born in: clone3(CLONE_INTO_CGROUP), no migration
  PARENT_DEATH_SIGNAL: 44, // u32: signal for PR_SET_PDEATHSIG in the container process (0: none)
  LABEL: 45, // str: container id, used as the init's comm suffix and in errors
  MONITOR: 46, // u32 bool: stage-0 stays, waits for the child, sends EXIT and exits with its status
  TERMINAL: 47, // u32 bool: the process gets a new pty (created inside the container) as stdio and ctty
  CONSOLE_SOCKET: 48, // str: unix socket path; the pty master is sent there (SCM_RIGHTS) as runc does
  CONSOLE_HEIGHT: 49, // u32 rows (0: leave)
  CONSOLE_WIDTH: 50, // u32 columns (0: leave)

  // 380-429: hooks and the remaining OCI fields (src/container/hooks.ts, native/hooks.c, sched.c, netdev.c, timens.c)
  HOOK_BARRIER: 382, // u32 bool: after the mounts, send HOOKS and wait for HOOKS_DONE (the spec has pre-start hooks)
  HOOK: 383, // group: H_* (createContainer/startContainer hooks the init runs, in order)
  H_KIND: 384, // u32 HookKind
  H_INDEX: 385, // u32: index in the spec's list (error messages)
  H_PATH: 386, // str
  H_ARG: 387, // str (repeated): argv (absent: [path])
  H_ENV: 388, // str (repeated)
  H_TIMEOUT: 389, // u32 seconds (0: none)
  HOOK_STATE_CREATE: 390, // str (HOOKS_DONE): state JSON on the stdin of createContainer hooks
  HOOK_STATE_START: 391, // str (HOOKS_DONE): state JSON on the stdin of startContainer hooks
  SCHED_POLICY: 392, // u32 SCHED_* (absent: leave the scheduler); sched_setattr before execve
  SCHED_FLAGS: 393, // u64 SCHED_FLAG_*
  SCHED_NICE: 394, // i32
  SCHED_PRIORITY: 395, // u32
  SCHED_RUNTIME: 396, // u64 ns (SCHED_DEADLINE)
  SCHED_DEADLINE: 397, // u64 ns
  SCHED_PERIOD: 398, // u64 ns
  IOPRIO: 399, // u32 ioprio value (class << 13 | level); absent: leave
  CPU_INITIAL: 400, // u32 (repeated): cpus for stage-0, before it joins the cgroup (execCPUAffinity.initial)
  CPU_FINAL: 401, // u32 (repeated): cpus of the container process, set last before execve (execCPUAffinity.final)
  PERSONALITY: 402, // u32 persona for personality(2) (absent: leave)
  TIME_OFFSETS: 403, // str: contents for /proc/self/timens_offsets after unshare(CLONE_NEWTIME)
  MEMPOLICY_MODE: 404, // u32 MPOL_* | MPOL_F_* flags (absent: leave)
  MEMPOLICY_NODE: 405, // u32 (repeated): NUMA nodes of the policy
  NETDEV: 406, // group: ND_NAME + ND_NEW_NAME; host interface moved into the new network namespace
  ND_NAME: 407, // str: host interface name
  ND_NEW_NAME: 408, // str: name inside the container

  // 330-379: security (src/plan/seccomp.ts, native/seccomp.c, lsm.c, native/ns.c maps)
  SECCOMP: 330, // group: SC_* (at most one): the filter, built with libseccomp in the shim
  SC_DEFAULT_ACTION: 331, // u32 SECCOMP_RET_* (errno in the low 16 bits)
  SC_ARCH: 332, // u32 (repeated): AUDIT_ARCH_* (= SCMP_ARCH_*) to add besides the native one
  SC_FLAGS: 333, // u32 SECCOMP_FILTER_FLAG_* bits (TSYNC, LOG, SPEC_ALLOW, WAIT_KILLABLE_RECV)
  SC_RULE: 334, // group (repeated): SC_NAME (repeated) + SC_ACTION + SC_ARG (repeated)
  SC_NAME: 335, // str: syscall name, resolved by libseccomp; unknown to the native arch: skipped
  SC_ACTION: 336, // u32 SECCOMP_RET_*
  SC_ARG: 337, // group: SA_INDEX, SA_OP, SA_VALUE, SA_VALUE_TWO (all must match)
  SA_INDEX: 338, // u32 argument index 0..5
  SA_OP: 339, // u32 SCMP_CMP_*
  SA_VALUE: 340, // u64 datum_a (the mask for MASKED_EQ)
  SA_VALUE_TWO: 341, // u64 datum_b
  SC_LISTENER_PATH: 342, // str: unix socket that gets the notify fd (connected by stage-0 on the host)
  SC_LISTENER_STATE: 343, // str (repeated): state JSON pieces, joined with the process's host pid
  APPARMOR_PROFILE: 344, // str: written as "exec PROFILE" to /proc/self/attr/apparmor/exec before execve
  SELINUX_LABEL: 345, // str: written to /proc/self/attr/exec before execve
  MAPS_BY_PARENT: 346, // u32 bool: stage-0 sends MAPS_NEEDED and waits for MAPS_DONE (TS runs newuidmap)
  M_UID_MAP: 347, // str (MOUNT group): idmapped bind mount, uid_map of the mount's user namespace
  M_GID_MAP: 348, // str (MOUNT group): gid_map of it
  M_IDMAP_RECURSIVE: 350, // u32 bool (MOUNT group): the idmap covers the submounts too (ridmap)
  SC_CACHE_PATH: 349, // str (SECCOMP group): compiled-program cache file (key: TS's digest of the rules)

  // 500-549: runc-compatible process set-up (src/plan/seccomp.ts ENOSYS stub, native/seccomp.c)
  SC_ENOSYS_NAME: 500, // str (repeated, SECCOMP group): the profile's names; syscalls numbered above the largest get ENOSYS
  HOME_FROM_PASSWD: 501, // u32 bool: append HOME=<home of UID in the container's /etc/passwd, or "/"> to ENV
  CWD_MKDIR: 503, // u32 bool (INIT): create a missing CWD in the rootfs (0755, as the namespace's root) before pivot_root
  CPU_RESET: 502, // u32 bool: the process may run on every CPU (no CPU_FINAL): the caller's affinity does not leak in

  // 550-599: terminals and stdio as runc sets them up (native/console.c, monitor.c)
  STDIO_OWNER: 550, // u32 bool: before the user switch, fds 0-2 (the pty slave, pipes) are chowned to UID, group kept, as runc's fixStdioPermissions

  // 430-439: tmpcopyup (native/copyup.c)
  M_TMPCOPYUP: 430, // u32 bool (MOUNT group): FS tmpfs only: copy what the rootfs had at the destination into the new tmpfs

  // 600-649: mounts as runc 1.2+ makes them (native/rootfs.c, native/mountsrc.c)
  MOUNT_SOURCES: 600, // u32 bool: stage-0 (host privileged) opens, in the container's mount namespace, the bind sources the init cannot reach (user namespace, not rootless)
  M_REMOUNT_CLEAR: 601, // u64 (MOUNT group): BIND only: MS_* flags the options cleared (rw, dev, exec ...): a remount is due; clearing one the kernel locked is an error
  M_KEEP_ATIME: 602, // u32 bool (MOUNT group): BIND remount without an atime option: keep the source's atime flags
  M_KEEP_MODE: 603, // u32 bool (MOUNT group): FS tmpfs without mode=: mount with the mode of the directory it covers
  ROOT_PROPAGATION_AFTER: 606, // u64: MS_* propagation applied to "/" once the root changed (0: none; runc: only an explicit, non-private rootfsPropagation)
  DEV_READONLY: 605, // u32 bool: make the /dev mount read-only once the device nodes, symlinks and the root change are done (runc's order)
  M_ORDINARY_DIR: 604, // u32 bool (MOUNT group): the destination must be a directory, not a symlink (proc, sysfs: runc's "must be mounted on ordinary directory")

  // 300-329: process I/O (src/container/exec.ts, native/pidfd.c, native/notify.c)
  PIDFD_SOCKET: 300, // str: unix socket path; stage-0 sends a pidfd of the child there (SCM_RIGHTS), as runc's --pidfd-socket

  // MOUNT group
  M_KIND: 100, // u32 MountKind
  M_SOURCE: 101, // str (host path for BIND; fs source for FS)
  M_DEST: 102, // str: absolute path inside the rootfs, resolved with RESOLVE_IN_ROOT
  M_FSTYPE: 103, // str
  M_FLAGS: 104, // u64 MS_* flags for mount(2) (without propagation flags)
  M_DATA: 105, // str: data argument
  M_PROPAGATION: 106, // u64 (repeated): MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [|MS_REC], applied after
  M_ATTR_SET: 107, // u64 MOUNT_ATTR_* to set recursively with mount_setattr (rro, rnosuid ...)
  M_ATTR_CLR: 108, // u64 MOUNT_ATTR_* to clear recursively
  M_DEST_IS_FILE: 109, // u32 bool: create the destination as an empty file (bind of a non-directory)
  M_REMOUNT_FLAGS: 110, // u64: BIND only: flags for the MS_BIND|MS_REMOUNT pass (0: no remount)

  // DEVICE group
  D_PATH: 120, // str: absolute path inside the container (under /dev)
  D_KIND: 121, // u32 DeviceKind
  D_MAJOR: 122, // u32
  D_MINOR: 123, // u32
  D_MODE: 124, // u32 permission bits
  D_UID: 125, // u32
  D_GID: 126, // u32

  // SYMLINK group
  L_TARGET: 130, // str
  L_PATH: 131, // str: absolute path inside the container

  // SYSCTL group
  S_PATH: 140, // str: relative to /proc/sys, with '/' separators
  S_VALUE: 141, // str

  // RLIMIT group
  R_RESOURCE: 150, // u32
  R_SOFT: 151, // u64
  R_HARD: 152, // u64

  // JOIN_NS group
  NS_TYPE: 160, // u32 CLONE_NEW* constant of the namespace
  NS_PATH: 161, // str

  // ERROR frame
  ERR_STEP: 200, // str: the recipe step ("mount", "pivot_root", "setns", "exec" ...)
  ERR_SYSCALL: 201, // str: failing syscall name
  ERR_PATH: 202, // str: path involved (may be absent)
  ERR_ERRNO: 203, // i32: errno (0 when not a syscall failure)
  ERR_DETAIL: 204, // str: extra human text (may be absent)
} as const;

/** Largest frame either side accepts (a plan with thousands of mounts fits easily). */
export const MAX_FRAME = 16 * 1024 * 1024;

/** Frame header size in bytes. */
export const FRAME_HEADER = 8;

/** TLV record header size in bytes. */
export const TLV_HEADER = 8;

/** Process name the parked init carries (comm, 15 bytes max): status derivation reads it. */
export const INIT_COMM = 'runts:init';
