/* Users, groups and capabilities, in runc's order: shrink the bounding set while we
 * still hold CAP_SETPCAP, keep the permitted set across setuid (PR_SET_KEEPCAPS), switch
 * groups and ids, set effective/permitted/inheritable, drop KEEPCAPS, raise ambient. */
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <grp.h>

#include "shim.h"

/* Whether setgroups(2) is denied in our user namespace (the file says "deny"). A
 * missing file (old kernel) means allowed. */
void caps_check_setgroups(struct ctx *c, const char *setgroups_file)
{
	char buf[16];
	c->setgroups_denied = util_read_file(setgroups_file, buf, sizeof(buf)) > 0 && !strncmp(buf, "deny", 4);
}

static void caps_bounding(uint64_t keep)
{
	for (unsigned long cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL) /* beyond the kernel's last capability */
				break;
			die("cap_bounding", "prctl", NULL, errno, "PR_CAPBSET_DROP %lu", cap);
		}
	}
}

static void caps_set(const struct plan *p)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(p->cap_effective >> (32 * i));
		data[i].permitted = (uint32_t)(p->cap_permitted >> (32 * i));
		data[i].inheritable = (uint32_t)(p->cap_inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		die("capset", "capset", NULL, errno, "effective %#llx permitted %#llx inheritable %#llx",
		    (unsigned long long)p->cap_effective, (unsigned long long)p->cap_permitted,
		    (unsigned long long)p->cap_inheritable);
}

void caps_apply_user(struct ctx *c)
{
	struct plan *p = c->plan;
	caps_bounding(p->cap_bounding);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		die_sys("keepcaps", "prctl", NULL);
	if (!c->setgroups_denied) {
		gid_t *gids = (gid_t *)p->additional_gids; /* uint32_t and gid_t are the same */
		_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");
		if (setgroups(p->n_additional_gids, gids) < 0)
			die("setgroups", "setgroups", NULL, errno, "%zu groups", p->n_additional_gids);
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		die("setresgid", "setresgid", NULL, errno, "gid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		die("setresuid", "setresuid", NULL, errno, "uid %u", p->uid);
	caps_set(p);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		die_sys("keepcaps", "prctl", NULL);
	for (unsigned long cap = 0; cap < 64; cap++)
		if ((p->cap_ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			die("cap_ambient", "prctl", NULL, errno, "PR_CAP_AMBIENT_RAISE %lu", cap);
}

void caps_no_new_privs(struct ctx *c)
{
	if (c->plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_sys("no_new_privs", "prctl", NULL);
}
