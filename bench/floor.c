/* floor: the least a runtime can do to run /bin/true in a container, as the benchmark's
 * reference. Clones into new mount, uts, ipc, pid and network namespaces, makes the
 * mounts private, bind-mounts the rootfs, pivot_roots into it, mounts /proc and execs
 * /bin/true; the parent waits. With -c it also puts the child in a fresh cgroup in every
 * hierarchy under /sys/fs/cgroup (v1 controllers, or the v2 root) and removes them after.
 *
 *   floor [-c] ROOTFS */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CG 32

static char cgdirs[MAX_CG][512];
static int ncg;

static void die(const char *what)
{
	perror(what);
	_exit(1);
}

/* A cgroup dir per hierarchy: /sys/fs/cgroup/<controller>/floor-PID, or on a pure v2
 * mount /sys/fs/cgroup/floor-PID. */
static void cg_create(void)
{
	char path[512];
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0) {
		snprintf(cgdirs[ncg], sizeof(cgdirs[0]), "/sys/fs/cgroup/floor-%d", getpid());
		if (mkdir(cgdirs[ncg++], 0755) < 0)
			die("mkdir cgroup");
		return;
	}
	DIR *d = opendir("/sys/fs/cgroup");
	if (!d)
		die("opendir /sys/fs/cgroup");
	struct dirent *e;
	while ((e = readdir(d)) && ncg < MAX_CG) {
		if (e->d_name[0] == '.' || e->d_type == DT_LNK) /* cpu -> cpu,cpuacct */
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/cgroup.procs", e->d_name);
		struct stat st;
		if (stat(path, &st) < 0)
			continue; /* not a hierarchy */
		snprintf(cgdirs[ncg], sizeof(cgdirs[0]), "/sys/fs/cgroup/%s/floor-%d", e->d_name, getpid());
		if (mkdir(cgdirs[ncg], 0755) < 0)
			die("mkdir cgroup");
		if (!strcmp(e->d_name, "cpuset")) { /* cpuset needs cpus and mems first */
			char v[256], f[600];
			const char *files[] = { "cpuset.cpus", "cpuset.mems" };
			for (int i = 0; i < 2; i++) {
				snprintf(f, sizeof(f), "/sys/fs/cgroup/cpuset/%s", files[i]);
				int fd = open(f, O_RDONLY);
				ssize_t n = fd < 0 ? -1 : read(fd, v, sizeof(v));
				close(fd);
				snprintf(f, sizeof(f), "%s/%s", cgdirs[ncg], files[i]);
				fd = open(f, O_WRONLY);
				if (n > 0 && fd >= 0 && write(fd, v, (size_t)n) < 0)
					die("write cpuset");
				close(fd);
			}
		}
		ncg++;
	}
	closedir(d);
}

static void cg_join(pid_t pid)
{
	char f[600], v[32];
	int n = snprintf(v, sizeof(v), "%d", pid);
	for (int i = 0; i < ncg; i++) {
		snprintf(f, sizeof(f), "%s/cgroup.procs", cgdirs[i]);
		int fd = open(f, O_WRONLY);
		if (fd < 0 || write(fd, v, (size_t)n) < 0)
			die(f);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	int cg = argc == 3 && !strcmp(argv[1], "-c");
	if (argc != 2 + cg) {
		fprintf(stderr, "usage: floor [-c] ROOTFS\n");
		return 2;
	}
	const char *rootfs = argv[1 + cg];
	if (cg)
		cg_create();
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		die("pipe");
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		die("clone");
	if (pid == 0) {
		char b;
		close(sync[1]);
		if (read(sync[0], &b, 1) < 0) /* joined the cgroups */
			die("read");
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			die("make / private");
		if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
			die("bind rootfs");
		if (chdir(rootfs) < 0)
			die("chdir");
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			die("pivot_root");
		if (umount2(".", MNT_DETACH) < 0)
			die("umount old root");
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) < 0)
			die("mount /proc");
		char *args[] = { "/bin/true", NULL }, *env[] = { NULL };
		execve(args[0], args, env);
		die("execve");
	}
	close(sync[0]);
	if (cg)
		cg_join(pid);
	if (write(sync[1], "1", 1) < 0)
		die("write");
	close(sync[1]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	for (int i = 0; i < ncg; i++)
		if (rmdir(cgdirs[i]) < 0)
			die("rmdir cgroup");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
