/* Paths inside the rootfs. Every lookup goes through openat2(RESOLVE_IN_ROOT) from the
 * rootfs fd, so ".." and symlinks (absolute or relative) are clamped to the rootfs, and
 * magic links (/proc/self/root style) are refused. Missing components are created one
 * at a time under a parent fd obtained the same way, so a symlink swapped in by the
 * container between two steps can still not lead outside. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define RESOLVE_FLAGS (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

static int open_in_root(int rootfd, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_FLAGS };
	for (int tries = 0;; tries++) {
		int fd = (int)syscall(SYS_openat2, rootfd, path[0] ? path : ".", &how, sizeof(how));
		/* EAGAIN: a rename raced with the lookup; the kernel asks us to retry. */
		if (fd >= 0 || errno != EAGAIN || tries >= 32)
			return fd;
	}
}

/* Creates name in dirfd as a directory or an empty file; an existing entry is fine
 * (whatever it is, the caller re-resolves it safely). */
static int create_entry(int dirfd, const char *name, bool file)
{
	if (!file)
		return mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
	int fd = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	return 0;
}

/* A dangling symlink on the way: continue with its target (clamped to the root by the
 * next lookups) followed by the rest of the path, as a secure join would. */
static char *follow_dangling(int dirfd, const char *name, const char *prefix, size_t plen, size_t clen, const char *rest)
{
	char target[4096];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	target[n] = 0;
	size_t dlen = target[0] == '/' ? 0 : plen - clen; /* the directory part of prefix */
	char *next = malloc(dlen + (size_t)n + strlen(rest) + 3);
	if (next)
		sprintf(next, "%.*s/%s/%s", (int)dlen, prefix, target, rest);
	return next;
}

static int resolve_walk(int rootfd, const char *path, enum resolve_create create, int depth)
{
	int fd = open_in_root(rootfd, path);
	if (fd >= 0 || errno != ENOENT || create == RESOLVE_EXISTING)
		return fd;
	if (depth > 40) {
		errno = ELOOP;
		return -1;
	}

	/* Walk prefix by prefix: "a", "a/b", "a/b/c", creating what is missing. */
	char *prefix = malloc(strlen(path) + 1);
	if (!prefix)
		return -1;
	size_t plen = 0;
	int parent = dup(rootfd);
	const char *p = path;
	int err = parent < 0 ? errno : 0;
	while (!err) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);
		bool last = !end[strspn(end, "/")];
		char name[256];
		if (clen >= sizeof(name)) {
			err = ENAMETOOLONG;
			break;
		}
		memcpy(name, p, clen);
		name[clen] = 0;
		if (plen)
			prefix[plen++] = '/';
		memcpy(prefix + plen, p, clen);
		plen += clen;
		prefix[plen] = 0;
		p = end;

		int next = open_in_root(rootfd, prefix);
		if (next < 0 && errno == ENOENT && strcmp(name, ".") && strcmp(name, "..")) {
			struct stat st;
			if (create_entry(parent, name, last && create == RESOLVE_MKFILE) < 0) {
				err = errno;
			} else if ((next = open_in_root(rootfd, prefix)) < 0 && errno == ENOENT &&
				   fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
				char *again = follow_dangling(parent, name, prefix, plen, clen, p);
				if (!again) {
					err = errno;
				} else {
					next = resolve_walk(rootfd, again, create, depth + 1);
					err = next < 0 ? errno : 0;
					free(again);
					close(parent);
					parent = next;
					break;
				}
			}
		}
		if (next < 0 && !err)
			err = errno;
		close(parent);
		parent = next;
	}
	free(prefix);
	if (err) {
		if (parent >= 0)
			close(parent);
		errno = err;
		return -1;
	}
	return parent;
}

int resolve_in_root(int rootfd, const char *path, enum resolve_create create)
{
	return resolve_walk(rootfd, path, create, 0);
}

int resolve_parent(int rootfd, const char *path, const char **name)
{
	size_t len = strlen(path);
	const char *slash = memrchr(path, '/', len);
	*name = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	if (!**name || !strcmp(*name, ".") || !strcmp(*name, "..") || strchr(*name, '/')) {
		errno = EINVAL;
		return -1;
	}
	char *dir = strndup(path, dlen);
	if (!dir)
		return -1;
	int fd = resolve_in_root(rootfd, dir, RESOLVE_MKDIR);
	int e = errno;
	free(dir);
	errno = e;
	return fd;
}
