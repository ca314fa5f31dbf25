/* Internal interfaces of the init shim: one section per file. main.c is the recipe. */
#ifndef RUNTS_SHIM_H
#define RUNTS_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#include "plan.h"
#include "protocol.h"

/* What one process of the shim holds while it works through the plan. */
struct sock_filter;

struct ctx {
	struct plan *plan;
	int sync_fd;     /* the socket to runts */
	int inner_fd;    /* stage-0 <-> child socketpair: this process's end, or -1 */
	int fifo_fd;     /* O_PATH of exec.fifo (FIFO barrier), or -1 */
	int console_fd;  /* connected --console-socket, or -1 */
	int rootfs_fd;   /* O_PATH of the rootfs mount (before pivot), or -1 */
	int root_fd;     /* exec mode: O_PATH of /proc/INIT_PID/root, or -1 */
	int proc_fd;     /* FIFO barrier: O_PATH of the host's /proc (reopens the fifo after pivot) */
	bool userns;     /* the child runs in a user namespace other than the host's */
	bool setgroups_denied; /* our user namespace has setgroups "deny" */
	char *exec_path; /* argv[0] resolved through the plan's PATH */
	struct sock_filter *bpf; /* seccomp: the compiled program (stage-0 prepares it on the host) */
	uint16_t bpf_len;
	int listener_fd; /* seccomp: connected listener socket (SCMP_ACT_NOTIFY), or -1 */
	uint32_t host_pid; /* the container process's pid on the host (from stage-0's release) */
	int *idmap_fds;  /* per plan mount: the user namespace of an idmapped bind, or -1 (NULL: none) */
	char *hook_state[2]; /* state JSON for createContainer, startContainer hooks (HOOKS_DONE) */
	int cgroup_fd;   /* O_PATH of the plan's cgroup_into dir (CLONE_INTO_CGROUP), or -1 */
	int cgroupns_fd; /* exec: the container's cgroup namespace, joined by the child, or -1 */
	bool cwd_retry;  /* the first chdir was refused: retried as the process's user */
};

/* sync.c: frames on the runts socket, and the error path. */
void sync_set_fd(int fd);
int sync_send(int fd, uint16_t type, const void *payload, size_t len);
int sync_send_u32(int fd, uint16_t type, uint32_t v);
/* Reads one frame; *payload is malloc'ed (NULL when empty). Returns 0, or -1 with
 * errno (0 on EOF). Frames larger than max are an error (EMSGSIZE). */
int sync_recv(int fd, uint16_t *type, uint8_t **payload, size_t *len, size_t max);
/* Sends an ERROR frame and exits 1. err is an errno (0: not a syscall failure). When
 * runts is gone the message goes to stderr instead, so nothing fails silently. */
noreturn void die(const char *step, const char *syscall, const char *path, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Sends an ERROR frame (detail may be NULL); returns 0 when it was sent. */
int sync_report(const char *step, const char *syscall, const char *path, int err, const char *detail);
/* The same error as one line on stderr. */
void sync_print(const char *step, const char *syscall, const char *path, int err, const char *detail);
#define die_sys(step, syscall, path) die(step, syscall, path, errno, NULL)

/* util.c */
int util_write_file(const char *path, const char *data, size_t len);
int util_write_file_at(int root, const char *path, const char *data, size_t len);
int util_cgroup_at(int root, const char *path, const char **rel);
/* A timing stamp for bench/split.mjs (stamp.c): nothing unless RUNTS_TIMING is set. */
void stamp(const char *what);
void stamp_keep(void);
void stamp_drop(void);
ssize_t util_read_file(const char *path, char *buf, size_t size);
int util_write_all(int fd, const void *buf, size_t len);
/* "/proc/self/fd/N" in buf (at least 32 bytes). */
const char *util_fd_path(int fd, char *buf);
void util_close(int *fd);
/* Sends fd over a unix socket with data as the payload (runc's utils.SendFile). */
int util_send_fd(int sock, int fd, const char *data);
/* Receives one fd (or -1 on EOF) from a unix socket. */
int util_recv_fd(int sock);

/* cloned.c: CVE-2019-5736 defence. Re-executes from a detached read-only overlayfs (or
 * else a sealed memfd) unless already running from one. */
void cloned_ensure(char **argv, char **envp);
/* Whether the executable open as exe is one a container cannot write (see cloned.c). */
bool cloned_is_protected(int exe);
/* The binary open as exe (this process's own), opened again through a fresh detached
 * read-only overlayfs; -1 with errno when overlayfs refuses. The mount's fd is closed,
 * or handed to the caller in *mnt_out (closing it waits for an RCU grace period). */
int cloned_overlay_open(int exe, int *mnt_out);

/* ns.c */
void ns_join_plan(struct ctx *c);
pid_t ns_clone(struct ctx *c);
/* Open the plan's cgroup_into directory (on the host, before any namespace is joined). */
void ns_cgroup_open(struct ctx *c);
/* fork(), born in the plan's cgroup_into directory when there is one. */
pid_t ns_fork(struct ctx *c);
void ns_write_maps(struct ctx *c, pid_t child);
void ns_become_root(struct ctx *c);
/* Write our pid to each of the plan's cgroup.procs files (host paths: before any setns).
 * INIT mode: stage-0 joins the container's cgroups itself, after its sealed re-exec, so
 * the init is born there and none of the copy is charged to the container. */
void ns_cgroup_join(struct ctx *c);
void ns_join_container(struct ctx *c);

/* resolve.c: paths inside the rootfs, resolved with openat2(RESOLVE_IN_ROOT). */
enum resolve_create { RESOLVE_EXISTING, RESOLVE_MKDIR, RESOLVE_MKFILE };
/* Returns an O_PATH fd of path inside rootfd, creating missing directories (and the
 * last component as a file for RESOLVE_MKFILE). -1 with errno on failure. */
int resolve_in_root(int rootfd, const char *path, enum resolve_create create);
/* O_PATH fd of the parent directory of path (created as needed), and its last
 * component in *name (a pointer into path). */
int resolve_parent(int rootfd, const char *path, const char **name);

/* rootfs.c */
void rootfs_prepare(struct ctx *c);
void rootfs_mounts(struct ctx *c);
void rootfs_devices(struct ctx *c);
void rootfs_symlinks(struct ctx *c);
void rootfs_pivot(struct ctx *c);

/* copyup.c: tmpcopyup. copyup_open takes the directory (an O_PATH fd) before the tmpfs
 * covers it; copyup_fill copies it into the mounted tmpfs (target: O_PATH of its root)
 * and closes from. Failures die naming the mount. */
int copyup_open(int target, const char *dest);
void copyup_fill(int from, int target, const struct plan_mount *m);

/* nopivot.c: --no-pivot: the host's procfs and sysfs mounts leave the namespace */
void nopivot_hide_host(const char *rootfs);

/* masks.c: after the new root */
void masks_apply(struct ctx *c);

/* setup.c: per-container kernel settings */
void setup_hostname(struct ctx *c);
void setup_sysctls(struct ctx *c);
void setup_loopback(struct ctx *c);
void setup_keyring(struct ctx *c);
void setup_rlimits(struct ctx *c);
void setup_oom_score_adj(struct ctx *c);

/* caps.c */
void caps_check_setgroups(struct ctx *c, const char *setgroups_file);
void caps_apply_user(struct ctx *c);
void caps_no_new_privs(struct ctx *c);

/* procenv.c: HOME from the container's /etc/passwd */
void procenv_home(struct ctx *c);
void procenv_mkcwd(struct ctx *c);

/* exec.c */
void exec_umask_cwd(struct ctx *c);
void exec_check_cwd(struct ctx *c);
void exec_cwd_as_user(struct ctx *c);
void exec_lookup(struct ctx *c);
void exec_close_fds(struct ctx *c);
void exec_parent_death_signal(struct ctx *c);
void exec_ready(struct ctx *c);
void exec_barrier(struct ctx *c);
noreturn void exec_run(struct ctx *c);

/* idmap.c: the user namespaces of idmapped bind mounts, made by stage-0 on the host */
void idmap_prepare(struct ctx *c);

/* mountsrc.c: bind sources stage-0 opens for the init, in config order */
bool mountsrc_served(const struct plan *p);
int mountsrc_get(struct ctx *c, const struct plan_mount *m);
void mountsrc_done(struct ctx *c);
void mountsrc_serve(struct ctx *c, pid_t child);
bool mountsrc_joined_userns(const struct plan *p);
int mountsrc_idmap_clone(struct ctx *c, const struct plan_mount *m, int userns);

/* seccomp.c: the filter (libseccomp owns the seccomp_ prefix) */
void secfilter_connect(struct ctx *c);
void secfilter_prepare(struct ctx *c);
void secfilter_load(struct ctx *c);
/* seccomp-enosys.c: ENOSYS for syscalls newer than the profile (before libseccomp's program) */
void secfilter_enosys(struct ctx *c, const uint32_t *archs, size_t n_archs);

/* lsm.c: AppArmor profile and SELinux label for execve. lsm_write_labels takes the proc
 * root as an fd (tests pass a fake one); returns 0 or -errno with the file in *failed. */
int lsm_write_labels(int proc_fd, const char *apparmor, const char *selinux, const char **failed);
void lsm_apply(struct ctx *c);

/* console.c */
void console_connect(struct ctx *c);
void console_setup(struct ctx *c);
void console_stdio_owner(struct ctx *c);

/* cgroup-bpf.c: the second entry point, `runts-init bpf-devices DIR` (argv from "bpf-devices") */
int cgroup_bpf_main(int argc, char **argv);
/* Attach the plan's device program (DEVICE_BPF) to its cgroup_into directory, or die. */
void cgroup_bpf_plan(struct ctx *c);

/* criu-swrk.c: `runts-init criu-swrk ... CRIU`, the relay to `criu swrk` (src/criu/). */
int criu_swrk_main(int argc, char **argv);

/* notify.c: `runts-init notify-proxy LISTEN TARGET WATCH_PID MAINPID`, the sd_notify relay. */
int notify_proxy_main(int argc, char **argv);

/* pidfd.c: --pidfd-socket (stage-0) */
void pidfd_connect(struct ctx *c);
void pidfd_send(struct ctx *c, pid_t child);

/* monitor.c: stage-0 after the child is released */
void monitor_block_signals(void);
noreturn void monitor_run(struct ctx *c, pid_t child);

/* hooks.c: createContainer hooks at the hooks barrier, startContainer after the barrier */
void hooks_barrier(struct ctx *c);
void hooks_start(struct ctx *c);

/* sched.c: execCPUAffinity, scheduler, ioPriority, memoryPolicy, personality */
void sched_initial(struct ctx *c);
void sched_apply(struct ctx *c);

/* timens.c: linux.timeOffsets, between unshare(CLONE_NEWTIME) and clone */
void timens_write_offsets(struct ctx *c);

/* netdev.c: linux.netDevices, moved by stage-0 into the child's network namespace */
void netdev_move(struct ctx *c, pid_t child);

/* version.c: `runts-init version` */
int version_main(void);

#endif
