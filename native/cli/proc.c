/* Process operations of the host module: facts about this process, signals, spawning
 * with an explicit fd map, pipes and unix sockets (with SCM_RIGHTS). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <seccomp.h>
#include "host.h"

extern char **environ;

#define INT_ARG(i, var)                                     \
	int64_t var;                                        \
	if (host_int(ctx, argv[i], &var) < 0)               \
		return JS_EXCEPTION;

static JSValue h_exit(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, code);
	/* Every write is a write(2): nothing is buffered, so leaving at once loses nothing. */
	exit((int)code & 0xff);
}

/* ids() -> [pid, ppid, uid, euid, gid, egid] */
static JSValue h_ids(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc; (void)argv;
	JSValue a = JS_NewArray(ctx);
	int64_t v[] = { getpid(), getppid(), getuid(), geteuid(), getgid(), getegid() };
	for (uint32_t i = 0; i < 6; i++)
		JS_SetPropertyUint32(ctx, a, i, JS_NewInt64(ctx, v[i]));
	return a;
}

static JSValue h_kill(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, pid);
	INT_ARG(1, sig);
	return kill((pid_t)pid, (int)sig) < 0 ? HOST_ERR("kill", NULL) : JS_UNDEFINED;
}

static JSValue h_cwd(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc; (void)argv;
	char buf[4096];
	return getcwd(buf, sizeof(buf)) ? JS_NewString(ctx, buf) : HOST_ERR("getcwd", NULL);
}

static JSValue h_release(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc; (void)argv;
	struct utsname u;
	return uname(&u) < 0 ? HOST_ERR("uname", NULL) : JS_NewString(ctx, u.release);
}

/* clock(id): 0 = wall clock in ms, 1 = monotonic in ms (fractional). */
static JSValue h_clock(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, which);
	struct timespec ts;
	clock_gettime(which ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
	return JS_NewFloat64(ctx, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

static JSValue h_sleep(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	double ms;
	if (JS_ToFloat64(ctx, &ms, argv[0]) < 0)
		return JS_EXCEPTION;
	struct timespec ts = { (time_t)(ms / 1e3), (long)((ms - (double)(time_t)(ms / 1e3) * 1e3) * 1e6) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return JS_UNDEFINED;
}

/* pipe() / socketpair() -> [fd, fd], close-on-exec. */
static JSValue h_pair(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv, int sock)
{
	(void)this; (void)argc; (void)argv;
	int fds[2];
	int rc = sock ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) : pipe2(fds, O_CLOEXEC);
	if (rc < 0)
		return HOST_ERR(sock ? "socketpair" : "pipe", NULL);
	JSValue a = JS_NewArray(ctx);
	JS_SetPropertyUint32(ctx, a, 0, JS_NewInt32(ctx, fds[0]));
	JS_SetPropertyUint32(ctx, a, 1, JS_NewInt32(ctx, fds[1]));
	return a;
}

static JSValue h_nonblock(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, fd);
	int on = JS_ToBool(ctx, argv[1]);
	int fl = fcntl((int)fd, F_GETFL);
	if (fl < 0 || fcntl((int)fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
		return HOST_ERR("fcntl", NULL);
	return JS_UNDEFINED;
}

static JSValue h_isatty(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, fd);
	return JS_NewBool(ctx, isatty((int)fd));
}

static char **str_array(JSContext *ctx, JSValueConst arr, uint32_t *count)
{
	int64_t n;
	if (JS_GetLength(ctx, arr, &n) < 0 || n < 0 || n > 65536)
		return NULL;
	char **v = calloc((size_t)n + 1, sizeof(char *));
	for (uint32_t i = 0; v && i < n; i++) {
		JSValue s = JS_GetPropertyUint32(ctx, arr, i);
		const char *c = JS_ToCString(ctx, s);
		JS_FreeValue(ctx, s);
		v[i] = c ? strdup(c) : NULL;
		JS_FreeCString(ctx, c);
		if (!v[i]) {
			for (uint32_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return NULL;
		}
	}
	if (count)
		*count = (uint32_t)n;
	return v;
}

static void free_strs(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* What the child of spawn() needs; it runs on the parent's memory (see host_spawn). */
struct spawn_job {
	const char *path;
	char **args, **env;
	const int *map;
	uint32_t nfd;
	int setsid_on;
	int err; /* the child's errno if it could not exec; read by the parent */
	int errfd; /* SPAWN_FORKS: where the child writes that errno (-1: shared memory) */
};

/* The child of spawn(): it shares the parent's memory (CLONE_VM) while the parent waits
 * (CLONE_VFORK) until it execs or exits, so it only makes system calls: no allocation, no
 * stdio, nothing the parent will see but job->err. Signals cannot run a handler here: the
 * CLI installs none (SIGPIPE is ignored, the rest arrive blocked, for the signalfd). */
static int spawn_child(void *arg)
{
	struct spawn_job *job = arg;
	uint32_t nfd = job->nfd;
	int tmp[256];
	for (uint32_t i = 0; i < nfd; i++) /* out of the way of the targets first */
		tmp[i] = job->map[i] < 0 ? -1 : fcntl(job->map[i], F_DUPFD_CLOEXEC, (int)nfd + 3);
	for (uint32_t i = 0; i < nfd; i++) {
		if (tmp[i] < 0)
			close((int)i);
		else if (dup2(tmp[i], (int)i) < 0)
			goto fail;
	}
	sigset_t none;
	sigemptyset(&none);
	signal(SIGPIPE, SIG_DFL); /* ignored here (as Node does), not in what we run */
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&host_blocked, s))
			signal(s, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (job->setsid_on && setsid() < 0)
		goto fail;
	execve(job->path, job->args, job->env);
fail:
	job->err = errno ? errno : EINVAL;
	if (job->errfd >= 0)
		(void)!write(job->errfd, &job->err, sizeof(job->err));
	_exit(127);
}

/* Start spawn_child: as vfork does (no copy of this process's page tables, no copy-on-write
 * faults on its heap afterwards: with a fork, `run` paid ~270 of its ~610 page faults
 * there), on a stack of its own. The ASan build forks: the sanitizer does not follow a
 * child on a foreign stack. */
static pid_t spawn_start(struct spawn_job *job)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__has_feature)
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define SPAWN_FORKS 1
#endif
#endif
#ifdef SPAWN_FORKS
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(ep[0]);
		/* above the fd map's targets, which the child overwrites */
		job->errfd = fcntl(ep[1], F_DUPFD_CLOEXEC, (int)job->nfd + 3);
		if (job->errfd < 0)
			_exit(127);
		spawn_child(job); /* does not return */
	}
	close(ep[1]);
	if (pid > 0) {
		ssize_t n;
		while ((n = read(ep[0], &job->err, sizeof(job->err))) < 0 && errno == EINTR)
			;
		if (n != sizeof(job->err))
			job->err = 0;
	}
	close(ep[0]);
	return pid;
#else
	static _Alignas(16) char stack[64 << 10]; /* used only while this thread waits */
	return clone(spawn_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, job);
#endif
}

/* spawn(path, argv, env, fds, setsid) -> pid. The child gets fds[i] as fd i (-1: closed),
 * everything else stays close-on-exec; its signal mask and dispositions are the defaults.
 * An exec failure is thrown with the errno of execve. */
JSValue host_spawn(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	const char *path = JS_ToCString(ctx, argv[0]);
	if (!path)
		return JS_EXCEPTION;
	uint32_t nfd = 0;
	char **args = str_array(ctx, argv[1], NULL), **env = str_array(ctx, argv[2], NULL), **fdv = str_array(ctx, argv[3], &nfd);
	int setsid_on = JS_ToBool(ctx, argv[4]);
	JSValue r = JS_EXCEPTION;
	int map[256];
	if (!args || !env || !fdv) {
		if (!JS_HasException(ctx))
			JS_ThrowTypeError(ctx, "spawn: bad arguments");
		goto out;
	}
	if (nfd > 256) {
		JS_ThrowRangeError(ctx, "spawn: more than 256 fds");
		goto out;
	}
	for (uint32_t i = 0; i < nfd; i++)
		map[i] = atoi(fdv[i]);
	/* Timing mode: the shim (this binary's `init`) stamps its steps into the same file. */
	char *timing = NULL;
	if (timing_path() && args[0] && args[1] && !strcmp(args[1], "init")) {
		size_t ne = 0;
		while (env[ne])
			ne++;
		char **more = realloc(env, (ne + 2) * sizeof(char *));
		if (more && asprintf(&timing, "RUNTS_TIMING=%s", timing_path()) > 0) {
			more[ne] = timing;
			more[ne + 1] = NULL;
		}
		if (more)
			env = more;
	}
	struct spawn_job job = { path, args, env, map, nfd, setsid_on, 0, -1 };
	pid_t pid = spawn_start(&job);
	if (pid < 0) {
		r = HOST_ERR("fork", path);
		goto out;
	}
	if (job.err) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		r = host_throw_errno(ctx, job.err, "spawn", path);
	} else {
		r = JS_NewInt32(ctx, pid);
	}
out:
	free_strs(args);
	free_strs(env);
	free_strs(fdv);
	JS_FreeCString(ctx, path);
	return r;
}

/* waitpid(pid, block) -> null (still running) | [pid, code, signal] (code or signal -1). */
static JSValue h_waitpid(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, pid);
	int block = JS_ToBool(ctx, argv[1]);
	int st;
	pid_t r;
	while ((r = waitpid((pid_t)pid, &st, block ? 0 : WNOHANG)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return HOST_ERR("waitpid", NULL);
	if (r == 0)
		return JS_NULL;
	JSValue a = JS_NewArray(ctx);
	JS_SetPropertyUint32(ctx, a, 0, JS_NewInt32(ctx, r));
	JS_SetPropertyUint32(ctx, a, 1, JS_NewInt32(ctx, WIFEXITED(st) ? WEXITSTATUS(st) : -1));
	JS_SetPropertyUint32(ctx, a, 2, JS_NewInt32(ctx, WIFSIGNALED(st) ? WTERMSIG(st) : -1));
	return a;
}

/* connectUnix(path) -> fd of a connected SOCK_STREAM socket. */
static JSValue h_connect(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	const char *p = JS_ToCString(ctx, argv[0]);
	if (!p)
		return JS_EXCEPTION;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	JSValue r;
	if (strlen(p) >= sizeof(sa.sun_path)) {
		r = host_throw_errno(ctx, ENAMETOOLONG, "connect", p);
	} else {
		strcpy(sa.sun_path, p);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			r = JS_NewInt32(ctx, fd);
		} else {
			r = HOST_ERR(fd < 0 ? "socket" : "connect", p);
			if (fd >= 0)
				close(fd);
		}
	}
	JS_FreeCString(ctx, p);
	return r;
}

/* sendFds(sock, bytes, fds[]) -> bytes sent (one sendmsg with SCM_RIGHTS). */
static JSValue h_send_fds(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, sock);
	size_t len;
	uint8_t *buf = JS_GetUint8Array(ctx, &len, argv[1]);
	if (!buf)
		return JS_EXCEPTION;
	int64_t n;
	if (JS_GetLength(ctx, argv[2], &n) < 0 || n < 0 || n > 16)
		return JS_ThrowRangeError(ctx, "sendFds: 0 to 16 fds");
	union { char b[CMSG_SPACE(16 * sizeof(int))]; struct cmsghdr a; } u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n > 0) {
		m.msg_control = u.b;
		m.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		for (int64_t i = 0; i < n; i++) {
			int64_t fd;
			JSValue v = JS_GetPropertyUint32(ctx, argv[2], (uint32_t)i);
			int bad = host_int(ctx, v, &fd);
			JS_FreeValue(ctx, v);
			if (bad < 0)
				return JS_EXCEPTION;
			int f = (int)fd;
			memcpy(CMSG_DATA(c) + i * (int64_t)sizeof(int), &f, sizeof(int));
		}
	}
	ssize_t r;
	while ((r = sendmsg((int)sock, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return r < 0 ? HOST_ERR("sendmsg", NULL) : JS_NewInt64(ctx, r);
}

/* recvFds(sock, u8) -> [bytes, fd...]: one recvmsg; received fds are close-on-exec. */
static JSValue h_recv_fds(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, sock);
	size_t len;
	uint8_t *buf = JS_GetUint8Array(ctx, &len, argv[1]);
	if (!buf)
		return JS_EXCEPTION;
	union { char b[CMSG_SPACE(16 * sizeof(int))]; struct cmsghdr a; } u;
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	ssize_t r;
	while ((r = recvmsg((int)sock, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return HOST_ERR("recvmsg", NULL);
	JSValue a = JS_NewArray(ctx);
	JS_SetPropertyUint32(ctx, a, 0, JS_NewInt64(ctx, r));
	uint32_t k = 1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nf = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nf; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			JS_SetPropertyUint32(ctx, a, k++, JS_NewInt32(ctx, f));
		}
	}
	return a;
}

/* nativeVersions() -> the `key: value` lines `runts-init version` prints (same binary). */
static JSValue h_versions(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc; (void)argv;
	const struct scmp_version *v = seccomp_version();
	char buf[64];
	snprintf(buf, sizeof(buf), "libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
	return JS_NewString(ctx, buf);
}

/* sealedSelf() -> an fd of this binary opened through a fresh detached read-only
 * overlayfs (native/cloned.c), close-on-exec, or -1 where overlayfs is refused. The init
 * shim spawned through /proc/self/fd/<fd> finds itself protected and needs no re-exec.
 * sealedRelease() closes the overlay's mount fd on a thread of its own once the shim has
 * exec'ed: that close dissolves the detached mount and waits for an RCU grace period
 * (0.15-3.6 ms measured here) that the CLI need not wait for, and done before the spawn
 * the child's exec would have been the last close and waited instead. The open file
 * keeps the overlay alive. */
int cloned_overlay_open(int exe, int *mnt_out);
static int sealed_mnt = -1;

static JSValue h_sealed_self(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc; (void)argv;
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int fd = exe < 0 || sealed_mnt >= 0 ? -1 : cloned_overlay_open(exe, &sealed_mnt);
	if (exe >= 0)
		close(exe);
	return JS_NewInt32(ctx, fd);
}

static void *close_mount(void *fd)
{
	close((int)(intptr_t)fd);
	return NULL;
}

static JSValue h_sealed_release(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)ctx; (void)this; (void)argc; (void)argv;
	pthread_attr_t attr;
	pthread_t t;
	int mnt = sealed_mnt;
	sealed_mnt = -1;
	if (mnt >= 0 && (pthread_attr_init(&attr) || pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) ||
			 pthread_attr_setstacksize(&attr, 64 << 10) || pthread_create(&t, &attr, close_mount, (void *)(intptr_t)mnt)))
		close(mnt);
	return JS_UNDEFINED;
}

static const JSCFunctionListEntry proc_funcs[] = {
	JS_CFUNC_DEF("nativeVersions", 0, h_versions),
	JS_CFUNC_DEF("sealedSelf", 0, h_sealed_self),
	JS_CFUNC_DEF("sealedRelease", 0, h_sealed_release),
	JS_CFUNC_DEF("exit", 1, h_exit),
	JS_CFUNC_DEF("ids", 0, h_ids),
	JS_CFUNC_DEF("kill", 2, h_kill),
	JS_CFUNC_DEF("cwd", 0, h_cwd),
	JS_CFUNC_DEF("release", 0, h_release),
	JS_CFUNC_DEF("clock", 1, h_clock),
	JS_CFUNC_DEF("sleep", 1, h_sleep),
	JS_CFUNC_MAGIC_DEF("pipe", 0, h_pair, 0),
	JS_CFUNC_MAGIC_DEF("socketpair", 0, h_pair, 1),
	JS_CFUNC_DEF("setNonblock", 2, h_nonblock),
	JS_CFUNC_DEF("isatty", 1, h_isatty),
	JS_CFUNC_DEF("spawn", 5, host_spawn),
	JS_CFUNC_DEF("runSync", 6, host_run_sync),
	JS_CFUNC_DEF("waitpid", 2, h_waitpid),
	JS_CFUNC_DEF("connectUnix", 1, h_connect),
	JS_CFUNC_DEF("sendFds", 3, h_send_fds),
	JS_CFUNC_DEF("recvFds", 2, h_recv_fds),
};

void host_proc_init(JSContext *ctx, JSValue obj, int argc, char **argv)
{
	JS_SetPropertyFunctionList(ctx, obj, proc_funcs, sizeof(proc_funcs) / sizeof(proc_funcs[0]));
	timing_wrap(ctx, obj, proc_funcs, (int)(sizeof(proc_funcs) / sizeof(proc_funcs[0])), "host:io");
	JSValue a = JS_NewArray(ctx);
	for (int i = 0; i < argc; i++)
		JS_SetPropertyUint32(ctx, a, (uint32_t)i, JS_NewString(ctx, argv[i]));
	JS_SetPropertyStr(ctx, obj, "argv", a);
	JSValue env = JS_NewObject(ctx);
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		char name[256];
		size_t n = (size_t)(eq - *e);
		if (n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, *e, n);
		name[n] = 0;
		JS_SetPropertyStr(ctx, env, name, JS_NewString(ctx, eq + 1));
	}
	JS_SetPropertyStr(ctx, obj, "env", env);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	JS_SetPropertyStr(ctx, obj, "exe", n > 0 ? JS_NewStringLen(ctx, exe, (size_t)n) : JS_NewString(ctx, argv[0]));
}
