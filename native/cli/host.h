/* The command line's host module: the operations src/sys/qjs.ts needs from the kernel,
 * as plain functions on one global object (`__runtsHost`). Not Node's API: small, sync,
 * errno-coded (a failed call throws an Error whose code is the errno name, as
 * src/sys/host.ts documents). */
#ifndef RUNTS_CLI_HOST_H
#define RUNTS_CLI_HOST_H
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include "quickjs.h"

/* Throw the Error for errno `err` from `syscall` on `path` (may be NULL). */
JSValue host_throw_errno(JSContext *ctx, int err, const char *syscall, const char *path);
#define HOST_ERR(sc, p) host_throw_errno(ctx, errno, sc, p)

/* Argument helpers: -1 with an exception pending when the argument is not usable. */
int host_int(JSContext *ctx, JSValueConst v, int64_t *out);

void host_fs_init(JSContext *ctx, JSValue obj);
void host_proc_init(JSContext *ctx, JSValue obj, int argc, char **argv);
void host_loop_init(JSContext *ctx, JSValue obj);

/* The event loop (loop.c): runs until nothing keeps it alive; returns 0 or -1 after an
 * uncaught exception (already reported). */
int host_loop_run(JSContext *ctx);
/* Report an uncaught exception as one line on stderr. */
void host_report(JSContext *ctx, JSValueConst exc);
/* Signals the loop owns (blocked, read through signalfd); a child restores them. */
extern sigset_t host_blocked;

JSValue host_spawn(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv);
JSValue host_run_sync(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv);

void sha256(const uint8_t *data, size_t len, uint8_t out[32]);

/* Timing mode (timing.c, RUNTS_TIMING=<file>): no-ops without it. */
void timing_init(void);
const char *timing_path(void);
int64_t timing_now(void);
void timing_mark(const char *what);
void timing_span(const char *what, const char *name, int64_t t0);
void timing_wrap(JSContext *ctx, JSValue obj, const JSCFunctionListEntry *list, int n, const char *cls);
void timing_flush(void);
#endif
