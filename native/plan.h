/* The init plan as the shim sees it, decoded from the PLAN frame (see plan.c and
 * src/process/protocol.ts). Strings are NUL-terminated copies; NULL means absent.
 * String arrays (args, env, ...) are also NULL-terminated. */
#ifndef RUNTS_PLAN_H
#define RUNTS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct plan_ns {
	uint32_t type; /* CLONE_NEW* */
	char *path;
};

struct plan_mount {
	uint32_t kind; /* RUNTS_MOUNT_KIND_* */
	char *source, *dest, *fstype, *data;
	uint64_t flags, attr_set, attr_clr, remount_flags;
	uint64_t *propagation;
	size_t n_propagation;
	bool dest_is_file;
	char *uid_map, *gid_map; /* idmapped bind: maps of the mount's user namespace, or NULL */
	bool idmap_recursive;
	bool tmpcopyup; /* FS tmpfs: copy the rootfs's tree at dest into it (copyup.c) */
	uint64_t remount_clear; /* BIND: MS_* flags the options cleared: remount even when remount_flags is 0 */
	bool keep_atime;        /* BIND remount without an atime option: keep the source's atime flags */
	bool keep_mode;         /* FS tmpfs without mode=: mount with the mode of the directory it covers */
	bool ordinary_dir;      /* proc, sysfs: the destination must be a directory, not a symlink */
};

struct plan_seccomp_arg {
	uint32_t index, op; /* SCMP_CMP_* */
	uint64_t value, value_two;
};

struct plan_seccomp_rule {
	char **names;
	size_t n_names;
	uint32_t action; /* SECCOMP_RET_* */
	struct plan_seccomp_arg *args;
	size_t n_args;
};

struct plan_seccomp {
	uint32_t default_action, flags; /* SECCOMP_RET_*, SECCOMP_FILTER_FLAG_* */
	uint32_t *archs;
	size_t n_archs;
	struct plan_seccomp_rule *rules;
	size_t n_rules;
	char *listener_path, *cache_path;
	char **listener_state; /* pieces joined with the host pid */
	size_t n_listener_state;
	char **enosys_names; /* the profile's names: syscalls numbered above them get ENOSYS */
	size_t n_enosys_names;
};

struct plan_device {
	char *path;
	uint32_t kind, major, minor, mode, uid, gid;
};

struct plan_symlink {
	char *target, *path;
};

struct plan_sysctl {
	char *path, *value;
};

struct plan_rlimit {
	uint32_t resource;
	uint64_t soft, hard;
};

struct plan_hook {
	uint32_t kind, index, timeout; /* RUNTS_HOOK_KIND_*; timeout in seconds, 0: none */
	char *path;
	char **args, **env;
	size_t n_args, n_env;
};

struct plan_netdev {
	char *name, *new_name;
};

struct plan {
	struct plan_seccomp *seccomp; /* at most one (n_seccomp <= 1) */
	size_t n_seccomp;
	char *apparmor_profile, *selinux_label;
	bool maps_by_parent;
	bool mount_sources; /* stage-0 opens bind sources the init cannot reach (mountsrc.c) */
	uint32_t mode, barrier;
	char *fifo_path;
	uint64_t clone_flags;
	struct plan_ns *join_ns;
	size_t n_join_ns;
	char *uid_map, *gid_map;
	bool setgroups_deny;
	char *rootfs;
	uint64_t rootfs_propagation;
	uint64_t root_propagation_after; /* applied to "/" after the root change (0: none) */
	bool no_pivot;
	struct plan_mount *mounts;
	size_t n_mounts;
	struct plan_device *devices;
	size_t n_devices;
	bool bind_devices;
	struct plan_symlink *symlinks;
	size_t n_symlinks;
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	bool root_readonly;
	bool dev_readonly; /* the /dev mount is made read-only after the devices (masks.c) */
	char *hostname, *domainname;
	struct plan_sysctl *sysctls;
	size_t n_sysctls;
	struct plan_rlimit *rlimits;
	size_t n_rlimits;
	bool has_oom_score_adj;
	int32_t oom_score_adj;
	char *keyring;
	bool loopback_up;
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	uint32_t umask;
	char *cwd;
	char **args;
	size_t n_args;
	char **env;
	size_t n_env;
	uint64_t cap_bounding, cap_effective, cap_inheritable, cap_permitted, cap_ambient;
	bool no_new_privs;
	uint32_t preserve_fds;
	bool setsid;
	bool stdio_owner;
	uint32_t init_pid;
	char **cgroup_procs;
	size_t n_cgroup_procs;
	char **cgroup_tasks; /* v1 `tasks` files: stage-0 writes "0" (its own, only thread) */
	size_t n_cgroup_tasks;
	char *cgroup_into; /* cgroup v2 dir for clone3(CLONE_INTO_CGROUP), NULL for none */
	char *device_bpf;  /* hex of a device program to attach to cgroup_into first, or NULL */
	uint32_t parent_death_signal;
	char *label;
	bool monitor, terminal;
	char *console_socket;
	uint32_t console_height, console_width;
	char *pidfd_socket;
	/* hooks and the remaining OCI fields (tags 380-429) */
	bool hook_barrier;
	struct plan_hook *hooks;
	size_t n_hooks;
	bool has_sched;
	uint32_t sched_policy, sched_priority;
	int32_t sched_nice;
	uint64_t sched_flags, sched_runtime, sched_deadline, sched_period;
	bool has_ioprio;
	uint32_t ioprio;
	uint32_t *cpu_initial, *cpu_final;
	size_t n_cpu_initial, n_cpu_final;
	bool cpu_reset;        /* no cpu_final: every CPU (the cgroup's cpuset still applies) */
	bool home_from_passwd; /* append HOME from /etc/passwd for uid */
	bool cwd_mkdir;        /* INIT: create a missing cwd in the rootfs */
	bool has_personality;
	uint32_t personality;
	char *time_offsets;
	bool has_mempolicy;
	uint32_t mempolicy_mode;
	uint32_t *mempolicy_nodes;
	size_t n_mempolicy_nodes;
	struct plan_netdev *netdevs;
	size_t n_netdevs;
};

/* Decodes a PLAN payload into *out (zeroed first). Returns 0, or -1 with a message in
 * err; on failure *out holds nothing that needs freeing. No global state: safe to call
 * from a fuzzer. */
int plan_decode(const uint8_t *buf, size_t len, struct plan *out, char *err, size_t errlen);

/* Frees everything plan_decode allocated and zeroes *p. */
void plan_free(struct plan *p);

#endif
