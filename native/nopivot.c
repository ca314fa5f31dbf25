/* --no-pivot hardening. Without pivot_root the old root stays in the container's mount
 * namespace, only hidden by the chroot. The kernel lets a process that is root in a user
 * namespace mount a fresh procfs or sysfs only when an unobstructed one is already
 * visible in its mount namespace; the container's own /proc (masked paths, read-only
 * /proc/sys) is not, but the host's, left under the chroot, is: a container could then
 * make a nested user namespace and mount an unmasked /proc. So, before the root changes,
 * every whole procfs and sysfs mount outside the rootfs is taken out of the namespace
 * (made a slave first, so the unmount does not reach the host); one the kernel will not
 * let go (locked by a user namespace) is covered by an empty read-only tmpfs instead,
 * which, locked in turn in any nested namespace, obstructs it just as well. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "shim.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo. In place. */
static void nopivot_unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; w++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w = *r++;
		}
	}
	*w = 0;
}

static bool nopivot_inside(const char *path, const char *rootfs)
{
	size_t n = strlen(rootfs);
	return !strncmp(path, rootfs, n) && (path[n] == 0 || path[n] == '/');
}

/* Mount points (malloc'ed, NULL-terminated) of whole procfs and sysfs mounts outside
 * rootfs, in mountinfo order (parents before children). */
static char **nopivot_targets(const char *rootfs)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		die_sys("no_pivot", "fopen", "/proc/self/mountinfo");
	char **out = NULL, *line = NULL;
	size_t n = 0, cap = 0;
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		char *field[5], *save = NULL, *tok = strtok_r(line, " ", &save);
		int i = 0;
		for (; tok && i < 5; tok = strtok_r(NULL, " ", &save))
			field[i++] = tok;
		while (tok && strcmp(tok, "-"))
			tok = strtok_r(NULL, " ", &save);
		char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
		if (i < 5 || !fstype || (strcmp(fstype, "proc") && strcmp(fstype, "sysfs")) || strcmp(field[3], "/"))
			continue;
		nopivot_unescape(field[4]);
		if (nopivot_inside(field[4], rootfs))
			continue;
		char **grown = realloc(out, (n + 2) * sizeof(*out));
		if (!grown || !(grown[n] = strdup(field[4])))
			die("no_pivot", NULL, NULL, ENOMEM, NULL);
		out = grown;
		out[++n] = NULL;
	}
	free(line);
	fclose(f);
	return out;
}

void nopivot_hide_host(const char *rootfs)
{
	char **targets = nopivot_targets(rootfs);
	for (size_t i = 0; targets && targets[i]; i++) {
		const char *t = targets[i];
		/* Gone already (under one detached before): nothing to do. */
		if (mount(NULL, t, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
			if (errno != ENOENT && errno != EINVAL)
				die("no_pivot", "mount", t, errno, "%s to slave", t);
		} else if (umount2(t, MNT_DETACH) < 0) {
			if (errno != EINVAL && errno != EPERM)
				die("no_pivot", "umount2", t, errno, "%s", t);
			if (mount("tmpfs", t, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,nr_inodes=1") < 0)
				die("no_pivot", "mount", t, errno, "tmpfs over %s", t);
		}
		free(targets[i]);
	}
	free(targets);
}
