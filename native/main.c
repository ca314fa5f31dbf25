/* runts-init: the init shim. `runts-init init <syncfd>` reads one PLAN frame from the
 * socket <syncfd>, then creates a container (mode INIT) or a process inside one (mode
 * EXEC), as the sequence diagram in src/process/protocol.ts shows. This file is the
 * recipe; each step lives in the file named by its prefix. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

static void read_plan(struct ctx *c, struct plan *plan)
{
	uint16_t type;
	uint8_t *buf;
	size_t len;
	if (sync_recv(c->sync_fd, &type, &buf, &len, RUNTS_MAX_FRAME) < 0) {
		if (errno == 0) /* runts went away before sending a plan */
			exit(1);
		die_sys("plan", "read", NULL);
	}
	if (type != RUNTS_MSG_PLAN)
		die("plan", NULL, NULL, EPROTO, "expected a PLAN frame, got %u", type);
	char err[256];
	if (plan_decode(buf, len, plan, err, sizeof(err)) < 0)
		die("plan", NULL, NULL, EINVAL, "%s", err);
	free(buf);
	c->plan = plan;
	if ((uint64_t)c->sync_fd < 3 + (uint64_t)plan->preserve_fds)
		die("plan", NULL, NULL, EINVAL, "sync fd %d is among the preserved fds", c->sync_fd);
}

/* stage-0, before any namespace change: everything that needs host paths, and the
 * socketpair to the child (pair[0] stays here, pair[1] goes to the child). */
static void stage0_prepare(struct ctx *c, int pair[2])
{
	struct plan *p = c->plan;
	/* Not dumpable: a container process cannot ptrace us or open our /proc/PID/fd.
	 * Rootless, stage-0 stays dumpable so that the child (which inherits the flag) keeps
	 * /proc/<child>/uid_map and gid_map owned by the user: we, or newuidmap, write them. The child
	 * turns it off once released; stage-0 runs as the user in the host namespaces, where
	 * a container process has no rights over it anyway. */
	if (geteuid() == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die_sys("dumpable", "prctl", NULL);
	if (p->barrier == RUNTS_BARRIER_FIFO) {
		/* Node and Bun cannot mkfifo, so the fifo is made here (unless it exists). 0622,
		 * as runc: the container process, whatever its uid, must be able to open it for
		 * writing through /proc/self/fd; the state directory keeps others away. */
		mode_t old = umask(0);
		if (mkfifo(p->fifo_path, 0622) < 0 && errno != EEXIST)
			die_sys("barrier", "mkfifo", p->fifo_path);
		umask(old);
		struct stat st;
		if ((c->fifo_fd = open(p->fifo_path, O_PATH | O_CLOEXEC)) < 0)
			die_sys("barrier", "open", p->fifo_path);
		if (fstat(c->fifo_fd, &st) < 0 || !S_ISFIFO(st.st_mode))
			die("barrier", "fstat", p->fifo_path, errno, "%s is not a fifo", p->fifo_path);
		if ((c->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			die_sys("barrier", "open", "/proc");
	}
	console_connect(c);
	pidfd_connect(c);
	secfilter_connect(c);
	secfilter_prepare(c); /* host paths (the cache), before any namespace is joined */
	if (p->mode == RUNTS_MODE_INIT)
		idmap_prepare(c);
	setup_oom_score_adj(c);
	sched_initial(c);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		die_sys("socketpair", "socketpair", NULL);
}

/* The child's first steps: a clean signal mask, umask 0 (device and directory modes are
 * exact; the plan's umask comes at the end), then wait until stage-0 has written the id
 * maps and told runts our pid. EOF means stage-0 failed and reported it. */
static void child_start(struct ctx *c, int pair[2])
{
	/* Ignored signals survive execve: the container process starts from defaults. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close(pair[0]);
	c->inner_fd = pair[1];
	umask(0);
	/* The release carries our host pid (the seccomp listener is told it). */
	uint32_t pid;
	ssize_t n;
	do
		n = read(c->inner_fd, &pid, sizeof(pid));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(pid))
		exit(1);
	c->host_pid = pid;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) /* see stage0_prepare (rootless) */
		die_sys("dumpable", "prctl", NULL);
}

static void stage0_release(struct ctx *c, int pair[2], pid_t child)
{
	close(pair[1]);
	c->inner_fd = pair[0];
	ns_write_maps(c, child);
	netdev_move(c, child);
	if (sync_send_u32(c->sync_fd, RUNTS_MSG_PID, (uint32_t)child) < 0) {
		kill(child, SIGKILL); /* runts is gone: nobody would ever start or reap it */
		exit(1);
	}
	pidfd_send(c, child);
	uint32_t pid = (uint32_t)child;
	if (util_write_all(c->inner_fd, &pid, sizeof(pid)) < 0)
		die_sys("release", "write", NULL);
}

/* Common to init and exec: identity, cwd, argv[0], fds, READY, barrier, execve.
 *
 * The seccomp filter may come from a profile older than this shim, which answers calls
 * it does not list with its default action (EPERM): everything that can go before the
 * filter does (cwd, closing fds). Without no_new_privs, loading a filter needs
 * CAP_SYS_ADMIN, so it comes before the user switch and the capability drop (runc and
 * crun do the same), and what follows it makes only calls every profile lists
 * (setresuid, capset, prctl, chdir, newfstatat, faccessat, the socket and the fifo).
 * With no_new_privs it comes after the executable is found: then only pdeathsig, READY,
 * the barrier, startContainer hooks and execve follow. Either way a load failure is
 * still reported to `create`, and the notify fd reaches the listener before `create`
 * returns. */
static noreturn void child_finish(struct ctx *c)
{
	stamp("child:finish");
	stamp_drop(); /* before the fds are closed: nothing of the timing mode reaches the process */
	sched_apply(c); /* before the capability drop and seccomp */
	lsm_apply(c);
	procenv_home(c);
	exec_umask_cwd(c);
	exec_close_fds(c);
	console_stdio_owner(c); /* as root, before the user switch and the filter */
	if (!c->plan->no_new_privs)
		secfilter_load(c);
	caps_apply_user(c);
	exec_cwd_as_user(c);
	caps_no_new_privs(c);
	exec_lookup(c);
	if (c->plan->no_new_privs)
		secfilter_load(c);
	exec_parent_death_signal(c);
	exec_ready(c);
	exec_barrier(c);
	hooks_start(c);
	exec_run(c);
}

static noreturn void init_child(struct ctx *c, int pair[2])
{
	/* runts derives "created" from this name until execve replaces it. */
	prctl(PR_SET_NAME, RUNTS_INIT_COMM, 0, 0, 0);
	child_start(c, pair);
	stamp_keep();
	stamp("child:released");
	ns_become_root(c);
	if (c->plan->setsid && setsid() < 0)
		die_sys("setsid", "setsid", NULL);
	caps_check_setgroups(c, "/proc/self/setgroups");
	rootfs_prepare(c);
	rootfs_mounts(c);
	mountsrc_done(c);
	rootfs_devices(c);
	rootfs_symlinks(c);
	procenv_mkcwd(c);
	hooks_barrier(c); /* prestart, createRuntime (runts) and createContainer hooks */
	stamp("child:rootfs-ready");
	rootfs_pivot(c);
	console_setup(c);
	setup_hostname(c);
	setup_sysctls(c); /* before masks_apply: /proc/sys is usually a read-only path */
	masks_apply(c);
	setup_loopback(c);
	setup_keyring(c);
	setup_rlimits(c);
	child_finish(c);
}

static noreturn void run_init(struct ctx *c)
{
	int pair[2];
	stage0_prepare(c, pair);
	stamp("shim:prepared");
	ns_cgroup_join(c);
	stamp("shim:cgroup-joined");
	ns_join_plan(c);
	monitor_block_signals();
	pid_t child = ns_clone(c);
	if (child == 0)
		init_child(c, pair);
	stamp("shim:cloned");
	stage0_release(c, pair, child);
	mountsrc_serve(c, child);
	monitor_run(c, child);
}

static noreturn void exec_child(struct ctx *c, int pair[2])
{
	child_start(c, pair);
	stamp_keep();
	stamp("child:released");
	/* Born in the container's cgroup (CLONE_INTO_CGROUP), it can enter the cgroup
	 * namespace; stage-0 could not have cloned into it from inside (see ns_join_container). */
	if (c->cgroupns_fd >= 0) {
		if (setns(c->cgroupns_fd, CLONE_NEWCGROUP) < 0)
			die_sys("setns", "setns", "cgroup namespace");
		util_close(&c->cgroupns_fd);
	}
	if (c->plan->setsid && setsid() < 0)
		die_sys("setsid", "setsid", NULL);
	console_setup(c);
	setup_rlimits(c);
	child_finish(c);
}

static noreturn void run_exec(struct ctx *c)
{
	int pair[2];
	char setgroups[64];
	stage0_prepare(c, pair);
	stamp("shim:prepared");
	snprintf(setgroups, sizeof(setgroups), "/proc/%u/setgroups", c->plan->init_pid);
	caps_check_setgroups(c, setgroups);
	stamp_keep(); /* stage-0 is about to enter the container's mount namespace */
	ns_join_container(c);
	stamp("shim:joined");
	monitor_block_signals();
	pid_t child = ns_fork(c); /* after setns(pid): the child is inside the pid namespace */
	if (child < 0)
		die_sys("fork", c->cgroup_fd >= 0 ? "clone3" : "fork", c->plan->cgroup_into);
	if (child == 0)
		exec_child(c, pair);
	stamp("shim:cloned");
	stage0_release(c, pair, child);
	monitor_run(c, child);
}

int main(int argc, char **argv, char **envp)
{
	/* Runs on the host for runts itself and enters no container: no memfd copy needed. */
	if (argc >= 2 && !strcmp(argv[1], "bpf-devices"))
		return cgroup_bpf_main(argc - 1, argv + 1);
	/* The CRIU RPC relay (criu-swrk.c) also runs on the host, for runts itself. */
	if (argc >= 2 && !strcmp(argv[1], "criu-swrk"))
		return criu_swrk_main(argc - 1, argv + 1);
	/* The sd_notify relay (notify.c), on the host for runts (src/container/notify.ts). */
	if (argc >= 2 && !strcmp(argv[1], "notify-proxy"))
		return notify_proxy_main(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "version"))
		return version_main();
	char *end;
	long fd = argc == 3 ? strtol(argv[2], &end, 10) : -1;
	if (argc != 3 || strcmp(argv[1], "init") || !argv[2][0] || *end || fd < 0 || fd > 1 << 20) {
		fprintf(stderr, "usage: runts-init init <syncfd> | runts-init bpf-devices <cgroup dir>\n");
		return 2;
	}
	struct ctx c = { .sync_fd = (int)fd, .inner_fd = -1, .fifo_fd = -1, .console_fd = -1,
			 .rootfs_fd = -1, .root_fd = -1, .proc_fd = -1, .cgroup_fd = -1, .cgroupns_fd = -1 };
	sync_set_fd(c.sync_fd);
	/* A caller that ignores SIGCHLD would make our children vanish unreaped. */
	signal(SIGCHLD, SIG_DFL);
	stamp("shim:start");
	cloned_ensure(argv, envp);
	stamp("shim:sealed");
	/* Started through /proc/self/fd/N (the CLI) the kernel named this process "N". */
	prctl(PR_SET_NAME, "runts-init", 0, 0, 0);
	/* The socket must not reach the container process. */
	if (fcntl(c.sync_fd, F_SETFD, FD_CLOEXEC) < 0)
		die_sys("plan", "fcntl", NULL);
	struct plan plan;
	read_plan(&c, &plan);
	stamp("shim:plan");
	ns_cgroup_open(&c); /* host paths: before any namespace is joined */
	if (plan.device_bpf)
		cgroup_bpf_plan(&c); /* the device filter is in place before anything is born there */
	if (plan.mode == RUNTS_MODE_INIT)
		run_init(&c);
	run_exec(&c);
}
