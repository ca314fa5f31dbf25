/* --pidfd-socket: stage-0 sends a pidfd of the container process (the init, or the
 * exec'd process) to a unix socket with SCM_RIGHTS, as runc does, so a caller can
 * signal and wait for it without pid reuse races. The socket is connected before any
 * namespace change (its path is a host path) and the pidfd sent once the child exists. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "shim.h"

/* Connected socket, or -1. Stage-0 only; close-on-exec, and closed by exec_close_fds
 * in the child before it runs anything of the container's. */
static int pidfd_sock = -1;

void pidfd_connect(struct ctx *c)
{
	const char *path = c->plan->pidfd_socket;
	if (!path)
		return;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		die("pidfd", "connect", path, ENAMETOOLONG, NULL);
	strcpy(addr.sun_path, path);
	if ((pidfd_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die_sys("pidfd", "socket", path);
	if (connect(pidfd_sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die_sys("pidfd", "connect", path);
}

void pidfd_send(struct ctx *c, pid_t child)
{
	if (pidfd_sock < 0)
		return;
	int fd = (int)syscall(SYS_pidfd_open, child, 0);
	if (fd < 0) {
		kill(child, SIGKILL);
		die_sys("pidfd", "pidfd_open", NULL);
	}
	if (util_send_fd(pidfd_sock, fd, "pidfd") < 0) {
		kill(child, SIGKILL);
		die("pidfd", "sendmsg", c->plan->pidfd_socket, errno, "sending the pidfd");
	}
	close(fd);
	close(pidfd_sock);
	pidfd_sock = -1;
}
