/* CVE-2019-5736 defence: the process that joins container namespaces must not run a
 * host binary that a container process could reach through /proc/<pid>/exe and open for
 * writing. Decision: the shim only goes on from an image nobody can write.
 *
 * First choice, no copy: a private overlayfs whose top layer is the binary's directory,
 * made with fsopen/fsconfig/fsmount and never attached to any mount table (it goes away
 * with the last process executing from it). It has no upper layer, so its superblock is
 * read-only for good: an open of /proc/<pid>/exe for writing fails with EROFS, and a bind
 * mount of it remounted read-write, or a reconfigure, cannot change that (runc 1.2+ does
 * the same). Overlayfs wants two layers when there is no upper one; the second is /dev as
 * a data-only layer (nothing of it is visible). The shim re-executes through it, or the
 * CLI spawns it through one straight away (cloned_overlay_open from native/cli/proc.c,
 * one execve instead of two).
 * Fallback, where overlayfs is refused (rootless: no CAP_SYS_ADMIN for fsopen; kernels
 * before 6.8 lack lowerdir+/datadir+): copy the binary into a memfd,
 * seal it against any change (write, grow, shrink, further seals) and re-execute from it.
 * That copy was of the whole 3 MB CLI binary once the shim became part of it. Measured on
 * the dev VM (2 cores, kernel 6.18, busy): building the overlay and opening the binary
 * through it 0.2 ms, the sealed 3 MB copy 1.9-2.4 ms.
 *
 * A shim started from either goes on without a re-exec: its exe is a sealed memfd, or it
 * is on a read-only overlayfs that no path of this mount namespace reaches (a detached
 * mount; a binary installed on an attached read-only overlay, e.g. a container image's
 * root mounted read-only, could be cloned and remounted writable, so it is sealed).
 * bpf-devices, criu-swrk and notify-proxy skip all this: they never enter a container.
 * The memfd copy is charged to the caller's memory cgroup: stage-0 joins the container's
 * cgroups after this (ns_cgroup_join) or never (CLONE_INTO_CGROUP). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "shim.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* kernel 6.3+: ask for an executable memfd explicitly */
#endif
#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

#define CLONED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The same file (size and modification time; overlayfs may remap inode numbers). */
static bool same_content(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && S_ISREG(b->st_mode);
}

int cloned_overlay_open(int exe, int *mnt_out)
{
	char path[PATH_MAX];
	struct stat want, got;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0 || (size_t)n >= sizeof(path) - 1 || path[0] != '/' || fstat(exe, &want) < 0)
		return -1;
	path[n] = 0;
	char *slash = strrchr(path, '/');
	const char *name = slash + 1;
	if (slash == path || !*name) /* a binary in "/" would overlap every other layer */
		return -1;
	*slash = 0;
	int fs = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	int mnt = -1, fd = -1;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", path, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "datadir+", "/dev", 0) < 0)
		goto out;
	(void)fsconfig(fs, FSCONFIG_SET_STRING, "xino", "off", 0); /* no inode remapping, no dmesg noise */
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto out;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
	if (mnt < 0)
		goto out;
	fd = openat(mnt, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	/* The name could have been replaced since this process was exec'ed. */
	if (fd >= 0 && (fstat(fd, &got) < 0 || !same_content(&want, &got))) {
		close(fd);
		fd = -1;
		errno = ESTALE;
	}
out:;
	int err = errno;
	close(fs);
	if (mnt >= 0 && fd >= 0 && mnt_out)
		*mnt_out = mnt;
	else if (mnt >= 0)
		close(mnt);
	errno = err;
	return fd;
}

bool cloned_is_protected(int exe)
{
	int seals = fcntl(exe, F_GET_SEALS);
	if (seals >= 0)
		return (seals & CLONED_SEALS) == CLONED_SEALS;
	struct statfs sf;
	if (fstatfs(exe, &sf) < 0 || sf.f_type != OVERLAYFS_SUPER_MAGIC || !(sf.f_flags & ST_RDONLY))
		return false;
	/* Detached: what the kernel names it does not lead to it in this mount namespace. */
	char path[PATH_MAX];
	struct stat a, b;
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0 || fstat(exe, &a) < 0)
		return false;
	path[n] = 0;
	return stat(path, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

static int memfd_copy(int exe)
{
	struct stat st;
	if (fstat(exe, &st) < 0)
		die_sys("cloned", "fstat", "/proc/self/exe");
	int mfd = memfd_create("runts-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL) /* kernels before 6.3 do not know MFD_EXEC */
		mfd = memfd_create("runts-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		die_sys("cloned", "memfd_create", NULL);
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = sendfile(mfd, exe, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("cloned", "sendfile", "/proc/self/exe", n < 0 ? errno : EIO, NULL);
		left -= n;
	}
	if (fcntl(mfd, F_ADD_SEALS, CLONED_SEALS) < 0)
		die_sys("cloned", "fcntl", "F_ADD_SEALS");
	return mfd;
}

void cloned_ensure(char **argv, char **envp)
{
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		die_sys("cloned", "open", "/proc/self/exe");
	if (cloned_is_protected(exe)) {
		close(exe);
		return;
	}
	int fd = cloned_overlay_open(exe, NULL);
	if (fd < 0)
		fd = memfd_copy(exe);
	close(exe);
	fexecve(fd, argv, envp);
	die_sys("cloned", "fexecve", "/proc/self/exe");
}
