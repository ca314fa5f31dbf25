/*
 * notify.c: `runts-init notify-proxy LISTEN TARGET WATCH_PID MAINPID`
 *
 * The sd_notify relay (NOTIFY_SOCKET), the mechanism half of src/container/notify.ts.
 * Binds a unix datagram socket at LISTEN (the container sees it as
 * /run/notify/notify.sock through a bind mount of its directory) and relays each datagram
 * to TARGET, the caller's NOTIFY_SOCKET (a path, or "@name" for an abstract socket):
 *
 *  - MAINPID= lines are dropped (a pid in the container's pid namespace means nothing to
 *    the caller); when a datagram holds READY=1, "MAINPID=<MAINPID>" is appended, the
 *    datagram is sent and the relay exits 0, as runc does (one READY per container);
 *  - it exits 0 when WATCH_PID (the container's init) dies (pidfd_open + poll; a 100 ms
 *    liveness poll on kernels without pidfds);
 *  - datagrams go out with SCM_CREDENTIALS naming our parent (the runts process that
 *    waits, the service's main pid when systemd has NotifyAccess=main), falling back to
 *    our own credentials when the kernel refuses.
 *
 * The socket is created with umask 0 (mode 0777) so that a container process of any uid
 * can send; the bind is the readiness signal: runts waits until LISTEN exists. Errors
 * before the bind: one line on stderr and exit 1. Node and Bun cannot use unix datagram
 * sockets, hence this entry point. Self-contained: no shared headers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define NOTIFY_MAX_DGRAM 65536

static int notify_fail(const char *step, const char *path, int err)
{
	fprintf(stderr, "notify-proxy: %s %s: %s\n", step, path, strerror(err));
	return 1;
}

/* A sockaddr for a path or an "@abstract" name; -1 when too long or empty. */
static int notify_addr(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(name);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n == 0 || n >= sizeof(sa->sun_path))
		return -1;
	memcpy(sa->sun_path, name, n);
	if (name[0] == '@')
		sa->sun_path[0] = '\0'; /* abstract: no terminating NUL counted */
	else
		n++;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

/* Keep every line but MAINPID=; returns the new length; *ready when a line is READY=1. */
static size_t notify_filter(const char *in, size_t len, char *out, int *ready)
{
	size_t o = 0;
	*ready = 0;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(in + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - in) : len;
		size_t l = end - i;
		if (l == 7 && !memcmp(in + i, "READY=1", 7))
			*ready = 1;
		if (!(l >= 8 && !memcmp(in + i, "MAINPID=", 8)) && l > 0) {
			memcpy(out + o, in + i, l);
			o += l;
			out[o++] = '\n';
		}
		i = end + 1;
	}
	return o;
}

static void notify_send(int fd, const struct sockaddr_un *to, socklen_t tolen, const char *buf, size_t len, pid_t as)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} c;
	memset(&c, 0, sizeof(c));
	struct msghdr m = { .msg_name = (void *)to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_CREDENTIALS;
	h->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	struct ucred cr = { .pid = as, .uid = getuid(), .gid = getgid() };
	memcpy(CMSG_DATA(h), &cr, sizeof(cr));
	if (sendmsg(fd, &m, MSG_NOSIGNAL) >= 0)
		return;
	m.msg_control = NULL;
	m.msg_controllen = 0;
	(void)sendmsg(fd, &m, MSG_NOSIGNAL); /* the caller may have gone: nothing to tell */
}

int notify_proxy_main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: runts-init notify-proxy LISTEN TARGET WATCH_PID MAINPID\n");
		return 1;
	}
	const char *listen_path = argv[1], *target = argv[2];
	char *end;
	long watch = strtol(argv[3], &end, 10);
	if (*end || watch <= 0)
		return notify_fail("parse", "WATCH_PID", EINVAL);
	long mainpid = strtol(argv[4], &end, 10);
	if (*end || mainpid <= 0)
		return notify_fail("parse", "MAINPID", EINVAL);
	struct sockaddr_un la, ta;
	socklen_t llen, tlen;
	if (listen_path[0] != '/' || notify_addr(listen_path, &la, &llen) < 0)
		return notify_fail("address", listen_path, ENAMETOOLONG);
	if (notify_addr(target, &ta, &tlen) < 0)
		return notify_fail("address", target, ENAMETOOLONG);
	pid_t as = getppid();

	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)watch, 0);
	if (pidfd < 0 && errno != ENOSYS)
		return notify_fail("pidfd_open", argv[3], errno);
	int in = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int out = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (in < 0 || out < 0)
		return notify_fail("socket", "AF_UNIX", errno);
	if (unlink(listen_path) < 0 && errno != ENOENT)
		return notify_fail("unlink", listen_path, errno);
	mode_t old = umask(0);
	if (bind(in, (struct sockaddr *)&la, llen) < 0)
		return notify_fail("bind", listen_path, errno);
	umask(old);
	/* Bound: nothing more to say to runts; do not keep its stdio open. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}

	static char buf[NOTIFY_MAX_DGRAM + 1], msg[NOTIFY_MAX_DGRAM + 64];
	for (;;) {
		struct pollfd p[2] = { { .fd = in, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
		int n = poll(p, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 100);
		if (n < 0 && errno != EINTR)
			return 1;
		if (pidfd >= 0 ? (p[1].revents != 0) : (kill((pid_t)watch, 0) < 0 && errno == ESRCH))
			return 0; /* the init is gone: nothing will be ready */
		if (n <= 0 || !(p[0].revents & POLLIN))
			continue;
		ssize_t r = recv(in, buf, NOTIFY_MAX_DGRAM, MSG_DONTWAIT | MSG_TRUNC);
		if (r <= 0)
			continue;
		if (r > NOTIFY_MAX_DGRAM)
			continue; /* truncated: not a notification we can relay faithfully */
		int ready;
		size_t len = notify_filter(buf, (size_t)r, msg, &ready);
		if (ready)
			len += (size_t)snprintf(msg + len, 64, "MAINPID=%ld\n", mainpid);
		if (len)
			notify_send(out, &ta, tlen, msg, len, as);
		if (ready)
			return 0;
	}
}
