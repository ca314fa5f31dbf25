/* Small helpers shared by the shim's steps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim.h"

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Kernel files (uid_map, sysctls) want the whole value in one write. */
/* Where `path` is below /sys/fs/cgroup and `root` is an open directory fd of /sys/fs/cgroup,
 * the directory fd to use and the path relative to it (else AT_FDCWD and the path as is).
 * A lookup from /sys/fs/cgroup skips the sysfs component `fs`, whose revalidation takes
 * sysfs's kernfs lock for read: every network namespace that comes or goes write-locks it
 * (its `lo`), so with containers starting in parallel most cgroup path walks from `/`
 * slept there. The result is the same file: the walk only starts lower. */
int util_cgroup_at(int root, const char *path, const char **rel)
{
	static const char pre[] = "/sys/fs/cgroup/";
	if (root >= 0 && !strncmp(path, pre, sizeof(pre) - 1) && path[sizeof(pre) - 1]) {
		*rel = path + sizeof(pre) - 1;
		return root;
	}
	*rel = path;
	return AT_FDCWD;
}

int util_write_file_at(int root, const char *path, const char *data, size_t len)
{
	const char *rel;
	int dir = util_cgroup_at(root, path, &rel);
	int fd = openat(dir, rel, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n;
	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int util_write_file(const char *path, const char *data, size_t len)
{
	return util_write_file_at(-1, path, data, len);
}

ssize_t util_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (n < 0) {
		errno = e;
		return -1;
	}
	buf[n] = 0;
	return n;
}

const char *util_fd_path(int fd, char *buf)
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

void util_close(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

int util_send_fd(int sock, int fd, const char *data)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)data, strlen(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

int util_recv_fd(int sock)
{
	char data[256];
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}
