// SPDX-License-Identifier: GPL-2.0
/*
 * Waits on objects: NtWaitForSingleObject, NtWaitForMultipleObjects and
 * NtDelayExecution.
 *
 * The waiting thread puts one entry on the wait queue of every object (and
 * on its own alert queue when the wait is alertable), then sleeps until the
 * condition holds, the deadline passes, it is alerted, or a signal arrives.
 * Deadlines are absolute, so a wait interrupted by a signal handler is
 * restarted with the same deadline (NTX_STATUS_RESTART, which the dispatch
 * turns into -ERESTARTNOINTR), which is what a Windows thread sees: a
 * non-alertable wait is not disturbed by the host's signals.
 *
 * Objects here (processes, threads) are signaled once and stay signaled,
 * so WaitAll needs no atomic acquisition across objects.
 */
#include <linux/hrtimer.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "ob.h"
#include "trace.h"

/* Timer slack for waits: NT's clock granularity is far coarser. */
#define OB_WAIT_SLACK_NS	50000

static ntstatus_t ob_wait_check(struct ob_object **objs, u32 count, bool wait_all)
{
	u32 i;

	for (i = 0; i < count; i++) {
		bool sig = READ_ONCE(objs[i]->signaled);

		if (!wait_all && sig)
			return STATUS_WAIT_0 + i;
		if (wait_all && !sig)
			return STATUS_PENDING;
	}
	return wait_all ? STATUS_WAIT_0 : STATUS_PENDING;
}

/**
 * ob_init_alert() - set up a thread's alert state
 * @alert: the state
 */
void ob_init_alert(struct ob_alert *alert)
{
	init_waitqueue_head(&alert->wait);
	INIT_LIST_HEAD(&alert->apcs);
}
EXPORT_SYMBOL_IF_KUNIT(ob_init_alert);

/**
 * ob_take_alert() - what ends an alertable wait besides its objects
 * @alert: the waiting thread's alert state
 *
 * In NT's order: an alert (consumed), then a pending user APC (left for the
 * caller to deliver).
 *
 * Return: STATUS_ALERTED, STATUS_USER_APC, or STATUS_PENDING for neither.
 */
ntstatus_t ob_take_alert(struct ob_alert *alert)
{
	ntstatus_t status = STATUS_PENDING;
	unsigned long flags;

	spin_lock_irqsave(&alert->wait.lock, flags);
	if (alert->alerted) {
		alert->alerted = false;
		status = STATUS_ALERTED;
	} else if (!list_empty(&alert->apcs)) {
		status = STATUS_USER_APC;
	}
	spin_unlock_irqrestore(&alert->wait.lock, flags);
	return status;
}

/**
 * ob_wait_objects() - wait for objects to be signaled
 * @objs: the referenced objects (the caller keeps the references)
 * @count: how many; 0 makes a plain delay
 * @wait_all: WaitAll rather than WaitAny
 * @alert: for an alertable wait, the waiting thread's alert state; NULL
 *	otherwise
 * @timeout: the deadline
 *
 * Objects come first: an alertable wait that is satisfied at once returns
 * that, as NT's does; then an alert, then a pending user APC.
 *
 * Return: STATUS_WAIT_0 + index (WaitAny), STATUS_WAIT_0 (WaitAll),
 * STATUS_SUCCESS (a delay that ran out), STATUS_TIMEOUT, STATUS_ALERTED,
 * STATUS_USER_APC, or NTX_STATUS_RESTART when a signal is pending.
 *
 * Context: process context, may sleep.
 */
ntstatus_t ob_wait_objects(struct ob_object **objs, u32 count, bool wait_all,
			   struct ob_alert *alert, const struct ob_timeout *timeout)
{
	struct wait_queue_entry *entries, alert_entry;
	bool expired = false;
	ntstatus_t status;
	ktime_t deadline;
	u32 i;

	entries = kcalloc(count, sizeof(*entries), GFP_KERNEL);
	if (count && !entries)
		return STATUS_NO_MEMORY;
	trace_ntexec_wait_begin(count, wait_all, alert, timeout->infinite);

	for (i = 0; i < count; i++) {
		init_waitqueue_entry(&entries[i], current);
		add_wait_queue(&objs[i]->wait, &entries[i]);
	}
	if (alert) {
		init_waitqueue_entry(&alert_entry, current);
		add_wait_queue(&alert->wait, &alert_entry);
	}

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		status = count ? ob_wait_check(objs, count, wait_all) : STATUS_PENDING;
		if (status != STATUS_PENDING)
			break;
		if (alert) {
			status = ob_take_alert(alert);
			if (status != STATUS_PENDING)
				break;
		}
		if (expired) {
			status = count ? STATUS_TIMEOUT : STATUS_SUCCESS;
			break;
		}
		if (signal_pending(current)) {
			status = NTX_STATUS_RESTART;
			break;
		}
		deadline = timeout->deadline;
		if (!schedule_hrtimeout_range_clock(timeout->infinite ? NULL : &deadline,
						    OB_WAIT_SLACK_NS, HRTIMER_MODE_ABS,
						    timeout->clock))
			expired = true;
	}
	__set_current_state(TASK_RUNNING);

	if (alert)
		remove_wait_queue(&alert->wait, &alert_entry);
	for (i = 0; i < count; i++)
		remove_wait_queue(&objs[i]->wait, &entries[i]);
	kfree(entries);
	trace_ntexec_wait_end(status);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ob_wait_objects);
