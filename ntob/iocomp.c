// SPDX-License-Identifier: GPL-2.0
/*
 * I/O completion objects: NT's IoCompletion type, a KQUEUE behind a
 * handle. NtCreateIoCompletion, NtOpenIoCompletion (names live in the
 * object namespace, dir.c), NtSetIoCompletion, NtRemoveIoCompletion(Ex),
 * NtQueryIoCompletion; and the sink of a job's messages (ntps/job.c posts
 * them with ob_iocomp_post()).
 *
 * A queue is a FIFO of packets. The object is signaled while it holds a
 * packet, so NtWaitForSingleObject on it returns when there is work (as a
 * KQUEUE's SignalState is its count) without taking the packet. Removers
 * wait exclusively on the object's wait queue: a post wakes every plain
 * waiter and one remover; a remover that leaves without a packet while
 * packets remain (a timeout, an alert, a signal) passes the wake-up on.
 * Windows' concurrency limit (NumberOfConcurrentThreads) is recorded but
 * not applied: Linux's scheduler does not tell a module when a thread that
 * took a packet blocks.
 *
 * Lifetime: an ordinary object (ob.c); the packets belong to the queue and
 * go with it. Each is charged to the poster's memory cgroup; a queue holds
 * at most OB_IOCOMP_MAX_DEPTH.
 *
 * Locks: the object's wait-queue lock (irqsave) protects the packets, the
 * depth and the signaled state: a leaf. Posting is allowed from atomic
 * context (with GFP_ATOMIC), which the job's fork probe needs.
 */
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "ob.h"

#define OB_IOCOMP_SLACK_NS	50000

/**
 * struct ob_iocomp - an I/O completion object
 * @ob: object header; @ob.wait.lock protects the fields below
 * @packets: the queue, oldest first
 * @depth: its length
 * @concurrency: NumberOfConcurrentThreads (0: the number of CPUs); recorded
 */
struct ob_iocomp {
	struct ob_object ob;
	struct list_head packets;
	u32 depth;
	u32 concurrency;
};

struct ob_iocomp_entry {
	struct list_head node;
	struct ob_io_packet packet;
};

static atomic_long_t ob_iocomps = ATOMIC_LONG_INIT(0);

static void ob_iocomp_destroy(struct ob_object *obj)
{
	struct ob_iocomp *port = container_of(obj, struct ob_iocomp, ob);
	struct ob_iocomp_entry *e, *tmp;

	/* The last reference: nobody can post or remove any more. */
	list_for_each_entry_safe(e, tmp, &port->packets, node)
		kfree(e);
	atomic_long_dec(&ob_iocomps);
	kfree_rcu(port, ob.rcu);
}

const struct ob_type ob_iocomp_type = {
	.name = "IoCompletion",
	.valid_access = IO_COMPLETION_ALL_ACCESS,
	.generic = { STANDARD_RIGHTS_READ | IO_COMPLETION_QUERY_STATE,
		     STANDARD_RIGHTS_WRITE | IO_COMPLETION_MODIFY_STATE,
		     STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE,
		     IO_COMPLETION_ALL_ACCESS },
	.destroy = ob_iocomp_destroy,
};
EXPORT_SYMBOL_IF_KUNIT(ob_iocomp_type);

/**
 * ob_create_iocomp() - make an empty I/O completion object
 * @concurrency: NumberOfConcurrentThreads
 * @out: the object (one reference)
 *
 * Return: STATUS_SUCCESS or STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t ob_create_iocomp(u32 concurrency, struct ob_iocomp **out)
{
	struct ob_iocomp *port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);

	if (!port)
		return STATUS_INSUFFICIENT_RESOURCES;
	ob_init_object(&port->ob, &ob_iocomp_type);
	INIT_LIST_HEAD(&port->packets);
	port->concurrency = concurrency;
	atomic_long_inc(&ob_iocomps);
	*out = port;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ob_create_iocomp);

struct ob_object *ob_iocomp_object(struct ob_iocomp *port)
{
	return &port->ob;
}
EXPORT_SYMBOL_IF_KUNIT(ob_iocomp_object);

/* The queue of an object of ob_iocomp_type. */
struct ob_iocomp *ob_iocomp_of(struct ob_object *obj)
{
	return container_of(obj, struct ob_iocomp, ob);
}
EXPORT_SYMBOL_IF_KUNIT(ob_iocomp_of);

/* I/O completion objects alive, for leak checks. */
long ob_iocomp_count(void)
{
	return atomic_long_read(&ob_iocomps);
}
EXPORT_SYMBOL_IF_KUNIT(ob_iocomp_count);

/**
 * ob_iocomp_post() - queue a packet (NtSetIoCompletion, a job message)
 * @port: the queue
 * @packet: the packet
 * @gfp: GFP_KERNEL_ACCOUNT from a service, GFP_ATOMIC from a probe
 *
 * Return: STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES, or
 * STATUS_QUOTA_EXCEEDED when the queue is full.
 *
 * Context: any.
 */
ntstatus_t ob_iocomp_post(struct ob_iocomp *port, const struct ob_io_packet *packet,
			  gfp_t gfp)
{
	struct ob_iocomp_entry *e = kmalloc(sizeof(*e), gfp | __GFP_NOWARN);
	unsigned long flags;
	bool full;

	if (!e)
		return STATUS_INSUFFICIENT_RESOURCES;
	e->packet = *packet;
	spin_lock_irqsave(&port->ob.wait.lock, flags);
	full = port->depth >= OB_IOCOMP_MAX_DEPTH;
	if (!full) {
		list_add_tail(&e->node, &port->packets);
		port->depth++;
		WRITE_ONCE(port->ob.signaled, true);
		/* Every plain waiter, one remover (exclusive). */
		wake_up_locked(&port->ob.wait);
	}
	spin_unlock_irqrestore(&port->ob.wait.lock, flags);
	if (full) {
		kfree(e);
		return STATUS_QUOTA_EXCEEDED;
	}
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ob_iocomp_post);

/* Take up to @max packets into @out; the wait-queue lock is held. */
static u32 ob_iocomp_take(struct ob_iocomp *port, struct ob_io_packet *out, u32 max,
			  struct list_head *done)
{
	struct ob_iocomp_entry *e, *tmp;
	u32 n = 0;

	lockdep_assert_held(&port->ob.wait.lock);
	list_for_each_entry_safe(e, tmp, &port->packets, node) {
		if (n == max)
			break;
		out[n++] = e->packet;
		list_move_tail(&e->node, done);
		port->depth--;
	}
	WRITE_ONCE(port->ob.signaled, port->depth != 0);
	return n;
}

/**
 * ob_iocomp_remove() - NtRemoveIoCompletion(Ex): take packets, waiting
 * @port: the queue
 * @out: room for @max packets
 * @max: at least 1
 * @removed: out: how many were taken
 * @alert: the waiting thread's alert state for an alertable wait, else NULL
 * @timeout: the deadline
 *
 * Packets come first: an alertable remove that finds one returns it. An
 * alert or a pending user APC ends an alertable wait with nothing taken.
 *
 * Return: STATUS_SUCCESS (at least one packet), STATUS_TIMEOUT,
 * STATUS_ALERTED, STATUS_USER_APC, or NTX_STATUS_RESTART for a signal
 * (nothing taken; the deadline is absolute, so the restart keeps it).
 *
 * Context: process context, may sleep.
 */
ntstatus_t ob_iocomp_remove(struct ob_iocomp *port, struct ob_io_packet *out, u32 max,
			    u32 *removed, struct ob_alert *alert,
			    const struct ob_timeout *timeout)
{
	struct wait_queue_entry entry, alert_entry;
	struct ob_iocomp_entry *e, *tmp;
	ntstatus_t status = STATUS_PENDING;
	bool expired = false;
	unsigned long flags;
	LIST_HEAD(done);
	ktime_t deadline;
	u32 n = 0;

	*removed = 0;
	init_wait_entry(&entry, 0);
	if (alert) {
		init_waitqueue_entry(&alert_entry, current);
		add_wait_queue(&alert->wait, &alert_entry);
	}
	for (;;) {
		prepare_to_wait_exclusive(&port->ob.wait, &entry, TASK_INTERRUPTIBLE);
		spin_lock_irqsave(&port->ob.wait.lock, flags);
		n = ob_iocomp_take(port, out, max, &done);
		spin_unlock_irqrestore(&port->ob.wait.lock, flags);
		if (n) {
			status = STATUS_SUCCESS;
			break;
		}
		if (alert) {
			status = ob_take_alert(alert);
			if (status != STATUS_PENDING)
				break;
		}
		if (expired) {
			status = STATUS_TIMEOUT;
			break;
		}
		if (signal_pending(current)) {
			status = NTX_STATUS_RESTART;
			break;
		}
		deadline = timeout->deadline;
		if (!schedule_hrtimeout_range_clock(timeout->infinite ? NULL : &deadline,
						    OB_IOCOMP_SLACK_NS, HRTIMER_MODE_ABS,
						    timeout->clock))
			expired = true;
	}
	finish_wait(&port->ob.wait, &entry);
	if (alert)
		remove_wait_queue(&alert->wait, &alert_entry);
	/* A wake-up this remover took but did not use goes to the next one. */
	if (READ_ONCE(port->ob.signaled))
		wake_up(&port->ob.wait);
	list_for_each_entry_safe(e, tmp, &done, node)
		kfree(e);
	*removed = n;
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ob_iocomp_remove);

/**
 * ob_iocomp_depth() - the packets queued (IO_COMPLETION_BASIC_INFORMATION)
 * @port: the queue
 *
 * Return: the depth.
 */
u32 ob_iocomp_depth(struct ob_iocomp *port)
{
	return READ_ONCE(port->depth);
}
EXPORT_SYMBOL_IF_KUNIT(ob_iocomp_depth);
