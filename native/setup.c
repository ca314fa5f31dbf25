/* Per-container kernel settings: hostname, domainname, sysctls, loopback, session
 * keyring, rlimits, oom_score_adj. */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

void setup_hostname(struct ctx *c)
{
	struct plan *p = c->plan;
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		die("hostname", "sethostname", NULL, errno, "%s", p->hostname);
	if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
		die("domainname", "setdomainname", NULL, errno, "%s", p->domainname);
}

/* Writes go to the container's /proc/sys, checked to be procfs, with the relative path
 * resolved beneath it (no "..", no symlinks): a rootfs cannot redirect them. */
void setup_sysctls(struct ctx *c)
{
	struct plan *p = c->plan;
	if (!p->n_sysctls)
		return;
	int dir = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		die_sys("sysctl", "open", "/proc/sys");
	struct statfs sf;
	if (fstatfs(dir, &sf) < 0)
		die_sys("sysctl", "fstatfs", "/proc/sys");
	if (sf.f_type != PROC_SUPER_MAGIC)
		die("sysctl", NULL, "/proc/sys", 0, "/proc/sys is not procfs");
	for (size_t i = 0; i < p->n_sysctls; i++) {
		const struct plan_sysctl *s = &p->sysctls[i];
		struct open_how how = { .flags = O_WRONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
		int fd = (int)syscall(SYS_openat2, dir, s->path, &how, sizeof(how));
		if (fd < 0)
			die_sys("sysctl", "open", s->path);
		ssize_t n;
		do
			n = write(fd, s->value, strlen(s->value));
		while (n < 0 && errno == EINTR);
		if (n < 0)
			die("sysctl", "write", s->path, errno, "%s=%s", s->path, s->value);
		close(fd);
	}
	close(dir);
}

void setup_loopback(struct ctx *c)
{
	if (!c->plan->loopback_up)
		return;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		die_sys("loopback", "socket", "lo");
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die_sys("loopback", "ioctl", "lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die_sys("loopback", "ioctl", "lo");
	close(s);
}

/* A new session keyring, made searchable by its owner (runc does the same: the default
 * permissions of a joined keyring lack "user search"). */
void setup_keyring(struct ctx *c)
{
	const char *name = c->plan->keyring;
	if (!name)
		return;
	long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name[0] ? name : NULL, 0, 0, 0);
	if (id < 0)
		die("keyring", "keyctl", NULL, errno, "join session keyring %s", name);
	char desc[512];
	long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc) - 1, 0);
	if (n < 0)
		die("keyring", "keyctl", NULL, errno, "describe %s", name);
	desc[n < (long)sizeof(desc) ? n : (long)sizeof(desc) - 1] = 0;
	/* "type;uid;gid;perm;description", perm in hex */
	char *f = desc;
	for (int i = 0; i < 3 && f; i++)
		if ((f = strchr(f, ';')))
			f++;
	if (!f)
		die("keyring", "keyctl", NULL, 0, "unexpected description %s", desc);
	unsigned long perm = strtoul(f, NULL, 16) | 0x080000; /* KEY_USR_SEARCH */
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm, 0, 0) < 0)
		die("keyring", "keyctl", NULL, errno, "setperm %s", name);
}

void setup_rlimits(struct ctx *c)
{
	for (size_t i = 0; i < c->plan->n_rlimits; i++) {
		const struct plan_rlimit *r = &c->plan->rlimits[i];
		struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
		if (setrlimit((__rlimit_resource_t)r->resource, &rl) < 0)
			die("rlimit", "setrlimit", NULL, errno, "resource %u soft %llu hard %llu", r->resource,
			    (unsigned long long)r->soft, (unsigned long long)r->hard);
	}
}

/* Written by stage-0 for itself before clone/fork (the value is inherited): the child is
 * not dumpable, so in a user namespace its own /proc/self files belong to host root and
 * it could not write them. */
void setup_oom_score_adj(struct ctx *c)
{
	if (!c->plan->has_oom_score_adj)
		return;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", c->plan->oom_score_adj);
	if (util_write_file("/proc/self/oom_score_adj", buf, (size_t)n) < 0)
		die("oom_score_adj", "write", "/proc/self/oom_score_adj", errno, "to %s", buf);
}
