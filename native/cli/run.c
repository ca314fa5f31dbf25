/* runSync: run a program to completion with stdin fed from a buffer and stdout/stderr
 * collected (capped), with a timeout after which it gets SIGKILL. The CLI uses it for
 * short helpers (bpf-devices, ps, newuidmap, criu --version, hooks run in order). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "host.h"

struct out { uint8_t *buf; size_t len, cap, max; };

static int take(int fd, struct out *o)
{
	uint8_t tmp[16384];
	ssize_t n = read(fd, tmp, sizeof(tmp));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	size_t keep = o->len + (size_t)n > o->max ? o->max - o->len : (size_t)n;
	if (keep && o->len + keep > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + keep)
			cap *= 2;
		uint8_t *nb = realloc(o->buf, cap);
		if (!nb)
			return 0;
		o->buf = nb;
		o->cap = cap;
	}
	if (keep)
		memcpy(o->buf + o->len, tmp, keep);
	o->len += keep;
	return 1;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* runSync(path, argv, env, input: Uint8Array | null, timeoutMs (0: none), maxOutput, argv0ignored)
 * -> [status, signal, stdout: ArrayBuffer, stderr: ArrayBuffer, timedOut] (-1: not applicable).
 * A program that cannot be executed throws the errno of execve (ENOENT...). */
JSValue host_run_sync(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	int in[2], o1[2], o2[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return HOST_ERR("pipe", NULL);
	if (pipe2(o1, O_CLOEXEC) < 0) {
		close(in[0]); close(in[1]);
		return HOST_ERR("pipe", NULL);
	}
	if (pipe2(o2, O_CLOEXEC) < 0) {
		close(in[0]); close(in[1]); close(o1[0]); close(o1[1]);
		return HOST_ERR("pipe", NULL);
	}
	JSValue fds = JS_NewArray(ctx);
	JS_SetPropertyUint32(ctx, fds, 0, JS_NewInt32(ctx, in[0]));
	JS_SetPropertyUint32(ctx, fds, 1, JS_NewInt32(ctx, o1[1]));
	JS_SetPropertyUint32(ctx, fds, 2, JS_NewInt32(ctx, o2[1]));
	JSValue sargs[5] = { argv[0], argv[1], argv[2], fds, JS_FALSE };
	JSValue pidv = host_spawn(ctx, JS_UNDEFINED, 5, sargs);
	JS_FreeValue(ctx, fds);
	close(in[0]); close(o1[1]); close(o2[1]);
	if (JS_IsException(pidv)) {
		close(in[1]); close(o1[0]); close(o2[0]);
		return pidv;
	}
	int32_t pid;
	JS_ToInt32(ctx, &pid, pidv);
	size_t ilen = 0, ioff = 0;
	uint8_t *input = JS_IsNull(argv[3]) || JS_IsUndefined(argv[3]) ? NULL : JS_GetUint8Array(ctx, &ilen, argv[3]);
	if (!input)
		JS_FreeValue(ctx, JS_GetException(ctx)), ilen = 0;
	double timeout = 0, maxo = 1 << 20;
	JS_ToFloat64(ctx, &timeout, argv[4]);
	JS_ToFloat64(ctx, &maxo, argv[5]);
	struct out out[2] = { { .max = (size_t)maxo }, { .max = (size_t)maxo } };
	int wfd = in[1], r1 = o1[0], r2 = o2[0], timed_out = 0;
	fcntl(wfd, F_SETFL, O_NONBLOCK);
	if (ilen == 0) {
		close(wfd);
		wfd = -1;
	}
	double deadline = timeout > 0 ? mono() + timeout : 0;
	while (r1 >= 0 || r2 >= 0) {
		struct pollfd p[3] = { { r1, POLLIN, 0 }, { r2, POLLIN, 0 }, { wfd, POLLOUT, 0 } };
		int wait = -1;
		if (deadline) {
			double left = deadline - mono();
			if (left <= 0) {
				kill(pid, SIGKILL);
				timed_out = 1;
				deadline = 0;
				continue;
			}
			wait = (int)left + 1;
		}
		if (poll(p, 3, wait) < 0 && errno != EINTR)
			break;
		if (p[0].revents && !take(r1, &out[0])) { close(r1); r1 = -1; }
		if (p[1].revents && !take(r2, &out[1])) { close(r2); r2 = -1; }
		if (wfd >= 0 && p[2].revents) {
			ssize_t n = (p[2].revents & POLLOUT) ? write(wfd, input + ioff, ilen - ioff) : -1;
			if (n > 0)
				ioff += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || ioff == ilen) {
				close(wfd);
				wfd = -1;
			}
		}
	}
	if (wfd >= 0)
		close(wfd);
	if (r1 >= 0)
		close(r1);
	if (r2 >= 0)
		close(r2);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	JSValue a = JS_NewArray(ctx);
	JS_SetPropertyUint32(ctx, a, 0, JS_NewInt32(ctx, WIFEXITED(st) ? WEXITSTATUS(st) : -1));
	JS_SetPropertyUint32(ctx, a, 1, JS_NewInt32(ctx, WIFSIGNALED(st) ? WTERMSIG(st) : -1));
	JS_SetPropertyUint32(ctx, a, 2, JS_NewArrayBufferCopy(ctx, out[0].buf ? out[0].buf : (uint8_t *)"", out[0].len));
	JS_SetPropertyUint32(ctx, a, 3, JS_NewArrayBufferCopy(ctx, out[1].buf ? out[1].buf : (uint8_t *)"", out[1].len));
	JS_SetPropertyUint32(ctx, a, 4, JS_NewBool(ctx, timed_out));
	free(out[0].buf);
	free(out[1].buf);
	return a;
}
