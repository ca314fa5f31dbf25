/* LSM labels for execve: the AppArmor profile ("exec PROFILE" to attr/apparmor/exec,
 * or attr/exec on kernels without LSM stacking) and the SELinux process label (to
 * attr/exec). Both take effect at the next execve. runts checks in TS that the host
 * has the LSM before it asks for a label, so a failure here is a real refusal. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "shim.h"

static int lsm_write(int proc_fd, const char *rel, const char *data)
{
	int fd = openat(proc_fd, rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	int rc = util_write_all(fd, data, strlen(data)) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int lsm_write_labels(int proc_fd, const char *apparmor, const char *selinux, const char **failed)
{
	int rc;
	if (apparmor && apparmor[0]) {
		char buf[4096];
		if (snprintf(buf, sizeof(buf), "exec %s", apparmor) >= (int)sizeof(buf)) {
			*failed = "self/attr/apparmor/exec";
			return -ENAMETOOLONG;
		}
		*failed = "self/attr/apparmor/exec";
		rc = lsm_write(proc_fd, *failed, buf);
		if (rc == -ENOENT) { /* no LSM stacking interface: the shared attr file */
			*failed = "self/attr/exec";
			rc = lsm_write(proc_fd, *failed, buf);
		}
		if (rc < 0)
			return rc;
	}
	if (selinux && selinux[0]) {
		*failed = "self/attr/exec";
		if ((rc = lsm_write(proc_fd, *failed, selinux)) < 0)
			return rc;
	}
	*failed = NULL;
	return 0;
}

/* In the container, after pivot_root: its /proc, checked to be procfs. */
void lsm_apply(struct ctx *c)
{
	const struct plan *p = c->plan;
	if (!p->apparmor_profile && !p->selinux_label)
		return;
	int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0)
		die_sys("lsm", "open", "/proc");
	struct statfs sf;
	if (fstatfs(proc, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		die("lsm", "fstatfs", "/proc", 0, "/proc is not procfs");
	const char *failed = NULL;
	int rc = lsm_write_labels(proc, p->apparmor_profile, p->selinux_label, &failed);
	if (rc < 0)
		die("lsm", "write", failed, -rc, "/proc/%s", failed);
	close(proc);
}
