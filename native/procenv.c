/* HOME for a process whose env has none (TS decides: HOME_FROM_PASSWD). As runc, the
 * home directory of the process's uid in the container's /etc/passwd, "/" when the file
 * or the entry is missing. Read inside the container (after pivot_root, or after the
 * exec's setns and chroot), so a bind-mounted /etc/passwd counts, and before the user
 * switch and the seccomp filter. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

/* The home field of the first well-formed line of uid, or NULL. */
static char *passwd_home(FILE *f, uint32_t uid)
{
	char *line = NULL;
	size_t cap = 0;
	char *home = NULL;
	while (!home && getline(&line, &cap, f) >= 0) {
		line[strcspn(line, "\n")] = 0;
		char *field[7];
		char *p = line;
		int n = 0;
		for (; n < 7 && p; n++) { /* name:passwd:uid:gid:gecos:home:shell */
			field[n] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		if (n < 6 || !field[2][0])
			continue;
		char *end;
		errno = 0;
		unsigned long u = strtoul(field[2], &end, 10);
		if (*end || errno || u != uid)
			continue;
		home = strdup(field[5]);
	}
	free(line);
	return home;
}

/* As runc: a cwd the image lacks is created (0755, owned by the namespace's root),
 * inside the rootfs (openat2 RESOLVE_IN_ROOT), before pivot_root and the read-only
 * remount of the root. */
void procenv_mkcwd(struct ctx *c)
{
	if (!c->plan->cwd_mkdir)
		return;
	int fd = resolve_in_root(c->rootfs_fd, c->plan->cwd, RESOLVE_MKDIR);
	if (fd < 0)
		die_sys("cwd", "mkdirat", c->plan->cwd);
	close(fd);
}

void procenv_home(struct ctx *c)
{
	struct plan *p = c->plan;
	if (!p->home_from_passwd)
		return;
	/* Only a regular file is read: a FIFO or a device planted by the image at
	 * /etc/passwd must not block or feed the init forever (HOME is then "/"). */
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	FILE *f = NULL;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		f = fdopen(fd, "r");
	if (!f && fd >= 0)
		close(fd);
	char *home = f ? passwd_home(f, p->uid) : NULL;
	if (f)
		fclose(f);
	size_t len = strlen("HOME=") + strlen(home && home[0] ? home : "/") + 1;
	char *entry = malloc(len);
	char **env = realloc(p->env, (p->n_env + 2) * sizeof(*env));
	if (!entry || !env)
		die("env", NULL, NULL, ENOMEM, "HOME");
	snprintf(entry, len, "HOME=%s", home && home[0] ? home : "/");
	free(home);
	env[p->n_env++] = entry;
	env[p->n_env] = NULL;
	p->env = env;
}
