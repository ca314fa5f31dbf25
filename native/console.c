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
#include <sys/stat.h>
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
	/* Relayed by stage-0 (no console socket): as runc's relay, the pty does not turn "\n"
	 * into "\r\n", so the caller reads the bytes the process wrote. Done here, before the
	 * process can write anything. With a console socket the receiver owns the settings. */
	if (c->console_fd < 0) {
		struct termios t;
		if (tcgetattr(slave, &t) < 0)
			die_sys("console", "tcgetattr", name);
		t.c_oflag &= ~(tcflag_t)ONLCR;
		if (tcsetattr(slave, TCSANOW, &t) < 0)
			die_sys("console", "tcsetattr", name);
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

/* runc's fixStdioPermissions: fds 0-2 (the pty slave above all, or the caller's pipes)
 * become the process's uid, their group kept (the pty's is devpts' gid=5, tty), so that
 * the user owns its terminal and can reopen /dev/stdout. Left alone: /dev/null, fds
 * already the user's, and what cannot be changed here (an id or inode the user namespace
 * does not map: EINVAL/EPERM; a read-only fs: EROFS), as runc skips them. Runs as root,
 * before the user switch. */
void console_stdio_owner(struct ctx *c)
{
	const struct plan *p = c->plan;
	if (!p->stdio_owner)
		return;
	struct stat null;
	bool have_null = stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode);
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			continue; /* closed: nothing to own */
		if (st.st_uid == p->uid || (have_null && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev))
			continue;
		if (fchown(fd, p->uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
			die("stdio_owner", "fchown", NULL, errno, "fd %d to uid %u", fd, p->uid);
	}
}
