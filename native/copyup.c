/* tmpcopyup: a tmpfs mounted over a directory of the image starts with a copy of what
 * the image had there (podman --read-only puts it on /tmp, /var/tmp and /run).
 *
 *   copyup_open(target)      O_RDONLY fd of the directory, taken before the mount covers it
 *   mount(tmpfs) on target   read-write even when the plan says ro
 *   copyup_fill(from, ...)   copy from that fd into the tmpfs root, then make it ro if asked
 *
 * Every step is an *at() call relative to a directory fd, with O_NOFOLLOW or
 * AT_SYMLINK_NOFOLLOW: a symlink in the image is copied as a symlink and never followed,
 * so nothing outside the covered directory is read and nothing outside the new tmpfs is
 * written. Copied: regular files (contents, mode, owner, times), directories, symlinks,
 * fifos and sockets; device nodes where mknod is allowed (not in a user namespace, where
 * they are skipped). Hard links become separate files; xattrs are not copied. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

/* Each level holds two fds; this bounds them well below the default limit of 1024. */
#define COPYUP_MAX_DEPTH 200

struct copyup {
	const char *dest; /* the mount destination, for errors */
	char rel[PATH_MAX]; /* the entry being copied, relative to dest */
	size_t len;
};

static noreturn void copyup_fail(const struct copyup *cu, const char *syscall, int err)
{
	die("tmpcopyup", syscall, cu->dest, err, "%s: %s %s", cu->dest, syscall, cu->len ? cu->rel : ".");
}

static size_t copyup_push(struct copyup *cu, const char *name)
{
	size_t saved = cu->len, n = strlen(name);
	if (cu->len + n + 2 > sizeof(cu->rel))
		copyup_fail(cu, "openat", ENAMETOOLONG);
	if (cu->len)
		cu->rel[cu->len++] = '/';
	memcpy(cu->rel + cu->len, name, n + 1);
	cu->len += n;
	return saved;
}

/* Owner, then mode (chown clears the set-id bits), then times. An owner with no mapping
 * in our user namespace (seen as the overflow id) cannot be given (EINVAL): the copy
 * keeps ours, as a file created there would. */
static void copyup_attrs_fd(const struct copyup *cu, int fd, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EINVAL)
		copyup_fail(cu, "fchown", errno);
	if (fchmod(fd, st->st_mode & 07777) < 0)
		copyup_fail(cu, "fchmod", errno);
	if (futimens(fd, ts) < 0)
		copyup_fail(cu, "futimens", errno);
}

static void copyup_file(const struct copyup *cu, int sdir, int ddir, const char *name)
{
	/* O_NONBLOCK: an entry that became a fifo since fstatat must not hang us. */
	int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (in < 0)
		copyup_fail(cu, "openat", errno);
	if (fstat(in, &st) < 0)
		copyup_fail(cu, "fstat", errno);
	if (!S_ISREG(st.st_mode))
		die("tmpcopyup", NULL, cu->dest, 0, "%s: %s changed type while being copied", cu->dest, cu->rel);
	int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		copyup_fail(cu, "openat", errno);
	for (;;) { /* sendfile works across filesystems, copy_file_range not always */
		ssize_t n = sendfile(out, in, NULL, 1 << 30);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			copyup_fail(cu, "sendfile", errno);
		if (n == 0)
			break;
	}
	copyup_attrs_fd(cu, out, &st);
	close(out);
	close(in);
}

static void copyup_symlink(const struct copyup *cu, int sdir, int ddir, const char *name, const struct stat *st)
{
	char target[PATH_MAX];
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	ssize_t n = readlinkat(sdir, name, target, sizeof(target));
	if (n < 0)
		copyup_fail(cu, "readlinkat", errno);
	if ((size_t)n >= sizeof(target))
		copyup_fail(cu, "readlinkat", ENAMETOOLONG);
	target[n] = 0;
	if (symlinkat(target, ddir, name) < 0)
		copyup_fail(cu, "symlinkat", errno);
	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
		copyup_fail(cu, "fchownat", errno);
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		copyup_fail(cu, "utimensat", errno);
}

/* A fifo, socket or device node. The entry is ours (just made in our tmpfs), so the
 * path-based chmod cannot be redirected. */
static void copyup_node(const struct copyup *cu, int ddir, const char *name, const struct stat *st)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (mknodat(ddir, name, (st->st_mode & S_IFMT) | 0600, st->st_rdev) < 0) {
		if (errno == EPERM && (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)))
			return; /* no device nodes in a user namespace */
		copyup_fail(cu, "mknodat", errno);
	}
	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
		copyup_fail(cu, "fchownat", errno);
	if (fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		copyup_fail(cu, "fchmodat", errno);
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		copyup_fail(cu, "utimensat", errno);
}

/* Copies the entries of sdir into ddir (both O_RDONLY directory fds); closes sdir. */
static void copyup_dir(struct copyup *cu, int sdir, int ddir, int depth)
{
	DIR *d = fdopendir(sdir);
	if (!d)
		copyup_fail(cu, "fdopendir", errno);
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			if (errno)
				copyup_fail(cu, "readdir", errno);
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t saved = copyup_push(cu, e->d_name);
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			copyup_fail(cu, "fstatat", errno);
		if (S_ISREG(st.st_mode)) {
			copyup_file(cu, dirfd(d), ddir, e->d_name);
		} else if (S_ISLNK(st.st_mode)) {
			copyup_symlink(cu, dirfd(d), ddir, e->d_name, &st);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= COPYUP_MAX_DEPTH)
				copyup_fail(cu, "openat", ELOOP);
			if (mkdirat(ddir, e->d_name, 0700) < 0)
				copyup_fail(cu, "mkdirat", errno);
			int s = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s < 0)
				copyup_fail(cu, "openat", errno);
			int t = openat(ddir, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (t < 0)
				copyup_fail(cu, "openat", errno);
			copyup_dir(cu, s, t, depth + 1);
			copyup_attrs_fd(cu, t, &st); /* after the contents: the mode may forbid writing */
			close(t);
		} else {
			copyup_node(cu, ddir, e->d_name, &st);
		}
		cu->len = saved;
		cu->rel[saved] = 0;
	}
	closedir(d);
}

int copyup_open(int target, const char *dest)
{
	int fd = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("tmpcopyup", "openat", dest, errno, "%s", dest);
	return fd;
}

void copyup_fill(int from, int target, const struct plan_mount *m)
{
	struct copyup cu = { .dest = m->dest };
	int to = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (to < 0)
		copyup_fail(&cu, "openat", errno);
	copyup_dir(&cu, from, to, 0);
	if (m->flags & MS_RDONLY) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
		if (mount_setattr(to, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			copyup_fail(&cu, "mount_setattr", errno);
	}
	close(to);
}
