/* Namespaces: join by path (init), create by clone (init), write the id maps, and join
 * a running container (exec). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define RUNTS_CLONE_INTO_CGROUP 0x200000000ULL

/* struct clone_args of <linux/sched.h> up to `cgroup` (CLONE_ARGS_SIZE_VER2), spelt out
 * here: that header redefines what glibc's <sched.h> already defines. */
struct runts_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

#define NS_CLONE_ALLOWED \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME)

/* Opens every path first (joining the mount namespace changes what paths mean), then
 * joins the user namespace first (it grants the rights for the others), the mount
 * namespace last, and the rest in plan order. */
void ns_join_plan(struct ctx *c)
{
	struct plan *p = c->plan;
	if (!p->n_join_ns)
		return;
	int *fds = calloc(p->n_join_ns, sizeof(int));
	if (!fds)
		die("setns", NULL, NULL, ENOMEM, NULL);
	for (size_t i = 0; i < p->n_join_ns; i++)
		if ((fds[i] = open(p->join_ns[i].path, O_RDONLY | O_CLOEXEC)) < 0)
			die_sys("setns", "open", p->join_ns[i].path);
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < p->n_join_ns; i++) {
			uint32_t t = p->join_ns[i].type;
			int want = t == CLONE_NEWUSER ? 0 : t == CLONE_NEWNS ? 2 : 1;
			if (want != pass)
				continue;
			if (setns(fds[i], (int)t) < 0)
				die_sys("setns", "setns", p->join_ns[i].path);
			if (t == CLONE_NEWUSER)
				c->userns = true;
		}
	}
	for (size_t i = 0; i < p->n_join_ns; i++)
		close(fds[i]);
	free(fds);
}

/* clone(2) without a new stack behaves like fork: the child continues here. glibc's
 * clone() wrapper wants a function and a stack, which buys nothing for a process that
 * only runs to execve. CLONE_NEWTIME is not a clone(2) flag (it collides with the exit
 * signal bits): unshare it first, so that our next child is born in the new time
 * namespace, with the plan's offsets written in between. */
void ns_cgroup_open(struct ctx *c)
{
	if (!c->plan->cgroup_into)
		return;
	if ((c->cgroup_fd = open(c->plan->cgroup_into, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		die_sys("cgroup", "open", c->plan->cgroup_into);
}

/* A fork-like clone (no new stack) with `flags`. With a cgroup fd the child is born in
 * that cgroup v2 directory (CLONE_INTO_CGROUP, Linux 5.7): no task is migrated, so the
 * first container after a quiet spell does not wait for the RCU grace period a
 * cgroup.procs write takes. Kernels without it (ENOSYS, E2BIG) get the old way: this
 * process joins the cgroup, then forks. */
static pid_t clone_into(struct ctx *c, uint64_t flags)
{
	if (c->cgroup_fd >= 0) {
		struct runts_clone_args a = { .flags = flags | RUNTS_CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
					      .cgroup = (uint64_t)c->cgroup_fd };
		long pid = syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0 || (errno != ENOSYS && errno != E2BIG)) {
			int e = errno;
			if (pid >= 0) { /* neither side needs it any more */
				close(c->cgroup_fd);
				c->cgroup_fd = -1;
			}
			errno = e;
			return (pid_t)pid;
		}
		int procs = openat(c->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
		char self[16];
		int n = snprintf(self, sizeof(self), "%d", (int)getpid());
		if (procs < 0 || write(procs, self, (size_t)n) != n)
			die_sys("cgroup", "write", c->plan->cgroup_into);
		close(procs);
	}
	return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
}

pid_t ns_fork(struct ctx *c)
{
	return clone_into(c, 0);
}

pid_t ns_clone(struct ctx *c)
{
	uint64_t flags = c->plan->clone_flags;
	if (flags & ~(uint64_t)NS_CLONE_ALLOWED)
		die("clone", NULL, NULL, EINVAL, "unsupported clone flags %#llx",
		    (unsigned long long)(flags & ~(uint64_t)NS_CLONE_ALLOWED));
	if (flags & CLONE_NEWTIME) {
		if (unshare(CLONE_NEWTIME) < 0)
			die_sys("clone", "unshare", "CLONE_NEWTIME");
		timens_write_offsets(c);
		flags &= ~(uint64_t)CLONE_NEWTIME;
	}
	pid_t pid = clone_into(c, flags);
	if (pid < 0)
		die_sys("clone", c->cgroup_fd >= 0 ? "clone3" : "clone", c->plan->cgroup_into);
	if (flags & CLONE_NEWUSER)
		c->userns = true;
	return pid;
}

static void ns_write_proc(pid_t child, const char *file, const char *step, const char *data)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)child, file);
	if (util_write_file(path, data, strlen(data)) < 0)
		die_sys(step, "write", path);
}

/* The maps are written from outside (stage-0 holds the rights in the parent user
 * namespace); the child waits until we release it. "deny" must precede gid_map. */
void ns_write_maps(struct ctx *c, pid_t child)
{
	struct plan *p = c->plan;
	if (!(p->clone_flags & CLONE_NEWUSER))
		return;
	if (p->maps_by_parent) {
		/* Rootless with several ranges: runts runs newuidmap/newgidmap (setuid) for us. */
		uint16_t type;
		uint8_t *payload;
		size_t len;
		if (sync_send_u32(c->sync_fd, RUNTS_MSG_MAPS_NEEDED, (uint32_t)child) < 0)
			die_sys("uid_map", "write", NULL);
		if (sync_recv(c->sync_fd, &type, &payload, &len, 0) < 0)
			die("uid_map", "read", NULL, errno ? errno : EPIPE, "waiting for MAPS_DONE");
		if (type != RUNTS_MSG_MAPS_DONE)
			die("uid_map", NULL, NULL, EPROTO, "expected MAPS_DONE, got frame %u", type);
		return;
	}
	if (p->setgroups_deny)
		ns_write_proc(child, "setgroups", "setgroups", "deny");
	if (p->uid_map)
		ns_write_proc(child, "uid_map", "uid_map", p->uid_map);
	if (p->gid_map)
		ns_write_proc(child, "gid_map", "gid_map", p->gid_map);
}

/* In a user namespace we start with an unmapped (overflow) identity: become root of
 * the namespace so that files we create are owned by it. */
void ns_become_root(struct ctx *c)
{
	if (!c->userns)
		return;
	if (setresgid(0, 0, 0) < 0)
		die_sys("setresgid", "setresgid", NULL);
	if (setresuid(0, 0, 0) < 0)
		die_sys("setresuid", "setresuid", NULL);
}

static const struct {
	const char *name;
	int type;
} ns_kinds[] = {
	{ "user", CLONE_NEWUSER }, { "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
	{ "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID },       { "time", CLONE_NEWTIME },
	{ "mnt", CLONE_NEWNS },
};
#define NS_KINDS (sizeof(ns_kinds) / sizeof(ns_kinds[0]))

/* exec mode: enter the cgroups first (host paths), then every namespace of the init
 * that differs from ours, in ns_kinds order. The root comes from /proc/PID/root rather
 * than the mount namespace's root, so a --no-pivot (chroot) container works too. */
void ns_cgroup_join(struct ctx *c)
{
	struct plan *p = c->plan;
	char self[16];
	int n = snprintf(self, sizeof(self), "%d", (int)getpid());
	/* v1 `tasks` with "0" moves the calling thread only, which the kernel does without
	 * write-locking the global cgroup_threadgroup_rwsem (a cgroup.procs write takes it,
	 * and the first one after a quiet spell waits for an RCU grace period). stage-0 has
	 * one thread, so the whole process moves and what it clones is born there. */
	/* Walks start at /sys/fs/cgroup (util_cgroup_at); the fd is closed before anything is cloned. */
	int root = p->n_cgroup_tasks + p->n_cgroup_procs > 1 ? open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	for (size_t i = 0; i < p->n_cgroup_tasks; i++)
		if (util_write_file_at(root, p->cgroup_tasks[i], "0", 1) < 0)
			die_sys("cgroup", "write", p->cgroup_tasks[i]);
	for (size_t i = 0; i < p->n_cgroup_procs; i++)
		if (util_write_file_at(root, p->cgroup_procs[i], self, (size_t)n) < 0)
			die_sys("cgroup", "write", p->cgroup_procs[i]);
	if (root >= 0)
		close(root);
}

void ns_join_container(struct ctx *c)
{
	struct plan *p = c->plan;
	char path[64];
	ns_cgroup_join(c);
	stamp("shim:cgroup-joined");

	snprintf(path, sizeof(path), "/proc/%u/root", p->init_pid);
	if ((c->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		die_sys("setns", "open", path);
	int fds[NS_KINDS];
	for (size_t i = 0; i < NS_KINDS; i++) {
		struct stat mine, theirs;
		char own[64];
		snprintf(path, sizeof(path), "/proc/%u/ns/%s", p->init_pid, ns_kinds[i].name);
		snprintf(own, sizeof(own), "/proc/self/ns/%s", ns_kinds[i].name);
		fds[i] = -1;
		/* a kernel before 5.6 has no time namespaces (nor the file) */
		if (stat(path, &theirs) < 0 && errno == ENOENT && ns_kinds[i].type == CLONE_NEWTIME)
			continue;
		if (stat(path, &theirs) < 0)
			die_sys("setns", "stat", path);
		if (stat(own, &mine) < 0)
			die_sys("setns", "stat", own);
		if (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
			continue;
		if ((fds[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			die_sys("setns", "open", path);
		/* cgroup v2: clone3(CLONE_INTO_CGROUP) from inside the container's cgroup
		 * namespace fails (ENOENT: stage-0's own cgroup lies outside its root), so the
		 * child joins that namespace once it is in the container's cgroup. */
		if (ns_kinds[i].type == CLONE_NEWCGROUP && c->cgroup_fd >= 0) {
			c->cgroupns_fd = fds[i];
			fds[i] = -1;
		}
	}
	for (size_t i = 0; i < NS_KINDS; i++) {
		if (fds[i] < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/ns/%s", p->init_pid, ns_kinds[i].name);
		if (setns(fds[i], ns_kinds[i].type) < 0)
			die_sys("setns", "setns", path);
		if (ns_kinds[i].type == CLONE_NEWUSER)
			c->userns = true;
		close(fds[i]);
	}
	if (fchdir(c->root_fd) < 0)
		die_sys("setns", "fchdir", "/");
	if (chroot(".") < 0)
		die_sys("setns", "chroot", "/");
	if (chdir("/") < 0)
		die_sys("setns", "chdir", "/");
	util_close(&c->root_fd);
}
