/* Frames on the runts socket (format in src/process/protocol.ts) and the error path.
 * The only global is the socket that die() reports on: it is process-wide by nature. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "shim.h"

static int sync_error_fd = -1;

void sync_set_fd(int fd)
{
	sync_error_fd = fd;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One sendmsg per frame (retried only for the unsent tail), MSG_NOSIGNAL so a dead
 * runts gives EPIPE instead of killing us. */
int sync_send(int fd, uint16_t type, const void *payload, size_t len)
{
	uint8_t hdr[RUNTS_FRAME_HEADER] = { 0 };
	put32(hdr, (uint32_t)len);
	put16(hdr + 4, type);
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)payload, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	size_t total = sizeof(hdr) + len;
	while (total) {
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		total -= (size_t)n;
		while (n > 0 && msg.msg_iovlen) {
			size_t take = (size_t)n < msg.msg_iov->iov_len ? (size_t)n : msg.msg_iov->iov_len;
			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + take;
			msg.msg_iov->iov_len -= take;
			n -= (ssize_t)take;
			if (!msg.msg_iov->iov_len) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return 0;
}

int sync_send_u32(int fd, uint16_t type, uint32_t v)
{
	uint8_t b[4];
	put32(b, v);
	return sync_send(fd, type, b, sizeof(b));
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

int sync_recv(int fd, uint16_t *type, uint8_t **payload, size_t *len, size_t max)
{
	uint8_t hdr[RUNTS_FRAME_HEADER];
	*payload = NULL;
	*len = 0;
	if (read_full(fd, hdr, sizeof(hdr)) < 0)
		return -1;
	uint32_t n = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	*type = (uint16_t)(hdr[4] | hdr[5] << 8);
	if (n > max) {
		errno = EMSGSIZE;
		return -1;
	}
	if (n) {
		if (!(*payload = malloc(n)))
			return -1;
		if (read_full(fd, *payload, n) < 0) {
			int e = errno;
			free(*payload);
			*payload = NULL;
			errno = e;
			return -1;
		}
	}
	*len = n;
	return 0;
}

/* Appends one TLV record to buf (capacity cap); returns the new offset. */
static size_t tlv_put(uint8_t *buf, size_t off, size_t cap, uint16_t tag, const void *v, size_t len)
{
	if (off + RUNTS_TLV_HEADER + len > cap)
		return off;
	put16(buf + off, tag);
	put16(buf + off + 2, 0);
	put32(buf + off + 4, (uint32_t)len);
	memcpy(buf + off + RUNTS_TLV_HEADER, v, len);
	return off + RUNTS_TLV_HEADER + len;
}

static size_t tlv_str(uint8_t *buf, size_t off, size_t cap, uint16_t tag, const char *s)
{
	return s ? tlv_put(buf, off, cap, tag, s, strnlen(s, 4096)) : off;
}

int sync_report(const char *step, const char *syscall, const char *path, int err, const char *detail)
{
	if (sync_error_fd < 0)
		return -1;
	size_t cap = 4 * 4096 + 5 * RUNTS_TLV_HEADER;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -1;
	uint8_t e[4];
	put32(e, (uint32_t)err);
	size_t off = tlv_str(buf, 0, cap, RUNTS_TAG_ERR_STEP, step);
	off = tlv_str(buf, off, cap, RUNTS_TAG_ERR_SYSCALL, syscall);
	off = tlv_str(buf, off, cap, RUNTS_TAG_ERR_PATH, path);
	off = tlv_put(buf, off, cap, RUNTS_TAG_ERR_ERRNO, e, sizeof(e));
	off = tlv_str(buf, off, cap, RUNTS_TAG_ERR_DETAIL, detail);
	int r = sync_send(sync_error_fd, RUNTS_MSG_ERROR, buf, off);
	free(buf);
	return r;
}

void sync_print(const char *step, const char *syscall, const char *path, int err, const char *detail)
{
	fprintf(stderr, "runts-init: %s%s%s%s%s%s%s%s%s\n", step, syscall ? " " : "", syscall ? syscall : "",
		path ? " " : "", path ? path : "", err ? ": " : "", err ? strerror(err) : "", detail ? ": " : "",
		detail ? detail : "");
}

noreturn void die(const char *step, const char *syscall, const char *path, int err, const char *fmt, ...)
{
	char detail[1024] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	if (sync_report(step, syscall, path, err, fmt ? detail : NULL) < 0)
		sync_print(step, syscall, path, err, fmt ? detail : NULL);
	exit(1);
}
