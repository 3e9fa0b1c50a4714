// SPDX-License-Identifier: GPL-2.0
/*
 * NtCreateProcessEx without a section: an empty NT process.
 *
 * The process is a real Linux process, a child of its creator: libntexec
 * forks and executes a tiny static position-independent host program
 * (userlib/host/host.c, embedded in the library and run from a memfd, so
 * nothing depends on the caller's file system view but /dev/ntexec). The
 * kernel places it high, as any PIE: 0x10000000, 0x400000 and 0x140000000
 * stay free for the creator's images. The host opens the device and calls
 * NTEXEC_IOC_HOST (ps_host()): the process gets a PEB (one page of NT
 * memory) and the host thread waits in the module for good, interruptibly,
 * so that it serves the creator's remote services (memory, views, thread
 * creation through the host stub, ntps/stub.c) as any live thread does. Its
 * creator claims it (ps_claim_host()): a handle with the access it asked
 * for, and its inheritable handles at the same values when it asked.
 *
 * The host thread is Linux's business, not NT's: when the last thread that
 * NtCreateThreadEx made in the process ends, the host ends the process with
 * that thread's status, as a Windows process ends with its last thread.
 *
 * Locks: ps_process.lock protects the host fields; ps_process.host_wait's
 * lock is a leaf.
 */
#include <linux/cpumask.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "../ntmm/protect.h"
#include "ps.h"

/* PEB fields (x64 offsets) the module fills; the creator writes the rest. */
#define PEB_NUMBER_OF_PROCESSORS	0xB8
#define PEB_OS_MAJOR_VERSION		0x118
#define PEB_OS_MINOR_VERSION		0x11C
#define PEB_OS_BUILD_NUMBER		0x120
#define PEB_OS_PLATFORM_ID		0x124

/* Windows 10 22H2, what the project's statuses and layouts follow. */
#define PS_OS_MAJOR	10
#define PS_OS_MINOR	0
#define PS_OS_BUILD	19045
#define PS_OS_PLATFORM	2	/* VER_PLATFORM_WIN32_NT */

static ntstatus_t ps_make_peb(struct ps_process *process)
{
	u64 base = 0, size = PAGE_SIZE;
	ntstatus_t status;
	u8 __user *peb;

	status = mm_allocate_virtual(&process->vm, current->mm, &base, &size, 0,
				     NT_MEM_RESERVE | NT_MEM_COMMIT, NT_PAGE_READWRITE);
	if (status)
		return status;
	peb = u64_to_user_ptr(base);
	if (put_user((u32)num_online_cpus(), (u32 __user *)(peb + PEB_NUMBER_OF_PROCESSORS)) ||
	    put_user((u32)PS_OS_MAJOR, (u32 __user *)(peb + PEB_OS_MAJOR_VERSION)) ||
	    put_user((u32)PS_OS_MINOR, (u32 __user *)(peb + PEB_OS_MINOR_VERSION)) ||
	    put_user((u16)PS_OS_BUILD, (u16 __user *)(peb + PEB_OS_BUILD_NUMBER)) ||
	    put_user((u32)PS_OS_PLATFORM, (u32 __user *)(peb + PEB_OS_PLATFORM_ID)))
		return STATUS_NO_MEMORY;
	spin_lock(&process->lock);
	process->peb = base;
	spin_unlock(&process->lock);
	return STATUS_SUCCESS;
}

static bool ps_host_ended(struct ps_process *process)
{
	bool done;

	spin_lock(&process->lock);
	done = process->host_done;
	spin_unlock(&process->lock);
	return done;
}

/**
 * ps_host() - NTEXEC_IOC_HOST: the host program serves its process
 * @caller: the calling (host) process
 * @exit_code: out: the Linux exit code the host ends the process with
 *
 * Return: STATUS_SUCCESS when the process's last created thread ended (the
 * host then exits), STATUS_INVALID_PARAMETER for a process with more than
 * one thread, NTX_STATUS_RESTART when a signal interrupted the wait, or
 * the PEB's failure.
 */
ntstatus_t ps_host(struct ps_process *caller, u32 *exit_code)
{
	ntstatus_t status;
	bool first;

	spin_lock(&caller->lock);
	first = !caller->host;
	spin_unlock(&caller->lock);
	if (first) {
		/* The host program, one thread, before any other exists. */
		if (get_nr_threads(current) != 1)
			return STATUS_INVALID_PARAMETER;
		status = ps_make_peb(caller);
		if (status)
			return status;
		spin_lock(&caller->lock);
		caller->host = true;
		spin_unlock(&caller->lock);
		wake_up_all(&caller->host_wait);
	}
	if (wait_event_interruptible(caller->host_wait, ps_host_ended(caller)))
		return NTX_STATUS_RESTART;
	spin_lock(&caller->lock);
	*exit_code = caller->terminate_status & 0xff;
	spin_unlock(&caller->lock);
	return STATUS_SUCCESS;
}

/**
 * ps_host_thread_exited() - a thread NtCreateThreadEx made has exited
 * @thread: the thread (from the exit probe; may not sleep)
 *
 * The last one of a host's process ends it, with its status.
 */
void ps_host_thread_exited(struct ps_thread *thread)
{
	struct ps_process *process = thread->process;
	ntstatus_t status;
	bool end;

	spin_lock(&thread->lock);
	status = thread->exit_status;
	spin_unlock(&thread->lock);
	spin_lock(&process->lock);
	end = !--process->created_live && process->host && !process->host_done;
	if (end) {
		process->host_done = true;
		ps_mark_terminating(process, status);
	}
	spin_unlock(&process->lock);
	if (end)
		wake_up_all(&process->host_wait);
}

static bool ps_host_ready(struct ps_process *process)
{
	bool ready;

	spin_lock(&process->lock);
	ready = process->host || process->exited;
	spin_unlock(&process->lock);
	return ready;
}

/**
 * ps_claim_host() - the creator's handle to the empty process it made
 * @caller: the calling process (the host's Linux parent)
 * @pid_nr: the host's pid, in the caller's pid namespace
 * @access: DesiredAccess
 * @attributes: the handle's attributes
 * @flags: PROCESS_CREATE_FLAGS_INHERIT_HANDLES or 0
 * @handle: out: the handle
 *
 * Waits (killably) for the host to be ready. Only the host's parent may
 * claim it, once.
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_CID for a pid that is not the
 * caller's child, STATUS_ACCESS_DENIED for a second claim,
 * STATUS_PROCESS_IS_TERMINATING for a child that died before it was ready,
 * NTX_STATUS_RESTART, or the handle's or the copy's failure.
 */
ntstatus_t ps_claim_host(struct ps_process *caller, u64 pid_nr, u32 access, u32 attributes,
			 u32 flags, u64 *handle)
{
	struct ps_process *process;
	struct task_struct *task;
	struct pid *pid = NULL;
	ntstatus_t status;
	u64 h;

	if (!pid_nr || pid_nr > INT_MAX)
		return STATUS_INVALID_CID;
	rcu_read_lock();
	task = pid_task(find_vpid(pid_nr), PIDTYPE_TGID);
	if (task && rcu_dereference(task->real_parent)->tgid == current->tgid)
		pid = get_pid(task_tgid(task));
	rcu_read_unlock();
	if (!pid)
		return STATUS_INVALID_CID;
	process = ps_get_process(pid);
	put_pid(pid);
	if (!process)
		return STATUS_INVALID_CID;
	if (wait_event_killable(process->host_wait, ps_host_ready(process))) {
		status = NTX_STATUS_RESTART;
		goto out;
	}
	spin_lock(&process->lock);
	if (process->exited || !process->host)
		status = STATUS_PROCESS_IS_TERMINATING;
	else if (process->claimed)
		status = STATUS_ACCESS_DENIED;
	else
		status = STATUS_SUCCESS;
	if (!status)
		process->claimed = true;
	spin_unlock(&process->lock);
	if (status)
		goto out;
	if (flags & PROCESS_CREATE_FLAGS_INHERIT_HANDLES) {
		status = ob_inherit_handles(&caller->handles, &process->handles);
		if (status)
			goto out;
	}
	status = ps_insert_process_handle(caller, process, access, attributes, &h);
	if (!status)
		*handle = h;
out:
	ps_dereference_process(process);
	return status;
}
