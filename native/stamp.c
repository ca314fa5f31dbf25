/* Timing stamps for bench/split.mjs: with RUNTS_TIMING=<file> in the environment (only
 * the command line's own timing mode puts it there; runts never passes its callers' env
 * to the shim), each stamp appends "<pid> <what> <CLOCK_MONOTONIC ns>" to that file.
 * Without it a stamp is one getenv. The file is opened per stamp, except in the
 * container's child between stamp_keep() (before pivot_root, where the path still
 * resolves) and stamp_drop() (before the child closes its fds: the fd, close-on-exec
 * too, never reaches the container process). A stamp that cannot open the file is lost. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

static int kept = -1;

void stamp_keep(void)
{
	const char *path = getenv("RUNTS_TIMING");
	if (path && *path && kept < 0)
		kept = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
}

void stamp_drop(void)
{
	if (kept >= 0)
		close(kept);
	kept = -1;
}

void stamp(const char *what)
{
	const char *path = getenv("RUNTS_TIMING");
	if (!path || !*path)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char line[128];
	int n = snprintf(line, sizeof(line), "%d %s %lld\n", (int)getpid(), what, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	int fd = kept >= 0 ? kept : open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!write(fd, line, (size_t)n);
	if (fd != kept)
		close(fd);
}
