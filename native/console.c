/* Terminals. The pty is created inside the container (its /dev/ptmx, after the root
 * changed, or after joining the mount namespace for exec), so the slave belongs to the
 * container's devpts. The master leaves the container at once: to the --console-socket
 * as a bare SCM_RIGHTS fd with the slave's name as data (runc's utils.SendFile, what
 * containerd-shim and conmon expect), or to stage-0, which relays it (monitor.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "shim.h"

/* stage-0, before any namespace change: the socket path is a host path. */
void console_connect(struct ctx *c)
{
	struct plan *p = c->plan;
	if (!p->terminal)
		return;
	if (!p->console_socket) {
		if (!p->monitor)
			die("console", NULL, NULL, EINVAL, "a terminal needs a console socket or monitor mode");
		return;
	}
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(p->console_socket) >= sizeof(addr.sun_path))
		die("console", "connect", p->console_socket, ENAMETOOLONG, NULL);
	strcpy(addr.sun_path, p->console_socket);
	if ((c->console_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die_sys("console", "socket", p->console_socket);
	if (connect(c->console_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die_sys("console", "connect", p->console_socket);
}

void console_setup(struct ctx *c)
{
	struct plan *p = c->plan;
	if (!p->terminal)
		return;
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		die_sys("console", "open", "/dev/ptmx");
	int unlock = 0;
	unsigned int n;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		die_sys("console", "ioctl", "TIOCSPTLCK");
	if (ioctl(master, TIOCGPTN, &n) < 0)
		die_sys("console", "ioctl", "TIOCGPTN");
	char name[32];
	snprintf(name, sizeof(name), "/dev/pts/%u", n);
	/* TIOCGPTPEER opens the slave through the master, not through a path. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die_sys("console", "ioctl", name);
	if (p->console_height || p->console_width) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height, .ws_col = (unsigned short)p->console_width };
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			die_sys("console", "ioctl", "TIOCSWINSZ");
	}
	if (getsid(0) != getpid() && setsid() < 0)
		die_sys("console", "setsid", NULL);
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		die_sys("console", "ioctl", "TIOCSCTTY");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			die_sys("console", "dup2", name);
	close(slave);
	int to = c->console_fd >= 0 ? c->console_fd : c->inner_fd;
	if (util_send_fd(to, master, name) < 0)
		die("console", "sendmsg", c->console_fd >= 0 ? p->console_socket : NULL, errno, "sending the pty master");
	close(master);
	util_close(&c->console_fd);
}
