// SPDX-License-Identifier: GPL-2.0
/*
 * The host stub, and what it is for: NtCreateThreadEx and NtTerminateThread
 * of threads other than the caller.
 *
 * Linux creates a thread only by clone(2) from a thread of the same process
 * (kernel_clone() and its friends are not exported), and a thread ends only
 * by running exit(2) itself (do_exit() is not exported). So the module has
 * a thread of the target do it: a page of module code (ntps/stub_code.S) is
 * mapped into the process (read-only, executable, a file of the module, so
 * neither the process nor anyone else can write it), and the thread is sent
 * there with the registers it needs, from a task_work (TWA_SIGNAL, as the
 * park of ntps/state.c), where its user registers are in pt_regs.
 *
 * Creating a thread. A host thread T of the target (the caller itself when
 * the target is its own process, on the way out of its ioctl; otherwise a
 * live thread of the target, which leaves the park for it if suspended)
 * allocates the new thread's stack and TEB as NT memory of its process,
 * saves its own registers in the request, and returns to user mode in the
 * stub, which calls clone(2). A probe on sched_process_fork sees T's clone
 * from the stub and queues a start work on the child, which runs before
 * the child's first user instruction: it adopts the child as an NT thread
 * and suspends it (THREAD_CREATE_FLAGS_CREATE_SUSPENDED). T then reads the
 * stub's return cell, the stub's second page, which has no PTE ever; the
 * fault comes to ps_stub_fault(), which queues T's finish work: T takes
 * back its saved registers and goes on where it was (a system call it was
 * in restarts), and the request completes. The child runs
 * StartRoutine(Argument) on the new stack; when the routine returns, the
 * child reads the return cell too, and its exit work frees its stack and
 * TEB and sends it to exit(2) with its status recorded in all 32 bits.
 *
 * Ending another thread. NtTerminateThread records the status and queues
 * the thread's exit work, which sends it to the stub's exit(2) (a parked
 * thread leaves the park for it). Its interrupted system call is not
 * restarted.
 *
 * Checks. The fault handler acts only for the thread a request is armed on,
 * and only at the stub's own instruction (the user ip), so another thread
 * of the process or a system call touching the return cell gets SIGBUS or
 * EFAULT; the fork probe takes only a clone whose user ip is the stub's.
 * The process may unmap or move the stub: its threads then fault in their
 * own process, which only the process itself can have caused; the stub is
 * found again by its VMA, never trusted by address alone.
 *
 * Lifetimes. A request (struct ps_clone) is referenced by its creator
 * (remote), by its host thread's slot (ps_thread.clone) until the finish or
 * the host's exit, and by the child's start work. Every task_work holds a
 * module reference from its queueing until its callback returns. A stub
 * mapping holds its file, whose f_op holds the module: rmmod is refused
 * while any process has the stub mapped.
 *
 * Locks: ps_thread.lock protects ps_thread.clone, the request's state and
 * the thread's exit fields; it nests inside nothing of this file.
 */
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>
#include <asm/ptrace.h>

#include <kunit/visibility.h>

#include "../ntob/compat.h"
#include "../ntmm/protect.h"
#include "context.h"
#include "ps.h"
#include "stub.h"


#define PS_STUB_OFF(label)	((unsigned long)((label) - ps_stub_code))
#define PS_STUB_PAGES		2

/* TEB fields (x64 offsets, Windows' own). */
#define TEB_STACK_BASE		0x08
#define TEB_STACK_LIMIT		0x10
#define TEB_SELF		0x30
#define TEB_CLIENT_PROCESS	0x40
#define TEB_CLIENT_THREAD	0x48
#define TEB_PEB			0x60
#define TEB_DEALLOCATION_STACK	0x1478
#define TEB_SIZE		0x2000

#define PS_CLONE_FLAGS	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
			 CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | \
			 CLONE_CHILD_SETTID)

static struct page *ps_stub_page;
static struct tracepoint *ps_fork_tp;
/* Requests armed anywhere: the fork probe's fast way out. */
static atomic_t ps_clones_armed = ATOMIC_INIT(0);

enum ps_clone_state {
	PS_CLONE_QUEUED,	/* the setup is queued on the host */
	PS_CLONE_ARMED,		/* the host runs the stub */
	PS_CLONE_RETURNING,	/* the host's finish work is queued */
	PS_CLONE_DONE,
};

/**
 * struct ps_clone - a request of NtCreateThreadEx, served by a host thread
 * @ref: references (see the top of this file)
 * @host: the thread that clones (referenced)
 * @state: under @host->lock
 * @self: the host is the caller: the request answers the ioctl itself
 * @done: the host finished (with or without a child)
 * @started: the child ran its start work (or never will)
 * @answered: the creator has its answer (@answer): the child waits for it
 *	before its first user instruction, and exits at once if the call
 *	failed after it was made (a handle that could not be inserted, an
 *	answer that could not be written, a creator killed meanwhile), so a
 *	failed NtCreateThreadEx never leaves a thread running
 * @answer: the call's outcome, set once, before @answered completes
 * @settled: @answer is set (or being set)
 * @setup_work: the host's setup (remote requests)
 * @finish_work: the host's finish
 * @start_work: the child's start
 * @saved: the host's registers, given back by the finish
 * @stub: the stub's address in the process
 * @args: the request and, once done, the answer
 * @uargs: the caller's struct, for @self
 * @bind: the address space the creator's right was checked against
 * @status: the outcome
 * @child: the child task (referenced; the fork probe's)
 * @thread: the child's NT thread (referenced)
 * @teb: the new TEB
 * @stack_bottom: the stack's reservation
 * @stack_base: the stack's top (TEB StackBase)
 * @stack_limit: the committed stack's bottom (TEB StackLimit)
 */
struct ps_clone {
	refcount_t ref;
	struct ps_thread *host;
	enum ps_clone_state state;
	bool self;
	struct completion done;
	struct completion started;
	struct completion answered;
	ntstatus_t answer;
	bool settled;
	struct callback_head setup_work;
	struct callback_head finish_work;
	struct callback_head start_work;
	struct pt_regs saved;
	unsigned long stub;
	struct ntexec_create_thread args;
	u64 uargs;
	u64 bind;
	ntstatus_t status;
	struct task_struct *child;
	struct ps_thread *thread;
	u64 teb;
	u64 stack_bottom;
	u64 stack_base;
	u64 stack_limit;
};

static void ps_clone_put(struct ps_clone *r)
{
	if (!refcount_dec_and_test(&r->ref))
		return;
	if (r->child)
		put_task_struct(r->child);
	if (r->thread)
		ps_dereference_thread(r->thread);
	if (r->host)
		ps_dereference_thread(r->host);
	kfree(r);
}

/* The stub's mapping: its code page, and a return cell that always faults. */
static vm_fault_t ps_stub_fault(struct vm_fault *vmf);

/* The creator's outcome, for the child waiting on it: the first one stands. */
static void ps_clone_settle(struct ps_clone *r, ntstatus_t status)
{
	if (xchg(&r->settled, true))
		return;
	r->answer = status;
	complete_all(&r->answered);
}

static const struct vm_operations_struct ps_stub_vm_ops = {
	.fault = ps_stub_fault,
};

static int ps_stub_mmap(struct file *file, struct vm_area_struct *vma)
{
	if ((vma->vm_flags & VM_WRITE) || vma->vm_pgoff ||
	    vma_pages(vma) != PS_STUB_PAGES)
		return -EACCES;
	ntx_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY);
	ntx_vm_flags_clear(vma, VM_MAYWRITE);
	vma->vm_ops = &ps_stub_vm_ops;
	return 0;
}

static const struct file_operations ps_stub_fops = {
	.owner	= THIS_MODULE,
	.mmap	= ps_stub_mmap,
};

static bool ps_stub_vma(struct vm_area_struct *vma)
{
	return vma && vma->vm_file && vma->vm_file->f_op == &ps_stub_fops &&
	       vma->vm_ops == &ps_stub_vm_ops && !vma->vm_pgoff &&
	       vma_pages(vma) == PS_STUB_PAGES;
}

/*
 * The stub in the calling thread's process: the known mapping if it is
 * still there, else a new one. Return: its address, or -errno.
 */
static long ps_stub_map(struct ps_process *process)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr;
	struct vm_area_struct *vma;
	struct file *file;
	bool ok = false;

	spin_lock(&process->lock);
	addr = process->stub;
	spin_unlock(&process->lock);
	if (addr) {
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		vma = vma_lookup(mm, addr);
		ok = ps_stub_vma(vma) && vma->vm_start == addr;
		mmap_read_unlock(mm);
		if (ok)
			return addr;
	}
	file = mm_alloc_file("ntexec-stub", &ps_stub_fops, O_RDONLY);
	if (IS_ERR(file))
		return PTR_ERR(file);
	addr = vm_mmap(file, 0, PS_STUB_PAGES * PAGE_SIZE, PROT_READ | PROT_EXEC,
		       MAP_SHARED, 0);
	fput(file);
	if (IS_ERR_VALUE(addr))
		return addr;
	spin_lock(&process->lock);
	process->stub = addr;
	spin_unlock(&process->lock);
	return addr;
}

/* The task_work of this file: a module reference while queued or running. */
static int ps_task_work(struct task_struct *task, struct callback_head *work,
			task_work_func_t fn, enum task_work_notify_mode mode)
{
	int ret;

	__module_get(THIS_MODULE);
	init_task_work(work, fn);
	ret = task_work_add(task, work, mode);
	if (ret)
		module_put(THIS_MODULE);
	return ret;
}

/*
 * Free a new thread's NT memory (in its process's context): its TEB and
 * its stack, as Windows frees them when the thread ends.
 */
/*
 * Release one of a thread's allocations. Unmapping can need memory (Linux's
 * VMA tree): a release that fails for want of it is tried again a few
 * times, since nothing else will free this memory before the process ends.
 */
static void ps_release_thread_memory(struct ps_process *process, u64 base)
{
	ntstatus_t status;
	u64 size;
	int tries;

	for (tries = 0; tries < 16; tries++) {
		u64 at = base;

		size = 0;
		status = mm_free_virtual(&process->vm, current->mm, &at, &size,
					 NT_MEM_RELEASE);
		if (status != STATUS_NO_MEMORY && status != STATUS_INSUFFICIENT_RESOURCES)
			return;
		cond_resched();
	}
}

static void ps_free_thread_memory(struct ps_process *process, u64 teb, u64 stack)
{
	if (teb)
		ps_release_thread_memory(process, teb);
	if (stack)
		ps_release_thread_memory(process, stack);
}

/* The exit work: the thread frees its NT memory and goes to exit(2). */
static void ps_exit_work(struct callback_head *work)
{
	struct ps_thread *thread = container_of(work, struct ps_thread, exit_work);
	struct pt_regs *regs = task_pt_regs(current);
	u64 teb = 0, stack = 0;
	long stub;
	u32 status;

	if (current->flags & PF_EXITING)
		goto out;
	spin_lock(&thread->lock);
	status = thread->terminate_status;
	swap(teb, thread->teb_owned);
	swap(stack, thread->stack_owned);
	spin_unlock(&thread->lock);
	ps_free_thread_memory(thread->process, teb, stack);
	stub = ps_stub_map(thread->process);
	if (stub < 0) {
		/*
		 * No stub (no memory, or no map slot left): the thread must
		 * not run on, so its process goes, with the status.
		 */
		spin_lock(&thread->process->lock);
		ps_mark_terminating(thread->process, status);
		spin_unlock(&thread->process->lock);
		send_sig(SIGKILL, current, 1);
		goto out;
	}
	regs->ip = stub + PS_STUB_OFF(ps_stub_exit);
	regs->di = status & 0xff;
	regs->orig_ax = -1;
out:
	ps_dereference_thread(thread);
	module_put(THIS_MODULE);
}

/*
 * Send a thread to its exit, once: the caller recorded the terminate
 * status. Return: true when the exit work was queued.
 */
static bool ps_queue_exit(struct ps_thread *thread, enum task_work_notify_mode mode)
{
	bool queue;

	spin_lock(&thread->lock);
	queue = !thread->exit_queued && !thread->exited;
	thread->exit_queued = true;
	spin_unlock(&thread->lock);
	if (!queue)
		return false;
	ob_reference(&thread->ob);
	if (ps_task_work(thread->task, &thread->exit_work, ps_exit_work, mode)) {
		ps_dereference_thread(thread);
		return false;
	}
	/* A parked thread leaves the park for it. */
	wake_up_all(&thread->suspend_wait);
	return true;
}

/**
 * ps_terminate_other() - end a thread that is not the caller
 * @thread: the thread
 * @status: its exit status
 *
 * Return: STATUS_SUCCESS, or STATUS_THREAD_IS_TERMINATING for a thread
 * already on its way out.
 */
ntstatus_t ps_terminate_other(struct ps_thread *thread, u32 status)
{
	bool exiting;

	spin_lock(&thread->lock);
	exiting = thread->exited || (thread->task->flags & PF_EXITING);
	if (!exiting && !thread->terminating) {
		thread->terminating = true;
		thread->terminate_status = status;
	}
	spin_unlock(&thread->lock);
	if (exiting)
		return STATUS_THREAD_IS_TERMINATING;
	ps_queue_exit(thread, TWA_SIGNAL);
	return STATUS_SUCCESS;
}

/**
 * ps_terminate_self() - NtTerminateThread of the calling thread
 * @thread: the calling thread
 * @status: its exit status
 *
 * The thread leaves this call (or the fault that ended its routine) for the
 * stub's exit(2); a thread NtCreateThreadEx made frees its stack and TEB
 * first.
 *
 * Return: true when the thread is on its way out.
 */
bool ps_terminate_self(struct ps_thread *thread, u32 status)
{
	spin_lock(&thread->lock);
	if (!thread->terminating) {
		thread->terminating = true;
		thread->terminate_status = status;
	}
	spin_unlock(&thread->lock);
	return ps_queue_exit(thread, TWA_RESUME);
}

static void ps_clone_finish(struct callback_head *work);

/* The return cell was read: by a host back from clone, or a routine's end. */
static vm_fault_t ps_stub_return_fault(struct vm_fault *vmf)
{
	unsigned long ip = task_pt_regs(current)->ip - vmf->vma->vm_start;
	struct ps_thread *thread = ps_lookup_task_thread(current);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	struct ps_clone *r = NULL;

	if (!thread)
		return VM_FAULT_SIGBUS;
	if (!(vmf->flags & FAULT_FLAG_USER)) {
		ps_dereference_thread(thread);
		return VM_FAULT_SIGBUS;
	}
	if (ip == PS_STUB_OFF(ps_stub_return)) {
		spin_lock(&thread->lock);
		r = thread->clone;
		if (r && r->state == PS_CLONE_ARMED && r->stub == vmf->vma->vm_start) {
			r->state = PS_CLONE_RETURNING;
			atomic_dec(&ps_clones_armed);
		} else {
			r = NULL;
		}
		spin_unlock(&thread->lock);
		if (r && !ps_task_work(current, &r->finish_work, ps_clone_finish,
				       TWA_RESUME))
			ret = VM_FAULT_NOPAGE;
	} else if (ip == PS_STUB_OFF(ps_stub_exited) && thread->created) {
		/*
		 * The routine returned: its value is the exit status, unless
		 * an NtTerminateThread came first, whose exit work is queued
		 * and runs on the way out of this fault either way.
		 */
		ps_terminate_self(thread, task_pt_regs(current)->di);
		ret = VM_FAULT_NOPAGE;
	}
	ps_dereference_thread(thread);
	return ret;
}

static vm_fault_t ps_stub_fault(struct vm_fault *vmf)
{
	if (vmf->pgoff == 1)
		return ps_stub_return_fault(vmf);
	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(ps_stub_page);
	vmf->page = ps_stub_page;
	return 0;
}

/*
 * The new thread's stack and TEB, NT memory of the calling thread's
 * process: a reservation with its top committed and a guard page below
 * (Windows' user stack), and a committed two-page TEB.
 */
static ntstatus_t ps_clone_memory(struct ps_clone *r, u64 reserve, u64 commit)
{
	struct mm_process *mp = &r->host->process->vm;
	struct mm_struct *mm = current->mm;
	u64 base = 0, size = reserve, top, b, s;
	u64 self, pid;
	ntstatus_t status;

	status = mm_allocate_virtual(mp, mm, &base, &size, r->args.zero_bits,
				     NT_MEM_RESERVE, NT_PAGE_READWRITE);
	if (status)
		return status;
	r->stack_bottom = base;
	top = base + size;
	b = top - commit;
	s = commit;
	status = mm_allocate_virtual(mp, mm, &b, &s, 0, NT_MEM_COMMIT,
				     NT_PAGE_READWRITE);
	if (!status && commit + PAGE_SIZE <= size) {
		b = top - commit - PAGE_SIZE;
		s = PAGE_SIZE;
		status = mm_allocate_virtual(mp, mm, &b, &s, 0, NT_MEM_COMMIT,
					     NT_PAGE_READWRITE | NT_PAGE_GUARD);
	}
	if (status)
		goto fail;
	r->stack_base = top;
	r->stack_limit = top - commit;

	base = 0;
	size = TEB_SIZE;
	status = mm_allocate_virtual(mp, mm, &base, &size, r->args.zero_bits,
				     NT_MEM_RESERVE | NT_MEM_COMMIT, NT_PAGE_READWRITE);
	if (status)
		goto fail;
	r->teb = base;
	self = base;
	pid = task_tgid_vnr(current);
	if (put_user(r->stack_base, (u64 __user *)(self + TEB_STACK_BASE)) ||
	    put_user(r->stack_limit, (u64 __user *)(self + TEB_STACK_LIMIT)) ||
	    put_user(self, (u64 __user *)(self + TEB_SELF)) ||
	    put_user(pid, (u64 __user *)(self + TEB_CLIENT_PROCESS)) ||
	    put_user(r->host->process->peb, (u64 __user *)(self + TEB_PEB)) ||
	    put_user(r->stack_bottom,
		     (u64 __user *)(self + TEB_DEALLOCATION_STACK))) {
		status = STATUS_NO_MEMORY;
		goto fail;
	}
	return STATUS_SUCCESS;
fail:
	ps_free_thread_memory(r->host->process, r->teb, r->stack_bottom);
	r->teb = 0;
	r->stack_bottom = 0;
	return status;
}

/*
 * Send the calling thread (the host) into the stub's clone: the new
 * thread's memory first, then the host's registers saved and replaced.
 * Return: STATUS_SUCCESS, NTX_STATUS_RESTART for a host caught inside a
 * system call (see ps_clone_setup()), or the failure.
 */
static ntstatus_t ps_clone_arm(struct ps_clone *r, u64 reserve, u64 commit)
{
	struct pt_regs *regs = task_pt_regs(current);
	struct ps_thread *host = r->host;
	ntstatus_t status;
	long stub;

	if (!user_64bit_mode(regs))
		return STATUS_NOT_SUPPORTED;
	/*
	 * A task_work run inside a system call (io_uring's waits run them)
	 * sees the call's entry registers, ax still -ENOSYS: the call's
	 * result would be lost. The creator picks the host again.
	 */
	if (!r->self && (long)regs->orig_ax >= 0 && regs->ax == PS_SYSCALL_RUNNING)
		return NTX_STATUS_RESTART;
	stub = ps_stub_map(host->process);
	if (stub < 0)
		return stub == -EINTR ? STATUS_THREAD_IS_TERMINATING : STATUS_NO_MEMORY;
	status = ps_clone_memory(r, reserve, commit);
	if (status)
		return status;

	r->saved = *regs;
	if (!r->self)
		ps_restart_fixup(&r->saved.ax, r->saved.orig_ax, &r->saved.ip);
	r->saved.orig_ax = -1;
	regs->ip = stub + PS_STUB_OFF(ps_stub_clone);
	regs->di = PS_CLONE_FLAGS;
	/* 16-byte aligned at the call, with the routine's 32-byte home. */
	regs->si = r->stack_base - 48;
	regs->dx = 0;
	regs->r10 = r->teb + TEB_CLIENT_THREAD;
	regs->r8 = 0;
	regs->r12 = r->args.start_routine;
	regs->r13 = r->args.argument;
	regs->r14 = stub + PAGE_SIZE;
	regs->r15 = r->teb;
	regs->orig_ax = -1;
	regs->ax = 0;
	r->stub = stub;
	spin_lock(&host->lock);
	r->state = PS_CLONE_ARMED;
	spin_unlock(&host->lock);
	atomic_inc(&ps_clones_armed);
	return STATUS_SUCCESS;
}

/* The request ends without (more) help of its host: its slot is freed. */
static void ps_clone_end(struct ps_clone *r, ntstatus_t status)
{
	struct ps_thread *host = r->host;
	bool slot;

	spin_lock(&host->lock);
	slot = host->clone == r;
	if (slot)
		host->clone = NULL;
	if (r->state == PS_CLONE_ARMED)
		atomic_dec(&ps_clones_armed);
	r->state = PS_CLONE_DONE;
	if (!r->child)
		complete(&r->started);
	spin_unlock(&host->lock);
	r->status = status;
	if (r->self)
		ps_clone_settle(r, status);
	complete(&r->done);
	wake_up_all(&host->suspend_wait);
	if (slot)
		ps_clone_put(r);
}

static ntstatus_t ps_status_of_clone(long err)
{
	switch (err) {
	case -ENOMEM:
		return STATUS_NO_MEMORY;
	case -EAGAIN:
		return STATUS_INSUFFICIENT_RESOURCES;
	default:
		return STATUS_UNSUCCESSFUL;
	}
}

static ntstatus_t ps_clone_answer(struct ps_process *caller, struct ps_clone *r);

/* The host is back from the stub's clone: its own registers, the answer. */
static void ps_clone_finish(struct callback_head *work)
{
	struct ps_clone *r = container_of(work, struct ps_clone, finish_work);
	struct pt_regs *regs = task_pt_regs(current);
	struct ps_thread *host = r->host;
	long ret = regs->ax;
	ntstatus_t status = STATUS_SUCCESS;
	bool exiting;
	u32 code;

	if (current->flags & PF_EXITING) {
		ps_clone_end(r, STATUS_THREAD_IS_TERMINATING);
		goto out;
	}
	/*
	 * A host sent to its exit meanwhile (NtTerminateThread) stays sent:
	 * its own registers may point into a stack its exit work has freed.
	 */
	spin_lock(&host->lock);
	r->state = PS_CLONE_DONE;
	exiting = host->exit_queued;
	code = host->terminate_status & 0xff;
	spin_unlock(&host->lock);
	if (exiting) {
		regs->ip = r->stub + PS_STUB_OFF(ps_stub_exit);
		regs->di = code;
		regs->orig_ax = -1;
	} else {
		*regs = r->saved;
	}
	/*
	 * No child (a seccomp filter may even fake clone's success): its
	 * memory goes. The probe saw every child the stub's clone made.
	 */
	if (ret < 0 || !r->child) {
		ps_free_thread_memory(host->process, r->teb, r->stack_bottom);
		status = ps_status_of_clone(ret);
	}
	if (r->self && !exiting) {
		/* The caller's ioctl ends here: answer it. */
		if (!status && wait_for_completion_killable(&r->started))
			status = STATUS_THREAD_IS_TERMINATING;
		if (!status)
			status = ps_clone_answer(host->process, r);
		regs->ax = (long)(u32)status;
	}
	ps_clone_end(r, status);
	ps_repark(host);
out:
	module_put(THIS_MODULE);
}

/*
 * The child's first act, before any user code of its own: it becomes an NT
 * thread, and waits for its creator's answer. A child that cannot be
 * adopted (no memory), or whose creation failed after all, goes to the
 * stub's exit(2) without running its routine.
 */
static void ps_clone_start(struct callback_head *work)
{
	struct ps_clone *r = container_of(work, struct ps_clone, start_work);
	struct pt_regs *regs = task_pt_regs(current);
	struct ps_thread *thread = NULL;
	bool exiting = current->flags & PF_EXITING;
	ntstatus_t answer = STATUS_THREAD_IS_TERMINATING;
	bool park = false;

	if (!exiting)
		thread = ps_current_thread();
	if (thread) {
		spin_lock(&thread->process->lock);
		thread->process->created_live++;
		spin_unlock(&thread->process->lock);
		spin_lock(&thread->lock);
		thread->created = true;
		thread->teb = r->teb;
		thread->teb_owned = r->teb;
		thread->stack_owned = r->stack_bottom;
		thread->stack_top = r->stack_base;
		thread->win32_start_address = r->args.start_routine;
		if (r->args.flags & THREAD_CREATE_FLAGS_CREATE_SUSPENDED)
			park = ps_suspend_new(thread);
		spin_unlock(&thread->lock);
		r->thread = thread;
	}
	complete(&r->started);
	if (!exiting && !wait_for_completion_killable(&r->answered))
		answer = r->answer;
	/* Its exit work frees its stack and TEB. */
	if (thread && answer)
		ps_terminate_self(thread, answer);
	if (park)
		ps_park_new(thread);
	if (!thread && !exiting) {
		ps_free_thread_memory(r->host->process, r->teb, r->stack_bottom);
		regs->ip = r->stub + PS_STUB_OFF(ps_stub_exit);
		regs->di = 0;
		regs->orig_ax = -1;
	}
	ps_clone_put(r);
	module_put(THIS_MODULE);
}

/* sched_process_fork, in the parent: a host's clone from the stub. */
static void ps_fork_probe(void *data, struct task_struct *parent,
			  struct task_struct *child)
{
	struct ps_thread *host;
	struct ps_clone *r;

	if (!atomic_read(&ps_clones_armed) || parent != current ||
	    child->signal != current->signal)
		return;
	host = ps_lookup_task_thread(current);
	if (!host)
		return;
	spin_lock(&host->lock);
	r = host->clone;
	if (r && r->state == PS_CLONE_ARMED && !r->child &&
	    task_pt_regs(current)->ip == r->stub + PS_STUB_OFF(ps_stub_cloned)) {
		r->child = get_task_struct(child);
		refcount_inc(&r->ref);
	} else {
		r = NULL;
	}
	spin_unlock(&host->lock);
	if (r && ps_task_work(child, &r->start_work, ps_clone_start, TWA_RESUME)) {
		complete(&r->started);
		ps_clone_put(r);
	}
	ps_dereference_thread(host);
}

/* A remote host's setup, in the host. */
static void ps_clone_setup(struct callback_head *work)
{
	struct ps_clone *r = container_of(work, struct ps_clone, setup_work);
	struct ps_thread *host = r->host;
	ntstatus_t status;
	bool exiting;

	spin_lock(&host->lock);
	host->serve = false;
	exiting = host->exit_queued;
	spin_unlock(&host->lock);
	if (exiting || (current->flags & PF_EXITING) || fatal_signal_pending(current))
		status = STATUS_THREAD_IS_TERMINATING;
	else
		status = ps_clone_arm(r, r->args.maximum_stack_size, r->args.stack_size);
	if (status) {
		ps_clone_end(r, status);
		ps_repark(host);
	}
	module_put(THIS_MODULE);
}

/**
 * ps_thread_stack() - the calling thread's NT stack (mm_ops.stack)
 * @bottom: out: its reservation
 * @top: out: its top
 *
 * Context: the fault path (the mmap or VMA lock held): no sleeping.
 *
 * Return: true for a thread NtCreateThreadEx made, which has one.
 */
bool ps_thread_stack(unsigned long *bottom, unsigned long *top)
{
	struct ps_thread *thread = ps_lookup_task_thread(current);
	bool ret = false;

	if (!thread)
		return false;
	spin_lock(&thread->lock);
	if (thread->stack_owned) {
		*bottom = thread->stack_owned;
		*top = thread->stack_top;
		ret = true;
	}
	spin_unlock(&thread->lock);
	ps_dereference_thread(thread);
	return ret;
}

/* The TEB's StackLimit follows the stack's growth (ps_thread_stack_grown()). */
static void ps_limit_work(struct callback_head *work)
{
	struct ps_thread *thread = container_of(work, struct ps_thread, limit_work);
	u64 teb, limit;

	spin_lock(&thread->lock);
	thread->limit_queued = false;
	teb = thread->teb_owned;
	limit = thread->stack_limit;
	spin_unlock(&thread->lock);
	if (teb && !(current->flags & PF_EXITING) &&
	    put_user(limit, (u64 __user *)(teb + TEB_STACK_LIMIT)))
		pr_debug("TEB %llx: StackLimit not written\n", teb);
	ps_dereference_thread(thread);
	module_put(THIS_MODULE);
}

/**
 * ps_thread_stack_grown() - the calling thread's stack grew (mm_ops.stack_grown)
 * @limit: its new StackLimit
 *
 * Context: the fault path: the TEB is written on the way back to user mode.
 */
void ps_thread_stack_grown(unsigned long limit)
{
	struct ps_thread *thread = ps_lookup_task_thread(current);
	bool queue;

	if (!thread)
		return;
	spin_lock(&thread->lock);
	thread->stack_limit = limit;
	queue = !thread->limit_queued;
	thread->limit_queued = true;
	spin_unlock(&thread->lock);
	/* The lookup's reference passes to the work. */
	if (!queue || ps_task_work(current, &thread->limit_work, ps_limit_work, TWA_RESUME)) {
		if (queue) {
			spin_lock(&thread->lock);
			thread->limit_queued = false;
			spin_unlock(&thread->lock);
		}
		ps_dereference_thread(thread);
	}
}

/**
 * ps_stub_thread_exited() - a thread's exit: a request it hosted ends
 * @thread: the exiting thread (from the exit probe; may not sleep)
 */
void ps_stub_thread_exited(struct ps_thread *thread)
{
	struct ps_clone *r;

	spin_lock(&thread->lock);
	r = thread->clone;
	if (r && r->state != PS_CLONE_ARMED)
		r = NULL;
	spin_unlock(&thread->lock);
	if (r)
		ps_clone_end(r, STATUS_THREAD_IS_TERMINATING);
}

/* Claim @thread as the host of @r. Return: true when claimed. */
static bool ps_clone_claim(struct ps_thread *thread, struct ps_clone *r, bool any)
{
	bool ok;

	if (thread->task->flags & (PF_EXITING | NTX_PF_WORKERS))
		return false;
	spin_lock(&thread->lock);
	ok = !thread->clone && !thread->exited && !thread->terminating &&
	     (any || !thread->suspend.count);
	if (ok) {
		thread->clone = r;
		thread->serve = true;
		refcount_inc(&r->ref);
		r->host = thread;
		ob_reference(&thread->ob);
		r->state = PS_CLONE_QUEUED;
	}
	spin_unlock(&thread->lock);
	if (!ok)
		return false;
	if (!ps_task_work(thread->task, &r->setup_work, ps_clone_setup, TWA_SIGNAL)) {
		/* A parked host leaves the park for it. */
		wake_up_all(&thread->suspend_wait);
		return true;
	}
	spin_lock(&thread->lock);
	thread->clone = NULL;
	thread->serve = false;
	spin_unlock(&thread->lock);
	r->host = NULL;
	ps_dereference_thread(thread);
	refcount_dec(&r->ref);
	return false;
}

/* Find a host in @process: a running thread first, else a suspended one. */
static ntstatus_t ps_clone_host(struct ps_process *process, struct ps_clone *r)
{
	struct ps_thread *thread;
	struct pid **pids;
	int i, n, pass;
	bool claimed = false;

	n = ps_process_threads(process, &pids);
	if (n < 0)
		return n == -ENOMEM ? STATUS_NO_MEMORY : STATUS_PROCESS_IS_TERMINATING;
	for (pass = 0; pass < 2 && !claimed; pass++) {
		for (i = 0; i < n && !claimed; i++) {
			thread = ps_get_thread(pids[i]);
			if (!thread)
				continue;
			claimed = ps_clone_claim(thread, r, pass);
			ps_dereference_thread(thread);
		}
	}
	for (i = 0; i < n; i++)
		put_pid(pids[i]);
	kfree(pids);
	/* Every thread hosts a request or is on its way out: try later. */
	return claimed ? STATUS_SUCCESS : STATUS_PENDING;
}

/* The creator's answer: a handle to the new thread, its ids, its TEB. */
static ntstatus_t ps_clone_answer(struct ps_process *caller, struct ps_clone *r)
{
	struct ntexec_create_thread *a = &r->args;
	struct pid_namespace *ns = task_active_pid_ns(current);
	ntstatus_t status;

	if (!r->thread)
		return STATUS_NO_MEMORY;
	status = ps_insert_thread_handle(caller, r->thread, a->access, a->attributes,
					 r->bind, &a->handle);
	if (status)
		return status;
	a->client_process = pid_nr_ns(r->thread->process->pid, ns);
	a->client_thread = ps_thread_id(r->thread, ns);
	a->teb = r->teb;
	if (r->self && copy_to_user(u64_to_user_ptr(r->uargs), a, sizeof(*a))) {
		ob_close_handle(&caller->handles, a->handle);
		return STATUS_ACCESS_VIOLATION;
	}
	return STATUS_SUCCESS;
}

/**
 * ps_stack_sizes() - a new thread's stack, as Windows sizes it
 * @stack_size: NtCreateThreadEx's StackSize (0: 64 KiB)
 * @maximum: its MaximumStackSize (0: 1 MiB)
 * @commit: out: bytes committed at the top, page-aligned
 * @reserve: out: bytes reserved, 64 KiB-aligned; a commit as large as the
 *	reservation makes it its size rounded up to 1 MiB (RtlCreateUserStack)
 */
void ps_stack_sizes(u64 stack_size, u64 maximum, u64 *commit, u64 *reserve)
{
	*commit = PAGE_ALIGN(stack_size ? stack_size : SZ_64K);
	*reserve = ALIGN(maximum ? maximum : SZ_1M, SZ_64K);
	if (*commit >= *reserve)
		*reserve = ALIGN(*commit, SZ_1M);
}
EXPORT_SYMBOL_IF_KUNIT(ps_stack_sizes);

#define PS_THREAD_CREATE_FLAGS	(THREAD_CREATE_FLAGS_CREATE_SUSPENDED | \
				 THREAD_CREATE_FLAGS_SKIP_THREAD_ATTACH | \
				 THREAD_CREATE_FLAGS_HIDE_FROM_DEBUGGER | \
				 THREAD_CREATE_FLAGS_LOADER_WORKER | \
				 THREAD_CREATE_FLAGS_SKIP_LOADER_INIT | \
				 THREAD_CREATE_FLAGS_BYPASS_PROCESS_FREEZE)
#define PS_STACK_MAX		(1ull << 40)

/**
 * ps_create_thread() - NtCreateThreadEx
 * @caller: the calling process
 * @args: the request (validated here); on success, the answer
 * @uargs: the caller's struct: the answer of a thread created in the
 *	caller's own process is written there on its way out of the ioctl
 * @answered: out: true when that happened (the ioctl returns whatever; the
 *	status reaches the caller with its registers)
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_PARAMETER, the handle's failure,
 * the memory's, clone(2)'s, or STATUS_PROCESS_IS_TERMINATING.
 */
ntstatus_t ps_create_thread(struct ps_process *caller, struct ntexec_create_thread *args,
			    u64 uargs, bool *answered)
{
	struct ps_process *process;
	struct mm_struct *mm;
	u64 reserve, commit;
	struct ps_clone *r;
	ntstatus_t status;

	*answered = false;
	if ((args->flags & ~PS_THREAD_CREATE_FLAGS) || args->pad ||
	    !args->start_routine || args->start_routine >= TASK_SIZE_MAX ||
	    args->stack_size > PS_STACK_MAX || args->maximum_stack_size > PS_STACK_MAX)
		return STATUS_INVALID_PARAMETER;
	ps_stack_sizes(args->stack_size, args->maximum_stack_size, &commit, &reserve);

	status = ps_reference_process_mm(caller, args->process, PROCESS_CREATE_THREAD,
					 &process, &mm);
	if (status)
		return status;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r) {
		mmput(mm);
		status = STATUS_NO_MEMORY;
		goto out;
	}
	r->bind = ps_process_mm_id(process, mm);
	mmput(mm);
	refcount_set(&r->ref, 1);
	init_completion(&r->done);
	init_completion(&r->started);
	init_completion(&r->answered);
	r->args = *args;
	r->args.stack_size = commit;
	r->args.maximum_stack_size = reserve;

	if (process->pid == task_tgid(current)) {
		/* This process: the caller hosts it on its way out. */
		r->self = true;
		r->uargs = uargs;
		r->host = ps_current_thread();
		if (!r->host) {
			status = STATUS_NO_MEMORY;
			goto put;
		}
		/*
		 * Another creator may have claimed this thread as its host:
		 * its setup work is (about to be) queued with TWA_SIGNAL, so
		 * the call restarts once the caller has served it.
		 */
		for (;;) {
			spin_lock(&r->host->lock);
			if (!r->host->clone) {
				r->host->clone = r;
				refcount_inc(&r->ref);
				spin_unlock(&r->host->lock);
				break;
			}
			spin_unlock(&r->host->lock);
			status = NTX_STATUS_RESTART;
			if (signal_pending(current))
				goto put;
			schedule_timeout_killable(1);
		}
		status = ps_clone_arm(r, reserve, commit);
		if (status) {
			ps_clone_end(r, status);
			goto put;
		}
		*answered = true;
		goto put;
	}

	for (;;) {
		status = ps_clone_host(process, r);
		if (status == STATUS_PENDING) {
			schedule_timeout_killable(msecs_to_jiffies(10));
			status = NTX_STATUS_RESTART;
			if (fatal_signal_pending(current))
				goto put;
			continue;
		}
		if (status)
			goto put;
		status = NTX_STATUS_RESTART;
		if (wait_for_completion_killable(&r->done))
			goto put;
		if (r->status != NTX_STATUS_RESTART)
			break;
		/* The host was inside a system call: another try. */
		reinit_completion(&r->done);
		reinit_completion(&r->started);
		ps_dereference_thread(r->host);
		r->host = NULL;
		r->status = 0;
		schedule_timeout_killable(1);
	}
	status = r->status;
	if (!status && wait_for_completion_killable(&r->started))
		status = NTX_STATUS_RESTART;
	if (!status)
		status = ps_clone_answer(caller, r);
	if (!status)
		*args = r->args;
put:
	if (!r->self)
		ps_clone_settle(r, status);
	ps_clone_put(r);
out:
	ps_dereference_process(process);
	return status;
}

/**
 * ps_stub_init() - the stub's code page and the fork probe
 *
 * Return: 0 or -errno.
 */
int ps_stub_init(void)
{
	size_t len = ps_stub_code_end - ps_stub_code;

	if (WARN_ON(len > PAGE_SIZE))
		return -EINVAL;
	ps_stub_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!ps_stub_page)
		return -ENOMEM;
	memcpy(page_address(ps_stub_page), ps_stub_code, len);
	return 0;
}

/**
 * ps_stub_register() - attach the fork probe
 * @tp: the sched_process_fork tracepoint
 *
 * Return: 0 or -errno.
 */
int ps_stub_register(struct tracepoint *tp)
{
	ps_fork_tp = tp;
	return tracepoint_probe_register(tp, ps_fork_probe, NULL);
}

void ps_stub_exit_module(void)
{
	if (ps_fork_tp)
		tracepoint_probe_unregister(ps_fork_tp, ps_fork_probe, NULL);
	ps_fork_tp = NULL;
	/* No mapping is left: each holds the module. */
	put_page(ps_stub_page);
}
