/* The last steps of the container process: umask and cwd, finding argv[0], closing
 * inherited fds, READY, the create/start barrier, execve. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

/* As runc: the cwd is entered first with the privileges we still have (a cwd only root
 * may enter works for any user), before the seccomp filter (whose profile may not list
 * chdir or getcwd); a permission error is retried once the user is set (a cwd only that
 * user may enter, such as a root-squashed volume). Any other error fails here. */
void exec_umask_cwd(struct ctx *c)
{
	umask(c->plan->has_umask ? (mode_t)c->plan->umask : 0022);
	if (chdir(c->plan->cwd) < 0) {
		if (errno != EACCES && errno != EPERM)
			die_sys("cwd", "chdir", c->plan->cwd);
		c->cwd_retry = true;
		return;
	}
	exec_check_cwd(c);
}

/* CVE-2024-21626: a cwd such as /proc/self/fd/N can reach a directory fd we still hold
 * (the host /proc, for the barrier) and put the process outside its root. The kernel
 * then reports the cwd as unreachable: getcwd fails with ENOENT (glibc) or returns
 * "(unreachable)...". Either way, refuse. */
void exec_check_cwd(struct ctx *c)
{
	char buf[4096];
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		die("cwd", "getcwd", c->plan->cwd, errno == ERANGE ? ERANGE : 0, "%s is outside the container",
		    c->plan->cwd);
}

/* After the user switch: the second chdir, for a cwd the first one could not enter. */
void exec_cwd_as_user(struct ctx *c)
{
	if (!c->cwd_retry)
		return;
	if (chdir(c->plan->cwd) < 0)
		die_sys("cwd", "chdir", c->plan->cwd);
	exec_check_cwd(c);
}

static const char *exec_env_path(const struct plan *p)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (!strncmp(p->env[i], "PATH=", 5))
			return p->env[i] + 5;
	return NULL;
}

/* As execvpe does, but with the container's PATH (from the plan's env, never ours),
 * and resolved now, so that `create` fails on a missing binary before parking. Without
 * a PATH in the env (or an empty one) a name without a slash is not found, as with runc
 * (whose lookup has no default PATH), rather than execvpe's "/bin:/usr/bin".
 *
 * Without no_new_privs this runs under the seccomp filter (which went in while we still
 * had CAP_SYS_ADMIN, before the user switch), so it makes only calls every profile has
 * listed for decades: stat is newfstatat, and access is the flagless faccessat (glibc's
 * faccessat with AT_EACCESS tries faccessat2, which an old profile answers with its
 * default action). Real and effective ids are equal by now, so the flagless check is
 * the effective one. */
void exec_lookup(struct ctx *c)
{
	const char *name = c->plan->args[0];
	struct stat st;
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			die_sys("exec", "stat", name);
		if (!(c->exec_path = strdup(name)))
			die("exec", NULL, name, ENOMEM, NULL);
		return;
	}
	const char *path = exec_env_path(c->plan);
	if (!path || !*path)
		die("exec", "execve", name, ENOENT, "%s: executable file not found ($PATH is not set in the process's env)", name);
	size_t nlen = strlen(name);
	int err = ENOENT;
	for (const char *dir = path;; dir++) {
		const char *end = strchrnul(dir, ':');
		size_t dlen = (size_t)(end - dir);
		char *cand = malloc(dlen + nlen + 3);
		if (!cand)
			die("exec", NULL, name, ENOMEM, NULL);
		snprintf(cand, dlen + nlen + 3, "%.*s%s%s", (int)dlen, dir, dlen ? "/" : "./", name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			if (syscall(SYS_faccessat, AT_FDCWD, cand, X_OK) == 0) {
				c->exec_path = cand;
				return;
			}
			err = EACCES;
		}
		free(cand);
		dir = end;
		if (!*end)
			break;
	}
	die("exec", "execve", name, err, "%s in PATH %s", name, path);
}

/* The barrier reopens exec.fifo through /proc/self/fd. Stage-0 kept the host's /proc for
 * that; once the container's own /proc is mounted, use it instead, so the parked init
 * holds no directory of the host that another process could reach through
 * /proc/<init>/fd (CVE-2024-21626 family). Without a procfs at /proc, keep the host's. */
static void exec_container_proc(struct ctx *c)
{
	int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct statfs sf;
	if (fd < 0)
		return;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return;
	}
	util_close(&c->proc_fd);
	c->proc_fd = fd;
}

/* Everything but stdio, the preserved fds and what the rest of the recipe still needs
 * (the runts socket, the barrier's fifo and /proc, the seccomp listener; all of it
 * close-on-exec) goes now, so nothing from the host lingers in a parked init. This runs
 * before the seccomp filter: close_range is newer than many profiles. */
void exec_close_fds(struct ctx *c)
{
	if (c->fifo_fd >= 0 && c->plan->mode == RUNTS_MODE_INIT)
		exec_container_proc(c);
	util_close(&c->inner_fd);
	util_close(&c->console_fd);
	unsigned int keep[4] = { (unsigned)c->sync_fd, ~0U, ~0U, ~0U };
	if (c->fifo_fd >= 0) {
		keep[1] = (unsigned)c->fifo_fd;
		keep[2] = (unsigned)c->proc_fd;
	}
	if (c->listener_fd >= 0)
		keep[3] = (unsigned)c->listener_fd;
	for (int i = 0; i < 4; i++) /* sort four (~0U, none, sorts last) */
		for (int j = i + 1; j < 4; j++)
			if (keep[j] < keep[i]) {
				unsigned int t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	unsigned int from = 3 + c->plan->preserve_fds;
	for (int i = 0; i < 4 && keep[i] != ~0U; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from && close_range(from, keep[i] - 1, 0) < 0)
			die_sys("close_fds", "close_range", NULL);
		from = keep[i] + 1;
	}
	if (close_range(from, ~0U, 0) < 0)
		die_sys("close_fds", "close_range", NULL);
}

void exec_parent_death_signal(struct ctx *c)
{
	uint32_t sig = c->plan->parent_death_signal;
	if (sig && prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0) < 0)
		die("pdeathsig", "prctl", NULL, errno, "signal %u", sig);
}

/* READY is sent in every mode: it tells runts that setup is over and only the barrier
 * and execve remain. A dead runts here means nobody waits for us: leave quietly. */
void exec_ready(struct ctx *c)
{
	if (sync_send(c->sync_fd, RUNTS_MSG_READY, NULL, 0) < 0)
		exit(1);
}

/* A parked process dies of SIGHUP, SIGINT, SIGTERM and SIGQUIT as runc's parked init
 * (a Go program) does: the signal's default action, and when that is ignored (the init of
 * a pid namespace ignores signals it has no handler for) exit status 2, Go's fallback.
 * execve resets the handlers, so the container's program starts from the defaults. */
static void parked_signal(int sig)
{
	signal(sig, SIG_DFL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(2);
}

void exec_barrier(struct ctx *c)
{
	struct plan *p = c->plan;
	static const int dying[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT };
	for (size_t i = 0; i < sizeof(dying) / sizeof(dying[0]); i++)
		signal(dying[i], parked_signal);
	if (p->barrier == RUNTS_BARRIER_SOCKET) {
		uint16_t type;
		uint8_t *payload;
		size_t len;
		if (sync_recv(c->sync_fd, &type, &payload, &len, 0) < 0) {
			if (errno == 0) /* EOF: runts died before `start`; nothing to report to */
				exit(1);
			die_sys("barrier", "read", NULL);
		}
		if (type != RUNTS_MSG_GO)
			die("barrier", NULL, NULL, EPROTO, "expected GO, got frame %u", type);
	} else if (p->barrier == RUNTS_BARRIER_FIFO) {
		/* Blocks until `start` opens the fifo for reading. The O_PATH fd was opened on the
		 * host before any namespace change; the host /proc fd reopens it from here. */
		char rel[32];
		snprintf(rel, sizeof(rel), "self/fd/%d", c->fifo_fd);
		int fd;
		do
			fd = openat(c->proc_fd, rel, O_WRONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0)
			die_sys("barrier", "open", p->fifo_path);
		if (util_write_all(fd, "0", 1) < 0)
			die_sys("barrier", "write", p->fifo_path);
		close(fd);
		util_close(&c->fifo_fd);
		util_close(&c->proc_fd);
	}
}

noreturn void exec_run(struct ctx *c)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char *no_env[] = { NULL };
	execve(c->exec_path, c->plan->args, c->plan->env ? c->plan->env : no_env);
	int e = errno;
	/* The socket may be gone (create mode after runts exited): stderr always gets it. */
	sync_report("exec", "execve", c->exec_path, e, NULL);
	sync_print("exec", "execve", c->exec_path, e, NULL);
	exit(e == ENOENT ? 127 : 126);
}
