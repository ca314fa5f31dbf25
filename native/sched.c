/* Per-process kernel settings of the OCI process/linux sections: CPU affinity
 * (execCPUAffinity), scheduler (sched_setattr), I/O priority (ioprio_set), memory
 * policy (set_mempolicy) and execution domain (personality). Values come resolved in
 * the plan (src/plan/fields.ts); nothing here knows a spec name. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

/* The kernel's struct sched_attr, first version (48 bytes): no utilization clamps. */
struct sched_attr_v0 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static void sched_affinity(const uint32_t *cpus, size_t n, const char *what)
{
	if (!n)
		return;
	uint32_t max = 0;
	for (size_t i = 0; i < n; i++)
		max = cpus[i] > max ? cpus[i] : max;
	cpu_set_t *set = CPU_ALLOC(max + 1);
	if (!set)
		die("cpu_affinity", NULL, NULL, ENOMEM, NULL);
	size_t size = CPU_ALLOC_SIZE(max + 1);
	CPU_ZERO_S(size, set);
	for (size_t i = 0; i < n; i++)
		CPU_SET_S(cpus[i], size, set);
	if (sched_setaffinity(0, size, set) < 0)
		die("cpu_affinity", "sched_setaffinity", NULL, errno, "process.execCPUAffinity.%s", what);
	CPU_FREE(set);
}

/* Every CPU: the kernel keeps those online and in the cgroup's cpuset, so the caller's
 * affinity (a runtime run under `taskset`) does not pin the container. */
static void sched_all_cpus(void)
{
	enum { MAX_CPUS = 8192 };
	cpu_set_t *set = CPU_ALLOC(MAX_CPUS);
	if (!set)
		die("cpu_affinity", NULL, NULL, ENOMEM, NULL);
	size_t size = CPU_ALLOC_SIZE(MAX_CPUS);
	memset(set, 0xff, size);
	if (sched_setaffinity(0, size, set) < 0)
		die("cpu_affinity", "sched_setaffinity", NULL, errno, "every CPU (no process.execCPUAffinity.final)");
	CPU_FREE(set);
}

/* stage-0, before it joins the container's cgroup (exec) or clones (init). */
void sched_initial(struct ctx *c)
{
	sched_affinity(c->plan->cpu_initial, c->plan->n_cpu_initial, "initial");
}

static void sched_mempolicy(const struct plan *p)
{
	if (!p->has_mempolicy)
		return;
	uint32_t max = 0;
	for (size_t i = 0; i < p->n_mempolicy_nodes; i++)
		max = p->mempolicy_nodes[i] > max ? p->mempolicy_nodes[i] : max;
	size_t bits = 8 * sizeof(unsigned long);
	size_t words = max / bits + 1;
	unsigned long *mask = calloc(words, sizeof(unsigned long));
	if (!mask)
		die("mempolicy", NULL, NULL, ENOMEM, NULL);
	for (size_t i = 0; i < p->n_mempolicy_nodes; i++)
		mask[p->mempolicy_nodes[i] / bits] |= 1UL << (p->mempolicy_nodes[i] % bits);
	/* maxnode counts one more than the bits used, as numactl passes it. */
	long r = p->n_mempolicy_nodes ? syscall(SYS_set_mempolicy, p->mempolicy_mode, mask, words * bits + 1)
				      : syscall(SYS_set_mempolicy, p->mempolicy_mode, NULL, 0);
	if (r < 0)
		die("mempolicy", "set_mempolicy", NULL, errno, "linux.memoryPolicy mode %#x", p->mempolicy_mode);
	free(mask);
}

/* The container process, before it drops capabilities (a real-time policy or I/O
 * class needs CAP_SYS_NICE) and before seccomp (which may forbid these calls). */
void sched_apply(struct ctx *c)
{
	const struct plan *p = c->plan;
	if (p->has_sched) {
		struct sched_attr_v0 a = {
			.size = sizeof(a), .sched_policy = p->sched_policy, .sched_flags = p->sched_flags,
			.sched_nice = p->sched_nice, .sched_priority = p->sched_priority,
			.sched_runtime = p->sched_runtime, .sched_deadline = p->sched_deadline, .sched_period = p->sched_period,
		};
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			die("scheduler", "sched_setattr", NULL, errno, "process.scheduler policy %u%s", p->sched_policy,
			    errno == EPERM && (p->sched_policy == SCHED_FIFO || p->sched_policy == SCHED_RR)
				    ? " (with RT group scheduling, set linux.resources.cpu.realtimeRuntime)" : "");
	}
	if (p->has_ioprio && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)p->ioprio) < 0)
		die("ioprio", "ioprio_set", NULL, errno, "process.ioPriority %#x", p->ioprio);
	sched_mempolicy(p);
	if (p->has_personality && personality(p->personality) < 0)
		die("personality", "personality", NULL, errno, "linux.personality %#x", p->personality);
	sched_affinity(p->cpu_final, p->n_cpu_final, "final");
	if (p->cpu_reset)
		sched_all_cpus();
}
