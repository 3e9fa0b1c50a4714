// SPDX-License-Identifier: GPL-2.0
/*
 * Running the VMA part of a service in another process.
 *
 * A VMA can only be created or removed by its own process (vm_mmap() and
 * vm_munmap() act on current->mm; do_mmap() and friends are not
 * exported): a service on another process runs that part there, as a
 * task_work the caller waits for. Everything else (page state, PTE zaps,
 * copies) works from the caller's context.
 */
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "mi.h"
#include "../ntob/trace.h"

/*
 * Running a service in another process. The request is queued as a
 * task_work on a live thread of the target with TWA_SIGNAL (it interrupts
 * the thread's interruptible sleeps and runs on its way back to user
 * space, or at its exit). The caller waits interruptibly: if it is
 * interrupted before the work started, it cancels the request and its
 * ioctl restarts; once the work runs, the caller waits for its end (the
 * work needs nothing from the caller), so the arguments may live on the
 * caller's stack.
 */
enum { MM_REMOTE_PENDING, MM_REMOTE_RUNNING, MM_REMOTE_CANCELLED };

struct mm_remote {
	struct callback_head work;
	struct completion done;
	atomic_t state;
	refcount_t ref;
	struct mm_space *space;
	mm_remote_fn fn;
	void *args;
	ntstatus_t ret;
	void *cookie;	/* mm_ops->remote_get()'s, with its state */
	u8 cookie_state;
};

static void mm_remote_put(struct mm_remote *r)
{
	if (refcount_dec_and_test(&r->ref)) {
		mm_space_put(r->space);
		kfree(r);
	}
}

static void mm_remote_work(struct callback_head *work)
{
	struct mm_remote *r = container_of(work, struct mm_remote, work);

	if (atomic_cmpxchg(&r->state, MM_REMOTE_PENDING,
			   MM_REMOTE_RUNNING) == MM_REMOTE_PENDING) {
		if ((current->flags & PF_EXITING) || current->mm != r->space->mm)
			r->ret = STATUS_PROCESS_IS_TERMINATING;
		else
			r->ret = r->fn(r->space, r->args, true);
		/*
		 * A target killed meanwhile fails vm_mmap() and vm_munmap()
		 * with -EINTR (mmap_write_lock_killable()): the caller sees
		 * why, not the errno's translation (test_attack
		 * remote_services_against_dying_targets).
		 */
		if (!NT_SUCCESS(r->ret) && fatal_signal_pending(current))
			r->ret = STATUS_PROCESS_IS_TERMINATING;
		complete(&r->done);
	}
	/* Run or cancelled, it was served: a suspended thread parks again. */
	if (r->cookie)
		mm_ops->remote_done(r->cookie, &r->cookie_state, true);
	mm_remote_put(r);
	/*
	 * The queueing took a module reference: the work may run after its
	 * caller has gone (a work cannot be cancelled once queued). This is
	 * the work's last statement; an unload would have to finish within
	 * the function's epilogue, and free_module() waits for an RCU grace
	 * period before it frees the module's text.
	 */
	module_put(THIS_MODULE);
}

/**
 * mm_run_in() - run a service in the context of a process
 * @mp: the process
 * @space: its space (referenced by the caller)
 * @fn: the service's part that must run there (vm_mmap(), vm_munmap());
 *	told whether it runs remotely, where it cannot restart a system call
 * @args: for @fn
 *
 * Return: what @fn returned, STATUS_PROCESS_IS_TERMINATING when the
 * process has no live thread, or NTX_STATUS_RESTART when the caller was
 * interrupted before @fn started (nothing happened; the ioctl restarts).
 */
ntstatus_t mm_run_in(struct mm_process *mp, struct mm_space *space,
		     mm_remote_fn fn, void *args)
{
	struct task_struct *task, *t, *target = NULL;
	pid_t target_nr = pid_nr(mp->tgid);
	struct mm_remote *r;
	ntstatus_t ret;

	if (current->mm == space->mm)
		return fn(space, args, false);

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return STATUS_NO_MEMORY;
	init_task_work(&r->work, mm_remote_work);
	init_completion(&r->done);
	atomic_set(&r->state, MM_REMOTE_PENDING);
	refcount_set(&r->ref, 2);
	kref_get(&space->ref);
	r->space = space;
	r->fn = fn;
	r->args = args;

	task = get_pid_task(mp->tgid, PIDTYPE_TGID);
	if (task) {
		rcu_read_lock();
		for_each_thread(task, t) {
			if (!(t->flags & PF_EXITING) && t->mm == space->mm) {
				target = t;
				get_task_struct(target);
				break;
			}
		}
		rcu_read_unlock();
		put_task_struct(task);
	}
	__module_get(THIS_MODULE);
	trace_ntexec_remote_start(target_nr, fn);
	if (target && mm_ops && mm_ops->remote_get)
		r->cookie = mm_ops->remote_get(target);
	if (!target || task_work_add(target, &r->work, TWA_SIGNAL)) {
		module_put(THIS_MODULE);
		if (r->cookie)
			mm_ops->remote_done(r->cookie, &r->cookie_state, false);
		if (target)
			put_task_struct(target);
		refcount_set(&r->ref, 1);
		mm_remote_put(r);
		trace_ntexec_remote_end(target_nr, fn, STATUS_PROCESS_IS_TERMINATING);
		return STATUS_PROCESS_IS_TERMINATING;
	}
	/* The work may have run already: the cookie's state says. */
	if (r->cookie)
		mm_ops->remote_queued(r->cookie, &r->cookie_state);
	put_task_struct(target);

	ret = 0;
	if (wait_for_completion_interruptible(&r->done)) {
		if (atomic_cmpxchg(&r->state, MM_REMOTE_PENDING,
				   MM_REMOTE_CANCELLED) == MM_REMOTE_PENDING)
			ret = NTX_STATUS_RESTART;
		else
			wait_for_completion(&r->done);
	}
	if (!ret)
		ret = r->ret;
	mm_remote_put(r);
	trace_ntexec_remote_end(target_nr, fn, ret);
	return ret;
}
