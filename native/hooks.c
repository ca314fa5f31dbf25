/* Hooks the init runs itself, in the container's namespaces (TypeScript decides which,
 * and sends the state JSON; see src/container/hooks.ts for the whole design):
 *   hooks_barrier: between the mounts and pivot_root, send HOOKS, wait for HOOKS_DONE
 *     (runts runs prestart + createRuntime meanwhile), then run the createContainer hooks;
 *   hooks_start: after the create/start barrier, run the startContainer hooks.
 * Each hook is fork + execve with the state JSON on stdin, only fds 0-2, stdout and
 * stderr captured for the error message, killed with SIGKILL at its timeout. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

#define HOOK_OUTPUT_MAX 2048

static const char *hook_kind_name(uint32_t kind)
{
	return kind == RUNTS_HOOK_KIND_CREATE_CONTAINER ? "createContainer" : "startContainer";
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* HOOKS_DONE payload: a TLV stream with HOOK_STATE_CREATE and HOOK_STATE_START. */
static void hooks_parse_done(struct ctx *c, const uint8_t *p, size_t left)
{
	while (left) {
		if (left < RUNTS_TLV_HEADER || rd32(p + 4) > left - RUNTS_TLV_HEADER)
			die("hooks", NULL, NULL, EPROTO, "truncated HOOKS_DONE frame");
		uint16_t tag = (uint16_t)(p[0] | p[1] << 8);
		uint32_t len = rd32(p + 4);
		int which = tag == RUNTS_TAG_HOOK_STATE_CREATE ? 0 : tag == RUNTS_TAG_HOOK_STATE_START ? 1 : -1;
		if (which < 0)
			die("hooks", NULL, NULL, EPROTO, "unknown tag %u in HOOKS_DONE", tag);
		free(c->hook_state[which]);
		if (!(c->hook_state[which] = strndup((const char *)p + RUNTS_TLV_HEADER, len)))
			die("hooks", NULL, NULL, ENOMEM, NULL);
		p += RUNTS_TLV_HEADER + len;
		left -= RUNTS_TLV_HEADER + len;
	}
}

static uint32_t hook_preserved_fds;

/* The container process's env (HOME included), which a hook without its own env gets,
 * as runc's hooks inherit its init's environment. */
static char **hook_default_env;

static noreturn void hook_child(const struct plan_hook *h, int in, int out)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	/* startContainer hooks run under the seccomp filter, whose profile may predate
	 * close_range: then the fds the container process keeps (the preserved ones) are
	 * closed one by one. Everything else is close-on-exec by now. */
	if (close_range(3, ~0U, 0) < 0)
		for (unsigned int fd = 3; fd < 3 + hook_preserved_fds; fd++)
			close((int)fd);
	signal(SIGPIPE, SIG_DFL);
	char *argv0[] = { h->path, NULL };
	char *no_env[] = { NULL };
	execve(h->path, h->n_args ? h->args : argv0, h->n_env ? h->env : hook_default_env ? hook_default_env : no_env);
	dprintf(2, "execve %s: %s", h->path, strerror(errno));
	_exit(127);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs one hook to completion; dies (ERROR frame naming kind[index] and path) on failure. */
static void hook_run(const struct plan_hook *h, const char *state)
{
	const char *kind = hook_kind_name(h->kind);
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die_sys("hook", "pipe2", h->path);
	pid_t pid = fork();
	if (pid < 0)
		die_sys("hook", "fork", h->path);
	if (pid == 0)
		hook_child(h, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	/* A pidfd tells when the hook exits. Under a seccomp profile that predates
	 * pidfd_open (startContainer hooks), poll for its exit every 10 ms instead. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 && errno != ENOSYS && errno != EPERM && errno != EACCES) {
		kill(pid, SIGKILL);
		die_sys("hook", "pidfd_open", h->path);
	}
	int status = 0;
	bool reaped = false;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	const char *w = state ? state : "";
	size_t wleft = strlen(w);
	if (!wleft)
		util_close(&in[1]);
	char output[HOOK_OUTPUT_MAX + 1];
	size_t olen = 0;
	long long deadline = h->timeout ? now_ms() + (long long)h->timeout * 1000 : -1;
	bool exited = false, timed_out = false;
	while (!exited) {
		struct pollfd fds[3] = { { pidfd, POLLIN, 0 }, { out[0], POLLIN, 0 }, { in[1], POLLOUT, 0 } };
		long long wait = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && wait <= 0) {
			timed_out = true;
			break;
		}
		if (pidfd < 0 && (wait < 0 || wait > 10))
			wait = 10;
		if (wait > INT_MAX) /* a timeout of up to 2^32-1 s: poll takes an int of ms */
			wait = INT_MAX;
		if (poll(fds, in[1] >= 0 ? 3 : 2, (int)(wait < 0 ? -1 : wait)) < 0 && errno != EINTR)
			die_sys("hook", "poll", h->path);
		if (fds[2].revents) { /* POLLERR: the hook closed its stdin; that is its choice */
			ssize_t n = (fds[2].revents & POLLOUT) ? write(in[1], w, wleft) : -1;
			if (n > 0) {
				w += n;
				wleft -= (size_t)n;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				wleft = 0;
			if (!wleft)
				util_close(&in[1]);
		}
		if (fds[1].revents) {
			char buf[512];
			ssize_t n = read(out[0], buf, sizeof(buf));
			for (ssize_t i = 0; i < n; i++) /* keep the head: the first line says most */
				if (olen < HOOK_OUTPUT_MAX)
					output[olen++] = buf[i];
		}
		if (pidfd >= 0)
			exited = fds[0].revents != 0;
		else
			exited = reaped = waitpid(pid, &status, WNOHANG) == pid;
	}
	if (timed_out)
		kill(pid, SIGKILL);
	while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ssize_t n;
	while (olen < HOOK_OUTPUT_MAX && (n = read(out[0], output + olen, HOOK_OUTPUT_MAX - olen)) > 0)
		olen += (size_t)n;
	while (olen && (output[olen - 1] == '\n' || output[olen - 1] == ' '))
		olen--;
	output[olen] = 0;
	util_close(&pidfd);
	close(out[0]);
	util_close(&in[1]);
	if (timed_out)
		die("hook", NULL, h->path, 0, "%s[%u] %s: timed out after %u s", kind, h->index, h->path, h->timeout);
	if (WIFSIGNALED(status))
		die("hook", NULL, h->path, 0, "%s[%u] %s: killed by signal %d%s%s", kind, h->index, h->path,
		    WTERMSIG(status), olen ? ": " : "", output);
	if (WEXITSTATUS(status))
		die("hook", NULL, h->path, 0, "%s[%u] %s: exit status %d%s%s", kind, h->index, h->path,
		    WEXITSTATUS(status), olen ? ": " : "", output);
}

static void hooks_run_kind(struct ctx *c, uint32_t kind, const char *state)
{
	/* Writing the state to a hook that exits without reading it must not kill us. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < c->plan->n_hooks; i++)
		if (c->plan->hooks[i].kind == kind)
			hook_run(&c->plan->hooks[i], state);
	signal(SIGPIPE, old);
}

void hooks_barrier(struct ctx *c)
{
	if (!c->plan->hook_barrier)
		return;
	if (sync_send(c->sync_fd, RUNTS_MSG_HOOKS, NULL, 0) < 0)
		exit(1); /* runts is gone: nobody to run the hooks or to report to */
	uint16_t type;
	uint8_t *payload;
	size_t len;
	if (sync_recv(c->sync_fd, &type, &payload, &len, RUNTS_MAX_FRAME) < 0) {
		if (errno == 0)
			exit(1);
		die_sys("hooks", "read", NULL);
	}
	if (type != RUNTS_MSG_HOOKS_DONE)
		die("hooks", NULL, NULL, EPROTO, "expected HOOKS_DONE, got frame %u", type);
	hooks_parse_done(c, payload, len);
	free(payload);
	/* As runc: createContainer hooks run from the rootfs directory, before pivot_root. */
	if (fchdir(c->rootfs_fd) < 0)
		die_sys("hook", "fchdir", c->plan->rootfs);
	hooks_run_kind(c, RUNTS_HOOK_KIND_CREATE_CONTAINER, c->hook_state[0]);
}

void hooks_start(struct ctx *c)
{
	hook_preserved_fds = c->plan->preserve_fds;
	hook_default_env = c->plan->env;
	if (c->plan->n_hooks)
		hooks_run_kind(c, RUNTS_HOOK_KIND_START_CONTAINER, c->hook_state[1]);
}
