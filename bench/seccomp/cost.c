/* Seccomp cost in the shim: compiling a plan's filter with libseccomp (cache miss)
 * against reading the cached program (hit), and loading it with seccomp(2) in a child.
 * Built and run by bench/seccomp/run.sh with a plan made by cost.ts. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	static uint8_t buf[1 << 22];
	int fd = open(argv[1], O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
	struct plan p;
	char err[256];
	if (n <= 0 || plan_decode(buf, (size_t)n, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "bad plan: %s\n", n <= 0 ? "unreadable" : err);
		return 1;
	}
	int runs = atoi(argv[2]);
	double miss[runs], hit[runs], load[runs];
	char *cache = p.seccomp->cache_path;
	for (int i = 0; i < runs; i++) {
		struct ctx c = { .plan = &p, .listener_fd = -1 };
		unlink(cache);
		p.seccomp->cache_path = NULL;
		double t = now_ms();
		secfilter_prepare(&c);
		miss[i] = now_ms() - t;
		free(c.bpf);
		p.seccomp->cache_path = cache;
		secfilter_prepare(&c); /* writes the cache */
		free(c.bpf);
		t = now_ms();
		secfilter_prepare(&c);
		hit[i] = now_ms() - t;
		int pipefd[2];
		if (pipe(pipefd) < 0)
			return 1;
		pid_t pid = fork();
		if (pid == 0) {
			double t0 = now_ms();
			secfilter_load(&c);
			double d = now_ms() - t0;
			_exit(write(pipefd[1], &d, sizeof(d)) == sizeof(d) ? 0 : 1);
		}
		waitpid(pid, NULL, 0);
		if (read(pipefd[0], &load[i], sizeof(double)) != sizeof(double))
			load[i] = -1;
		close(pipefd[0]);
		close(pipefd[1]);
		free(c.bpf);
	}
	printf("compile with libseccomp (cache miss): %.3f ms\n", median(miss, runs));
	printf("read cached program (cache hit):      %.3f ms\n", median(hit, runs));
	printf("load with seccomp(2):                 %.3f ms\n", median(load, runs));
	return 0;
}
