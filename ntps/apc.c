// SPDX-License-Identifier: GPL-2.0
/*
 * Thread alerts and user APCs: NtAlertThread, NtTestAlert,
 * NtQueueApcThread, and the delivery of user APCs.
 *
 * NT delivers a user APC on the thread's way back to user mode from an
 * alertable wait (or NtTestAlert): KiUserApcDispatcher in ntdll calls the
 * routine, then NtContinue takes the next. Here the same split: the module
 * keeps each thread's queue (struct ob_alert, in FIFO order) and ends an
 * alertable wait with STATUS_USER_APC while the queue is not empty
 * (ntob/wait.c); libntexec, as ntdll does, then takes the records
 * (ps_take_apcs()) and calls each routine in the thread, and the wait
 * returns STATUS_USER_APC. A non-alertable wait never sees them.
 *
 * Each record is charged to the queueing process's memory cgroup, and a
 * thread holds at most PS_APC_MAX of them. The queue goes when the thread
 * exits (ps_drop_apcs() from the exit probe) and, for what raced with that,
 * when the object goes.
 *
 * Locks: ps_thread.alert.wait.lock (irqsave, a leaf) protects the queue and
 * the alert flag.
 */
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <kunit/visibility.h>

#include "../ntob/compat.h"
#include "ps.h"

/* Pending user APCs per thread. */
#define PS_APC_MAX	4096

/**
 * struct ps_apc - a queued user APC
 * @node: in the thread's queue
 * @apc: the routine, its arguments and flags, as user space gets them
 */
struct ps_apc {
	struct list_head node;
	struct ntexec_apc apc;
};

/**
 * ps_alert() - alert a thread: its next (or current) alertable wait ends
 * @thread: the thread
 */
void ps_alert(struct ps_thread *thread)
{
	unsigned long flags;

	spin_lock_irqsave(&thread->alert.wait.lock, flags);
	thread->alert.alerted = true;
	spin_unlock_irqrestore(&thread->alert.wait.lock, flags);
	wake_up_all(&thread->alert.wait);
}

/**
 * ps_alert_thread() - NtAlertThread
 * @caller: the calling process
 * @handle: the thread (THREAD_ALERT)
 *
 * Return: STATUS_SUCCESS or the handle's failure.
 */
ntstatus_t ps_alert_thread(struct ps_process *caller, u64 handle)
{
	struct ps_thread *thread;
	ntstatus_t ret;

	ret = ps_reference_thread(caller, handle, THREAD_ALERT, &thread);
	if (ret)
		return ret;
	ps_alert(thread);
	ps_dereference_thread(thread);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_alert_thread);

/**
 * ps_test_alert() - NtTestAlert: consume the calling thread's alert
 *
 * Pending user APCs are the library's to deliver after this call.
 *
 * Return: STATUS_ALERTED when it was alerted, else STATUS_SUCCESS.
 */
ntstatus_t ps_test_alert(void)
{
	struct ps_thread *thread = ps_current_thread();
	unsigned long flags;
	bool was;

	if (!thread)
		return STATUS_NO_MEMORY;
	spin_lock_irqsave(&thread->alert.wait.lock, flags);
	was = thread->alert.alerted;
	thread->alert.alerted = false;
	spin_unlock_irqrestore(&thread->alert.wait.lock, flags);
	ps_dereference_thread(thread);
	return was ? STATUS_ALERTED : STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_test_alert);

/**
 * ps_queue_apc() - NtQueueApcThread
 * @caller: the calling process
 * @handle: the thread (THREAD_SET_CONTEXT)
 * @apc: the routine and its arguments; @apc->flags NTEXEC_APC_MS_ABI or 0
 *
 * The routine is not checked, as NT does not: it runs in the target
 * thread, which the caller may redirect anyway with the same right.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER for unknown flags,
 * STATUS_UNSUCCESSFUL for a thread that has exited (NT's answer when the
 * APC cannot be inserted), STATUS_QUOTA_EXCEEDED past PS_APC_MAX,
 * STATUS_NO_MEMORY, STATUS_ACCESS_DENIED for a kernel-owned thread, or the
 * handle's failure.
 */
ntstatus_t ps_queue_apc(struct ps_process *caller, u64 handle,
			const struct ntexec_apc *apc)
{
	struct ps_thread *thread;
	unsigned long flags;
	struct ps_apc *rec;
	ntstatus_t status;

	if (apc->flags & ~NTEXEC_APC_MS_ABI)
		return STATUS_INVALID_PARAMETER;
	status = ps_reference_thread_mm(caller, handle, THREAD_SET_CONTEXT, &thread);
	if (status)
		return status;
	if (thread->task->flags & NTX_PF_WORKERS) {
		status = STATUS_ACCESS_DENIED;
		goto out;
	}
	rec = kmalloc(sizeof(*rec), GFP_KERNEL_ACCOUNT);
	if (!rec) {
		status = STATUS_NO_MEMORY;
		goto out;
	}
	rec->apc = *apc;
	spin_lock_irqsave(&thread->alert.wait.lock, flags);
	if (READ_ONCE(thread->exited)) {
		status = STATUS_UNSUCCESSFUL;
	} else if (thread->alert.apc_count >= PS_APC_MAX) {
		status = STATUS_QUOTA_EXCEEDED;
	} else {
		list_add_tail(&rec->node, &thread->alert.apcs);
		thread->alert.apc_count++;
		rec = NULL;
	}
	spin_unlock_irqrestore(&thread->alert.wait.lock, flags);
	kfree(rec);
	if (!status)
		wake_up_all(&thread->alert.wait);
out:
	ps_dereference_thread(thread);
	return status;
}

/**
 * ps_take_apcs() - take the calling thread's oldest user APCs
 * @out: room for @capacity records
 * @capacity: how many may be taken
 * @count: out: how many were
 *
 * Return: STATUS_SUCCESS (with @count 0 when none is pending) or
 * STATUS_NO_MEMORY.
 */
ntstatus_t ps_take_apcs(struct ntexec_apc *out, u32 capacity, u32 *count)
{
	struct ps_thread *thread = ps_current_thread();
	struct ps_apc *rec, *tmp;
	unsigned long flags;
	LIST_HEAD(taken);
	u32 n = 0;

	*count = 0;
	if (!thread)
		return STATUS_NO_MEMORY;
	spin_lock_irqsave(&thread->alert.wait.lock, flags);
	list_for_each_entry_safe(rec, tmp, &thread->alert.apcs, node) {
		if (n == capacity)
			break;
		list_move_tail(&rec->node, &taken);
		thread->alert.apc_count--;
		n++;
	}
	spin_unlock_irqrestore(&thread->alert.wait.lock, flags);
	ps_dereference_thread(thread);
	n = 0;
	list_for_each_entry_safe(rec, tmp, &taken, node) {
		out[n++] = rec->apc;
		kfree(rec);
	}
	*count = n;
	return STATUS_SUCCESS;
}

/**
 * ps_drop_apcs() - free a thread's queue (its exit, or its object's end)
 * @thread: the thread
 *
 * Context: any; takes the queue's lock.
 */
void ps_drop_apcs(struct ps_thread *thread)
{
	struct ps_apc *rec, *tmp;
	unsigned long flags;
	LIST_HEAD(dropped);

	spin_lock_irqsave(&thread->alert.wait.lock, flags);
	list_splice_init(&thread->alert.apcs, &dropped);
	thread->alert.apc_count = 0;
	spin_unlock_irqrestore(&thread->alert.wait.lock, flags);
	list_for_each_entry_safe(rec, tmp, &dropped, node)
		kfree(rec);
}
