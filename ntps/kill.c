// SPDX-License-Identifier: GPL-2.0
/*
 * NtTerminateProcess and NtTerminateThread, and thread alerts
 * (NtAlertThread, NtTestAlert).
 *
 * Linux keeps 8 bits of an exit code; NT keeps 32. The status a terminate
 * asks for is recorded on the object first, and the exit probe
 * (ntps/process.c) reports it instead of the Linux code: NT waiters and
 * queries see all 32 bits, a Linux parent sees SIGKILL (for a process) or
 * the low 8 bits (for a last thread that ends with NtTerminateThread).
 */
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>

#include <kunit/visibility.h>

#include "ps.h"

/*
 * Init of the whole system, or of a pid namespace the caller is inside:
 * SIGKILL would be dropped (SIGNAL_UNKILLABLE), so the caller is told no
 * instead of a success that does nothing. Ancestor namespaces may kill a
 * namespace's init, as kill(2) may.
 */
static bool ps_unkillable(struct ps_process *process)
{
	struct task_struct *task;
	bool ret = false;

	rcu_read_lock();
	task = pid_task(process->pid, PIDTYPE_TGID);
	if (task && (is_global_init(task) ||
		     ((task->signal->flags & SIGNAL_UNKILLABLE) &&
		      task_pid_nr_ns(current, task_active_pid_ns(task)))))
		ret = true;
	rcu_read_unlock();
	return ret;
}

/**
 * ps_terminate_process() - NtTerminateProcess
 * @caller: the calling process
 * @handle: the process (PROCESS_TERMINATE)
 * @status: the exit status
 *
 * Terminating the caller returns STATUS_SUCCESS with SIGKILL pending: the
 * caller dies on its way back to user space.
 *
 * Return: STATUS_SUCCESS, STATUS_PROCESS_IS_TERMINATING for a process that
 * has exited, STATUS_ACCESS_DENIED when kill(2) would refuse the signal,
 * or the handle's failure.
 */
ntstatus_t ps_terminate_process(struct ps_process *caller, u64 handle, u32 status)
{
	struct ps_process *process;
	bool recorded = false;
	ntstatus_t ret;
	int err;

	ret = ps_reference_process(caller, handle, PROCESS_TERMINATE, &process);
	if (ret)
		return ret;
	if (ps_unkillable(process)) {
		ret = STATUS_ACCESS_DENIED;
		goto out;
	}
	spin_lock(&process->lock);
	if (process->exited) {
		ret = STATUS_PROCESS_IS_TERMINATING;
	} else if (!process->terminating) {
		process->terminating = true;
		process->terminate_status = status;
		recorded = true;
	}
	spin_unlock(&process->lock);
	if (ret)
		goto out;
	/*
	 * Not forced (priv 0): the signal code applies kill(2)'s rules too,
	 * so a pid namespace's init stays unkillable from inside it, as
	 * SIGNAL_UNKILLABLE means, while its ancestors may still kill it.
	 */
	err = kill_pid(process->pid, SIGKILL, 0);
	if (err) {
		ret = err == -EPERM ? STATUS_ACCESS_DENIED :
				      STATUS_PROCESS_IS_TERMINATING;
		if (recorded) {
			spin_lock(&process->lock);
			process->terminating = false;
			spin_unlock(&process->lock);
		}
	}
out:
	ps_dereference_process(process);
	return ret;
}

/**
 * ps_terminate_thread() - NtTerminateThread of the calling thread
 * @caller: the calling process
 * @handle: NtCurrentThread() or a handle to the calling thread
 *	(THREAD_TERMINATE)
 * @status: the exit status
 *
 * Records the status; the library then ends the thread with exit(2).
 * Terminating another thread belongs to thread control (not yet).
 *
 * Return: STATUS_SUCCESS, STATUS_NOT_SUPPORTED for another thread, or the
 * handle's failure.
 */
ntstatus_t ps_terminate_thread(struct ps_process *caller, u64 handle, u32 status)
{
	struct ps_thread *thread;
	ntstatus_t ret;

	ret = ps_reference_thread(caller, handle, THREAD_TERMINATE, &thread);
	if (ret)
		return ret;
	if (thread->task != current) {
		ret = STATUS_NOT_SUPPORTED;
	} else {
		spin_lock(&thread->lock);
		if (!thread->terminating) {
			thread->terminating = true;
			thread->terminate_status = status;
		}
		spin_unlock(&thread->lock);
	}
	ps_dereference_thread(thread);
	return ret;
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
	unsigned long flags;
	ntstatus_t ret;

	ret = ps_reference_thread(caller, handle, THREAD_ALERT, &thread);
	if (ret)
		return ret;
	spin_lock_irqsave(&thread->alert_wait.lock, flags);
	thread->alerted = true;
	spin_unlock_irqrestore(&thread->alert_wait.lock, flags);
	wake_up_all(&thread->alert_wait);
	ps_dereference_thread(thread);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_alert_thread);

/**
 * ps_test_alert() - NtTestAlert: consume the calling thread's alert
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
	spin_lock_irqsave(&thread->alert_wait.lock, flags);
	was = thread->alerted;
	thread->alerted = false;
	spin_unlock_irqrestore(&thread->alert_wait.lock, flags);
	ps_dereference_thread(thread);
	return was ? STATUS_ALERTED : STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_test_alert);
