/* The command line's timing mode, for bench/split.mjs (where the milliseconds of each
 * command go). With RUNTS_TIMING=<file> in the environment:
 *  - points (engine ready, JS done) and spans (each bytecode module read, each host call,
 *    each wait in the event loop's poll) are kept in memory with CLOCK_MONOTONIC times and
 *    appended to <file> once the command is done, as "<pid> <what> <t0 ns> <t1 ns>";
 *  - host calls are timed through a trampoline that replaces each host function, and
 *    classed by what they touch: "cgroup" (a path or fd under /sys/fs/cgroup), "spawn",
 *    "sleep" (short sleeps while waiting for a container process: start, delete), or
 *    "io" (everything else: state files, config.json, /proc);
 *  - the shim is spawned with RUNTS_TIMING too, and stamps its own steps (native/stamp.c).
 * Without the variable nothing is wrapped and each hook is one branch. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host.h"

static const char *tpath;

struct ev {
	const char *what; /* a static string */
	const char *name; /* host function name or module, or NULL */
	int64_t t0, t1;
};
#define MAX_EV 16384
static struct ev evs[MAX_EV];
static int nev, dropped;

int64_t timing_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

const char *timing_path(void)
{
	return tpath;
}

static void record(const char *what, const char *name, int64_t t0, int64_t t1)
{
	if (nev == MAX_EV) {
		dropped++;
		return;
	}
	evs[nev++] = (struct ev){ what, name, t0, t1 };
}

void timing_init(void)
{
	const char *p = getenv("RUNTS_TIMING");
	tpath = p && *p ? p : NULL;
	if (tpath)
		timing_mark("cli:main");
}

void timing_mark(const char *what)
{
	if (!tpath)
		return;
	int64_t t = timing_now();
	record(what, NULL, t, t);
}

void timing_span(const char *what, const char *name, int64_t t0)
{
	if (tpath)
		record(what, name, t0, timing_now());
}

/* Host functions behind the trampoline: the original entry and its class. */
#define MAX_WRAP 128
static struct {
	const JSCFunctionListEntry *e;
	const char *cls;
} wrapped[MAX_WRAP];
static int nwrapped;
/* fds opened under /sys/fs/cgroup, so that their reads and writes count as cgroup work */
static unsigned char cg_fd[4096];

static int cgroup_path(JSContext *ctx, JSValueConst v)
{
	if (!JS_IsString(v))
		return 0;
	const char *s = JS_ToCString(ctx, v);
	int r = s && !strncmp(s, "/sys/fs/cgroup", 14);
	JS_FreeCString(ctx, s);
	return r;
}

static JSValue trampoline(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv, int magic, JSValueConst *data)
{
	(void)data;
	const JSCFunctionListEntry *e = wrapped[magic].e;
	const char *what = wrapped[magic].cls;
	int32_t fd = -1;
	int by_fd = !strcmp(e->name, "read") || !strcmp(e->name, "write") || !strcmp(e->name, "close") || !strcmp(e->name, "fstat");
	if (by_fd && argc > 0 && JS_IsNumber(argv[0]) && !JS_ToInt32(ctx, &fd, argv[0]) && fd >= 0 && fd < (int32_t)sizeof(cg_fd)) {
		if (cg_fd[fd])
			what = "host:cgroup";
	} else if (argc > 0 && cgroup_path(ctx, argv[0])) {
		what = "host:cgroup";
	}
	int64_t t0 = timing_now();
	JSValue r = e->u.func.cproto == JS_CFUNC_generic_magic ? e->u.func.cfunc.generic_magic(ctx, this, argc, argv, e->magic)
							       : e->u.func.cfunc.generic(ctx, this, argc, argv);
	record(what, e->name, t0, timing_now());
	int32_t nfd;
	if (!strcmp(e->name, "open") && !strcmp(what, "host:cgroup") && JS_IsNumber(r) && !JS_ToInt32(ctx, &nfd, r) && nfd >= 0 &&
	    nfd < (int32_t)sizeof(cg_fd))
		cg_fd[nfd] = 1;
	else if (!strcmp(e->name, "close") && fd >= 0 && fd < (int32_t)sizeof(cg_fd))
		cg_fd[fd] = 0;
	return r;
}

void timing_wrap(JSContext *ctx, JSValue obj, const JSCFunctionListEntry *list, int n, const char *cls)
{
	if (!tpath)
		return;
	for (int i = 0; i < n && nwrapped < MAX_WRAP; i++) {
		const JSCFunctionListEntry *e = &list[i];
		if (e->def_type != JS_DEF_CFUNC || (e->u.func.cproto != JS_CFUNC_generic && e->u.func.cproto != JS_CFUNC_generic_magic))
			continue;
		wrapped[nwrapped].e = e;
		if (!strcmp(e->name, "spawn") || !strcmp(e->name, "runSync"))
			wrapped[nwrapped].cls = "host:spawn";
		else if (!strcmp(e->name, "sleep"))
			wrapped[nwrapped].cls = "host:sleep";
		else
			wrapped[nwrapped].cls = cls;
		JS_SetPropertyStr(ctx, obj, e->name, JS_NewCFunctionData(ctx, trampoline, e->u.func.length, nwrapped, 0, NULL));
		nwrapped++;
	}
}

void timing_flush(void)
{
	if (!tpath)
		return;
	int fd = open(tpath, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	char buf[65536];
	size_t len = 0;
	int pid = (int)getpid();
	for (int i = 0; i <= nev; i++) {
		char line[256];
		int k = i < nev ? snprintf(line, sizeof(line), "%d %s%s%s %lld %lld\n", pid, evs[i].what, evs[i].name ? "/" : "",
					   evs[i].name ? evs[i].name : "", (long long)evs[i].t0, (long long)evs[i].t1)
				: snprintf(line, sizeof(line), "%d cli:dropped %d\n", pid, dropped);
		if (k <= 0 || (size_t)k >= sizeof(line))
			continue;
		if (len + (size_t)k > sizeof(buf)) {
			(void)!write(fd, buf, len);
			len = 0;
		}
		memcpy(buf + len, line, (size_t)k);
		len += (size_t)k;
	}
	(void)!write(fd, buf, len);
	close(fd);
}
