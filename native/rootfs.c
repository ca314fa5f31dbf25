/* The container's filesystem before the root changes: propagation, the rootfs mount,
 * the plan's mounts, device nodes, /dev symlinks, then pivot_root (or MS_MOVE+chroot).
 * Every destination is resolved inside the rootfs at the moment we act on it (see
 * resolve.c) and mounted through /proc/self/fd/N, never through a path string that the
 * container could redirect with a symlink. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim.h"

static bool rootfs_has_mntns(const struct plan *p)
{
	if (p->clone_flags & CLONE_NEWNS)
		return true;
	for (size_t i = 0; i < p->n_join_ns; i++)
		if (p->join_ns[i].type == CLONE_NEWNS)
			return true;
	return false;
}

/* The mount that holds the rootfs is made private (in our namespace only), whatever the
 * rootfs propagation, as runc 1.2+ does: pivot_root refuses a new root whose parent is
 * shared, and the rootfs bind and the container's mounts must not propagate to (or be
 * slaves of) the host through it. That mount is found by walking up until a mount root. */
static void rootfs_parent_private(const char *rootfs)
{
	char *path = strdup(rootfs);
	if (!path)
		die("rootfs", NULL, rootfs, ENOMEM, NULL);
	for (;;) {
		struct statx stx;
		if (statx(AT_FDCWD, path, 0, 0, &stx) < 0)
			die_sys("rootfs", "statx", path);
		if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
			break;
		char *slash = strrchr(path, '/');
		if (!slash || slash == path) {
			strcpy(path, "/");
			break;
		}
		*slash = 0;
	}
	if (mount(NULL, path, NULL, MS_PRIVATE, NULL) < 0)
		die_sys("rootfs", "mount", path);
	free(path);
}

void rootfs_prepare(struct ctx *c)
{
	struct plan *p = c->plan;
	/* Without a mount namespace of its own (runc 1.3 allows it) everything below, as with
	 * runc, happens in the caller's mount namespace: the propagation of "/", the rootfs bind
	 * and the mounts stay there after the container is gone, and the root is entered with
	 * chroot (rootfs_pivot). runts refuses masked and read-only paths then, as runc. */
	if (p->rootfs_propagation && mount(NULL, "/", NULL, p->rootfs_propagation, NULL) < 0)
		die("rootfs", "mount", "/", errno, "/ to propagation %#llx",
		    (unsigned long long)p->rootfs_propagation);
	rootfs_parent_private(p->rootfs);
	/* A bind onto itself makes the rootfs a mount point, which pivot_root needs. */
	if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die_sys("rootfs", "mount", p->rootfs);
	if ((c->rootfs_fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		die_sys("rootfs", "open", p->rootfs);
}

static int rootfs_resolve(struct ctx *c, const struct plan_mount *m, enum resolve_create create, const char *step)
{
	int fd = resolve_in_root(c->rootfs_fd, m->dest, create);
	if (fd < 0)
		die(step, "openat2", m->dest, errno, "%s on %s", m->source ? m->source : "none", m->dest);
	return fd;
}

#define ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define LOCKABLE_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* The MS_* flags of the mount fd is on (statvfs speaks ST_*). No atime flag means
 * strictatime. */
static uint64_t rootfs_mount_flags(int fd, const char *dest)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		die_sys("remount", "fstatvfs", dest);
	uint64_t f = sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME);
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	if (!(f & (MS_NOATIME | MS_RELATIME)))
		f |= MS_STRICTATIME;
	return f;
}

static void rootfs_flag_names(uint64_t flags, char *buf, size_t size)
{
	static const struct { uint64_t flag; const char *name; } names[] = {
		{ MS_RDONLY, "MS_RDONLY" }, { MS_NOSUID, "MS_NOSUID" }, { MS_NODEV, "MS_NODEV" },
		{ MS_NOEXEC, "MS_NOEXEC" }, { MS_NOATIME, "MS_NOATIME" }, { MS_NODIRATIME, "MS_NODIRATIME" },
		{ MS_RELATIME, "MS_RELATIME" }, { MS_STRICTATIME, "MS_STRICTATIME" },
	};
	buf[0] = 0;
	for (size_t i = 0, n = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].flag)
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "|" : "", names[i].name);
}

/* MS_REMOUNT of a bind, as runc 1.2+: the flags the options set, nothing else (so an
 * unasked ro, noexec, nosymfollow ... of the source goes), with the source's atime flags
 * when no atime option was given. In a user namespace the kernel refuses to clear the
 * flags it locked (those of a mount from a more privileged namespace): on EPERM they
 * are kept, unless the options explicitly cleared one or asked for other atime flags,
 * which is an error saying so. */
static void rootfs_remount(int fd, const struct plan_mount *m)
{
	char tp[32], names[128];
	util_fd_path(fd, tp);
	uint64_t src = rootfs_mount_flags(fd, m->dest);
	uint64_t flags = m->remount_flags;
	if (m->keep_atime)
		flags |= src & ATIME_FLAGS;
	if (mount(NULL, tp, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return;
	if (errno != EPERM)
		die("remount", "mount", m->dest, errno, "%s with flags %#llx", m->dest, (unsigned long long)flags);
	uint64_t locked = src & LOCKABLE_FLAGS;
	if (m->remount_clear & locked) {
		rootfs_flag_names(m->remount_clear & locked, names, sizeof(names));
		die("remount", "mount", m->dest, EPERM, "%s: cannot clear locked flags %s (the source's mount is locked by the user namespace)",
		    m->dest, names);
	}
	if ((flags & ATIME_FLAGS) != (src & ATIME_FLAGS)) {
		rootfs_flag_names(src & ATIME_FLAGS, names, sizeof(names));
		die("remount", "mount", m->dest, EPERM, "%s: cannot change locked atime flags %s (the source's mount is locked by the user namespace)",
		    m->dest, names);
	}
	if (mount(NULL, tp, NULL, MS_BIND | MS_REMOUNT | flags | locked, NULL) < 0)
		die("remount", "mount", m->dest, errno, "%s with flags %#llx", m->dest, (unsigned long long)(flags | locked));
}

/* Bind sources below /sys/fs/cgroup (the `cgroup` mount on v1/hybrid: one per
 * hierarchy) are reached from a directory fd of /sys/fs/cgroup, as the cgroup joins are
 * (util_cgroup_at); open for the mounts only. */
static int cg_root = -1;

/* m->source, or the same place as /proc/self/fd/N/<rest> from cg_root (buf: PATH_MAX). */
static const char *rootfs_bind_source(const struct plan_mount *m, char *buf, size_t n)
{
	const char *rel;
	int dir = util_cgroup_at(cg_root, m->source, &rel);
	if (dir == AT_FDCWD || snprintf(buf, n, "/proc/self/fd/%d/%s", dir, rel) >= (int)n)
		return m->source;
	return buf;
}

/* A bind's destination is a file or a directory like its source, as the source is now
 * (an earlier mount may have made it); when it cannot be looked at, the plan's guess. */
static bool rootfs_source_is_file(const struct plan_mount *m, int src)
{
	struct stat st;
	if (m->kind != RUNTS_MOUNT_KIND_BIND)
		return false;
	const char *rel;
	int dir = src >= 0 ? -1 : util_cgroup_at(cg_root, m->source, &rel);
	if ((src >= 0 ? fstat(src, &st) : fstatat(dir, rel, &st, 0)) < 0)
		return m->dest_is_file;
	return !S_ISDIR(st.st_mode);
}

/* KEEP_MODE (a tmpfs without mode=): the data string plus the mode of the directory the
 * tmpfs covers, as it is now (made 0755 when missing). Returns malloc'ed data or NULL. */
static char *rootfs_keep_mode(const struct plan_mount *m, int fd)
{
	struct stat st;
	if (!m->keep_mode)
		return NULL;
	if (fstat(fd, &st) < 0)
		die_sys("mount", "fstat", m->dest);
	const char *d = m->data ? m->data : "";
	char *data;
	if (asprintf(&data, "%s%smode=%o", d, *d ? "," : "", (unsigned)(st.st_mode & 07777)) < 0)
		die("mount", NULL, m->dest, ENOMEM, NULL);
	return data;
}

/* ORDINARY_DIR (proc, sysfs): the destination, if it exists, must be a directory itself,
 * not a symlink to one (runc refuses the same). */
static void rootfs_check_ordinary_dir(struct ctx *c, const struct plan_mount *m)
{
	const char *name;
	struct stat st;
	if (!m->ordinary_dir)
		return;
	int dir = resolve_parent(c->rootfs_fd, m->dest, &name);
	if (dir < 0)
		die("mount", "openat2", m->dest, errno, "%s on %s", m->source ? m->source : "none", m->dest);
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
		die("mount", NULL, m->dest, 0, "%s: filesystem \"%s\" must be mounted on ordinary directory", m->dest, m->fstype);
	close(dir);
}

static void rootfs_mount_one(struct ctx *c, const struct plan_mount *m)
{
	char tp[32], sp[32];
	rootfs_check_ordinary_dir(c, m);
	/* In config order: the source as the earlier mounts left it (mountsrc.c). */
	int src = mountsrc_get(c, m);
	int fd = rootfs_resolve(c, m, rootfs_source_is_file(m, src) ? RESOLVE_MKFILE : RESOLVE_MKDIR, "mount");
	util_fd_path(fd, tp);
	int r;
	/* tmpcopyup: the old directory stays readable through this fd once covered; the
	 * tmpfs is mounted writable and made read-only after the copy (copyup.c). */
	int copy_from = m->tmpcopyup ? copyup_open(fd, m->dest) : -1;
	if (src >= 0 && (m->uid_map || m->gid_map)) { /* a detached idmapped clone */
		r = move_mount(src, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	} else if (m->kind == RUNTS_MOUNT_KIND_BIND) {
		char cp[PATH_MAX];
		r = mount(src >= 0 ? util_fd_path(src, sp) : rootfs_bind_source(m, cp, sizeof(cp)), tp, NULL, MS_BIND | (m->flags & MS_REC), NULL);
	} else {
		char *data = rootfs_keep_mode(m, fd);
		r = mount(m->source ? m->source : "", tp, m->fstype, m->flags & ~(copy_from >= 0 ? MS_RDONLY : 0), data ? data : m->data);
		free(data);
	}
	if (r < 0)
		die("mount", "mount", m->dest, errno, "%s on %s", m->source ? m->source : "none", m->dest);
	util_close(&src);
	close(fd);
	if (copy_from >= 0) {
		fd = rootfs_resolve(c, m, RESOLVE_EXISTING, "tmpcopyup");
		copyup_fill(copy_from, fd, m);
		close(fd);
	}
	if (!m->remount_flags && !m->remount_clear && !m->n_propagation && !m->attr_set && !m->attr_clr)
		return;

	/* The old fd names the directory under the new mount: resolve again. */
	fd = rootfs_resolve(c, m, RESOLVE_EXISTING, "mount");
	util_fd_path(fd, tp);
	if (m->kind == RUNTS_MOUNT_KIND_BIND && (m->remount_flags || m->remount_clear))
		rootfs_remount(fd, m);
	for (size_t i = 0; i < m->n_propagation; i++)
		if (mount(NULL, tp, NULL, m->propagation[i], NULL) < 0)
			die("propagation", "mount", m->dest, errno, "%s to %#llx", m->dest,
			    (unsigned long long)m->propagation[i]);
	if (m->attr_set || m->attr_clr) {
		struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };
		if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
			die("mount_setattr", "mount_setattr", m->dest, errno, "%s set %#llx clear %#llx",
			    m->dest, (unsigned long long)m->attr_set, (unsigned long long)m->attr_clr);
	}
	close(fd);
}

void rootfs_mounts(struct ctx *c)
{
	size_t below = 0;
	for (size_t i = 0; i < c->plan->n_mounts; i++) {
		const struct plan_mount *m = &c->plan->mounts[i];
		below += m->kind == RUNTS_MOUNT_KIND_BIND && m->source && !strncmp(m->source, "/sys/fs/cgroup/", 15);
	}
	if (below > 1)
		cg_root = open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < c->plan->n_mounts; i++)
		rootfs_mount_one(c, &c->plan->mounts[i]);
	util_close(&cg_root);
}

/* In a user namespace mknod is not allowed: bind the host's node (same path) over an
 * empty file instead. */
static void rootfs_bind_device(struct ctx *c, const struct plan_device *d)
{
	char sp[32], tp[32];
	int host = open(d->path, O_PATH | O_CLOEXEC);
	if (host < 0)
		die_sys("bind_device", "open", d->path);
	int dst = resolve_in_root(c->rootfs_fd, d->path, RESOLVE_MKFILE);
	if (dst < 0)
		die_sys("bind_device", "openat2", d->path);
	if (mount(util_fd_path(host, sp), util_fd_path(dst, tp), NULL, MS_BIND, NULL) < 0)
		die_sys("bind_device", "mount", d->path);
	close(dst);
	close(host);
}

void rootfs_devices(struct ctx *c)
{
	struct plan *p = c->plan;
	for (size_t i = 0; i < p->n_devices; i++) {
		const struct plan_device *d = &p->devices[i];
		if (p->bind_devices) {
			rootfs_bind_device(c, d);
			continue;
		}
		const char *name;
		int dir = resolve_parent(c->rootfs_fd, d->path, &name);
		if (dir < 0)
			die_sys("mknod", "openat2", d->path);
		mode_t type = d->kind == RUNTS_DEVICE_KIND_CHAR ? S_IFCHR : d->kind == RUNTS_DEVICE_KIND_BLOCK ? S_IFBLK : S_IFIFO;
		/* An existing node is kept, as runc does (the image may ship /dev). */
		if (mknodat(dir, name, type | (d->mode & 07777), makedev(d->major, d->minor)) < 0) {
			if (errno != EEXIST)
				die_sys("mknod", "mknodat", d->path);
		} else if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0) {
			die_sys("mknod", "fchownat", d->path);
		}
		close(dir);
	}
}

void rootfs_symlinks(struct ctx *c)
{
	for (size_t i = 0; i < c->plan->n_symlinks; i++) {
		const struct plan_symlink *l = &c->plan->symlinks[i];
		const char *name;
		int dir = resolve_parent(c->rootfs_fd, l->path, &name);
		if (dir < 0)
			die_sys("symlink", "openat2", l->path);
		if (symlinkat(l->target, dir, name) < 0 && errno != EEXIST)
			die_sys("symlink", "symlinkat", l->path);
		close(dir);
	}
}

/* pivot_root(".", ".") stacks the old root on top of the new one; detaching it (after
 * making it a slave, so the unmount does not propagate to the host) leaves the new root
 * alone, with no directory needed for the old root. */
void rootfs_pivot(struct ctx *c)
{
	struct plan *p = c->plan;
	if (fchdir(c->rootfs_fd) < 0)
		die_sys("pivot_root", "fchdir", p->rootfs);
	if (!rootfs_has_mntns(p)) {
		/* pivot_root would swap the caller's root; runc chroots here. */
		if (chroot(".") < 0)
			die_sys("pivot_root", "chroot", p->rootfs);
	} else if (p->no_pivot) {
		nopivot_hide_host(p->rootfs);
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			die_sys("pivot_root", "mount", p->rootfs);
		if (chroot(".") < 0)
			die_sys("pivot_root", "chroot", p->rootfs);
	} else {
		int old = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (old < 0)
			die_sys("pivot_root", "open", "/");
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			die_sys("pivot_root", "pivot_root", p->rootfs);
		if (fchdir(old) < 0)
			die_sys("pivot_root", "fchdir", "/");
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			die_sys("pivot_root", "mount", "/");
		if (umount2(".", MNT_DETACH) < 0)
			die_sys("pivot_root", "umount2", "/");
		close(old);
	}
	if (chdir("/") < 0)
		die_sys("pivot_root", "chdir", "/");
	/* On the new root (rootfs_parent_private made the bind, now "/", private): the plan
	 * says which propagation, if any (runc: an explicit, non-private one). */
	if (p->root_propagation_after && mount(NULL, "/", NULL, p->root_propagation_after, NULL) < 0)
		die("rootfs", "mount", "/", errno, "/ to propagation %#llx", (unsigned long long)p->root_propagation_after);
	util_close(&c->rootfs_fd);
}
