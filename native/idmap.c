/* Idmapped bind mounts: stage-0 makes, on the host (where it may write any id map), for
 * each bind with a uid/gid map a user namespace with those maps (a helper child made
 * with CLONE_NEWUSER, kept only until its /proc/PID/ns/user is open). The detached
 * idmapped clone of the source is made later, in config order, when the init asks for
 * it (mountsrc.c), so that a source an earlier mount created is seen. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

static void idmap_write(pid_t pid, const char *file, const char *data, const char *what)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (util_write_file(path, data, strlen(data)) < 0)
		die("idmap", "write", path, errno, "%s for the idmapped mount of %s", file, what);
}

/* An fd of a new user namespace with these maps. */
static int idmap_userns(const struct plan_mount *m)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die_sys("idmap", "pipe2", m->source);
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
	if (pid < 0)
		die_sys("idmap", "clone", m->source);
	if (pid == 0) { /* holds the namespace until stage-0 opened it, then goes */
		char b;
		close(pipefd[1]);
		while (read(pipefd[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	idmap_write(pid, "uid_map", m->uid_map ? m->uid_map : "", m->source);
	idmap_write(pid, "gid_map", m->gid_map ? m->gid_map : "", m->source);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e = errno;
	close(pipefd[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		die("idmap", "open", path, e, "user namespace for %s", m->source);
	return fd;
}

/* `idmap` without maps of its own means the container's user namespace (runc 1.2+): when
 * that is a joined one (linux.namespaces path), its maps are not in the plan, so the
 * namespace itself is the idmap. -1 when there is none to use. */
static int idmap_joined_userns(const struct plan *p, const struct plan_mount *m)
{
	if ((m->uid_map && *m->uid_map) || (m->gid_map && *m->gid_map))
		return -1;
	for (size_t k = 0; k < p->n_join_ns; k++) {
		if (p->join_ns[k].type != CLONE_NEWUSER)
			continue;
		int fd = open(p->join_ns[k].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("idmap", "open", p->join_ns[k].path, errno, "user namespace for the idmapped mount of %s", m->source);
		return fd;
	}
	return -1;
}

void idmap_prepare(struct ctx *c)
{
	struct plan *p = c->plan;
	c->idmap_fds = NULL;
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct plan_mount *m = &p->mounts[i];
		if (m->kind != RUNTS_MOUNT_KIND_BIND || (!m->uid_map && !m->gid_map))
			continue;
		if (!c->idmap_fds) {
			if (!(c->idmap_fds = malloc(p->n_mounts * sizeof(int))))
				die("idmap", NULL, NULL, ENOMEM, NULL);
			for (size_t j = 0; j < p->n_mounts; j++)
				c->idmap_fds[j] = -1;
		}
		int joined = idmap_joined_userns(p, m);
		int userns = joined >= 0 ? joined : idmap_userns(m);
		if (mountsrc_joined_userns(p)) { /* no service later: clone the source now */
			c->idmap_fds[i] = mountsrc_idmap_clone(c, m, userns);
			close(userns);
		} else {
			c->idmap_fds[i] = userns;
		}
	}
}
