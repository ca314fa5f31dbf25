/* timeit: the benchmark's stopwatch. Runs the cases of one figure (one case per
 * runtime) interleaved, round-robin with a rotating start, without a shell, and writes
 * per-sample wall times and peak RSS as JSON. It is a child subreaper, like the engines
 * that call a runtime (containerd's shim, conmon): an init orphaned by `create` is
 * re-parented here, and a `!wait` step reaps it, which is how an engine waits for a
 * container to finish.
 *
 *   timeit [-r RUNS] [-w WARMUP] [-g GAP_MS] [-p PARALLEL] CASEFILE > out.json
 *
 * CASEFILE: "@ name" starts a case; each following line is one step, its argv separated
 * by tabs, or "!wait". "{i}" in an argument becomes a number unique to the sample, "{j}"
 * the instance number under -p. With -p N, one sample starts N instances of the steps at
 * once and ends when the last one is done (throughput). Step stdout goes to /dev/null,
 * stderr to CASEFILE.err. A sample with a failing step counts as a failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES 8
#define MAX_STEPS 8
#define MAX_ARGS 32

struct step {
	int wait; /* reap orphans instead of running a command */
	int argc;
	char *argv[MAX_ARGS];
};

struct sample {
	double ms;
	double cpu_ms; /* user + system time of the steps and what they waited for */
	long rss_kb;
	int ok;
};

struct kase {
	char name[64];
	int nsteps;
	struct step steps[MAX_STEPS];
	struct sample *samples;
	int failures;
};

static struct kase cases[MAX_CASES];
static int ncases;
static int errfd = -1;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void load(const char *file)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		perror(file);
		exit(2);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (n == 0)
			continue;
		if (line[0] == '@') {
			if (ncases == MAX_CASES) {
				fprintf(stderr, "too many cases\n");
				exit(2);
			}
			snprintf(cases[ncases++].name, sizeof(cases[0].name), "%s", line + 2);
			continue;
		}
		if (!ncases) {
			fprintf(stderr, "step before the first case\n");
			exit(2);
		}
		struct kase *k = &cases[ncases - 1];
		if (k->nsteps == MAX_STEPS) {
			fprintf(stderr, "too many steps in %s\n", k->name);
			exit(2);
		}
		struct step *s = &k->steps[k->nsteps++];
		if (!strcmp(line, "!wait")) {
			s->wait = 1;
			continue;
		}
		char *save = NULL;
		for (char *t = strtok_r(strdup(line), "\t", &save); t && s->argc < MAX_ARGS - 1; t = strtok_r(NULL, "\t", &save))
			s->argv[s->argc++] = t;
	}
	free(line);
	fclose(f);
}

/* Replaces {i} and {j} in an argument. */
static char *expand(const char *arg, long i, int j)
{
	char *out = malloc(strlen(arg) + 64), *o = out;
	for (const char *p = arg; *p;) {
		if (!strncmp(p, "{i}", 3)) {
			o += sprintf(o, "%ld", i);
			p += 3;
		} else if (!strncmp(p, "{j}", 3)) {
			o += sprintf(o, "%d", j);
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	*o = 0;
	return out;
}

/* Runs one step; returns its exit status (or -1) and its peak RSS in *rss. */
static int run_step(const struct step *s, long i, int j, long *rss, double *cpu)
{
	if (s->wait) {
		/* Reap every orphan re-parented to us (the container's init). */
		while (wait(NULL) > 0 || errno == EINTR)
			;
		return 0;
	}
	char *argv[MAX_ARGS];
	for (int a = 0; a < s->argc; a++)
		argv[a] = expand(s->argv[a], i, j);
	argv[s->argc] = NULL;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		if (errfd >= 0)
			dup2(errfd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int a = 0; a < s->argc; a++)
		free(argv[a]);
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (ru.ru_maxrss > *rss)
		*rss = ru.ru_maxrss;
	*cpu += tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run_steps(const struct kase *k, long i, int j, long *rss, double *cpu)
{
	int rc = 0;
	for (int s = 0; s < k->nsteps; s++) {
		int r = run_step(&k->steps[s], i, j, rss, cpu);
		if (r && !rc)
			rc = r;
	}
	return rc;
}

static struct sample run_sample(const struct kase *k, long i, int parallel)
{
	struct sample out = { 0, 0, 0, 1 };
	double t0 = now_ms();
	if (parallel <= 1) {
		out.ok = run_steps(k, i, 0, &out.rss_kb, &out.cpu_ms) == 0;
	} else {
		pid_t *pids = calloc((size_t)parallel, sizeof(pid_t));
		for (int j = 0; j < parallel; j++) {
			pids[j] = fork();
			if (pids[j] == 0) {
				prctl(PR_SET_CHILD_SUBREAPER, 1);
				long rss = 0;
				double cpu = 0;
				_exit(run_steps(k, i, j, &rss, &cpu) ? 1 : 0);
			}
		}
		for (int j = 0; j < parallel; j++) {
			int status;
			struct rusage ru;
			while (wait4(pids[j], &status, 0, &ru) < 0 && errno == EINTR)
				;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				out.ok = 0;
			if (ru.ru_maxrss > out.rss_kb)
				out.rss_kb = ru.ru_maxrss;
			out.cpu_ms += tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime);
		}
		free(pids);
	}
	out.ms = now_ms() - t0;
	while (waitpid(-1, NULL, WNOHANG) > 0) /* stray orphans */
		;
	return out;
}

int main(int argc, char **argv)
{
	int runs = 20, warmup = 2, gap = 50, parallel = 1, opt;
	while ((opt = getopt(argc, argv, "r:w:g:p:")) != -1) {
		if (opt == 'r')
			runs = atoi(optarg);
		else if (opt == 'w')
			warmup = atoi(optarg);
		else if (opt == 'g')
			gap = atoi(optarg);
		else if (opt == 'p')
			parallel = atoi(optarg);
		else
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: timeit [-r RUNS] [-w WARMUP] [-g GAP_MS] [-p N] CASEFILE\n");
		return 2;
	}
	load(argv[optind]);
	char errfile[4096];
	snprintf(errfile, sizeof(errfile), "%s.err", argv[optind]);
	errfd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (int c = 0; c < ncases; c++)
		cases[c].samples = calloc((size_t)runs, sizeof(struct sample));
	long seq = 0;
	for (int r = -warmup; r < runs; r++) {
		for (int n = 0; n < ncases; n++) {
			int c = (n + (r < 0 ? 0 : r)) % ncases; /* rotate who goes first */
			if (gap)
				sleep_ms(gap);
			struct sample s = run_sample(&cases[c], seq++, parallel);
			if (r < 0)
				continue;
			cases[c].samples[r] = s;
			if (!s.ok)
				cases[c].failures++;
		}
	}
	printf("{\"runs\":%d,\"gap_ms\":%d,\"parallel\":%d,\"cases\":{", runs, gap, parallel);
	for (int c = 0; c < ncases; c++) {
		printf("%s\"%s\":{\"failures\":%d,\"ms\":[", c ? "," : "", cases[c].name, cases[c].failures);
		for (int r = 0; r < runs; r++)
			printf("%s%.3f", r ? "," : "", cases[c].samples[r].ms);
		printf("],\"cpu_ms\":[");
		for (int r = 0; r < runs; r++)
			printf("%s%.3f", r ? "," : "", cases[c].samples[r].cpu_ms);
		printf("],\"rss_kb\":[");
		for (int r = 0; r < runs; r++)
			printf("%s%ld", r ? "," : "", cases[c].samples[r].rss_kb);
		printf("]}");
	}
	printf("}}\n");
	return 0;
}
