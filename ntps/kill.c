// SPDX-License-Identifier: GPL-2.0
/*
 * NtTerminateProcess and NtTerminateThread.
 *
 * Linux keeps 8 bits of an exit code; NT keeps 32. The status a terminate
 * asks for is recorded on the object first, and the exit probe
 * (ntps/process.c) reports it instead of the Linux code: NT waiters and
 * queries see all 32 bits, a Linux parent sees SIGKILL (for a process) or
 * the low 8 bits (for a last thread that ends with NtTerminateThread).
 */
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "../ntob/compat.h"
#include "ps.h"

/**
 * ps_unkillable() - would ps_kill_process() refuse this process?
 * @process: the process
 *
 * Init of the whole system, or of a pid namespace the caller is inside:
 * SIGKILL would be dropped (SIGNAL_UNKILLABLE), so the caller is told no
 * instead of a success that does nothing. Ancestor namespaces may kill a
 * namespace's init, as kill(2) may.
 *
 * Return: true for such a process.
 */
bool ps_unkillable(struct ps_process *process)
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

/*
 * NtTerminateProcess(NULL, status): every thread of the caller's process
 * but the caller ends, each with @status; the process lives on.
 */
static ntstatus_t ps_terminate_others(struct ps_process *caller, u32 status)
{
	struct ps_thread *thread;
	struct pid **pids;
	int i, n;

	n = ps_process_threads(caller, &pids);
	if (n < 0)
		return n == -ENOMEM ? STATUS_NO_MEMORY : STATUS_PROCESS_IS_TERMINATING;
	for (i = 0; i < n; i++) {
		if (pids[i] != task_pid(current)) {
			thread = ps_get_thread(pids[i]);
			if (thread) {
				ps_terminate_other(thread, status);
				ps_dereference_thread(thread);
			}
		}
		put_pid(pids[i]);
	}
	kfree(pids);
	return STATUS_SUCCESS;
}

/**
 * ps_terminate_process() - NtTerminateProcess
 * @caller: the calling process
 * @handle: the process (PROCESS_TERMINATE), or 0 for every thread of the
 *	caller's process but the caller
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
	ntstatus_t ret;

	if (!handle)
		return ps_terminate_others(caller, status);
	ret = ps_reference_process(caller, handle, PROCESS_TERMINATE, &process);
	if (ret)
		return ret;
	ret = ps_kill_process(process, status);
	ps_dereference_process(process);
	return ret;
}

/**
 * ps_kill_process() - end a process with an NT status
 * @process: the process (referenced by the caller)
 * @status: its exit status, all 32 bits of it
 *
 * The status is recorded first (a status recorded earlier stays), then the
 * thread group gets SIGKILL under kill(2)'s rules.
 *
 * Return: STATUS_SUCCESS, STATUS_PROCESS_IS_TERMINATING for a process that
 * has exited, STATUS_ACCESS_DENIED when kill(2) would refuse the signal.
 */
ntstatus_t ps_kill_process(struct ps_process *process, u32 status)
{
	bool recorded = false;
	ntstatus_t ret = STATUS_SUCCESS;
	int err;

	if (ps_unkillable(process))
		return STATUS_ACCESS_DENIED;
	spin_lock(&process->lock);
	if (process->exited)
		ret = STATUS_PROCESS_IS_TERMINATING;
	else
		recorded = ps_mark_terminating(process, status);
	spin_unlock(&process->lock);
	if (ret)
		return ret;
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
	return ret;
}

/**
 * ps_terminate_thread() - NtTerminateThread
 * @caller: the calling process
 * @handle: the thread (THREAD_TERMINATE)
 * @status: the exit status
 *
 * The thread leaves for exit(2) through the host stub (ntps/stub.c) and
 * runs no more user code of its own: another thread at once, the caller on
 * its way out of this call. A thread NtCreateThreadEx made frees its stack
 * and TEB first.
 *
 * Return: STATUS_SUCCESS, STATUS_THREAD_IS_TERMINATING, STATUS_ACCESS_DENIED
 * for a kernel-owned thread, or the handle's failure.
 */
ntstatus_t ps_terminate_thread(struct ps_process *caller, u64 handle, u32 status)
{
	struct ps_thread *thread;
	ntstatus_t ret;

	ret = ps_reference_thread_mm(caller, handle, THREAD_TERMINATE, &thread);
	if (ret)
		return ret;
	if (thread->task->flags & NTX_PF_WORKERS)
		ret = STATUS_ACCESS_DENIED;
	else if (thread->task != current)
		ret = ps_terminate_other(thread, status);
	else
		ps_terminate_self(thread, status);
	ps_dereference_thread(thread);
	return ret;
}
