/* Bind sources opened for the init by stage-0, in config order (runc 1.2+'s model).
 *
 * The init mounts in its own mount namespace, possibly inside a user namespace. Two
 * kinds of bind source need more than the init has there:
 *  - an idmapped bind: attaching an idmap needs privilege over the source's filesystem
 *    and a user namespace with host ids in its maps;
 *  - with a user namespace (MOUNT_SOURCES), a source the container's root cannot reach
 *    (under a directory only host root may traverse).
 * Stage-0 is host root and stays until the init's mounts are done. The init asks for one
 * mount at a time, when it reaches it, so a source created by an earlier mount (inside a
 * tmpfs the container just got) is seen: stage-0 serves the request from inside the
 * container's mount namespace (setns for the time of the service, then back).
 *
 * Inner socket messages (stage-0 <-> init, C only): the init writes a u32 plan mount
 * index, stage-0 answers with an fd (SCM_RIGHTS): O_PATH of the source for a plain bind,
 * a detached idmapped clone (open_tree + mount_setattr) for an idmapped one. The init
 * writes MOUNTSRC_DONE once its mounts are done. A failure in stage-0 reports an ERROR
 * and exits; the init sees EOF and exits quietly. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

#define MOUNTSRC_DONE 0xffffffffu

static bool mountsrc_idmapped(const struct plan_mount *m)
{
	return m->kind == RUNTS_MOUNT_KIND_BIND && (m->uid_map || m->gid_map);
}

/* A joined user namespace (linux.namespaces path): stage-0 joins it before the clone, so
 * it is no more privileged than the init there and cannot even open the init's
 * /proc/PID/ns/mnt (the init is not dumpable): no service. idmap_prepare then makes the
 * idmapped clones at once, on the host, and the init mounts the other sources itself. */
bool mountsrc_joined_userns(const struct plan *p)
{
	for (size_t i = 0; i < p->n_join_ns; i++)
		if (p->join_ns[i].type == CLONE_NEWUSER)
			return true;
	return false;
}

bool mountsrc_served(const struct plan *p)
{
	if (p->mode != RUNTS_MODE_INIT || mountsrc_joined_userns(p))
		return false;
	if (p->mount_sources)
		return true;
	for (size_t i = 0; i < p->n_mounts; i++)
		if (mountsrc_idmapped(&p->mounts[i]))
			return true;
	return false;
}

/* Init side: an fd to bind mount m from, or -1 to use its source path. */
int mountsrc_get(struct ctx *c, const struct plan_mount *m)
{
	struct plan *p = c->plan;
	if (m->kind != RUNTS_MOUNT_KIND_BIND)
		return -1;
	if (mountsrc_joined_userns(p)) { /* the clone idmap_prepare made; ours to close */
		int fd = -1;
		if (mountsrc_idmapped(m) && c->idmap_fds) {
			fd = c->idmap_fds[m - p->mounts];
			c->idmap_fds[m - p->mounts] = -1;
		}
		return fd;
	}
	struct stat st;
	if (!mountsrc_idmapped(m) && (!p->mount_sources || stat(m->source, &st) == 0))
		return -1;
	uint32_t idx = (uint32_t)(m - p->mounts);
	if (util_write_all(c->inner_fd, &idx, sizeof(idx)) < 0)
		exit(1); /* stage-0 is gone: it reported why */
	int fd = util_recv_fd(c->inner_fd);
	if (fd < 0)
		exit(1);
	return fd;
}

/* Init side: the mounts are done, stage-0 may go on. */
void mountsrc_done(struct ctx *c)
{
	if (!mountsrc_served(c->plan))
		return;
	uint32_t done = MOUNTSRC_DONE;
	if (util_write_all(c->inner_fd, &done, sizeof(done)) < 0)
		exit(1);
}

static int mountsrc_open(struct ctx *c, const struct plan_mount *m, int userns)
{
	if (userns < 0) {
		int fd = open(m->source, O_PATH | O_CLOEXEC);
		if (fd < 0)
			die("mount", "open", m->source, errno, "bind source %s for %s", m->source, m->dest);
		return fd;
	}
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m->flags & MS_REC) ? AT_RECURSIVE : 0);
	int mnt = open_tree(AT_FDCWD, m->source, flags);
	if (mnt < 0)
		die("idmap", "open_tree", m->source, errno, "%s", m->source);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
	if (mount_setattr(mnt, "", AT_EMPTY_PATH | (m->idmap_recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
		die("idmap", "mount_setattr", m->source, errno, "idmap %s (does its filesystem support idmapped mounts?)",
		    m->source);
	(void)c;
	return mnt;
}

/* A detached idmapped clone of m's source, made now (see mountsrc_joined_userns). */
int mountsrc_idmap_clone(struct ctx *c, const struct plan_mount *m, int userns)
{
	return mountsrc_open(c, m, userns);
}

/* Stage-0 side, after the release: answer the init's requests until it is done (or
 * gone). The idmap user namespaces were made by idmap_prepare, on the host. */
void mountsrc_serve(struct ctx *c, pid_t child)
{
	struct plan *p = c->plan;
	if (!mountsrc_served(p))
		return;
	int own = -1, cwd = -1;
	for (;;) {
		uint32_t idx;
		ssize_t n;
		do
			n = read(c->inner_fd, &idx, sizeof(idx));
		while (n < 0 && errno == EINTR);
		if (n != sizeof(idx) || idx == MOUNTSRC_DONE)
			break; /* EOF: the init died, and said why */
		if (idx >= p->n_mounts || p->mounts[idx].kind != RUNTS_MOUNT_KIND_BIND)
			die("mount", NULL, NULL, EPROTO, "bad mount source request %u", idx);
		if (own < 0) { /* first request: enter the container's mount namespace */
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)child);
			if ((own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0 ||
			    (cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
				die_sys("mount", "open", "/proc/self/ns/mnt");
			int ns = open(path, O_RDONLY | O_CLOEXEC);
			if (ns < 0)
				die_sys("mount", "open", path);
			if (setns(ns, CLONE_NEWNS) < 0)
				die_sys("mount", "setns", path);
			close(ns);
		}
		int userns = c->idmap_fds ? c->idmap_fds[idx] : -1;
		int fd = mountsrc_open(c, &p->mounts[idx], userns);
		if (util_send_fd(c->inner_fd, fd, "m") < 0)
			die_sys("mount", "sendmsg", p->mounts[idx].source);
		close(fd);
	}
	if (own >= 0) {
		if (setns(own, CLONE_NEWNS) < 0)
			die_sys("mount", "setns", "/proc/self/ns/mnt");
		if (fchdir(cwd) < 0)
			die_sys("mount", "fchdir", ".");
		close(own);
		close(cwd);
	}
	if (c->idmap_fds)
		for (size_t i = 0; i < p->n_mounts; i++)
			util_close(&c->idmap_fds[i]);
}
