/* Masked and read-only paths, and the read-only root, applied after the root changed.
 * Decision: these use the fd-based mount API (open_tree, fsmount, move_mount,
 * mount_setattr) so that they need no /proc inside the container and never pass a path
 * string the container could redirect. mount_setattr only adds MOUNT_ATTR_RDONLY, so
 * flags locked by a user namespace (nosuid, nodev, ...) are kept by construction. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shim.h"

#define MOVE_EMPTY (MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)

/* The container's /dev/null, checked to be the real null device: a rootfs that ships
 * /dev/null as a symlink or a regular file must not get it bound over /proc files
 * (CVE-2025-31133). */
static int masks_open_null(int rootfd)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS };
	int fd = (int)syscall(SYS_openat2, rootfd, "dev/null", &how, sizeof(how));
	if (fd < 0)
		die_sys("masked_path", "openat2", "/dev/null");
	struct stat st;
	if (fstat(fd, &st) < 0)
		die_sys("masked_path", "fstat", "/dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		die("masked_path", NULL, "/dev/null", 0, "/dev/null is not the null device");
	return fd;
}

static void masks_mask(int rootfd, int *nullfd, const char *path)
{
	int dst = resolve_in_root(rootfd, path, RESOLVE_EXISTING);
	if (dst < 0) {
		if (errno == ENOENT)
			return;
		die_sys("masked_path", "openat2", path);
	}
	struct stat st;
	if (fstat(dst, &st) < 0)
		die_sys("masked_path", "fstat", path);
	int mnt;
	if (S_ISDIR(st.st_mode)) {
		int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
		if (fs < 0)
			die_sys("masked_path", "fsopen", path);
		/* Read-only down to the superblock, and as small as runc's (4k, one inode). */
		if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
		    fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
		    fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", "1", 0) < 0 ||
		    fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
		    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			die_sys("masked_path", "fsconfig", path);
		if ((mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY)) < 0)
			die_sys("masked_path", "fsmount", path);
		close(fs);
	} else {
		if (*nullfd < 0)
			*nullfd = masks_open_null(rootfd);
		if ((mnt = open_tree(*nullfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH)) < 0)
			die_sys("masked_path", "open_tree", path);
	}
	if (move_mount(mnt, "", dst, "", MOVE_EMPTY) < 0)
		die_sys("masked_path", "move_mount", path);
	close(mnt);
	close(dst);
}

static void masks_readonly(int rootfd, const char *path)
{
	int dst = resolve_in_root(rootfd, path, RESOLVE_EXISTING);
	if (dst < 0) {
		if (errno == ENOENT)
			return;
		die_sys("readonly_path", "openat2", path);
	}
	int mnt = open_tree(dst, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	if (mnt < 0)
		die_sys("readonly_path", "open_tree", path);
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	if (mount_setattr(mnt, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		die_sys("readonly_path", "mount_setattr", path);
	if (move_mount(mnt, "", dst, "", MOVE_EMPTY) < 0)
		die_sys("readonly_path", "move_mount", path);
	close(mnt);
	close(dst);
}

void masks_apply(struct ctx *c)
{
	struct plan *p = c->plan;
	int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		die_sys("masked_path", "open", "/");
	int nullfd = -1;
	for (size_t i = 0; i < p->n_masked_paths; i++)
		masks_mask(rootfd, &nullfd, p->masked_paths[i]);
	for (size_t i = 0; i < p->n_readonly_paths; i++)
		masks_readonly(rootfd, p->readonly_paths[i]);
	if (p->dev_readonly) { /* only /dev itself: devpts, shm, mqueue keep their flags */
		int dev = resolve_in_root(rootfd, "/dev", RESOLVE_EXISTING);
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
		if (dev < 0)
			die_sys("dev_readonly", "openat2", "/dev");
		if (mount_setattr(dev, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			die_sys("dev_readonly", "mount_setattr", "/dev");
		close(dev);
	}
	if (p->root_readonly) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
		if (mount_setattr(rootfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
			die_sys("root_readonly", "mount_setattr", "/");
	}
	util_close(&nullfd);
	close(rootfd);
}
