/* The event loop of the command line: one poll(2) over the watched fds and a signalfd
 * (SIGCHLD and the signals JS listens for), with timers as the poll timeout. After every
 * callback the job queue is drained completely (stock quickjs-libc runs one job and then
 * blocks in poll: a promise resolved in an fd handler would stall until the next event).
 * The loop lives while an fd is watched, a timer is armed or a child is awaited; signal
 * listeners alone do not keep it alive (as in Node). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "host.h"

#define MAX_WATCH 64
#define MAX_TIMER 256
#define MAX_CHILD 64

struct watch { int fd; JSValue cb; };
struct timer { int64_t id; double due; JSValue cb; };
struct child { int pid; JSValue cb; };

static struct watch watches[MAX_WATCH];
static int nwatch;
static struct timer timers[MAX_TIMER];
static int ntimer;
static int64_t next_timer_id = 1;
static struct child children[MAX_CHILD];
static int nchild;
static int child_check; /* a child was registered: it may have exited already */
static JSValue sig_cb[NSIG];
static int sfd = -1;
sigset_t host_blocked;
static JSValue unhandled; /* JS_UNDEFINED from host_loop_init */
static int failed;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void host_report(JSContext *ctx, JSValueConst exc)
{
	/* One line: the message (RuntsError and friends carry what a user needs); the stack
	 * only with RUNTS_DEBUG_STACK set. */
	JSValue msg = JS_IsError(exc) ? JS_GetPropertyStr(ctx, exc, "message") : JS_DupValue(ctx, exc);
	const char *m = JS_ToCString(ctx, msg);
	char line[1024];
	snprintf(line, sizeof(line), "runts: %s", m ? m : "unknown error");
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	dprintf(2, "%s\n", line);
	if (getenv("RUNTS_DEBUG_STACK") && JS_IsError(exc)) {
		JSValue st = JS_GetPropertyStr(ctx, exc, "stack");
		const char *s = JS_ToCString(ctx, st);
		if (s)
			dprintf(2, "%s\n", s);
		JS_FreeCString(ctx, s);
		JS_FreeValue(ctx, st);
	}
	JS_FreeCString(ctx, m);
	JS_FreeValue(ctx, msg);
}

static void rejection(JSContext *ctx, JSValueConst promise, JSValueConst reason, bool handled, void *opaque)
{
	(void)promise; (void)opaque;
	if (!handled && JS_IsUndefined(unhandled))
		unhandled = JS_DupValue(ctx, reason);
	else if (handled && !JS_IsUndefined(unhandled)) {
		JS_FreeValue(ctx, unhandled); /* handled late (same tick): not an error */
		unhandled = JS_UNDEFINED;
	}
}

/* Drain every pending job; -1 after an uncaught error or an unhandled rejection. */
static int drain(JSContext *ctx)
{
	JSContext *c;
	int r;
	while ((r = JS_ExecutePendingJob(JS_GetRuntime(ctx), &c)) != 0) {
		if (r < 0) {
			JSValue e = JS_GetException(c);
			host_report(c, e);
			JS_FreeValue(c, e);
			return -1;
		}
	}
	if (!JS_IsUndefined(unhandled)) {
		host_report(ctx, unhandled);
		JS_FreeValue(ctx, unhandled);
		unhandled = JS_UNDEFINED;
		return -1;
	}
	return 0;
}

static int call(JSContext *ctx, JSValueConst cb, int argc, JSValueConst *argv)
{
	JSValue r = JS_Call(ctx, cb, JS_UNDEFINED, argc, argv);
	if (JS_IsException(r)) {
		JSValue e = JS_GetException(ctx);
		host_report(ctx, e);
		JS_FreeValue(ctx, e);
		return -1;
	}
	JS_FreeValue(ctx, r);
	return drain(ctx);
}

static int update_signalfd(JSContext *ctx)
{
	if (sigprocmask(SIG_BLOCK, &host_blocked, NULL) < 0) {
		HOST_ERR("sigprocmask", NULL);
		return -1;
	}
	int fd = signalfd(sfd, &host_blocked, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		HOST_ERR("signalfd", NULL);
		return -1;
	}
	sfd = fd;
	return 0;
}

/* watch(fd, cb | null): cb() when fd is readable (or at EOF/hang-up). */
static JSValue h_watch(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	int64_t fd;
	if (host_int(ctx, argv[0], &fd) < 0)
		return JS_EXCEPTION;
	for (int i = 0; i < nwatch; i++) {
		if (watches[i].fd != fd)
			continue;
		JS_FreeValue(ctx, watches[i].cb);
		watches[i] = watches[--nwatch];
		break;
	}
	if (JS_IsFunction(ctx, argv[1])) {
		if (nwatch == MAX_WATCH)
			return JS_ThrowRangeError(ctx, "watch: more than %d fds", MAX_WATCH);
		watches[nwatch++] = (struct watch){ (int)fd, JS_DupValue(ctx, argv[1]) };
	}
	return JS_UNDEFINED;
}

static JSValue h_set_timer(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	double ms;
	if (JS_ToFloat64(ctx, &ms, argv[0]) < 0)
		return JS_EXCEPTION;
	if (!JS_IsFunction(ctx, argv[1]))
		return JS_ThrowTypeError(ctx, "setTimer: not a function");
	if (ntimer == MAX_TIMER)
		return JS_ThrowRangeError(ctx, "setTimer: more than %d timers", MAX_TIMER);
	int64_t id = next_timer_id++;
	timers[ntimer++] = (struct timer){ id, now_ms() + (ms > 0 ? ms : 0), JS_DupValue(ctx, argv[1]) };
	return JS_NewInt64(ctx, id);
}

static JSValue h_clear_timer(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	int64_t id;
	if (host_int(ctx, argv[0], &id) < 0)
		return JS_EXCEPTION;
	for (int i = 0; i < ntimer; i++) {
		if (timers[i].id != id)
			continue;
		JS_FreeValue(ctx, timers[i].cb);
		timers[i] = timers[--ntimer];
		break;
	}
	return JS_UNDEFINED;
}

/* onSignal(signo, cb | null): the signal is blocked and read from the signalfd. */
static JSValue h_on_signal(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	int64_t s;
	if (host_int(ctx, argv[0], &s) < 0)
		return JS_EXCEPTION;
	if (s <= 0 || s >= NSIG || s == SIGKILL || s == SIGSTOP || s == SIGCHLD)
		return JS_ThrowRangeError(ctx, "onSignal: signal %lld cannot be listened for", (long long)s);
	JS_FreeValue(ctx, sig_cb[s]);
	sig_cb[s] = JS_IsFunction(ctx, argv[1]) ? JS_DupValue(ctx, argv[1]) : JS_UNDEFINED;
	if (JS_IsUndefined(sig_cb[s]))
		return JS_UNDEFINED; /* stays blocked: delivery now would kill us mid-flight */
	sigaddset(&host_blocked, (int)s);
	return update_signalfd(ctx) < 0 ? JS_EXCEPTION : JS_UNDEFINED;
}

/* watchChild(pid, cb(code, signal)): reaps pid when it exits (our own child only). */
static JSValue h_watch_child(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	int64_t pid;
	if (host_int(ctx, argv[0], &pid) < 0)
		return JS_EXCEPTION;
	if (nchild == MAX_CHILD)
		return JS_ThrowRangeError(ctx, "watchChild: more than %d children", MAX_CHILD);
	children[nchild++] = (struct child){ (int)pid, JS_DupValue(ctx, argv[1]) };
	child_check = 1;
	return JS_UNDEFINED;
}

static int reap(JSContext *ctx)
{
	child_check = 0;
	for (int i = 0; i < nchild;) {
		int st;
		pid_t r = waitpid(children[i].pid, &st, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		struct child ch = children[i];
		children[i] = children[--nchild];
		JSValue a[2] = { JS_NewInt32(ctx, r > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1),
				 JS_NewInt32(ctx, r > 0 && WIFSIGNALED(st) ? WTERMSIG(st) : -1) };
		int rc = JS_IsFunction(ctx, ch.cb) ? call(ctx, ch.cb, 2, a) : 0;
		JS_FreeValue(ctx, ch.cb);
		if (rc < 0)
			return -1;
		i = 0; /* the callback may have changed the table */
	}
	return 0;
}

static int on_signals(JSContext *ctx)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int s = (int)si.ssi_signo;
		if (s == SIGCHLD) {
			child_check = 1;
			continue;
		}
		if (s > 0 && s < NSIG && JS_IsFunction(ctx, sig_cb[s])) {
			JSValue a = JS_NewInt32(ctx, s);
			if (call(ctx, sig_cb[s], 1, &a) < 0)
				return -1;
		}
	}
	return child_check ? reap(ctx) : 0;
}

int host_loop_run(JSContext *ctx)
{
	if (drain(ctx) < 0)
		return -1;
	for (;;) {
		if (child_check && reap(ctx) < 0)
			return -1;
		if (!nwatch && !ntimer && !nchild)
			return 0;
		double t = now_ms(), due = -1;
		for (int i = 0; i < ntimer; i++)
			if (due < 0 || timers[i].due < due)
				due = timers[i].due;
		int timeout = due < 0 ? -1 : due <= t ? 0 : (int)(due - t) + 1;
		struct pollfd p[MAX_WATCH + 1];
		int n = 0;
		p[n++] = (struct pollfd){ sfd, POLLIN, 0 };
		for (int i = 0; i < nwatch; i++)
			p[n++] = (struct pollfd){ watches[i].fd, POLLIN, 0 };
		int64_t t0 = timing_path() ? timing_now() : 0;
		int rc = poll(p, (nfds_t)n, timeout);
		timing_span("wait", NULL, t0);
		if (rc < 0 && errno != EINTR) {
			dprintf(2, "runts: poll: %s\n", strerror(errno));
			return -1;
		}
		t = now_ms();
		for (int i = 0; i < ntimer;) {
			if (timers[i].due > t) {
				i++;
				continue;
			}
			JSValue cb = timers[i].cb;
			timers[i] = timers[--ntimer];
			int r = call(ctx, cb, 0, NULL);
			JS_FreeValue(ctx, cb);
			if (r < 0)
				return -1;
			i = 0;
			t = now_ms();
		}
		if (rc <= 0)
			continue;
		if (p[0].revents && on_signals(ctx) < 0)
			return -1;
		for (int k = 1; k < n; k++) {
			if (!p[k].revents)
				continue;
			for (int i = 0; i < nwatch; i++) { /* still watched? a callback may have dropped it */
				if (watches[i].fd != p[k].fd)
					continue;
				JSValue cb = JS_DupValue(ctx, watches[i].cb);
				int r = call(ctx, cb, 0, NULL);
				JS_FreeValue(ctx, cb);
				if (r < 0)
					return -1;
				break;
			}
		}
	}
}

static const JSCFunctionListEntry loop_funcs[] = {
	JS_CFUNC_DEF("watch", 2, h_watch),
	JS_CFUNC_DEF("setTimer", 2, h_set_timer),
	JS_CFUNC_DEF("clearTimer", 1, h_clear_timer),
	JS_CFUNC_DEF("onSignal", 2, h_on_signal),
	JS_CFUNC_DEF("watchChild", 2, h_watch_child),
};

void host_loop_init(JSContext *ctx, JSValue obj)
{
	unhandled = JS_UNDEFINED;
	for (int s = 0; s < NSIG; s++)
		sig_cb[s] = JS_UNDEFINED;
	sigemptyset(&host_blocked);
	sigaddset(&host_blocked, SIGCHLD); /* children are reaped through the signalfd */
	JS_SetHostPromiseRejectionTracker(JS_GetRuntime(ctx), rejection, NULL);
	if (update_signalfd(ctx) < 0) {
		dprintf(2, "runts: signalfd: %s\n", strerror(errno));
		exit(1);
	}
	JS_SetPropertyFunctionList(ctx, obj, loop_funcs, sizeof(loop_funcs) / sizeof(loop_funcs[0]));
	(void)failed;
}
