/* PLAN payload decoder. This is a trust boundary (it will be fuzzed): every length is
 * checked against the bytes left, scalars must have their exact size, strings may not
 * contain NUL, unknown and duplicated tags are errors, and nothing here touches global
 * state. The decoder is table driven: one row per tag, saying where the value goes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "protocol.h"

enum field_type { F_VERSION, F_U32, F_I32, F_U64, F_BOOL, F_STR, F_U32_ARR, F_U64_ARR, F_STR_ARR, F_GROUP };

#define NONE ((size_t)-1)

struct group_desc;

struct field_desc {
	uint16_t tag;
	uint8_t type;
	size_t off;       /* value, or array pointer */
	size_t count_off; /* arrays: element count; NONE otherwise */
	size_t has_off;   /* optional scalars: presence flag; NONE otherwise */
	const struct group_desc *group;
};

struct group_desc {
	const struct field_desc *fields;
	size_t n_fields;
	size_t elem_size;
};

#define O(type, f) offsetof(struct type, f)
#define SCALAR(t, ty, st, f) { t, ty, O(st, f), NONE, NONE, NULL }
#define OPTIONAL(t, ty, st, f, has) { t, ty, O(st, f), NONE, O(st, has), NULL }
#define ARRAY(t, ty, st, f) { t, ty, O(st, f), O(st, n_##f), NONE, NULL }
#define GROUP(t, st, f, g) { t, F_GROUP, O(st, f), O(st, n_##f), NONE, &g }
#define DESC(tbl, elem) { tbl, sizeof(tbl) / sizeof(tbl[0]), sizeof(struct elem) }

static const struct field_desc ns_fields[] = {
	SCALAR(RUNTS_TAG_NS_TYPE, F_U32, plan_ns, type),
	SCALAR(RUNTS_TAG_NS_PATH, F_STR, plan_ns, path),
};
static const struct field_desc mount_fields[] = {
	SCALAR(RUNTS_TAG_M_KIND, F_U32, plan_mount, kind),
	SCALAR(RUNTS_TAG_M_SOURCE, F_STR, plan_mount, source),
	SCALAR(RUNTS_TAG_M_DEST, F_STR, plan_mount, dest),
	SCALAR(RUNTS_TAG_M_FSTYPE, F_STR, plan_mount, fstype),
	SCALAR(RUNTS_TAG_M_FLAGS, F_U64, plan_mount, flags),
	SCALAR(RUNTS_TAG_M_DATA, F_STR, plan_mount, data),
	ARRAY(RUNTS_TAG_M_PROPAGATION, F_U64_ARR, plan_mount, propagation),
	SCALAR(RUNTS_TAG_M_ATTR_SET, F_U64, plan_mount, attr_set),
	SCALAR(RUNTS_TAG_M_ATTR_CLR, F_U64, plan_mount, attr_clr),
	SCALAR(RUNTS_TAG_M_DEST_IS_FILE, F_BOOL, plan_mount, dest_is_file),
	SCALAR(RUNTS_TAG_M_REMOUNT_FLAGS, F_U64, plan_mount, remount_flags),
	SCALAR(RUNTS_TAG_M_UID_MAP, F_STR, plan_mount, uid_map),
	SCALAR(RUNTS_TAG_M_GID_MAP, F_STR, plan_mount, gid_map),
	SCALAR(RUNTS_TAG_M_IDMAP_RECURSIVE, F_BOOL, plan_mount, idmap_recursive),
	SCALAR(RUNTS_TAG_M_TMPCOPYUP, F_BOOL, plan_mount, tmpcopyup),
	SCALAR(RUNTS_TAG_M_REMOUNT_CLEAR, F_U64, plan_mount, remount_clear),
	SCALAR(RUNTS_TAG_M_KEEP_ATIME, F_BOOL, plan_mount, keep_atime),
	SCALAR(RUNTS_TAG_M_KEEP_MODE, F_BOOL, plan_mount, keep_mode),
	SCALAR(RUNTS_TAG_M_ORDINARY_DIR, F_BOOL, plan_mount, ordinary_dir),
};
static const struct field_desc seccomp_arg_fields[] = {
	SCALAR(RUNTS_TAG_SA_INDEX, F_U32, plan_seccomp_arg, index),
	SCALAR(RUNTS_TAG_SA_OP, F_U32, plan_seccomp_arg, op),
	SCALAR(RUNTS_TAG_SA_VALUE, F_U64, plan_seccomp_arg, value),
	SCALAR(RUNTS_TAG_SA_VALUE_TWO, F_U64, plan_seccomp_arg, value_two),
};
static const struct group_desc seccomp_arg_group = DESC(seccomp_arg_fields, plan_seccomp_arg);
static const struct field_desc seccomp_rule_fields[] = {
	ARRAY(RUNTS_TAG_SC_NAME, F_STR_ARR, plan_seccomp_rule, names),
	SCALAR(RUNTS_TAG_SC_ACTION, F_U32, plan_seccomp_rule, action),
	GROUP(RUNTS_TAG_SC_ARG, plan_seccomp_rule, args, seccomp_arg_group),
};
static const struct group_desc seccomp_rule_group = DESC(seccomp_rule_fields, plan_seccomp_rule);
static const struct field_desc seccomp_fields[] = {
	SCALAR(RUNTS_TAG_SC_DEFAULT_ACTION, F_U32, plan_seccomp, default_action),
	ARRAY(RUNTS_TAG_SC_ARCH, F_U32_ARR, plan_seccomp, archs),
	SCALAR(RUNTS_TAG_SC_FLAGS, F_U32, plan_seccomp, flags),
	GROUP(RUNTS_TAG_SC_RULE, plan_seccomp, rules, seccomp_rule_group),
	SCALAR(RUNTS_TAG_SC_LISTENER_PATH, F_STR, plan_seccomp, listener_path),
	SCALAR(RUNTS_TAG_SC_CACHE_PATH, F_STR, plan_seccomp, cache_path),
	ARRAY(RUNTS_TAG_SC_LISTENER_STATE, F_STR_ARR, plan_seccomp, listener_state),
	ARRAY(RUNTS_TAG_SC_ENOSYS_NAME, F_STR_ARR, plan_seccomp, enosys_names),
};
static const struct group_desc seccomp_group = DESC(seccomp_fields, plan_seccomp);
static const struct field_desc device_fields[] = {
	SCALAR(RUNTS_TAG_D_PATH, F_STR, plan_device, path),
	SCALAR(RUNTS_TAG_D_KIND, F_U32, plan_device, kind),
	SCALAR(RUNTS_TAG_D_MAJOR, F_U32, plan_device, major),
	SCALAR(RUNTS_TAG_D_MINOR, F_U32, plan_device, minor),
	SCALAR(RUNTS_TAG_D_MODE, F_U32, plan_device, mode),
	SCALAR(RUNTS_TAG_D_UID, F_U32, plan_device, uid),
	SCALAR(RUNTS_TAG_D_GID, F_U32, plan_device, gid),
};
static const struct field_desc symlink_fields[] = {
	SCALAR(RUNTS_TAG_L_TARGET, F_STR, plan_symlink, target),
	SCALAR(RUNTS_TAG_L_PATH, F_STR, plan_symlink, path),
};
static const struct field_desc sysctl_fields[] = {
	SCALAR(RUNTS_TAG_S_PATH, F_STR, plan_sysctl, path),
	SCALAR(RUNTS_TAG_S_VALUE, F_STR, plan_sysctl, value),
};
static const struct field_desc rlimit_fields[] = {
	SCALAR(RUNTS_TAG_R_RESOURCE, F_U32, plan_rlimit, resource),
	SCALAR(RUNTS_TAG_R_SOFT, F_U64, plan_rlimit, soft),
	SCALAR(RUNTS_TAG_R_HARD, F_U64, plan_rlimit, hard),
};
static const struct field_desc hook_fields[] = {
	SCALAR(RUNTS_TAG_H_KIND, F_U32, plan_hook, kind),
	SCALAR(RUNTS_TAG_H_INDEX, F_U32, plan_hook, index),
	SCALAR(RUNTS_TAG_H_PATH, F_STR, plan_hook, path),
	ARRAY(RUNTS_TAG_H_ARG, F_STR_ARR, plan_hook, args),
	ARRAY(RUNTS_TAG_H_ENV, F_STR_ARR, plan_hook, env),
	SCALAR(RUNTS_TAG_H_TIMEOUT, F_U32, plan_hook, timeout),
};
static const struct field_desc netdev_fields[] = {
	SCALAR(RUNTS_TAG_ND_NAME, F_STR, plan_netdev, name),
	SCALAR(RUNTS_TAG_ND_NEW_NAME, F_STR, plan_netdev, new_name),
};

static const struct group_desc hook_group = DESC(hook_fields, plan_hook);
static const struct group_desc netdev_group = DESC(netdev_fields, plan_netdev);
static const struct group_desc ns_group = DESC(ns_fields, plan_ns);
static const struct group_desc mount_group = DESC(mount_fields, plan_mount);
static const struct group_desc device_group = DESC(device_fields, plan_device);
static const struct group_desc symlink_group = DESC(symlink_fields, plan_symlink);
static const struct group_desc sysctl_group = DESC(sysctl_fields, plan_sysctl);
static const struct group_desc rlimit_group = DESC(rlimit_fields, plan_rlimit);

static const struct field_desc plan_fields[] = {
	{ RUNTS_TAG_VERSION, F_VERSION, 0, NONE, NONE, NULL },
	SCALAR(RUNTS_TAG_MODE, F_U32, plan, mode),
	SCALAR(RUNTS_TAG_BARRIER, F_U32, plan, barrier),
	SCALAR(RUNTS_TAG_FIFO_PATH, F_STR, plan, fifo_path),
	SCALAR(RUNTS_TAG_CLONE_FLAGS, F_U64, plan, clone_flags),
	GROUP(RUNTS_TAG_JOIN_NS, plan, join_ns, ns_group),
	SCALAR(RUNTS_TAG_UID_MAP, F_STR, plan, uid_map),
	SCALAR(RUNTS_TAG_GID_MAP, F_STR, plan, gid_map),
	SCALAR(RUNTS_TAG_SETGROUPS_DENY, F_BOOL, plan, setgroups_deny),
	SCALAR(RUNTS_TAG_ROOTFS, F_STR, plan, rootfs),
	SCALAR(RUNTS_TAG_ROOTFS_PROPAGATION, F_U64, plan, rootfs_propagation),
	SCALAR(RUNTS_TAG_ROOT_PROPAGATION_AFTER, F_U64, plan, root_propagation_after),
	SCALAR(RUNTS_TAG_NO_PIVOT, F_BOOL, plan, no_pivot),
	GROUP(RUNTS_TAG_MOUNT, plan, mounts, mount_group),
	GROUP(RUNTS_TAG_DEVICE, plan, devices, device_group),
	SCALAR(RUNTS_TAG_BIND_DEVICES, F_BOOL, plan, bind_devices),
	GROUP(RUNTS_TAG_SYMLINK, plan, symlinks, symlink_group),
	ARRAY(RUNTS_TAG_MASKED_PATH, F_STR_ARR, plan, masked_paths),
	ARRAY(RUNTS_TAG_READONLY_PATH, F_STR_ARR, plan, readonly_paths),
	SCALAR(RUNTS_TAG_ROOT_READONLY, F_BOOL, plan, root_readonly),
	SCALAR(RUNTS_TAG_DEV_READONLY, F_BOOL, plan, dev_readonly),
	SCALAR(RUNTS_TAG_HOSTNAME, F_STR, plan, hostname),
	SCALAR(RUNTS_TAG_DOMAINNAME, F_STR, plan, domainname),
	GROUP(RUNTS_TAG_SYSCTL, plan, sysctls, sysctl_group),
	GROUP(RUNTS_TAG_RLIMIT, plan, rlimits, rlimit_group),
	OPTIONAL(RUNTS_TAG_OOM_SCORE_ADJ, F_I32, plan, oom_score_adj, has_oom_score_adj),
	SCALAR(RUNTS_TAG_KEYRING, F_STR, plan, keyring),
	SCALAR(RUNTS_TAG_LOOPBACK_UP, F_BOOL, plan, loopback_up),
	SCALAR(RUNTS_TAG_UID, F_U32, plan, uid),
	SCALAR(RUNTS_TAG_GID, F_U32, plan, gid),
	ARRAY(RUNTS_TAG_ADDITIONAL_GID, F_U32_ARR, plan, additional_gids),
	OPTIONAL(RUNTS_TAG_UMASK, F_U32, plan, umask, has_umask),
	SCALAR(RUNTS_TAG_CWD, F_STR, plan, cwd),
	ARRAY(RUNTS_TAG_ARG, F_STR_ARR, plan, args),
	ARRAY(RUNTS_TAG_ENV, F_STR_ARR, plan, env),
	SCALAR(RUNTS_TAG_CAP_BOUNDING, F_U64, plan, cap_bounding),
	SCALAR(RUNTS_TAG_CAP_EFFECTIVE, F_U64, plan, cap_effective),
	SCALAR(RUNTS_TAG_CAP_INHERITABLE, F_U64, plan, cap_inheritable),
	SCALAR(RUNTS_TAG_CAP_PERMITTED, F_U64, plan, cap_permitted),
	SCALAR(RUNTS_TAG_CAP_AMBIENT, F_U64, plan, cap_ambient),
	SCALAR(RUNTS_TAG_NO_NEW_PRIVS, F_BOOL, plan, no_new_privs),
	SCALAR(RUNTS_TAG_PRESERVE_FDS, F_U32, plan, preserve_fds),
	SCALAR(RUNTS_TAG_SETSID, F_BOOL, plan, setsid),
	SCALAR(RUNTS_TAG_STDIO_OWNER, F_BOOL, plan, stdio_owner),
	SCALAR(RUNTS_TAG_INIT_PID, F_U32, plan, init_pid),
	ARRAY(RUNTS_TAG_CGROUP_PROCS, F_STR_ARR, plan, cgroup_procs),
	ARRAY(RUNTS_TAG_CGROUP_TASKS, F_STR_ARR, plan, cgroup_tasks),
	SCALAR(RUNTS_TAG_CGROUP_INTO, F_STR, plan, cgroup_into),
	SCALAR(RUNTS_TAG_DEVICE_BPF, F_STR, plan, device_bpf),
	SCALAR(RUNTS_TAG_PARENT_DEATH_SIGNAL, F_U32, plan, parent_death_signal),
	SCALAR(RUNTS_TAG_LABEL, F_STR, plan, label),
	SCALAR(RUNTS_TAG_MONITOR, F_BOOL, plan, monitor),
	SCALAR(RUNTS_TAG_TERMINAL, F_BOOL, plan, terminal),
	SCALAR(RUNTS_TAG_CONSOLE_SOCKET, F_STR, plan, console_socket),
	SCALAR(RUNTS_TAG_CONSOLE_HEIGHT, F_U32, plan, console_height),
	SCALAR(RUNTS_TAG_CONSOLE_WIDTH, F_U32, plan, console_width),
	SCALAR(RUNTS_TAG_PIDFD_SOCKET, F_STR, plan, pidfd_socket),
	GROUP(RUNTS_TAG_SECCOMP, plan, seccomp, seccomp_group),
	SCALAR(RUNTS_TAG_APPARMOR_PROFILE, F_STR, plan, apparmor_profile),
	SCALAR(RUNTS_TAG_SELINUX_LABEL, F_STR, plan, selinux_label),
	SCALAR(RUNTS_TAG_MAPS_BY_PARENT, F_BOOL, plan, maps_by_parent),
	SCALAR(RUNTS_TAG_MOUNT_SOURCES, F_BOOL, plan, mount_sources),
	SCALAR(RUNTS_TAG_HOOK_BARRIER, F_BOOL, plan, hook_barrier),
	GROUP(RUNTS_TAG_HOOK, plan, hooks, hook_group),
	OPTIONAL(RUNTS_TAG_SCHED_POLICY, F_U32, plan, sched_policy, has_sched),
	SCALAR(RUNTS_TAG_SCHED_FLAGS, F_U64, plan, sched_flags),
	SCALAR(RUNTS_TAG_SCHED_NICE, F_I32, plan, sched_nice),
	SCALAR(RUNTS_TAG_SCHED_PRIORITY, F_U32, plan, sched_priority),
	SCALAR(RUNTS_TAG_SCHED_RUNTIME, F_U64, plan, sched_runtime),
	SCALAR(RUNTS_TAG_SCHED_DEADLINE, F_U64, plan, sched_deadline),
	SCALAR(RUNTS_TAG_SCHED_PERIOD, F_U64, plan, sched_period),
	OPTIONAL(RUNTS_TAG_IOPRIO, F_U32, plan, ioprio, has_ioprio),
	ARRAY(RUNTS_TAG_CPU_INITIAL, F_U32_ARR, plan, cpu_initial),
	ARRAY(RUNTS_TAG_CPU_FINAL, F_U32_ARR, plan, cpu_final),
	SCALAR(RUNTS_TAG_CPU_RESET, F_BOOL, plan, cpu_reset),
	SCALAR(RUNTS_TAG_HOME_FROM_PASSWD, F_BOOL, plan, home_from_passwd),
	SCALAR(RUNTS_TAG_CWD_MKDIR, F_BOOL, plan, cwd_mkdir),
	OPTIONAL(RUNTS_TAG_PERSONALITY, F_U32, plan, personality, has_personality),
	SCALAR(RUNTS_TAG_TIME_OFFSETS, F_STR, plan, time_offsets),
	OPTIONAL(RUNTS_TAG_MEMPOLICY_MODE, F_U32, plan, mempolicy_mode, has_mempolicy),
	ARRAY(RUNTS_TAG_MEMPOLICY_NODE, F_U32_ARR, plan, mempolicy_nodes),
	GROUP(RUNTS_TAG_NETDEV, plan, netdevs, netdev_group),
};
static const struct group_desc plan_group = DESC(plan_fields, plan);

#define MAX_FIELDS 128

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Appends one zeroed element to *arr (n elements), keeping a zeroed element after the
 * last one (so string arrays stay NULL-terminated). Capacity is implicit: the next power
 * of two >= n + 2, so growth is amortised without storing it. */
static void *vec_push(void **arr, size_t *n, size_t elem)
{
	size_t need = *n + 2, cap = 4, old_cap = 4;
	while (cap < need)
		cap *= 2;
	while (*arr && old_cap < *n + 1)
		old_cap *= 2;
	if (!*arr || cap > old_cap) {
		void *p = realloc(*arr, cap * elem);
		if (!p)
			return NULL;
		*arr = p;
	}
	char *base = *arr;
	memset(base + *n * elem, 0, 2 * elem);
	return base + (*n)++ * elem;
}

static char *dup_str(const uint8_t *v, uint32_t len)
{
	if (memchr(v, 0, len))
		return NULL;
	char *s = malloc((size_t)len + 1);
	if (s) {
		memcpy(s, v, len);
		s[len] = 0;
	}
	return s;
}

static void free_fields(const struct group_desc *g, void *obj);
static int decode_group(const struct group_desc *g, void *obj, const uint8_t *p, size_t left, uint16_t gtag,
			char *err, size_t errlen);

static int set_field(const struct field_desc *f, void *obj, const uint8_t *v, uint32_t len, char *err, size_t errlen)
{
	char *o = (char *)obj + f->off;
	size_t want = f->type == F_U64 || f->type == F_U64_ARR ? 8 :
		      f->type == F_STR || f->type == F_STR_ARR || f->type == F_GROUP ? 0 : 4;
	if (want && len != want)
		return fail(err, errlen, "tag %u: length %u, want %zu", f->tag, len, want);
	if (f->has_off != NONE)
		*(bool *)((char *)obj + f->has_off) = true;
	switch (f->type) {
	case F_VERSION:
		if (rd32(v) != RUNTS_PROTOCOL_VERSION)
			return fail(err, errlen, "plan version %u, want %u", rd32(v), RUNTS_PROTOCOL_VERSION);
		return 0;
	case F_U32: *(uint32_t *)o = rd32(v); return 0;
	case F_I32: *(int32_t *)o = (int32_t)rd32(v); return 0;
	case F_U64: *(uint64_t *)o = rd64(v); return 0;
	case F_BOOL: *(bool *)o = rd32(v) != 0; return 0;
	case F_STR:
		if (!(*(char **)o = dup_str(v, len)))
			return fail(err, errlen, "tag %u: string with a NUL byte or out of memory", f->tag);
		return 0;
	default: break;
	}
	size_t *n = (size_t *)((char *)obj + f->count_off);
	size_t elem = f->type == F_U32_ARR ? 4 : f->type == F_U64_ARR ? 8 : f->type == F_STR_ARR ? sizeof(char *) : f->group->elem_size;
	void *slot = vec_push((void **)o, n, elem);
	if (!slot)
		return fail(err, errlen, "out of memory");
	switch (f->type) {
	case F_U32_ARR: *(uint32_t *)slot = rd32(v); return 0;
	case F_U64_ARR: *(uint64_t *)slot = rd64(v); return 0;
	case F_STR_ARR:
		if (!(*(char **)slot = dup_str(v, len)))
			return fail(err, errlen, "tag %u: string with a NUL byte or out of memory", f->tag);
		return 0;
	default: break;
	}
	/* F_GROUP: a nested TLV stream whose tags are the group's own. */
	return decode_group(f->group, slot, v, len, f->tag, err, errlen);
}

/* Walks one TLV stream of group g (tag gtag; 0 for the plan itself) into obj. */
static int decode_group(const struct group_desc *g, void *obj, const uint8_t *p, size_t left, uint16_t gtag,
			char *err, size_t errlen)
{
	uint8_t seen[MAX_FIELDS] = { 0 };
	while (left) {
		if (left < RUNTS_TLV_HEADER)
			return fail(err, errlen, "group %u: truncated record header", gtag);
		uint16_t tag = (uint16_t)(p[0] | p[1] << 8);
		uint32_t vlen = rd32(p + 4);
		if (p[2] || p[3])
			return fail(err, errlen, "tag %u: nonzero padding", tag);
		if (vlen > left - RUNTS_TLV_HEADER)
			return fail(err, errlen, "tag %u: value of %u bytes, %zu left", tag, vlen, left - RUNTS_TLV_HEADER);
		size_t i;
		for (i = 0; i < g->n_fields && g->fields[i].tag != tag; i++)
			;
		if (i == g->n_fields)
			return fail(err, errlen, "unknown tag %u in group %u", tag, gtag);
		const struct field_desc *f = &g->fields[i];
		if (f->count_off == NONE && seen[i]++)
			return fail(err, errlen, "duplicate tag %u in group %u", tag, gtag);
		if (set_field(f, obj, p + RUNTS_TLV_HEADER, vlen, err, errlen) < 0)
			return -1;
		p += RUNTS_TLV_HEADER + vlen;
		left -= RUNTS_TLV_HEADER + vlen;
	}
	return 0;
}

/* Semantic checks that need no system knowledge: what execution cannot do without. */
static int plan_check(const struct plan *p, char *err, size_t errlen)
{
	if (p->mode != RUNTS_MODE_INIT && p->mode != RUNTS_MODE_EXEC)
		return fail(err, errlen, "bad mode %u", p->mode);
	if (p->barrier > RUNTS_BARRIER_FIFO)
		return fail(err, errlen, "bad barrier %u", p->barrier);
	if (p->barrier == RUNTS_BARRIER_FIFO && !p->fifo_path)
		return fail(err, errlen, "fifo barrier without a fifo path");
	if (p->mode == RUNTS_MODE_INIT && !p->rootfs)
		return fail(err, errlen, "init plan without a rootfs");
	if (p->mode == RUNTS_MODE_EXEC && !p->init_pid)
		return fail(err, errlen, "exec plan without an init pid");
	if (!p->n_args || !p->args[0][0])
		return fail(err, errlen, "no argv[0]");
	if (!p->cwd || p->cwd[0] != '/')
		return fail(err, errlen, "cwd must be an absolute path");
	for (size_t i = 0; i < p->n_join_ns; i++)
		if (!p->join_ns[i].path || !p->join_ns[i].type)
			return fail(err, errlen, "namespace %zu: type and path required", i);
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct plan_mount *m = &p->mounts[i];
		if (m->kind != RUNTS_MOUNT_KIND_FS && m->kind != RUNTS_MOUNT_KIND_BIND)
			return fail(err, errlen, "mount %zu: bad kind %u", i, m->kind);
		if (!m->dest || !m->dest[0])
			return fail(err, errlen, "mount %zu: no destination", i);
		if (m->kind == RUNTS_MOUNT_KIND_BIND && (!m->source || !m->source[0]))
			return fail(err, errlen, "mount %zu: bind without a source", i);
		if (m->tmpcopyup && (m->kind != RUNTS_MOUNT_KIND_FS || !m->fstype || strcmp(m->fstype, "tmpfs") != 0))
			return fail(err, errlen, "mount %zu: tmpcopyup on a mount that is not a tmpfs", i);
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct plan_device *d = &p->devices[i];
		if (d->kind < RUNTS_DEVICE_KIND_CHAR || d->kind > RUNTS_DEVICE_KIND_FIFO || !d->path || !d->path[0])
			return fail(err, errlen, "device %zu: bad kind or no path", i);
	}
	for (size_t i = 0; i < p->n_symlinks; i++)
		if (!p->symlinks[i].target || !p->symlinks[i].path || !p->symlinks[i].path[0])
			return fail(err, errlen, "symlink %zu: target and path required", i);
	for (size_t i = 0; i < p->n_hooks; i++)
		if (!p->hooks[i].path || p->hooks[i].path[0] != '/' || !p->hooks[i].kind || p->hooks[i].kind > RUNTS_HOOK_KIND_START_CONTAINER)
			return fail(err, errlen, "hook %zu: bad kind or path", i);
	for (size_t i = 0; i < p->n_netdevs; i++)
		if (!p->netdevs[i].name || !p->netdevs[i].name[0] || !p->netdevs[i].new_name || !p->netdevs[i].new_name[0])
			return fail(err, errlen, "netdev %zu: name and new name required", i);
	if (p->n_seccomp > 1)
		return fail(err, errlen, "more than one seccomp filter");
	for (size_t i = 0; p->seccomp && i < p->seccomp->n_rules; i++) {
		const struct plan_seccomp_rule *r = &p->seccomp->rules[i];
		if (!r->n_names)
			return fail(err, errlen, "seccomp rule %zu: no syscall name", i);
		for (size_t j = 0; j < r->n_args; j++)
			if (r->args[j].index > 5 || !r->args[j].op || r->args[j].op > 7)
				return fail(err, errlen, "seccomp rule %zu: bad argument %zu", i, j);
	}
	if (p->seccomp && p->seccomp->listener_path && p->seccomp->n_listener_state != 3)
		return fail(err, errlen, "seccomp listener state must have 3 pieces");
	for (size_t i = 0; i < p->n_sysctls; i++)
		if (!p->sysctls[i].path || !p->sysctls[i].path[0] || !p->sysctls[i].value)
			return fail(err, errlen, "sysctl %zu: path and value required", i);
	return 0;
}

int plan_decode(const uint8_t *buf, size_t len, struct plan *out, char *err, size_t errlen)
{
	_Static_assert(sizeof(plan_fields) / sizeof(plan_fields[0]) <= MAX_FIELDS, "MAX_FIELDS too small");
	memset(out, 0, sizeof(*out));
	if (len > RUNTS_MAX_FRAME)
		return fail(err, errlen, "plan of %zu bytes exceeds %u", len, RUNTS_MAX_FRAME);
	if (len < RUNTS_TLV_HEADER || (buf[0] | buf[1] << 8) != RUNTS_TAG_VERSION)
		return fail(err, errlen, "plan does not start with a version");
	if (decode_group(&plan_group, out, buf, len, 0, err, errlen) < 0 || plan_check(out, err, errlen) < 0) {
		plan_free(out);
		return -1;
	}
	return 0;
}

static void free_fields(const struct group_desc *g, void *obj)
{
	for (size_t i = 0; i < g->n_fields; i++) {
		const struct field_desc *f = &g->fields[i];
		void **pp = (void **)((char *)obj + f->off);
		if (f->type == F_STR) {
			free(*pp);
		} else if (f->type == F_STR_ARR || f->type == F_GROUP) {
			size_t n = *(size_t *)((char *)obj + f->count_off);
			for (size_t j = 0; *pp && j < n; j++) {
				if (f->type == F_STR_ARR)
					free(((char **)*pp)[j]);
				else
					free_fields(f->group, (char *)*pp + j * f->group->elem_size);
			}
			free(*pp);
		} else if (f->type == F_U32_ARR || f->type == F_U64_ARR) {
			free(*pp);
		}
	}
}

void plan_free(struct plan *p)
{
	free_fields(&plan_group, p);
	memset(p, 0, sizeof(*p));
}
