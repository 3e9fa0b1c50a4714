// SPDX-License-Identifier: GPL-2.0
/*
 * Thread suspend and resume: NtSuspendThread, NtResumeThread,
 * NtAlertResumeThread, NtSuspendProcess, NtResumeProcess, and the park that
 * keeps a thread out of user mode for them and for context operations
 * (ntps/context.c).
 *
 * The park. A thread is stopped the way the kernel stops one for its own
 * purposes, with only exported symbols: a task_work queued with TWA_SIGNAL
 * (which ends interruptible sleeps, so a thread blocked in read() on a pipe
 * leaves its system call at once, to restart it later) runs in the thread,
 * in get_signal(), on its way back to user space (or in io_uring's and
 * KVM's own task_work runs, inside their system calls). There the thread
 * moves its user FPU state to memory (kernel_fpu_begin()/_end(): the state
 * stays in memory until the return to user space reloads it) and sleeps,
 * TASK_KILLABLE, until its suspend count and holds are zero. Its user
 * registers are then in pt_regs and its FPU state in its fpstate, where a
 * context operation reads and writes them as ptrace does for a stopped
 * tracee. SIGKILL (NtTerminateProcess, exit_group(), execve() of another
 * thread, a core dump) wakes it and it goes on to die; the freezer may
 * freeze it there.
 *
 * A system call interrupted by the park has not been restarted yet when the
 * thread parks (get_signal() runs before the restart fix-up): its pt_regs
 * hold -ERESTART* in ax. The context operations show the state the thread
 * will resume in (ip back on the syscall instruction, ax the system call
 * number, as ptrace shows it), and a context set commits that state and
 * turns the restart logic off (orig_ax = -1), as sigreturn does.
 *
 * State (struct ps_suspend, under ps_thread.lock): the NT suspend count,
 * the part of it NtSuspendProcess added (so NtResumeProcess takes back
 * exactly that), the holds of context operations in progress (they park the
 * thread without changing its count), whether the park work is queued and
 * whether the thread is parked. The transitions are the pure functions
 * below, which KUnit drives (kunit/thread_test.c).
 *
 * Lifetimes. One park work at a time (@queued), embedded in the thread: it
 * holds a reference to the thread and one to the module from its queueing
 * until its callback returns, because a queued task_work cannot be
 * cancelled with exported symbols (task_work_cancel() is not). A parked
 * thread therefore keeps the module loaded: rmmod is refused (not blocked)
 * until it is resumed or killed.
 *
 * Locks: ps_thread.context_lock (mutex) -> ps_thread.lock (spinlock); the
 * suspend_wait lock is a leaf, taken with neither held (ntob/ob.h).
 */
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <asm/fpu/api.h>

#include <kunit/visibility.h>

#include "../ntob/compat.h"
#include "ps.h"

/**
 * ps_suspend_inc() - count one suspension
 * @s: the state
 * @by_process: NtSuspendProcess counts it
 * @previous: out: the count before
 * @queue: out: the caller must queue the park work
 *
 * Return: STATUS_SUCCESS or STATUS_SUSPEND_COUNT_EXCEEDED (nothing changed).
 */
ntstatus_t ps_suspend_inc(struct ps_suspend *s, bool by_process, u32 *previous,
			  bool *queue)
{
	*queue = false;
	*previous = s->count;
	if (s->count >= MAXIMUM_SUSPEND_COUNT)
		return STATUS_SUSPEND_COUNT_EXCEEDED;
	s->count++;
	if (by_process)
		s->by_process++;
	if (!s->queued) {
		s->queued = true;
		*queue = true;
	}
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_suspend_inc);

/**
 * ps_suspend_dec() - take one suspension back
 * @s: the state
 * @by_process: NtResumeProcess: only what NtSuspendProcess added
 *
 * A resume at count zero is not an error. A thread resumed by
 * NtResumeThread below what NtSuspendProcess added owes the process only
 * what is left.
 *
 * Return: the count before.
 */
u32 ps_suspend_dec(struct ps_suspend *s, bool by_process)
{
	u32 previous = s->count;

	if (by_process && !s->by_process)
		return previous;
	if (s->count)
		s->count--;
	if (by_process)
		s->by_process--;
	s->by_process = min(s->by_process, s->count);
	return previous;
}
EXPORT_SYMBOL_IF_KUNIT(ps_suspend_dec);

/* Whether the thread must stay out of user mode. */
bool ps_suspend_wanted(const struct ps_suspend *s)
{
	return s->count || s->holds;
}
EXPORT_SYMBOL_IF_KUNIT(ps_suspend_wanted);

/* A context operation holds the thread parked. Return: queue the work. */
bool ps_suspend_hold(struct ps_suspend *s)
{
	s->holds++;
	if (s->queued)
		return false;
	s->queued = true;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(ps_suspend_hold);

void ps_suspend_unhold(struct ps_suspend *s)
{
	if (!WARN_ON_ONCE(!s->holds))
		s->holds--;
}
EXPORT_SYMBOL_IF_KUNIT(ps_suspend_unhold);

/*
 * The park work runs. Return: true when the thread parks; else the work is
 * done (nothing wanted any more, or the thread is exiting).
 */
bool ps_park_enter(struct ps_suspend *s, bool exiting)
{
	if (exiting || !ps_suspend_wanted(s)) {
		s->queued = false;
		return false;
	}
	s->parked = true;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(ps_park_enter);

/* The parked thread was woken. Return: true when it leaves the park. */
bool ps_park_leave(struct ps_suspend *s, bool fatal)
{
	if (!fatal && ps_suspend_wanted(s))
		return false;
	s->parked = false;
	s->queued = false;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(ps_park_leave);

/* Kernel-owned threads of a process (io_uring workers, vhost) are not NT's. */
static bool ps_worker(struct task_struct *task)
{
	return task->flags & NTX_PF_WORKERS;
}

/*
 * A service of the host stub (ntps/stub.c: an exit, a clone) needs the
 * thread in user mode, in the stub: the park lets it go for that (and does
 * not take it while a clone it hosts is on its way), and the service parks
 * it again when it is done, if the thread is still wanted there
 * (ps_repark()). Under @thread->lock.
 */
static bool ps_served(struct ps_thread *thread)
{
	return thread->serve || thread->remote || thread->exit_queued || thread->clone;
}

static bool ps_may_leave(struct ps_thread *thread)
{
	bool ret;

	if (fatal_signal_pending(current))
		return true;
	spin_lock(&thread->lock);
	ret = !ps_suspend_wanted(&thread->suspend) || ps_served(thread);
	spin_unlock(&thread->lock);
	return ret;
}

/* The park work: see the top of this file. */
static void ps_park(struct callback_head *work)
{
	struct ps_thread *thread = container_of(work, struct ps_thread, park_work);
	bool exiting = current->flags & PF_EXITING;
	bool park;

	/* The user FPU state to memory, where it stays until user mode. */
	if (!exiting) {
		kernel_fpu_begin();
		kernel_fpu_end();
	}
	spin_lock(&thread->lock);
	park = ps_park_enter(&thread->suspend, exiting || ps_served(thread));
	spin_unlock(&thread->lock);
	/* Context operations wait for the park, or for its end. */
	wake_up_all(&thread->suspend_wait);

	while (park) {
		wait_event_state(thread->suspend_wait, ps_may_leave(thread),
				 (TASK_KILLABLE | TASK_FREEZABLE));
		/* Not while a context operation works on the parked state. */
		mutex_lock(&thread->context_lock);
		spin_lock(&thread->lock);
		park = !ps_park_leave(&thread->suspend, fatal_signal_pending(current) ||
				      ps_served(thread));
		spin_unlock(&thread->lock);
		mutex_unlock(&thread->context_lock);
	}
	wake_up_all(&thread->suspend_wait);
	ps_dereference_thread(thread);
	/*
	 * The queueing's module reference, last, as in ntmm/remote.c: an
	 * unload must still wait for an RCU grace period before it frees
	 * this text.
	 */
	module_put(THIS_MODULE);
}

/* Queue the park work; the caller set @suspend.queued. */
static void ps_queue_park(struct ps_thread *thread)
{
	ob_reference(&thread->ob);
	__module_get(THIS_MODULE);
	init_task_work(&thread->park_work, ps_park);
	if (!task_work_add(thread->task, &thread->park_work, TWA_SIGNAL))
		return;
	/* The thread is past its last task_work run: it is exiting. */
	spin_lock(&thread->lock);
	thread->suspend.queued = false;
	spin_unlock(&thread->lock);
	wake_up_all(&thread->suspend_wait);
	module_put(THIS_MODULE);
	ps_dereference_thread(thread);
}

void ps_thread_init_suspend(struct ps_thread *thread)
{
	init_waitqueue_head(&thread->suspend_wait);
	mutex_init(&thread->context_lock);
}

/* The exit probe recorded the thread's exit: context waiters give up. */
void ps_thread_exit_suspend(struct ps_thread *thread)
{
	wake_up_all(&thread->suspend_wait);
}

u32 ps_thread_suspend_count(struct ps_thread *thread)
{
	u32 count;

	spin_lock(&thread->lock);
	count = thread->suspend.count;
	spin_unlock(&thread->lock);
	return count;
}

static ntstatus_t ps_suspend_one(struct ps_thread *thread, bool by_process,
				 u32 *previous)
{
	ntstatus_t status;
	bool queue = false;

	if (ps_worker(thread->task))
		return STATUS_ACCESS_DENIED;
	spin_lock(&thread->lock);
	if (thread->exited || (thread->task->flags & PF_EXITING))
		status = STATUS_THREAD_IS_TERMINATING;
	else
		status = ps_suspend_inc(&thread->suspend, by_process, previous, &queue);
	spin_unlock(&thread->lock);
	if (queue)
		ps_queue_park(thread);
	return status;
}

/**
 * ps_suspend_new() - count THREAD_CREATE_FLAGS_CREATE_SUSPENDED's suspension
 * @thread: a new thread, before its creator has its answer
 *
 * The count is in place before the creator can resume the thread (or queue
 * it an APC and resume it); the park itself is queued by ps_park_new() once
 * the thread knows whether it runs.
 *
 * Context: @thread->lock held.
 * Return: true when ps_park_new() must queue the park work.
 */
bool ps_suspend_new(struct ps_thread *thread)
{
	u32 previous;
	bool queue;

	lockdep_assert_held(&thread->lock);
	/* Only a count at MAXIMUM_SUSPEND_COUNT fails: suspended enough. */
	ps_suspend_inc(&thread->suspend, false, &previous, &queue);
	return queue;
}

/**
 * ps_park_new() - queue the park ps_suspend_new() asked for
 * @thread: the calling thread
 *
 * A thread sent to its exit meanwhile does not park (ps_served()).
 */
void ps_park_new(struct ps_thread *thread)
{
	ps_queue_park(thread);
}

/**
 * ps_repark() - park a thread again after a service of the stub
 * @thread: the calling thread
 */
void ps_repark(struct ps_thread *thread)
{
	bool queue = false;

	spin_lock(&thread->lock);
	if (ps_suspend_wanted(&thread->suspend) && !thread->suspend.queued &&
	    !thread->exited) {
		thread->suspend.queued = true;
		queue = true;
	}
	spin_unlock(&thread->lock);
	if (queue)
		ps_queue_park(thread);
}

static u32 ps_resume_one(struct ps_thread *thread, bool by_process)
{
	bool wake;
	u32 previous;

	spin_lock(&thread->lock);
	previous = ps_suspend_dec(&thread->suspend, by_process);
	wake = thread->suspend.parked && !ps_suspend_wanted(&thread->suspend);
	spin_unlock(&thread->lock);
	if (wake)
		wake_up_all(&thread->suspend_wait);
	return previous;
}

/**
 * ps_suspend_thread() - NtSuspendThread
 * @caller: the calling process
 * @handle: the thread (THREAD_SUSPEND_RESUME)
 * @previous: out: the suspend count before
 *
 * As on Windows, the call does not wait for the thread to stop; it stops
 * before it runs user code again (a context operation waits for that).
 * The calling thread suspends itself on its way out of this call, which
 * returns only once it is resumed.
 *
 * Return: STATUS_SUCCESS, STATUS_SUSPEND_COUNT_EXCEEDED,
 * STATUS_THREAD_IS_TERMINATING, or the handle's failure.
 */
ntstatus_t ps_suspend_thread(struct ps_process *caller, u64 handle, u32 *previous)
{
	struct ps_thread *thread;
	ntstatus_t status;

	status = ps_reference_thread_mm(caller, handle, THREAD_SUSPEND_RESUME, &thread);
	if (status)
		return status;
	status = ps_suspend_one(thread, false, previous);
	ps_dereference_thread(thread);
	return status;
}

/**
 * ps_resume_thread() - NtResumeThread, NtAlertResumeThread
 * @caller: the calling process
 * @handle: the thread (THREAD_SUSPEND_RESUME)
 * @alert: alert the thread first (NtAlertResumeThread)
 * @previous: out: the suspend count before (0: nothing to resume, not an
 *	error)
 *
 * Return: STATUS_SUCCESS or the handle's failure.
 */
ntstatus_t ps_resume_thread(struct ps_process *caller, u64 handle, bool alert,
			    u32 *previous)
{
	struct ps_thread *thread;
	ntstatus_t status;

	status = ps_reference_thread_mm(caller, handle, THREAD_SUSPEND_RESUME, &thread);
	if (status)
		return status;
	if (alert)
		ps_alert(thread);
	*previous = ps_resume_one(thread, false);
	ps_dereference_thread(thread);
	return STATUS_SUCCESS;
}

/**
 * ps_process_threads() - the live threads of a process, a snapshot
 * @process: the process
 * @out: out: their struct pids (each referenced; kfree() the array)
 *
 * Exiting threads and kernel-owned workers are left out.
 *
 * Return: the number, or -errno (-ESRCH: no live thread).
 */
int ps_process_threads(struct ps_process *process, struct pid ***out)
{
	struct task_struct *leader, *t;
	struct mm_struct *mm;
	struct pid **pids;
	int n, max;

	leader = ps_mm_thread(process, &mm);
	if (!leader)
		return -ESRCH;
	mmput(mm);
	max = get_nr_threads(leader) + 8;
	for (;;) {
		pids = kcalloc(max, sizeof(*pids), GFP_KERNEL);
		if (!pids) {
			put_task_struct(leader);
			return -ENOMEM;
		}
		n = 0;
		rcu_read_lock();
		for_each_thread(leader, t) {
			if (n == max)
				break;
			if (!(t->flags & PF_EXITING) && !ps_worker(t))
				pids[n++] = get_pid(task_pid(t));
		}
		rcu_read_unlock();
		if (n < max)
			break;
		while (n--)
			put_pid(pids[n]);
		kfree(pids);
		max *= 2;
	}
	put_task_struct(leader);
	*out = pids;
	return n;
}

static ntstatus_t ps_suspend_resume_process(struct ps_process *caller, u64 handle,
					    bool suspend)
{
	struct ps_process *process;
	struct ps_thread *thread;
	struct pid **pids;
	ntstatus_t status;
	u32 previous;
	int i, n;

	status = ps_reference_process_mm(caller, handle, PROCESS_SUSPEND_RESUME,
					 &process, NULL);
	if (status)
		return status;
	n = ps_process_threads(process, &pids);
	if (n < 0) {
		status = n == -ENOMEM ? STATUS_NO_MEMORY : STATUS_PROCESS_IS_TERMINATING;
		goto out;
	}
	for (i = 0; i < n; i++) {
		thread = ps_get_thread(pids[i]);
		put_pid(pids[i]);
		if (!thread)
			continue;
		/* A thread at the limit or exiting is left as it is. */
		if (suspend)
			ps_suspend_one(thread, true, &previous);
		else
			ps_resume_one(thread, true);
		ps_dereference_thread(thread);
	}
	kfree(pids);
out:
	ps_dereference_process(process);
	return status;
}

/**
 * ps_suspend_process() - NtSuspendProcess: suspend every thread
 * @caller: the calling process
 * @handle: the process (PROCESS_SUSPEND_RESUME)
 *
 * Each thread's count goes up by one (a thread at the limit is left), and
 * the thread remembers it, so that NtResumeProcess undoes exactly this. A
 * thread created while the call runs may be missed, as on Windows.
 *
 * Return: STATUS_SUCCESS, STATUS_PROCESS_IS_TERMINATING, STATUS_NO_MEMORY,
 * or the handle's failure.
 */
ntstatus_t ps_suspend_process(struct ps_process *caller, u64 handle)
{
	return ps_suspend_resume_process(caller, handle, true);
}

/**
 * ps_resume_process() - NtResumeProcess: take back what NtSuspendProcess did
 * @caller: the calling process
 * @handle: the process (PROCESS_SUSPEND_RESUME)
 *
 * Return: as ps_suspend_process().
 */
ntstatus_t ps_resume_process(struct ps_process *caller, u64 handle)
{
	return ps_suspend_resume_process(caller, handle, false);
}

static bool ps_parked_or_gone(struct ps_thread *thread)
{
	bool ret;

	spin_lock(&thread->lock);
	ret = thread->suspend.parked || !thread->suspend.queued || thread->exited;
	spin_unlock(&thread->lock);
	return ret;
}

static void ps_unhold(struct ps_thread *thread)
{
	bool wake;

	spin_lock(&thread->lock);
	ps_suspend_unhold(&thread->suspend);
	wake = !ps_suspend_wanted(&thread->suspend);
	spin_unlock(&thread->lock);
	if (wake)
		wake_up_all(&thread->suspend_wait);
}

/**
 * ps_hold_parked() - park another thread and hold it there
 * @thread: the thread (not the caller)
 *
 * For a context operation: the thread is parked (its user state in memory,
 * see the top of this file) and stays so, whatever its suspend count, until
 * ps_release_parked(). The wait is interruptible: the ioctl then restarts.
 * A thread that is not parked yet (a running one, as Windows allows) parks
 * for the operation only.
 *
 * Return: STATUS_SUCCESS with @thread->context_lock held,
 * STATUS_THREAD_IS_TERMINATING, or NTX_STATUS_RESTART.
 */
ntstatus_t ps_hold_parked(struct ps_thread *thread)
{
	ntstatus_t status = STATUS_SUCCESS;
	bool queue;

	spin_lock(&thread->lock);
	/* A thread sent to its exit (ntps/stub.c) keeps its way out. */
	if (thread->exited || thread->exit_queued) {
		spin_unlock(&thread->lock);
		return STATUS_THREAD_IS_TERMINATING;
	}
	queue = ps_suspend_hold(&thread->suspend);
	spin_unlock(&thread->lock);
	if (queue)
		ps_queue_park(thread);

	if (wait_event_interruptible(thread->suspend_wait, ps_parked_or_gone(thread))) {
		status = NTX_STATUS_RESTART;
	} else {
		mutex_lock(&thread->context_lock);
		spin_lock(&thread->lock);
		if (!thread->suspend.parked)
			status = STATUS_THREAD_IS_TERMINATING;
		spin_unlock(&thread->lock);
		if (status)
			mutex_unlock(&thread->context_lock);
	}
	if (status)
		ps_unhold(thread);
	return status;
}

/**
 * ps_release_parked() - end what ps_hold_parked() began
 * @thread: the thread
 */
void ps_release_parked(struct ps_thread *thread)
{
	mutex_unlock(&thread->context_lock);
	ps_unhold(thread);
}
