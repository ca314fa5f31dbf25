/* stopwatch: bench/split.mjs's launcher. Runs one command with RUNTS_TIMING=FILE in its
 * environment (runts's timing mode: native/cli/timing.c, native/stamp.c) and appends
 * the command's own start and end to FILE in the same clock (CLOCK_MONOTONIC), as
 * "<pid> run:spawn <ns> <ns>" (just before the fork) and "<pid> run:exit <ns> <ns>" (once
 * it is reaped). stdout goes to /dev/null; exits with the command's status.
 *
 *   stopwatch FILE COMMAND [ARG...] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: stopwatch FILE COMMAND [ARG...]\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "a");
	if (!f || setenv("RUNTS_TIMING", argv[1], 1) < 0) {
		perror(argv[1]);
		return 2;
	}
	long long t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		if (nul >= 0)
			dup2(nul, 1);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		;
	long long t1 = now_ns();
	fprintf(f, "%d run:spawn %lld %lld\n%d run:exit %lld %lld\n", (int)pid, t0, t0, (int)pid, t1, t1);
	fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
