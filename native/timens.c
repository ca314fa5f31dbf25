/* Time namespace offsets (linux.timeOffsets). unshare(CLONE_NEWTIME) only changes the
 * namespace of our future children (ns.c does it just before clone); its offsets can
 * be written until the first process enters it, so stage-0 writes them in between. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

void timens_write_offsets(struct ctx *c)
{
	const char *o = c->plan->time_offsets;
	if (!o || !*o)
		return;
	int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die_sys("time_offsets", "open", "/proc/self/timens_offsets");
	if (write(fd, o, strlen(o)) < 0)
		die("time_offsets", "write", "/proc/self/timens_offsets", errno, "linux.timeOffsets %s", o);
	close(fd);
}
