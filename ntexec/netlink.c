// SPDX-License-Identifier: GPL-2.0
/*
 * Events over generic netlink: the family "ntexec" (uapi/ntexec.h), NT's
 * PsSetCreateProcessNotifyRoutine and ETW for Linux user space.
 *
 * The family is registered at module load and gone at unload. Components
 * report through ntob/event.h: ntx_event_send() copies the event (pids and
 * the subject's credentials referenced) to a bounded pending list in any
 * context, and one ordered work item sends the list, in order:
 *  - to the multicast group of the event, in the initial network
 *    namespace, with ids of the initial pid namespace, when someone
 *    listens there. Joining a group needs CAP_NET_ADMIN over the socket's
 *    network namespace (GENL_MCAST_CAP_NET_ADMIN, checked by the genetlink
 *    core at bind; only the initial one gets messages, so that is the
 *    initial user namespace's): a multicast message is one buffer for every
 *    listener, so it cannot be filtered or translated per listener;
 *  - to each subscriber (NTEXEC_CMD_SUBSCRIBE, open to anyone) whose
 *    groups include the event's and who may see its subject: the subject's
 *    process has an id in the subscriber's pid namespace, and the
 *    subscriber's credentials (taken when it subscribed) pass ptrace's
 *    credential rule against the subject's (ntx_may_see()). Ids are
 *    translated into the subscriber's pid namespace; one that has none
 *    there is left out.
 *
 * Why not PROCESS_QUERY_LIMITED_INFORMATION as the rule: in ntexec that
 * right is free (as /proc/<pid>/stat is readable by anyone), so it would
 * hand anyone every exit status and creator of every process, which Linux
 * shows only to PTRACE_MODE_READ callers (/proc/<pid>/stat's exit_code) and
 * the proc connector only to CAP_NET_ADMIN. The ptrace rule is checked on
 * credentials alone at send time: the LSM hooks and the dumpability rule of
 * the full ptrace check cannot be run for another task's view later.
 *
 * A subscription ends with NTEXEC_CMD_SUBSCRIBE and no groups, when its
 * socket is released (NETLINK_URELEASE) or when a send finds the socket
 * gone. A subscriber whose receive queue is full loses the event; the next
 * message it gets carries NTEXEC_A_DROPPED with the count.
 *
 * Locks: ntx_subs_lock (mutex) protects the subscriber list and is taken by
 * the work and the family's handlers; ntx_pending_lock (spinlock, irqsave)
 * protects the pending list and is a leaf.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include "../ntob/compat.h"
#include "../ntob/event.h"

/* At most this many events wait for the work; more are dropped. */
#define NTX_EVENT_BACKLOG	4096
/* At most this many subscriptions, and per user. */
#define NTX_SUBS_MAX		1024
#define NTX_SUBS_PER_USER	32

/**
 * struct ntx_subscriber - one NTEXEC_CMD_SUBSCRIBE socket
 * @node: in ntx_subs
 * @net: the socket's network namespace (referenced)
 * @portid: the socket's port id
 * @ns: the subscriber's pid namespace (referenced): ids as it sees them
 * @cred: the subscriber's credentials when it subscribed (referenced)
 * @groups: a mask of 1 << NTEXEC_GROUP_*
 * @dropped: events lost since the last one delivered
 */
struct ntx_subscriber {
	struct list_head node;
	struct net *net;
	u32 portid;
	struct pid_namespace *ns;
	const struct cred *cred;
	u32 groups;
	u32 dropped;
};

/**
 * struct ntx_event - an event waiting for the work
 * @node: in ntx_pending
 * @info: the event; its pids are referenced, @info.subject, @info.cred and
 *	@info.creator are NULL (see @cred and @creator_*)
 * @cred: the subject's credentials (referenced), or NULL
 * @creator_process: the creator's thread group (referenced), or NULL
 * @creator_thread: the creator's pid (referenced), or NULL
 * @name: the copy of @info.name
 */
struct ntx_event {
	struct list_head node;
	struct ntx_event_info info;
	const struct cred *cred;
	struct pid *creator_process;
	struct pid *creator_thread;
	char name[];
};

static LIST_HEAD(ntx_subs);
static DEFINE_MUTEX(ntx_subs_lock);
static unsigned int ntx_subs_count;
/* The union of the subscribers' groups; written under ntx_subs_lock. */
static u32 ntx_subs_groups;

static LIST_HEAD(ntx_pending);
static DEFINE_SPINLOCK(ntx_pending_lock);
static unsigned int ntx_pending_count;
static u32 ntx_pending_dropped;	/* under ntx_pending_lock */
static u32 ntx_mcast_dropped;	/* by the work only */
static bool ntx_live;		/* under ntx_pending_lock */

static struct workqueue_struct *ntx_event_wq;
static void ntx_event_work(struct work_struct *work);
static DECLARE_WORK(ntx_work, ntx_event_work);

static const struct nla_policy ntx_policy[NTEXEC_A_MAX + 1] = {
	[NTEXEC_A_GROUPS] = NLA_POLICY_MASK(NLA_U32, BIT(NTEXEC_GROUP_COUNT) - 1),
};

static int ntx_subscribe(struct sk_buff *skb, struct genl_info *info);

static const struct genl_small_ops ntx_ops[] = {
	{ .cmd = NTEXEC_CMD_SUBSCRIBE, .doit = ntx_subscribe },
};

static const struct genl_multicast_group ntx_mcgrps[] = {
	[NTEXEC_GROUP_PROCESS] = { .name = "process", .flags = GENL_MCAST_CAP_NET_ADMIN },
	[NTEXEC_GROUP_THREAD] = { .name = "thread", .flags = GENL_MCAST_CAP_NET_ADMIN },
	[NTEXEC_GROUP_IMAGE] = { .name = "image", .flags = GENL_MCAST_CAP_NET_ADMIN },
	[NTEXEC_GROUP_JOB] = { .name = "job", .flags = GENL_MCAST_CAP_NET_ADMIN },
	[NTEXEC_GROUP_MEMORY] = { .name = "memory", .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family ntx_family = {
	.name		= NTEXEC_GENL_NAME,
	.version	= NTEXEC_GENL_VERSION,
	.maxattr	= NTEXEC_A_MAX,
	.policy		= ntx_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= ntx_ops,
	.n_small_ops	= ARRAY_SIZE(ntx_ops),
	.resv_start_op	= NTEXEC_CMD_SUBSCRIBE,
	.mcgrps		= ntx_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ntx_mcgrps),
};

/*
 * Whether @cred has @cap over @ns: the capability rule (the credentials'
 * own namespace or an ancestor of @ns with the capability, or the owner of
 * a child namespace on the way), without the LSM hooks, which only run for
 * the current task.
 */
static bool ntx_cred_capable(const struct cred *cred, struct user_namespace *ns,
			     int cap)
{
	for (;;) {
		if (ns == cred->user_ns)
			return cap_raised(cred->cap_effective, cap);
		if (ns->level <= cred->user_ns->level)
			return false;
		if (ns->parent == cred->user_ns && uid_eq(ns->owner, cred->euid))
			return true;
		ns = ns->parent;
	}
}

/*
 * ptrace's credential rule: the watcher's filesystem ids equal the
 * subject's real, effective and saved ids, or the watcher has
 * CAP_SYS_PTRACE over the subject's user namespace.
 */
static bool ntx_may_see(const struct ntx_subscriber *sub, const struct ntx_event *ev)
{
	const struct cred *c = sub->cred, *t = ev->cred;

	if (!t)
		return false;
	if (ev->info.process && !pid_nr_ns(ev->info.process, sub->ns))
		return false;
	if (uid_eq(c->fsuid, t->euid) && uid_eq(c->fsuid, t->suid) &&
	    uid_eq(c->fsuid, t->uid) && gid_eq(c->fsgid, t->egid) &&
	    gid_eq(c->fsgid, t->sgid) && gid_eq(c->fsgid, t->gid))
		return true;
	return ntx_cred_capable(c, t->user_ns, CAP_SYS_PTRACE);
}

/**
 * ntx_event_wanted() - whether anyone listens to a group
 * @group: NTEXEC_GROUP_*
 *
 * Any context; lock-free. A listener that joins while an event is being
 * made may miss it, as with any multicast.
 *
 * Return: true when an event of @group would go anywhere.
 */
bool ntx_event_wanted(unsigned int group)
{
	if (group >= NTEXEC_GROUP_COUNT || !READ_ONCE(ntx_live))
		return false;
	if (READ_ONCE(ntx_subs_groups) & BIT(group))
		return true;
	return genl_has_listeners(&ntx_family, &init_net, group) > 0;
}

static void ntx_event_free(struct ntx_event *ev)
{
	put_pid(ev->info.process);
	put_pid(ev->info.thread);
	put_pid(ev->info.parent);
	put_pid(ev->creator_process);
	put_pid(ev->creator_thread);
	if (ev->cred)
		put_cred(ev->cred);
	kfree(ev);
}

/**
 * ntx_event_send() - queue an event for its listeners
 * @info: the event (nothing in it is kept: pids are referenced, the name
 *	copied, the subject's credentials taken)
 *
 * Any context. Callers check ntx_event_wanted() first when making @info
 * costs something.
 */
void ntx_event_send(const struct ntx_event_info *info)
{
	size_t len = info->name ? strnlen(info->name, PATH_MAX - 1) : 0;
	struct ntx_event *ev;
	unsigned long flags;

	if (!ntx_event_wanted(info->group))
		return;
	ev = kmalloc(struct_size(ev, name, len + 1), GFP_ATOMIC | __GFP_NOWARN);
	if (!ev) {
		spin_lock_irqsave(&ntx_pending_lock, flags);
		ntx_pending_dropped++;
		spin_unlock_irqrestore(&ntx_pending_lock, flags);
		return;
	}
	ev->info = *info;
	ev->info.subject = NULL;
	ev->info.creator = NULL;
	ev->info.name = NULL;
	get_pid(info->process);
	get_pid(info->thread);
	get_pid(info->parent);
	ev->info.cred = NULL;
	if (info->subject)
		ev->cred = get_task_cred(info->subject);
	else
		ev->cred = info->cred ? get_cred(info->cred) : NULL;
	ev->creator_process = NULL;
	ev->creator_thread = NULL;
	if (info->creator) {
		rcu_read_lock();
		if (pid_alive(info->creator)) {
			ev->creator_process = get_pid(task_tgid(info->creator));
			ev->creator_thread = get_pid(task_pid(info->creator));
		}
		rcu_read_unlock();
	}
	memcpy(ev->name, info->name ? info->name : "", len);
	ev->name[len] = '\0';

	spin_lock_irqsave(&ntx_pending_lock, flags);
	if (!ntx_live || ntx_pending_count >= NTX_EVENT_BACKLOG) {
		ntx_pending_dropped++;
		spin_unlock_irqrestore(&ntx_pending_lock, flags);
		ntx_event_free(ev);
		return;
	}
	list_add_tail(&ev->node, &ntx_pending);
	ntx_pending_count++;
	queue_work(ntx_event_wq, &ntx_work);
	spin_unlock_irqrestore(&ntx_pending_lock, flags);
}

static int ntx_put_id(struct sk_buff *skb, int attr, struct pid *pid,
		      struct pid_namespace *ns)
{
	pid_t nr = pid ? pid_nr_ns(pid, ns) : 0;

	return nr ? nla_put_u32(skb, attr, nr) : 0;
}

/* The message of @ev for a listener in @ns. */
static struct sk_buff *ntx_event_msg(const struct ntx_event *ev,
				     struct pid_namespace *ns, u32 dropped)
{
	const struct ntx_event_info *e = &ev->info;
	size_t len = strlen(ev->name);
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(256 + nla_total_size(len + 1), GFP_KERNEL);
	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, 0, 0, &ntx_family, 0, e->cmd);
	if (!hdr)
		goto fail;
	if (ntx_put_id(skb, NTEXEC_A_PROCESS_ID, e->process, ns) ||
	    ntx_put_id(skb, NTEXEC_A_THREAD_ID, e->thread, ns) ||
	    ntx_put_id(skb, NTEXEC_A_PARENT_ID, e->parent, ns) ||
	    ntx_put_id(skb, NTEXEC_A_CREATOR_PROCESS_ID, ev->creator_process, ns) ||
	    ntx_put_id(skb, NTEXEC_A_CREATOR_THREAD_ID, ev->creator_thread, ns))
		goto fail;
	if (e->time && nla_put_u64_64bit(skb, NTEXEC_A_TIME, e->time, NTEXEC_A_PAD))
		goto fail;
	switch (e->cmd) {
	case NTEXEC_CMD_PROCESS_EXIT:
	case NTEXEC_CMD_THREAD_EXIT:
		if (nla_put_u32(skb, NTEXEC_A_EXIT_STATUS, e->status))
			goto fail;
		break;
	case NTEXEC_CMD_IMAGE_MAP:
	case NTEXEC_CMD_IMAGE_UNMAP:
	case NTEXEC_CMD_COMMIT_LIMIT:
		if (nla_put_u64_64bit(skb, NTEXEC_A_BASE, e->base, NTEXEC_A_PAD) ||
		    nla_put_u64_64bit(skb, NTEXEC_A_SIZE, e->size, NTEXEC_A_PAD))
			goto fail;
		break;
	case NTEXEC_CMD_WS_TRIM:
		if (nla_put_u64_64bit(skb, NTEXEC_A_SIZE, e->size, NTEXEC_A_PAD) ||
		    nla_put_u64_64bit(skb, NTEXEC_A_WS_SIZE, e->ws_size, NTEXEC_A_PAD))
			goto fail;
		break;
	case NTEXEC_CMD_JOB:
		if (nla_put_u32(skb, NTEXEC_A_JOB_MESSAGE, e->job_message) ||
		    nla_put_u64_64bit(skb, NTEXEC_A_JOB_KEY, e->job_key, NTEXEC_A_PAD))
			goto fail;
		break;
	}
	if (len && nla_put_string(skb, NTEXEC_A_IMAGE_NAME, ev->name))
		goto fail;
	if (dropped && nla_put_u32(skb, NTEXEC_A_DROPPED, dropped))
		goto fail;
	genlmsg_end(skb, hdr);
	return skb;
fail:
	nlmsg_free(skb);
	return NULL;
}

/* Under ntx_subs_lock. */
static void ntx_sub_free(struct ntx_subscriber *sub)
{
	list_del(&sub->node);
	ntx_subs_count--;
	put_net(sub->net);
	put_pid_ns(sub->ns);
	put_cred(sub->cred);
	kfree(sub);
}

/* Under ntx_subs_lock. */
static void ntx_subs_changed(void)
{
	struct ntx_subscriber *sub;
	u32 groups = 0;

	list_for_each_entry(sub, &ntx_subs, node)
		groups |= sub->groups;
	WRITE_ONCE(ntx_subs_groups, groups);
}

/* Under ntx_subs_lock. */
static void ntx_deliver(struct ntx_event *ev, u32 dropped)
{
	struct ntx_subscriber *sub, *tmp;
	bool changed = false;
	struct sk_buff *skb;
	int ret;

	ntx_mcast_dropped += dropped;
	if (genl_has_listeners(&ntx_family, &init_net, ev->info.group) > 0) {
		skb = ntx_event_msg(ev, &init_pid_ns, ntx_mcast_dropped);
		if (skb && !genlmsg_multicast(&ntx_family, skb, 0, ev->info.group,
					      GFP_KERNEL))
			ntx_mcast_dropped = 0;
	}
	list_for_each_entry_safe(sub, tmp, &ntx_subs, node) {
		sub->dropped += dropped;
		if (!(sub->groups & BIT(ev->info.group)) || !ntx_may_see(sub, ev))
			continue;
		skb = ntx_event_msg(ev, sub->ns, sub->dropped);
		if (!skb) {
			sub->dropped++;
			continue;
		}
		ret = genlmsg_unicast(sub->net, skb, sub->portid);
		if (ret == -ECONNREFUSED) {
			ntx_sub_free(sub);
			changed = true;
		} else if (ret) {
			sub->dropped++;
		} else {
			sub->dropped = 0;
		}
	}
	if (changed)
		ntx_subs_changed();
}

static void ntx_event_work(struct work_struct *work)
{
	struct ntx_event *ev, *tmp;
	LIST_HEAD(list);
	u32 dropped;

	spin_lock_irq(&ntx_pending_lock);
	list_splice_init(&ntx_pending, &list);
	ntx_pending_count = 0;
	dropped = ntx_pending_dropped;
	ntx_pending_dropped = 0;
	spin_unlock_irq(&ntx_pending_lock);

	list_for_each_entry_safe(ev, tmp, &list, node) {
		mutex_lock(&ntx_subs_lock);
		ntx_deliver(ev, dropped);
		mutex_unlock(&ntx_subs_lock);
		dropped = 0;
		list_del(&ev->node);
		ntx_event_free(ev);
		cond_resched();
	}
}

static struct ntx_subscriber *ntx_find_sub(struct net *net, u32 portid)
{
	struct ntx_subscriber *sub;

	list_for_each_entry(sub, &ntx_subs, node)
		if (sub->portid == portid && net_eq(sub->net, net))
			return sub;
	return NULL;
}

static unsigned int ntx_user_subs(kuid_t uid)
{
	struct ntx_subscriber *sub;
	unsigned int n = 0;

	list_for_each_entry(sub, &ntx_subs, node)
		n += uid_eq(sub->cred->uid, uid);
	return n;
}

/*
 * NTEXEC_CMD_SUBSCRIBE: runs in the sender's context, so current's
 * credentials and pid namespace are the subscriber's.
 */
static int ntx_subscribe(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct ntx_subscriber *sub;
	u32 groups;
	int ret = 0;

	if (!info->attrs[NTEXEC_A_GROUPS])
		return -EINVAL;
	groups = nla_get_u32(info->attrs[NTEXEC_A_GROUPS]);

	mutex_lock(&ntx_subs_lock);
	sub = ntx_find_sub(net, info->snd_portid);
	if (sub && !groups) {
		ntx_sub_free(sub);
	} else if (sub) {
		sub->groups = groups;
	} else if (groups) {
		if (ntx_subs_count >= NTX_SUBS_MAX ||
		    ntx_user_subs(current_uid()) >= NTX_SUBS_PER_USER) {
			ret = -EBUSY;
			goto out;
		}
		sub = kzalloc(sizeof(*sub), GFP_KERNEL_ACCOUNT);
		if (!sub) {
			ret = -ENOMEM;
			goto out;
		}
		sub->net = get_net(net);
		sub->portid = info->snd_portid;
		sub->ns = get_pid_ns(task_active_pid_ns(current));
		sub->cred = get_current_cred();
		sub->groups = groups;
		list_add_tail(&sub->node, &ntx_subs);
		ntx_subs_count++;
	}
	ntx_subs_changed();
out:
	mutex_unlock(&ntx_subs_lock);
	return ret;
}

/* A released netlink socket takes its subscription with it. */
static int ntx_netlink_notify(struct notifier_block *nb, unsigned long state,
			      void *ptr)
{
	struct netlink_notify *n = ptr;
	struct ntx_subscriber *sub;

	if (state != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&ntx_subs_lock);
	sub = ntx_find_sub(n->net, n->portid);
	if (sub) {
		ntx_sub_free(sub);
		ntx_subs_changed();
	}
	mutex_unlock(&ntx_subs_lock);
	return NOTIFY_DONE;
}

static struct notifier_block ntx_netlink_nb = {
	.notifier_call = ntx_netlink_notify,
};

/**
 * ntx_netlink_init() - register the family; events flow from here on
 *
 * Return: 0 or a negative errno.
 */
int ntx_netlink_init(void)
{
	int ret;

	ntx_event_wq = alloc_ordered_workqueue("ntexec_events", 0);
	if (!ntx_event_wq)
		return -ENOMEM;
	ret = netlink_register_notifier(&ntx_netlink_nb);
	if (ret)
		goto out_wq;
	ret = genl_register_family(&ntx_family);
	if (ret)
		goto out_notifier;
	spin_lock_irq(&ntx_pending_lock);
	ntx_live = true;
	spin_unlock_irq(&ntx_pending_lock);
	return 0;

out_notifier:
	netlink_unregister_notifier(&ntx_netlink_nb);
out_wq:
	destroy_workqueue(ntx_event_wq);
	return ret;
}

/**
 * ntx_netlink_exit() - unregister the family; pending events are dropped
 *
 * Called after every component that reports has stopped doing so.
 */
void ntx_netlink_exit(void)
{
	struct ntx_subscriber *sub, *stmp;
	struct ntx_event *ev, *tmp;

	spin_lock_irq(&ntx_pending_lock);
	ntx_live = false;
	spin_unlock_irq(&ntx_pending_lock);
	genl_unregister_family(&ntx_family);
	netlink_unregister_notifier(&ntx_netlink_nb);
	destroy_workqueue(ntx_event_wq);

	list_for_each_entry_safe(ev, tmp, &ntx_pending, node) {
		list_del(&ev->node);
		ntx_event_free(ev);
	}
	ntx_pending_count = 0;
	mutex_lock(&ntx_subs_lock);
	list_for_each_entry_safe(sub, stmp, &ntx_subs, node)
		ntx_sub_free(sub);
	ntx_subs_changed();
	mutex_unlock(&ntx_subs_lock);
}
