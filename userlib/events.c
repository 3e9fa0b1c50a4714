// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libntexec: the event stream (<ntexec/events.h>) on libnl-genl-3.
 *
 * One socket per handle. Without NTX_EVENT_OPEN_MULTICAST it sends
 * NTEXEC_CMD_SUBSCRIBE and the module unicasts the events the caller may
 * see; closing the socket ends the subscription. A datagram may hold more
 * than one message: the handle keeps the rest for the next call.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <ntexec/events.h>
#include "../uapi/ntexec.h"
#include "internal.h"

struct _NTX_EVENT_HANDLE {
	struct nl_sock *sock;
	int family;
	unsigned char *buf;	/* the last datagram (nl_recv's) */
	int len;		/* its bytes not yet read */
	struct nlmsghdr *next;	/* the next message in it */
};

static const char *const ntx_group_names[] = NTEXEC_GROUP_NAMES;

static struct nla_policy ntx_event_policy[NTEXEC_A_MAX + 1] = {
	[NTEXEC_A_PROCESS_ID] = { .type = NLA_U32 },
	[NTEXEC_A_THREAD_ID] = { .type = NLA_U32 },
	[NTEXEC_A_PARENT_ID] = { .type = NLA_U32 },
	[NTEXEC_A_CREATOR_PROCESS_ID] = { .type = NLA_U32 },
	[NTEXEC_A_CREATOR_THREAD_ID] = { .type = NLA_U32 },
	[NTEXEC_A_TIME] = { .type = NLA_U64 },
	[NTEXEC_A_EXIT_STATUS] = { .type = NLA_U32 },
	[NTEXEC_A_IMAGE_NAME] = { .type = NLA_STRING },
	[NTEXEC_A_BASE] = { .type = NLA_U64 },
	[NTEXEC_A_SIZE] = { .type = NLA_U64 },
	[NTEXEC_A_JOB_MESSAGE] = { .type = NLA_U32 },
	[NTEXEC_A_JOB_KEY] = { .type = NLA_U64 },
	[NTEXEC_A_DROPPED] = { .type = NLA_U32 },
	[NTEXEC_A_WS_SIZE] = { .type = NLA_U64 },
};

static NTSTATUS ntx_status_of_nlerr(int err)
{
	switch (err < 0 ? -err : err) {
	case NLE_NOMEM:
		return STATUS_NO_MEMORY;
	case NLE_PERM:
		return STATUS_PRIVILEGE_NOT_HELD;
	case NLE_OBJ_NOTFOUND:
		return STATUS_NO_SUCH_DEVICE;
	default:
		return STATUS_UNSUCCESSFUL;
	}
}

static NTSTATUS ntx_subscribe(NTX_EVENT_HANDLE *h, ULONG groups)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return STATUS_NO_MEMORY;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, h->family, 0, NLM_F_ACK,
			 NTEXEC_CMD_SUBSCRIBE, NTEXEC_GENL_VERSION) ||
	    nla_put_u32(msg, NTEXEC_A_GROUPS, groups) < 0) {
		nlmsg_free(msg);
		return STATUS_NO_MEMORY;
	}
	err = nl_send_auto(h->sock, msg);
	nlmsg_free(msg);
	if (err < 0)
		return ntx_status_of_nlerr(err);
	/* The ack, or the module's errno (-EBUSY: too many subscriptions). */
	err = nl_wait_for_ack(h->sock);
	if (err == -NLE_BUSY)
		return STATUS_QUOTA_EXCEEDED;
	return err < 0 ? ntx_status_of_nlerr(err) : STATUS_SUCCESS;
}

NTX_EXPORT NTSTATUS NtxEventOpen(ULONG Groups, ULONG Flags, NTX_EVENT_HANDLE **Handle)
{
	NTX_EVENT_HANDLE *h;
	NTSTATUS status;
	int err, one = 1;
	size_t i;

	if (!Handle)
		return STATUS_INVALID_PARAMETER;
	*Handle = NULL;
	if (!Groups || (Groups & ~NTX_EVENT_GROUP_ALL) || (Flags & ~NTX_EVENT_OPEN_MULTICAST))
		return STATUS_INVALID_PARAMETER;
	h = calloc(1, sizeof(*h));
	if (!h)
		return STATUS_NO_MEMORY;
	h->sock = nl_socket_alloc();
	if (!h->sock) {
		free(h);
		return STATUS_NO_MEMORY;
	}
	status = STATUS_UNSUCCESSFUL;
	if (genl_connect(h->sock) < 0)
		goto fail;
	h->family = genl_ctrl_resolve(h->sock, NTEXEC_GENL_NAME);
	if (h->family < 0) {
		status = STATUS_NO_SUCH_DEVICE;
		goto fail;
	}
	/* Events come unasked: no sequence numbers to check. */
	nl_socket_disable_seq_check(h->sock);
	/* A full queue loses events (counted in Dropped), not the socket. */
	setsockopt(nl_socket_get_fd(h->sock), SOL_NETLINK, NETLINK_NO_ENOBUFS,
		   &one, sizeof(one));
	nl_socket_set_buffer_size(h->sock, 1 << 20, 0);

	if (Flags & NTX_EVENT_OPEN_MULTICAST) {
		for (i = 0; i < sizeof(ntx_group_names) / sizeof(ntx_group_names[0]); i++) {
			int grp;

			if (!(Groups & (1u << i)))
				continue;
			grp = genl_ctrl_resolve_grp(h->sock, NTEXEC_GENL_NAME,
						    ntx_group_names[i]);
			if (grp < 0)
				goto fail;
			err = nl_socket_add_memberships(h->sock, grp, 0);
			if (err < 0) {
				status = ntx_status_of_nlerr(err);
				goto fail;
			}
		}
	} else {
		status = ntx_subscribe(h, Groups);
		if (status)
			goto fail;
	}
	*Handle = h;
	return STATUS_SUCCESS;

fail:
	nl_socket_free(h->sock);
	free(h);
	return status;
}

static ULONG ntx_u32(struct nlattr **a, int type)
{
	return a[type] ? nla_get_u32(a[type]) : 0;
}

static ULONGLONG ntx_u64(struct nlattr **a, int type)
{
	return a[type] ? nla_get_u64(a[type]) : 0;
}

static void ntx_name(struct nlattr **a, char *out)
{
	out[0] = '\0';
	if (a[NTEXEC_A_IMAGE_NAME])
		nla_strlcpy(out, a[NTEXEC_A_IMAGE_NAME], NTX_EVENT_NAME_MAX);
}

/* One message into Event. Return: 1 when it was an event this library knows. */
static int ntx_parse(NTX_EVENT_HANDLE *h, struct nlmsghdr *nlh, NTX_EVENT *e)
{
	struct nlattr *a[NTEXEC_A_MAX + 1];
	struct genlmsghdr *g;

	if (nlh->nlmsg_type != h->family ||
	    !genlmsg_valid_hdr(nlh, 0) ||
	    genlmsg_parse(nlh, 0, a, NTEXEC_A_MAX, ntx_event_policy) < 0)
		return 0;
	g = genlmsg_hdr(nlh);
	memset(e, 0, sizeof(*e) - sizeof(e->u));
	e->Dropped = ntx_u32(a, NTEXEC_A_DROPPED);
	switch (g->cmd) {
	case NTEXEC_CMD_PROCESS_CREATE:
		e->Type = NtxEventProcessCreate;
		e->u.ProcessCreate.ProcessId = ntx_u32(a, NTEXEC_A_PROCESS_ID);
		e->u.ProcessCreate.ParentProcessId = ntx_u32(a, NTEXEC_A_PARENT_ID);
		e->u.ProcessCreate.CreatorProcessId = ntx_u32(a, NTEXEC_A_CREATOR_PROCESS_ID);
		e->u.ProcessCreate.CreatorThreadId = ntx_u32(a, NTEXEC_A_CREATOR_THREAD_ID);
		e->u.ProcessCreate.CreateTime = (LONGLONG)ntx_u64(a, NTEXEC_A_TIME);
		ntx_name(a, e->u.ProcessCreate.ImageName);
		return 1;
	case NTEXEC_CMD_PROCESS_EXIT:
		e->Type = NtxEventProcessExit;
		e->u.ProcessExit.ProcessId = ntx_u32(a, NTEXEC_A_PROCESS_ID);
		e->u.ProcessExit.ExitStatus = (NTSTATUS)ntx_u32(a, NTEXEC_A_EXIT_STATUS);
		e->u.ProcessExit.ExitTime = (LONGLONG)ntx_u64(a, NTEXEC_A_TIME);
		return 1;
	case NTEXEC_CMD_THREAD_CREATE:
		e->Type = NtxEventThreadCreate;
		e->u.ThreadCreate.ProcessId = ntx_u32(a, NTEXEC_A_PROCESS_ID);
		e->u.ThreadCreate.ThreadId = ntx_u32(a, NTEXEC_A_THREAD_ID);
		e->u.ThreadCreate.CreatorProcessId = ntx_u32(a, NTEXEC_A_CREATOR_PROCESS_ID);
		e->u.ThreadCreate.CreatorThreadId = ntx_u32(a, NTEXEC_A_CREATOR_THREAD_ID);
		e->u.ThreadCreate.CreateTime = (LONGLONG)ntx_u64(a, NTEXEC_A_TIME);
		return 1;
	case NTEXEC_CMD_THREAD_EXIT:
		e->Type = NtxEventThreadExit;
		e->u.ThreadExit.ProcessId = ntx_u32(a, NTEXEC_A_PROCESS_ID);
		e->u.ThreadExit.ThreadId = ntx_u32(a, NTEXEC_A_THREAD_ID);
		e->u.ThreadExit.ExitStatus = (NTSTATUS)ntx_u32(a, NTEXEC_A_EXIT_STATUS);
		e->u.ThreadExit.ExitTime = (LONGLONG)ntx_u64(a, NTEXEC_A_TIME);
		return 1;
	case NTEXEC_CMD_IMAGE_MAP:
	case NTEXEC_CMD_IMAGE_UNMAP:
		e->Type = g->cmd == NTEXEC_CMD_IMAGE_MAP ? NtxEventImageMap : NtxEventImageUnmap;
		e->u.Image.ProcessId = ntx_u32(a, NTEXEC_A_PROCESS_ID);
		e->u.Image.Base = ntx_u64(a, NTEXEC_A_BASE);
		e->u.Image.Size = ntx_u64(a, NTEXEC_A_SIZE);
		ntx_name(a, e->u.Image.ImageName);
		return 1;
	case NTEXEC_CMD_JOB:
		e->Type = NtxEventJob;
		e->u.Job.Message = ntx_u32(a, NTEXEC_A_JOB_MESSAGE);
		e->u.Job.ProcessId = ntx_u32(a, NTEXEC_A_PROCESS_ID);
		e->u.Job.CompletionKey = ntx_u64(a, NTEXEC_A_JOB_KEY);
		return 1;
	case NTEXEC_CMD_COMMIT_LIMIT:
		e->Type = NtxEventCommitLimit;
		e->u.CommitLimit.ProcessId = ntx_u32(a, NTEXEC_A_PROCESS_ID);
		e->u.CommitLimit.Size = ntx_u64(a, NTEXEC_A_SIZE);
		return 1;
	case NTEXEC_CMD_WS_TRIM:
		e->Type = NtxEventWorkingSetTrim;
		e->u.WorkingSetTrim.ProcessId = ntx_u32(a, NTEXEC_A_PROCESS_ID);
		e->u.WorkingSetTrim.TrimmedSize = ntx_u64(a, NTEXEC_A_SIZE);
		e->u.WorkingSetTrim.WorkingSetSize = ntx_u64(a, NTEXEC_A_WS_SIZE);
		return 1;
	default:
		return 0;
	}
}

static long long ntx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

NTX_EXPORT NTSTATUS NtxEventNext(NTX_EVENT_HANDLE *Handle, NTX_EVENT *Event, int TimeoutMs)
{
	long long deadline = TimeoutMs > 0 ? ntx_now_ms() + TimeoutMs : 0;
	struct sockaddr_nl peer;

	if (!Handle || !Event)
		return STATUS_INVALID_PARAMETER;
	for (;;) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(Handle->sock), .events = POLLIN };
		int wait, n;

		while (Handle->len > 0 && nlmsg_ok(Handle->next, Handle->len)) {
			struct nlmsghdr *nlh = Handle->next;

			Handle->next = nlmsg_next(nlh, &Handle->len);
			if (ntx_parse(Handle, nlh, Event))
				return STATUS_SUCCESS;
		}
		free(Handle->buf);
		Handle->buf = NULL;
		Handle->len = 0;

		if (TimeoutMs < 0) {
			wait = -1;
		} else if (TimeoutMs == 0) {
			wait = 0;
		} else {
			long long left = deadline - ntx_now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		n = poll(&pfd, 1, wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return STATUS_UNSUCCESSFUL;
		if (n == 0)
			return STATUS_TIMEOUT;
		n = nl_recv(Handle->sock, &peer, &Handle->buf, NULL);
		if (n == -NLE_INTR || n == -NLE_AGAIN || n == 0 || n == -NLE_NOMEM)
			continue;
		if (n < 0)
			return STATUS_UNSUCCESSFUL;
		/* Only the kernel speaks for the family. */
		if (peer.nl_pid != 0) {
			free(Handle->buf);
			Handle->buf = NULL;
			continue;
		}
		Handle->len = n;
		Handle->next = (struct nlmsghdr *)Handle->buf;
	}
}

NTX_EXPORT int NtxEventFd(NTX_EVENT_HANDLE *Handle)
{
	return Handle ? nl_socket_get_fd(Handle->sock) : -1;
}

NTX_EXPORT void NtxEventClose(NTX_EVENT_HANDLE *Handle)
{
	if (!Handle)
		return;
	nl_socket_free(Handle->sock);
	free(Handle->buf);
	free(Handle);
}
