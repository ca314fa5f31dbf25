/* linux.netDevices: move host interfaces into the container's new network namespace,
 * renamed, in one rtnetlink request each (RTM_NEWLINK on the interface index with
 * IFLA_NET_NS_FD and IFLA_IFNAME: the kernel moves and renames atomically). stage-0
 * does it, in the host's network namespace, before the child is released. */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim.h"

struct netdev_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[64];
};

static size_t netdev_attr(struct netdev_req *r, size_t off, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(r->attrs + off);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	return off + RTA_ALIGN(a->rta_len);
}

static void netdev_move_one(int sock, int nsfd, const struct plan_netdev *d)
{
	unsigned int index = if_nametoindex(d->name);
	if (!index)
		die("netdev", "if_nametoindex", NULL, errno, "linux.netDevices[\"%s\"]: no such host interface", d->name);
	if (strlen(d->new_name) >= IFNAMSIZ)
		die("netdev", NULL, NULL, EINVAL, "linux.netDevices[\"%s\"].name: too long", d->name);
	struct netdev_req r;
	memset(&r, 0, sizeof(r));
	uint32_t fd = (uint32_t)nsfd;
	size_t off = netdev_attr(&r, 0, IFLA_NET_NS_FD, &fd, sizeof(fd));
	off = netdev_attr(&r, off, IFLA_IFNAME, d->new_name, strlen(d->new_name) + 1);
	r.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof(r.ifi)) + off);
	r.nh.nlmsg_type = RTM_NEWLINK;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r.nh.nlmsg_seq = index;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = (int)index;
	if (send(sock, &r, r.nh.nlmsg_len, 0) < 0)
		die_sys("netdev", "send", NULL);
	char buf[1024];
	ssize_t n;
	do
		n = recv(sock, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		die("netdev", "recv", NULL, n < 0 ? errno : EPROTO, "rtnetlink answer for %s", d->name);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(h);
	if (h->nlmsg_type == NLMSG_ERROR && e->error)
		die("netdev", "RTM_NEWLINK", NULL, -e->error, "move %s into the container as %s", d->name, d->new_name);
}

void netdev_move(struct ctx *c, pid_t child)
{
	const struct plan *p = c->plan;
	if (!p->n_netdevs)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		die_sys("netdev", "open", path);
	int sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		die_sys("netdev", "socket", "NETLINK_ROUTE");
	for (size_t i = 0; i < p->n_netdevs; i++)
		netdev_move_one(sock, nsfd, &p->netdevs[i]);
	close(sock);
	close(nsfd);
}
