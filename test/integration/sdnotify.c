/* sdnotify MSG...: send each MSG as one datagram to $NOTIFY_SOCKET (a path or "@abstract"),
 * as sd_notify(3) does. Built static at test time and put in the container's rootfs
 * (busybox has no way to send a unix datagram). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!name || !*name || strlen(name) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sdnotify: NOTIFY_SOCKET unset or too long\n");
		return 2;
	}
	size_t n = strlen(name);
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = 0;
	else
		n++;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	for (int i = 1; i < argc; i++) {
		if (sendto(fd, argv[i], strlen(argv[i]), 0, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + n) < 0) {
			perror("sdnotify: sendto");
			return 1;
		}
	}
	return 0;
}
