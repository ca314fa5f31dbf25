/* stage-0 after the child is released. Without MONITOR it exits at once (create: the
 * init is re-parented to the caller's subreaper). With MONITOR it stays: forwards the
 * usual termination signals to the child, relays a pty when there is no console socket,
 * reaps the child and reports its raw wait status (EXIT), then exits with the child's
 * code (or 128+signal). One poll loop over a signalfd does all of it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "shim.h"

static const int monitor_forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2 };

static void monitor_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigaddset(set, SIGWINCH);
	for (size_t i = 0; i < sizeof(monitor_forwarded) / sizeof(monitor_forwarded[0]); i++)
		sigaddset(set, monitor_forwarded[i]);
}

void monitor_block_signals(void)
{
	sigset_t set;
	monitor_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

struct relay {
	int inner, master, in;
	bool raw;
	struct termios saved;
};

static void relay_winsize(struct relay *r)
{
	struct winsize ws;
	if (r->master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0)
		ioctl(r->master, TIOCSWINSZ, &ws);
}

/* The caller's terminal (stdin) as runc's relay sets it (containerd/console): raw for
 * input and echo, but its output processing (OPOST) kept, so that it still shows "\n"
 * as a new line: the container's pty does not add "\r" (console.c clears its ONLCR). */
static void relay_start(struct relay *r)
{
	util_close(&r->inner);
	if (r->master < 0)
		return; /* the child died before handing over the master */
	r->in = 0;
	if (isatty(0) && tcgetattr(0, &r->saved) == 0) {
		struct termios t = r->saved;
		cfmakeraw(&t);
		t.c_oflag |= r->saved.c_oflag & OPOST;
		r->raw = tcsetattr(0, TCSANOW, &t) == 0;
		relay_winsize(r);
	}
}

/* Copies what is available; returns false at EOF or error (EIO: the slave is closed). */
static bool relay_copy(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	util_write_all(to, buf, (size_t)n);
	return true;
}

static void relay_finish(struct relay *r)
{
	if (r->master >= 0) {
		fcntl(r->master, F_SETFL, fcntl(r->master, F_GETFL) | O_NONBLOCK);
		char buf[4096];
		ssize_t n;
		while ((n = read(r->master, buf, sizeof(buf))) > 0)
			util_write_all(1, buf, (size_t)n);
		util_close(&r->master);
	}
	if (r->raw)
		tcsetattr(0, TCSANOW, &r->saved);
}

noreturn void monitor_run(struct ctx *c, pid_t child)
{
	if (!c->plan->monitor)
		exit(0);
	signal(SIGPIPE, SIG_IGN);
	sigset_t set;
	monitor_sigset(&set);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		kill(child, SIGKILL);
		die_sys("monitor", "signalfd", NULL);
	}
	bool relaying = c->plan->terminal && c->console_fd < 0;
	/* Only the child needs these; our copies would keep the fifo or the console socket
	 * open after the child is done with them. */
	util_close(&c->console_fd);
	util_close(&c->fifo_fd);
	util_close(&c->proc_fd);
	struct relay r = { .inner = relaying ? c->inner_fd : -1, .master = -1, .in = -1 };
	if (!relaying)
		util_close(&c->inner_fd);
	c->inner_fd = -1;
	int status = 0;
	for (bool done = false; !done;) {
		struct pollfd fds[4] = {
			{ sfd, POLLIN, 0 }, { r.inner, POLLIN, 0 }, { r.master, POLLIN, 0 }, { r.in, POLLIN, 0 },
		};
		if (poll(fds, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			kill(child, SIGKILL);
			die_sys("monitor", "poll", NULL);
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					done = waitpid(child, &status, WNOHANG) == child;
				else if (si.ssi_signo == SIGWINCH)
					relay_winsize(&r);
				else if (si.ssi_code != SI_KERNEL)
					/* SI_KERNEL: sent by the tty to the whole foreground process
					 * group (^C, hang-up), so runts got it too and forwards it:
					 * forwarding it here as well would deliver it twice. */
					kill(child, (int)si.ssi_signo);
			}
		}
		if (fds[1].revents) {
			r.master = util_recv_fd(r.inner);
			relay_start(&r);
		}
		if (fds[2].revents && !relay_copy(r.master, 1)) {
			r.in = -1;
			util_close(&r.master);
		}
		if (fds[3].revents && !relay_copy(0, r.master))
			r.in = -1;
	}
	stamp("shim:child-exit");
	relay_finish(&r);
	sync_send_u32(c->sync_fd, RUNTS_MSG_EXIT, (uint32_t)status);
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1);
}
