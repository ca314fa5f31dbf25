/* File operations of the host module: synchronous, one syscall each, errno-coded. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "host.h"

JSValue host_throw_errno(JSContext *ctx, int err, const char *syscall, const char *path)
{
	const char *name = strerrorname_np(err);
	char desc[128];
	snprintf(desc, sizeof(desc), "%s", strerror(err));
	if (desc[0] >= 'A' && desc[0] <= 'Z' && !(desc[1] >= 'A' && desc[1] <= 'Z'))
		desc[0] = (char)(desc[0] - 'A' + 'a'); /* "No such file" -> "no such file", as libuv words it */
	char msg[PATH_MAX + 256];
	snprintf(msg, sizeof(msg), "%s: %s, %s%s%s%s", name ? name : "EUNKNOWN", desc, syscall,
		 path ? " '" : "", path ? path : "", path ? "'" : "");
	JSValue e = JS_NewError(ctx);
	JS_SetPropertyStr(ctx, e, "message", JS_NewString(ctx, msg));
	JS_SetPropertyStr(ctx, e, "code", JS_NewString(ctx, name ? name : "EUNKNOWN"));
	JS_SetPropertyStr(ctx, e, "errno", JS_NewInt32(ctx, -err));
	JS_SetPropertyStr(ctx, e, "syscall", JS_NewString(ctx, syscall));
	if (path)
		JS_SetPropertyStr(ctx, e, "path", JS_NewString(ctx, path));
	return JS_Throw(ctx, e);
}

int host_int(JSContext *ctx, JSValueConst v, int64_t *out)
{
	return JS_ToInt64(ctx, out, v);
}

/* native/util.c (the shim's, linked into this binary): paths below /sys/fs/cgroup are
 * walked from a directory fd of /sys/fs/cgroup instead of from `/` (see there why). */
int util_cgroup_at(int root, const char *path, const char **rel);

static int cg_root = -2; /* -2: not opened yet; -1: unavailable */

/* The directory fd and relative path for `path` (AT_FDCWD and `path` outside /sys/fs/cgroup). */
static int at(const char *path, const char **rel)
{
	if (cg_root == -2 && !strncmp(path, "/sys/fs/cgroup/", 15))
		cg_root = open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return util_cgroup_at(cg_root, path, rel);
}

#define PATH_ARG(i, var)                                    \
	const char *var = JS_ToCString(ctx, argv[i]);       \
	if (!var)                                           \
		return JS_EXCEPTION;
#define INT_ARG(i, var)                                     \
	int64_t var;                                        \
	if (host_int(ctx, argv[i], &var) < 0)               \
		return JS_EXCEPTION;

/* open(path, flags, mode) -> fd; O_CLOEXEC always (spawn maps fds explicitly). */
static JSValue h_open(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	PATH_ARG(0, p);
	INT_ARG(1, flags);
	INT_ARG(2, mode);
	const char *rel;
	int dir = at(p, &rel);
	int fd = openat(dir, rel, (int)flags | O_CLOEXEC, (mode_t)mode);
	JSValue r = fd < 0 ? HOST_ERR("open", p) : JS_NewInt32(ctx, fd);
	JS_FreeCString(ctx, p);
	return r;
}

static JSValue h_close(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	INT_ARG(0, fd);
	if (close((int)fd) < 0 && errno != EINTR)
		return HOST_ERR("close", NULL);
	return JS_UNDEFINED;
}

/* read(fd, u8, off, len) / write(fd, u8, off, len) -> bytes moved. */
static JSValue rw(JSContext *ctx, JSValueConst *argv, int wr)
{
	size_t size;
	INT_ARG(0, fd);
	uint8_t *buf = JS_GetUint8Array(ctx, &size, argv[1]);
	if (!buf)
		return JS_EXCEPTION;
	INT_ARG(2, off);
	INT_ARG(3, len);
	if (off < 0 || len < 0 || (uint64_t)off + (uint64_t)len > size)
		return JS_ThrowRangeError(ctx, "%s: range %lld+%lld outside %zu bytes", wr ? "write" : "read", (long long)off, (long long)len, size);
	ssize_t n;
	do
		n = wr ? write((int)fd, buf + off, (size_t)len) : read((int)fd, buf + off, (size_t)len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? HOST_ERR(wr ? "write" : "read", NULL) : JS_NewInt64(ctx, n);
}
static JSValue h_read(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv) { (void)this; (void)argc; return rw(ctx, argv, 0); }
static JSValue h_write(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv) { (void)this; (void)argc; return rw(ctx, argv, 1); }

/* readFile(path) -> ArrayBuffer: the whole file (proc and cgroup files report size 0). */
static JSValue h_read_file(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	PATH_ARG(0, p);
	const char *rel;
	int dir = at(p, &rel);
	int fd = openat(dir, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		JSValue e = HOST_ERR("open", p);
		JS_FreeCString(ctx, p);
		return e;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf)
			break;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			free(buf);
			close(fd);
			JSValue e = host_throw_errno(ctx, err, "read", p);
			JS_FreeCString(ctx, p);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	JS_FreeCString(ctx, p);
	if (!buf)
		return JS_ThrowOutOfMemory(ctx);
	JSValue r = JS_NewArrayBufferCopy(ctx, buf, len);
	free(buf);
	return r;
}

static JSValue stat_obj(JSContext *ctx, const struct stat *st)
{
	JSValue o = JS_NewObject(ctx);
	JS_SetPropertyStr(ctx, o, "mode", JS_NewInt64(ctx, st->st_mode));
	JS_SetPropertyStr(ctx, o, "uid", JS_NewInt64(ctx, st->st_uid));
	JS_SetPropertyStr(ctx, o, "gid", JS_NewInt64(ctx, st->st_gid));
	JS_SetPropertyStr(ctx, o, "size", JS_NewInt64(ctx, st->st_size));
	JS_SetPropertyStr(ctx, o, "dev", JS_NewInt64(ctx, (int64_t)st->st_dev));
	JS_SetPropertyStr(ctx, o, "ino", JS_NewInt64(ctx, (int64_t)st->st_ino));
	JS_SetPropertyStr(ctx, o, "rdev", JS_NewInt64(ctx, (int64_t)st->st_rdev));
	JS_SetPropertyStr(ctx, o, "nlink", JS_NewInt64(ctx, (int64_t)st->st_nlink));
	JS_SetPropertyStr(ctx, o, "mtimeMs", JS_NewFloat64(ctx, (double)st->st_mtim.tv_sec * 1e3 + (double)st->st_mtim.tv_nsec / 1e6));
	return o;
}

/* stat(path, follow) / fstat(fd) -> {mode, uid, gid, size, dev, ino, rdev, nlink, mtimeMs}. */
static JSValue h_stat(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	struct stat st;
	PATH_ARG(0, p);
	int follow = JS_ToBool(ctx, argv[1]);
	const char *rel;
	int dir = at(p, &rel);
	int rc = fstatat(dir, rel, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW);
	JSValue r = rc < 0 ? HOST_ERR(follow ? "stat" : "lstat", p) : stat_obj(ctx, &st);
	JS_FreeCString(ctx, p);
	return r;
}

static JSValue h_fstat(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	struct stat st;
	INT_ARG(0, fd);
	return fstat((int)fd, &st) < 0 ? HOST_ERR("fstat", NULL) : stat_obj(ctx, &st);
}

/* The one-path calls: op(path[, int]) -> undefined. */
enum { P_MKDIR, P_RMDIR, P_UNLINK, P_ACCESS, P_MKFIFO, P_CHMOD };
static JSValue h_path1(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv, int op)
{
	(void)this;
	static const char *const names[] = { "mkdir", "rmdir", "unlink", "access", "mkfifo", "chmod" };
	PATH_ARG(0, p);
	int64_t n = 0;
	if (argc > 1 && host_int(ctx, argv[1], &n) < 0) {
		JS_FreeCString(ctx, p);
		return JS_EXCEPTION;
	}
	int rc;
	const char *rel;
	int dir = at(p, &rel);
	switch (op) {
	case P_MKDIR: rc = mkdirat(dir, rel, (mode_t)n); break;
	case P_RMDIR: rc = unlinkat(dir, rel, AT_REMOVEDIR); break;
	case P_UNLINK: rc = unlinkat(dir, rel, 0); break;
	case P_ACCESS: rc = faccessat(dir, rel, (int)n, 0); break;
	case P_MKFIFO: rc = mkfifo(p, (mode_t)n); break;
	default: rc = chmod(p, (mode_t)n); break;
	}
	JSValue r = rc < 0 ? HOST_ERR(names[op], p) : JS_UNDEFINED;
	JS_FreeCString(ctx, p);
	return r;
}

/* replace(from, to): rename(from, to), done as an exchange when `to` exists, then `from`
 * (now the old file) is unlinked. Readers see the old or the new file, as with rename; but
 * ext4 (auto_da_alloc) forces block allocation and writeback of a file renamed over
 * another, and a file deleted young was never allocated: replacing state.json by a plain
 * rename cost block I/O, and a synchronous discard at its deletion where the filesystem
 * discards (~4% of a `run`'s CPU in 50 parallel runs on this VM's ext4 /tmp). */
static int replace_file(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE) == 0) {
		(void)unlink(from); /* best effort: a leftover is the old state, in the same directory */
		return 0;
	}
	return rename(from, to); /* no `to` yet (ENOENT), or no exchange on this filesystem */
}

/* Two paths: rename(from, to), symlink(target, path), replace(from, to). */
static JSValue h_path2(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv, int op)
{
	(void)this; (void)argc;
	PATH_ARG(0, a);
	const char *b = JS_ToCString(ctx, argv[1]);
	if (!b) {
		JS_FreeCString(ctx, a);
		return JS_EXCEPTION;
	}
	int rc = op == 1 ? symlink(a, b) : op == 2 ? replace_file(a, b) : rename(a, b);
	JSValue r = rc < 0 ? HOST_ERR(op == 1 ? "symlink" : "rename", op == 1 ? b : a) : JS_UNDEFINED;
	JS_FreeCString(ctx, a);
	JS_FreeCString(ctx, b);
	return r;
}

/* readdir(path, dirsOnly) -> names without "." and ".."; dirsOnly: subdirectories only
 * (not following symlinks, as a Dirent's isDirectory()). */
static JSValue h_readdir(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this;
	PATH_ARG(0, p);
	const char *rel;
	int dir = at(p, &rel);
	int dfd = openat(dir, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d && dfd >= 0) {
		int e = errno;
		close(dfd);
		errno = e;
	}
	if (!d) {
		JSValue e = HOST_ERR("scandir", p);
		JS_FreeCString(ctx, p);
		return e;
	}
	JS_FreeCString(ctx, p);
	int dirs = argc > 1 && JS_ToBool(ctx, argv[1]);
	JSValue arr = JS_NewArray(ctx);
	uint32_t i = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (dirs && de->d_type != DT_DIR) {
			struct stat st;
			if (de->d_type != DT_UNKNOWN || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
				continue;
		}
		JS_SetPropertyUint32(ctx, arr, i++, JS_NewString(ctx, de->d_name));
	}
	closedir(d);
	return arr;
}

/* readlink(path) / realpath(path) -> string. */
static JSValue h_link(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv, int real)
{
	(void)this; (void)argc;
	PATH_ARG(0, p);
	char buf[PATH_MAX + 1];
	JSValue r;
	if (real) {
		r = realpath(p, buf) ? JS_NewString(ctx, buf) : HOST_ERR("realpath", p);
	} else {
		ssize_t n = readlink(p, buf, PATH_MAX);
		r = n < 0 ? HOST_ERR("readlink", p) : JS_NewStringLen(ctx, buf, (size_t)n);
	}
	JS_FreeCString(ctx, p);
	return r;
}

static JSValue h_sha256(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	size_t size;
	uint8_t *buf = JS_GetUint8Array(ctx, &size, argv[0]);
	if (!buf)
		return JS_EXCEPTION;
	uint8_t out[32];
	sha256(buf, size, out);
	return JS_NewArrayBufferCopy(ctx, out, sizeof(out));
}

/* hex(u8) -> lower-case hex string (a device program's 512 bytes: ~90 us as a JS loop here) */
static JSValue h_hex(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	size_t size;
	uint8_t *buf = JS_GetUint8Array(ctx, &size, argv[0]);
	if (!buf)
		return JS_EXCEPTION;
	if (size > (64u << 20))
		return JS_ThrowRangeError(ctx, "hex: more than 64 MiB");
	char *out = malloc(size * 2 + 1);
	if (!out)
		return JS_ThrowOutOfMemory(ctx);
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < size; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 15];
	}
	JSValue r = JS_NewStringLen(ctx, out, size * 2);
	free(out);
	return r;
}

/* utf8(string) -> ArrayBuffer; text(u8) -> string (invalid sequences become U+FFFD). */
static JSValue h_utf8(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	size_t len;
	const char *s = JS_ToCStringLen(ctx, &len, argv[0]);
	if (!s)
		return JS_EXCEPTION;
	JSValue r = JS_NewArrayBufferCopy(ctx, (const uint8_t *)s, len);
	JS_FreeCString(ctx, s);
	return r;
}

static JSValue h_text(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	size_t size;
	uint8_t *buf = JS_GetUint8Array(ctx, &size, argv[0]);
	if (!buf)
		return JS_EXCEPTION;
	return JS_NewStringLen(ctx, (const char *)buf, size);
}

/* errno(n) -> [name, text], e.g. 1 -> ["EPERM", "Operation not permitted"]; null if unknown. */
static JSValue h_errno(JSContext *ctx, JSValueConst this, int argc, JSValueConst *argv)
{
	(void)this; (void)argc;
	int64_t n;
	if (host_int(ctx, argv[0], &n) < 0)
		return JS_EXCEPTION;
	const char *name = n > 0 && n < 4096 ? strerrorname_np((int)n) : NULL;
	if (!name)
		return JS_NULL;
	JSValue a = JS_NewArray(ctx);
	JS_SetPropertyUint32(ctx, a, 0, JS_NewString(ctx, name));
	JS_SetPropertyUint32(ctx, a, 1, JS_NewString(ctx, strerror((int)n)));
	return a;
}

static const JSCFunctionListEntry fs_funcs[] = {
	JS_CFUNC_DEF("errno", 1, h_errno),
	JS_CFUNC_DEF("utf8", 1, h_utf8),
	JS_CFUNC_DEF("text", 1, h_text),
	JS_CFUNC_DEF("open", 3, h_open),
	JS_CFUNC_DEF("close", 1, h_close),
	JS_CFUNC_DEF("read", 4, h_read),
	JS_CFUNC_DEF("write", 4, h_write),
	JS_CFUNC_DEF("readFile", 1, h_read_file),
	JS_CFUNC_DEF("stat", 2, h_stat),
	JS_CFUNC_DEF("fstat", 1, h_fstat),
	JS_CFUNC_MAGIC_DEF("mkdir", 2, h_path1, P_MKDIR),
	JS_CFUNC_MAGIC_DEF("rmdir", 1, h_path1, P_RMDIR),
	JS_CFUNC_MAGIC_DEF("unlink", 1, h_path1, P_UNLINK),
	JS_CFUNC_MAGIC_DEF("access", 2, h_path1, P_ACCESS),
	JS_CFUNC_MAGIC_DEF("mkfifo", 2, h_path1, P_MKFIFO),
	JS_CFUNC_MAGIC_DEF("chmod", 2, h_path1, P_CHMOD),
	JS_CFUNC_MAGIC_DEF("rename", 2, h_path2, 0),
	JS_CFUNC_MAGIC_DEF("replace", 2, h_path2, 2),
	JS_CFUNC_MAGIC_DEF("symlink", 2, h_path2, 1),
	JS_CFUNC_DEF("readdir", 2, h_readdir),
	JS_CFUNC_MAGIC_DEF("readlink", 1, h_link, 0),
	JS_CFUNC_MAGIC_DEF("realpath", 1, h_link, 1),
	JS_CFUNC_DEF("sha256", 1, h_sha256),
	JS_CFUNC_DEF("hex", 1, h_hex),
};

void host_fs_init(JSContext *ctx, JSValue obj)
{
	JS_SetPropertyFunctionList(ctx, obj, fs_funcs, sizeof(fs_funcs) / sizeof(fs_funcs[0]));
	timing_wrap(ctx, obj, fs_funcs, (int)(sizeof(fs_funcs) / sizeof(fs_funcs[0])), "host:io");
}
