/* The seccomp filter, built with libseccomp from the plan's resolved numbers (actions,
 * architectures, operators, flags; TS did all of that). Syscall names are resolved
 * here, against the native architecture as runc does: a name libseccomp does not know
 * is skipped (an older libseccomp or a profile written for a newer kernel), and a name
 * that only exists on another architecture of the filter becomes a pseudo-syscall that
 * libseccomp places on the architectures that have it.
 *
 * Functions are named secfilter_* because libseccomp owns the seccomp_* prefix. */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define FLAG_TSYNC 1U
#define FLAG_LOG 2U
#define FLAG_SPEC_ALLOW 4U
#define FLAG_WAIT_KILLABLE_RECV 32U

/* stage-0, on the host: the listener path means nothing once the container's mount
 * namespace is joined or the root pivoted, so connect now (as the console socket). */
void secfilter_connect(struct ctx *c)
{
	c->listener_fd = -1;
	const struct plan_seccomp *sc = c->plan->seccomp;
	if (!sc || !sc->listener_path)
		return;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(sc->listener_path) >= sizeof(addr.sun_path))
		die("seccomp", "connect", sc->listener_path, ENAMETOOLONG, "listener %s", sc->listener_path);
	strcpy(addr.sun_path, sc->listener_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die_sys("seccomp", "socket", sc->listener_path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("seccomp", "connect", sc->listener_path, errno, "listener %s", sc->listener_path);
	c->listener_fd = fd;
}

/* Builds the filter with libseccomp and returns the libseccomp context. The
 * architectures it holds (the native one first) go to archs (room for 1 + n_archs). */
static scmp_filter_ctx secfilter_compile(const struct plan_seccomp *sc, uint32_t *archs, size_t *n_archs)
{
	scmp_filter_ctx f = seccomp_init(sc->default_action);
	if (!f)
		die("seccomp", "seccomp_init", NULL, EINVAL, "default action %#x", sc->default_action);
	archs[0] = seccomp_arch_native();
	*n_archs = 1;
	for (size_t i = 0; i < sc->n_archs; i++) {
		int rc = seccomp_arch_add(f, sc->archs[i]);
		if (rc == 0)
			archs[(*n_archs)++] = sc->archs[i];
		/* -EEXIST: the native one, always there. -EINVAL: an architecture this libseccomp
		 * does not know; a process of that architecture meets the "bad arch" action (kill),
		 * which is stricter than any rule, so skipping it loosens nothing. */
		if (rc < 0 && rc != -EEXIST && rc != -EINVAL)
			die("seccomp", "seccomp_arch_add", NULL, -rc, "architecture %#x", sc->archs[i]);
	}
	for (size_t i = 0; i < sc->n_rules; i++) {
		const struct plan_seccomp_rule *r = &sc->rules[i];
		struct scmp_arg_cmp cmp[6];
		for (size_t j = 0; j < r->n_args && j < 6; j++) {
			const struct plan_seccomp_arg *a = &r->args[j];
			cmp[j] = (struct scmp_arg_cmp){ .arg = a->index, .op = (enum scmp_compare)a->op,
							.datum_a = a->value, .datum_b = a->value_two };
		}
		for (size_t k = 0; k < r->n_names; k++) {
			int nr = seccomp_syscall_resolve_name(r->names[k]);
			if (nr == __NR_SCMP_ERROR)
				continue;
			int rc = seccomp_rule_add_array(f, r->action, nr, (unsigned int)r->n_args, cmp);
			if (rc < 0)
				die("seccomp", "seccomp_rule_add", NULL, -rc, "syscall %s (rule %zu, action %#x)", r->names[k], i,
				    r->action);
		}
	}
	return f;
}

/* The compiled program through a memfd (libseccomp 2.5 exports to an fd only). */
static void secfilter_export(struct ctx *c, scmp_filter_ctx f)
{
	int fd = memfd_create("runts-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		die_sys("seccomp", "memfd_create", NULL);
	int rc = seccomp_export_bpf(f, fd);
	if (rc < 0)
		die("seccomp", "seccomp_export_bpf", NULL, -rc, "export the filter");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) || size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		die("seccomp", NULL, NULL, E2BIG, "compiled filter of %lld bytes (at most %d instructions)", (long long)size,
		    BPF_MAXINSNS);
	c->bpf = malloc((size_t)size);
	if (!c->bpf)
		die("seccomp", NULL, NULL, ENOMEM, "filter");
	if (pread(fd, c->bpf, (size_t)size, 0) != size)
		die_sys("seccomp", "pread", NULL);
	c->bpf_len = (uint16_t)(size / (off_t)sizeof(struct sock_filter));
	close(fd);
}

/* Cache file: "RUNTSBPF" | u32 libseccomp version | u32 instruction count | program.
 * Only a regular file of ours, writable by nobody else, is trusted: the program it
 * holds becomes the container's filter. */
static const char CACHE_MAGIC[8] = { 'R', 'U', 'N', 'T', 'S', 'B', 'P', 'F' };

static uint32_t libseccomp_version(void)
{
	const struct scmp_version *v = seccomp_version();
	return v ? v->major << 16 | v->minor << 8 | v->micro : 0;
}

static int secfilter_cache_read(struct ctx *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	struct stat st;
	uint8_t head[16];
	int rc = -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
	    st.st_size < 16 + (off_t)sizeof(struct sock_filter) || (st.st_size - 16) % (off_t)sizeof(struct sock_filter) ||
	    (st.st_size - 16) / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS || pread(fd, head, 16, 0) != 16)
		goto out;
	uint32_t version, count;
	memcpy(&version, head + 8, 4);
	memcpy(&count, head + 12, 4);
	if (memcmp(head, CACHE_MAGIC, 8) || version != libseccomp_version() ||
	    (off_t)count * (off_t)sizeof(struct sock_filter) != st.st_size - 16)
		goto out;
	size_t size = count * sizeof(struct sock_filter);
	if (!(c->bpf = malloc(size)))
		goto out;
	if (pread(fd, c->bpf, size, 16) != (ssize_t)size) {
		free(c->bpf);
		c->bpf = NULL;
		goto out;
	}
	c->bpf_len = (uint16_t)count;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Best effort: the cache only saves time, so a failure to write it is not an error.
 * Written to a temporary name and renamed, so a reader sees a whole file or none. */
static void secfilter_cache_write(struct ctx *c, const char *path)
{
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (!slash) {
		free(dir);
		return;
	}
	*slash = 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		free(dir);
		return;
	}
	free(dir);
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp))
		return;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	uint8_t head[16];
	uint32_t version = libseccomp_version(), count = c->bpf_len;
	memcpy(head, CACHE_MAGIC, 8);
	memcpy(head + 8, &version, 4);
	memcpy(head + 12, &count, 4);
	bool ok = util_write_all(fd, head, 16) == 0 && util_write_all(fd, c->bpf, count * sizeof(struct sock_filter)) == 0;
	close(fd);
	if (!ok || rename(tmp, path) < 0)
		unlink(tmp);
}

/* stage-0, on the host: the program, from the cache or compiled (and then cached).
 * Compiling Docker's default profile costs libseccomp about 10 ms, loading a cached
 * program a few microseconds; the key (the file name) is TS's digest of the rules. */
void secfilter_prepare(struct ctx *c)
{
	const struct plan_seccomp *sc = c->plan->seccomp;
	if (!sc)
		return;
	if (sc->cache_path && secfilter_cache_read(c, sc->cache_path) == 0)
		return;
	uint32_t *archs = malloc((sc->n_archs + 1) * sizeof(*archs));
	size_t n_archs;
	if (!archs)
		die("seccomp", NULL, NULL, ENOMEM, "architectures");
	scmp_filter_ctx f = secfilter_compile(sc, archs, &n_archs);
	secfilter_export(c, f);
	seccomp_release(f);
	secfilter_enosys(c, archs, n_archs);
	free(archs);
	if (sc->cache_path)
		secfilter_cache_write(c, sc->cache_path);
}

/* "pieces[0] PID pieces[1] PID pieces[2]": the container process state of the spec. */
static char *listener_message(const struct plan_seccomp *sc, uint32_t pid)
{
	char num[16];
	int nlen = snprintf(num, sizeof(num), "%u", pid);
	size_t len = 1;
	for (size_t i = 0; i < sc->n_listener_state; i++)
		len += strlen(sc->listener_state[i]) + (size_t)nlen;
	char *msg = malloc(len);
	if (!msg)
		die("seccomp", NULL, NULL, ENOMEM, "listener message");
	msg[0] = 0;
	for (size_t i = 0; i < sc->n_listener_state; i++) {
		strcat(msg, sc->listener_state[i]);
		if (i + 1 < sc->n_listener_state)
			strcat(msg, num);
	}
	return msg;
}

static bool secfilter_notifies(const struct plan_seccomp *sc)
{
	for (size_t i = 0; i < sc->n_rules; i++)
		if ((sc->rules[i].action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
			return true;
	return false;
}

/* Loads the program with seccomp(2) (what seccomp_load does, minus no_new_privs, which
 * the plan decides). With SCMP_ACT_NOTIFY rules the kernel returns the notify fd: it
 * goes to the listener with the state (SCM_RIGHTS, as the runtime-spec describes) and
 * our copies are closed. */
void secfilter_load(struct ctx *c)
{
	const struct plan_seccomp *sc = c->plan->seccomp;
	if (!sc)
		return;
	unsigned int flags = sc->flags & (FLAG_TSYNC | FLAG_LOG | FLAG_SPEC_ALLOW);
	bool notify = secfilter_notifies(sc);
	if (notify) {
		flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | (sc->flags & FLAG_WAIT_KILLABLE_RECV);
		if (flags & FLAG_TSYNC) /* TSYNC and a listener only go together with TSYNC_ESRCH */
			flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	}
	struct sock_fprog prog = { .len = c->bpf_len, .filter = c->bpf };
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (rc < 0)
		die("seccomp", "seccomp", NULL, errno, "load the filter (%u instructions, flags %#x)", c->bpf_len, flags);
	if (notify && c->listener_fd >= 0) {
		int nfd = (int)rc;
		char *msg = listener_message(sc, c->host_pid);
		if (util_send_fd(c->listener_fd, nfd, msg) < 0)
			die("seccomp", "sendmsg", sc->listener_path, errno, "send the notify fd to %s", sc->listener_path);
		free(msg);
		close(nfd);
	}
	util_close(&c->listener_fd);
}
