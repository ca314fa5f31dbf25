/* `runts-init criu-swrk [options] CRIU`: the relay between runts (TypeScript) and
 * `criu swrk`. Node and Bun can create neither a SOCK_SEQPACKET socketpair (CRIU's RPC
 * transport: one protobuf message per packet) nor receive an fd (the orphan pts master
 * CRIU sends on restore), and cannot become the parent of a restored init that they
 * could reap. This process does those three things and nothing else; every decision
 * (what to ask CRIU, what to do on each notification) stays in src/criu/.
 *
 *   runts (TS) --fd 3, stream--> relay --SEQPACKET fd 3--> criu swrk 3
 *                                  |  (rst_sibling: the restored init is the relay's child)
 *
 * Stream framing on fd 3 (both directions): u32 little-endian length, then that many
 * bytes of one CRIU protobuf message, relayed unchanged. A length with bit 31 set is a
 * relay failure: the payload is one line of text, and the relay exits 125 after it.
 * The relay forks criu only after the first frame has arrived, so runts can move the
 * relay into the container's cgroups first (criu and the restored tasks inherit them).
 * fds 0-2 and 4.. pass through to criu unchanged (stdio and inherit_fd of a restore, the
 * images/work directory fds).
 *
 * Options:
 *   --root-bind SRC DST  in a private mount namespace, bind SRC on DST (CRIU wants the
 *                        restore root to be a mount point; nothing leaks to the host)
 *   --mountpoint KIND DEST SRC
 *                        (repeated, with --root-bind) create the mount point DEST in the
 *                        rootfs SRC of --root-bind as a "file" or a "dir" when missing; a
 *                        non-empty SRC is bound there while the later ones are created
 *                        (see make_mountpoints)
 *   --console-socket P   send a received fd (orphan pts master) to the unix socket P
 *   --monitor            after criu exits, wait for the restored init and exit with its
 *                        status (code, or 128 + signal); otherwise exit 0 once criu is
 *                        done, and the init is re-parented like a created container's
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

#define SWRK_CTL_FD 3
#define SWRK_ERR_BIT 0x80000000u
#define SWRK_MAX_MSG (1u << 20)

static noreturn void swrk_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static noreturn void swrk_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	uint8_t hdr[4];
	uint32_t v = (uint32_t)n | SWRK_ERR_BIT;
	for (int i = 0; i < 4; i++)
		hdr[i] = (uint8_t)(v >> (8 * i));
	if (util_write_all(SWRK_CTL_FD, hdr, 4) < 0 || util_write_all(SWRK_CTL_FD, msg, (size_t)n) < 0)
		fprintf(stderr, "runts-init criu-swrk: %s\n", msg);
	exit(125);
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(fd, (char *)buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && off == 0 ? 0 : -1;
		off += (size_t)n;
	}
	return 1;
}

/* One frame from runts: 1 with *msg malloc'ed, 0 on EOF. */
static int ctl_read(uint8_t **msg, uint32_t *len)
{
	uint8_t hdr[4];
	int r = read_full(SWRK_CTL_FD, hdr, 4);
	if (r == 0)
		return 0;
	if (r < 0)
		swrk_fail("read from runts: %s", strerror(errno ? errno : EPIPE));
	*len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	if (*len > SWRK_MAX_MSG)
		swrk_fail("message from runts too large (%u bytes)", *len);
	*msg = malloc(*len ? *len : 1);
	if (!*msg || (*len && read_full(SWRK_CTL_FD, *msg, *len) != 1))
		swrk_fail("read from runts: %s", strerror(errno ? errno : EPIPE));
	return 1;
}

static void ctl_write(const uint8_t *msg, uint32_t len)
{
	uint8_t hdr[4] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16), (uint8_t)(len >> 24) };
	if (util_write_all(SWRK_CTL_FD, hdr, 4) < 0 || util_write_all(SWRK_CTL_FD, msg, len) < 0)
		exit(125); /* runts is gone; criu sees EOF when we exit */
}

static void send_console(const char *path, int fd)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		swrk_fail("console socket %s: %s", path, strerror(ENAMETOOLONG));
	strcpy(addr.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		swrk_fail("connect console socket %s: %s", path, strerror(errno));
	if (util_send_fd(s, fd, "/dev/ptmx") < 0)
		swrk_fail("send pty master to %s: %s", path, strerror(errno));
	close(s);
}

/* One packet from criu, forwarded to runts; a passed fd goes to the console socket.
 * Returns 0 when criu closed its end. */
static int relay_from_criu(int sk, const char *console)
{
	ssize_t size = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	if (size < 0 && errno == EINTR)
		return 1;
	if (size <= 0)
		return 0;
	if ((size_t)size > SWRK_MAX_MSG)
		swrk_fail("message from criu too large (%zd bytes)", size);
	uint8_t *buf = malloc((size_t)size);
	char cbuf[CMSG_SPACE(sizeof(int) * 4)] = { 0 };
	struct iovec iov = { buf, (size_t)size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	if (!buf)
		swrk_fail("out of memory");
	ssize_t n = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0) {
		free(buf);
		return 0;
	}
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (console)
				send_console(console, fd);
			close(fd);
		}
	}
	ctl_write(buf, (uint32_t)n);
	free(buf);
	return 1;
}

/* Directory fds (images, work dir) still point into the host's mount namespace; CRIU
 * chdirs there and mounts its cgroup yard, which fails (EINVAL) across namespaces. Open
 * them again by path, in ours. */
static void reopen_dirs(void)
{
	for (int fd = SWRK_CTL_FD + 1; fd < 64; fd++) {
		struct stat st;
		char link[32], path[4096];
		if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		ssize_t n = readlink(util_fd_path(fd, link), path, sizeof(path) - 1);
		if (n <= 0)
			swrk_fail("readlink fd %d: %s", fd, strerror(errno));
		path[n] = 0;
		int nfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (nfd < 0)
			swrk_fail("open %s: %s", path, strerror(errno));
		if (dup2(nfd, fd) < 0)
			swrk_fail("dup2 %s: %s", path, strerror(errno));
		close(nfd);
	}
}

/* A mount point to create before the restore (--mountpoint). */
struct mountpoint {
	const char *dest;
	bool file;
	const char *bind; /* NULL: nothing to bind there */
};

/* CRIU mounts onto mount points that must already exist in the root: a fresh copy of an
 * image lacks /etc/hosts and the like, which create made for the checkpointed container.
 * Each missing one is created in the rootfs through resolve_in_root (symlinks and ".."
 * stay inside it), as runc's restore does. A bind whose destination holds later mount
 * points is bound there meanwhile, so those land in its source as they did at create; the
 * binds are undone before the root is bound for CRIU. Runs in the relay's private mount
 * namespace: the host never sees the binds. Created entries stay (as after create). */
static void make_mountpoints(const char *rootfs, const struct mountpoint *mp, size_t n)
{
	int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		swrk_fail("open rootfs %s: %s", rootfs, strerror(errno));
	size_t *bound = calloc(n ? n : 1, sizeof(*bound)), nbound = 0;
	if (!bound)
		swrk_fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		char tp[32];
		int fd = resolve_in_root(rootfd, mp[i].dest, mp[i].file ? RESOLVE_MKFILE : RESOLVE_MKDIR);
		if (fd < 0)
			swrk_fail("create mount point %s in %s: %s", mp[i].dest, rootfs, strerror(errno));
		if (mp[i].bind) {
			if (mount(mp[i].bind, util_fd_path(fd, tp), NULL, MS_BIND | MS_REC, NULL) < 0)
				swrk_fail("bind %s on %s to create the mount points in it: %s", mp[i].bind, mp[i].dest,
					  strerror(errno));
			bound[nbound++] = i;
		}
		close(fd);
	}
	while (nbound--) {
		char tp[32];
		const char *dest = mp[bound[nbound]].dest;
		int fd = resolve_in_root(rootfd, dest, RESOLVE_EXISTING);
		if (fd < 0 || umount2(util_fd_path(fd, tp), MNT_DETACH) < 0)
			swrk_fail("unmount the temporary bind on %s: %s", dest, strerror(errno));
		close(fd);
	}
	free(bound);
	close(rootfd);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

int criu_swrk_main(int argc, char **argv)
{
	const char *console = NULL, *bind_src = NULL, *bind_dst = NULL;
	bool monitor = false;
	struct mountpoint *mps = calloc((size_t)argc, sizeof(*mps));
	size_t nmps = 0;
	if (!mps)
		swrk_fail("out of memory");
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--mountpoint") && i + 3 < argc &&
		    (!strcmp(argv[i + 1], "file") || !strcmp(argv[i + 1], "dir"))) {
			mps[nmps].file = !strcmp(argv[i + 1], "file");
			mps[nmps].dest = argv[i + 2];
			mps[nmps++].bind = argv[i + 3][0] ? argv[i + 3] : NULL;
			i += 3;
		} else if (!strcmp(argv[i], "--console-socket") && i + 1 < argc)
			console = argv[++i];
		else if (!strcmp(argv[i], "--root-bind") && i + 2 < argc) {
			bind_src = argv[++i];
			bind_dst = argv[++i];
		} else if (!strcmp(argv[i], "--monitor"))
			monitor = true;
		else
			swrk_fail("unknown option %s", argv[i]);
	}
	if (i != argc - 1 || (nmps && !bind_src))
		swrk_fail("usage: runts-init criu-swrk [--root-bind SRC DST [--mountpoint file|dir DEST SRC]...] "
			  "[--console-socket PATH] [--monitor] CRIU");
	const char *criu = argv[i];
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

	uint8_t *msg;
	uint32_t len;
	if (!ctl_read(&msg, &len))
		return 0; /* runts changed its mind before the first request */
	if (bind_src) {
		if (unshare(CLONE_NEWNS) < 0)
			swrk_fail("unshare mount namespace: %s", strerror(errno));
		if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			swrk_fail("make / a slave mount: %s", strerror(errno));
		make_mountpoints(bind_src, mps, nmps);
		if (mount(bind_src, bind_dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			swrk_fail("bind %s on %s: %s", bind_src, bind_dst, strerror(errno));
		reopen_dirs();
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		swrk_fail("socketpair: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		swrk_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		/* criu's fd 3 is its end of the socketpair (dup2 clears CLOEXEC). */
		if (dup2(sv[1], SWRK_CTL_FD) < 0)
			_exit(125);
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
		execl(criu, "criu", "swrk", "3", (char *)NULL);
		fprintf(stderr, "runts-init criu-swrk: exec %s: %s\n", criu, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	if (send(sv[0], msg, len, MSG_NOSIGNAL) < 0)
		swrk_fail("send to criu: %s", strerror(errno));
	free(msg);

	struct pollfd fds[2] = { { .fd = SWRK_CTL_FD, .events = POLLIN }, { .fd = sv[0], .events = POLLIN } };
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			swrk_fail("poll: %s", strerror(errno));
		}
		if (fds[1].revents) {
			if (!relay_from_criu(sv[0], console))
				break;
			continue;
		}
		if (fds[0].revents) {
			if (!ctl_read(&msg, &len))
				break; /* runts is done: criu gets EOF and exits */
			if (send(sv[0], msg, len, MSG_NOSIGNAL) < 0)
				break;
			free(msg);
		}
	}
	close(sv[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!monitor)
		return exit_code(status) == 0 ? 0 : exit_code(status);
	/* The only child left is the restored init (rst_sibling). */
	close(SWRK_CTL_FD);
	for (;;) {
		pid_t w = waitpid(-1, &status, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return 0;
		return exit_code(status);
	}
}
