// SPDX-License-Identifier: GPL-2.0
/*
 * NtQueryInformationProcess and NtQueryInformationThread.
 *
 * Order of checks, as NT: the information class (STATUS_INVALID_INFO_CLASS),
 * then the buffer length (STATUS_INFO_LENGTH_MISMATCH, with the needed
 * length returned where NT returns it), then the buffer's alignment
 * (STATUS_DATATYPE_MISALIGNMENT: NT probes it for a ULONG), then the
 * handle and its access.
 * The answer is built in kernel memory with the Windows x64 layout (struct
 * ps_info); the dispatch copies it out whole.
 */
#include <linux/nls.h>
#include <linux/pid_namespace.h>
#include <linux/sched/cputime.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "ps.h"


/* NT probes every query buffer for the alignment of a ULONG. */
#define PS_QUERY_ALIGN			sizeof(u32)

/* Windows x64 layouts. */
struct nt_process_basic_information {
	u32 exit_status;
	u32 pad0;
	u64 peb_base_address;
	u64 affinity_mask;
	s32 base_priority;
	u32 pad1;
	u64 unique_process_id;
	u64 inherited_from_unique_process_id;
};
static_assert(sizeof(struct nt_process_basic_information) == 48);

struct nt_kernel_user_times {
	s64 create_time;
	s64 exit_time;
	s64 kernel_time;
	s64 user_time;
};
static_assert(sizeof(struct nt_kernel_user_times) == 32);

struct nt_vm_counters_ex {
	u64 peak_virtual_size;
	u64 virtual_size;
	u32 page_fault_count;
	u32 pad;
	u64 peak_working_set_size;
	u64 working_set_size;
	u64 quota_peak_paged_pool_usage;
	u64 quota_paged_pool_usage;
	u64 quota_peak_non_paged_pool_usage;
	u64 quota_non_paged_pool_usage;
	u64 pagefile_usage;
	u64 peak_pagefile_usage;
	u64 private_usage;
};
static_assert(sizeof(struct nt_vm_counters_ex) == 96);
#define NT_VM_COUNTERS_SIZE	88


struct nt_unicode_string {
	u16 length;
	u16 maximum_length;
	u32 pad;
	u64 buffer;
};
static_assert(sizeof(struct nt_unicode_string) == 16);

struct nt_thread_basic_information {
	u32 exit_status;
	u32 pad;
	u64 teb_base_address;
	u64 unique_process;
	u64 unique_thread;
	u64 affinity_mask;
	s32 priority;
	s32 base_priority;
};
static_assert(sizeof(struct nt_thread_basic_information) == 48);

static u64 ps_affinity(struct task_struct *task)
{
	return task ? cpumask_bits(task->cpus_ptr)[0] : 0;
}

static pid_t ps_pid_nr(struct pid *pid)
{
	return pid ? pid_nr_ns(pid, task_active_pid_ns(current)) : 0;
}

static void ps_process_times(struct ps_process *process, struct task_struct *leader,
			     struct nt_kernel_user_times *t)
{
	u64 user, kernel;

	spin_lock(&process->lock);
	t->create_time = process->create_time;
	t->exit_time = process->exit_time;
	t->kernel_time = process->kernel_time;
	t->user_time = process->user_time;
	spin_unlock(&process->lock);
	if (t->exit_time || !leader)
		return;
	ps_group_times(leader, &user, &kernel);
	t->user_time = user;
	t->kernel_time = kernel;
}

/*
 * Linux's counters of the address space plus the module's pages, which
 * Linux does not see (VM_PFNMAP): committed pages are commit charge, the
 * pages of the working set (not the trimmed ones on the page lists) add to
 * WorkingSetSize. Page faults on the module's memory, soft faults
 * included, are already in the threads' fault counts, and its VMAs in
 * total_vm. A peak is the sum of the two peaks, an upper bound of the true
 * one.
 */
static void ps_vm_counters(struct ps_process *process, struct task_struct *leader,
			   struct nt_vm_counters_ex *vm)
{
	struct mm_struct *mm = leader ? get_task_mm(leader) : NULL;
	struct task_struct *th;
	unsigned long faults = 0;
	struct mm_counters nt;

	if (leader) {
		rcu_read_lock();
		for_each_thread(leader, th)
			faults += th->min_flt + th->maj_flt;
		faults += leader->signal->min_flt + leader->signal->maj_flt;
		rcu_read_unlock();
	}
	vm->page_fault_count = min_t(unsigned long, faults, U32_MAX);
	mm_process_counters(&process->vm, &nt);
	vm->working_set_size = nt.working_set;
	vm->peak_working_set_size = nt.peak_working_set;
	vm->pagefile_usage = nt.committed;
	vm->peak_pagefile_usage = nt.peak_committed;
	vm->private_usage = nt.committed;
	if (!mm)
		return;
	vm->virtual_size = mm->total_vm << PAGE_SHIFT;
	vm->peak_virtual_size = max(mm->hiwater_vm, mm->total_vm) << PAGE_SHIFT;
	vm->working_set_size += get_mm_rss(mm) << PAGE_SHIFT;
	vm->peak_working_set_size += max(mm->hiwater_rss, get_mm_rss(mm)) << PAGE_SHIFT;
	/* Linux's commit charge: private writable memory (VM_ACCOUNT). */
	vm->pagefile_usage += (mm->data_vm + mm->stack_vm) << PAGE_SHIFT;
	vm->peak_pagefile_usage += (mm->data_vm + mm->stack_vm) << PAGE_SHIFT;
	vm->private_usage = vm->pagefile_usage;
	mmput(mm);
}

/*
 * UNICODE_STRING + UTF-16 path (NUL-terminated) into a kernel buffer: the
 * executable as it is now, or as it was last seen once the process is gone.
 */
static u32 ps_image_file_name(struct ps_process *process, u64 user_base, void **out)
{
	char *fresh = ps_image_name(process->pid), *name;
	struct nt_unicode_string *us;
	size_t len;
	u32 size;
	int n;

	spin_lock(&process->lock);
	if (fresh)
		swap(fresh, process->image_name);
	name = kstrdup(process->image_name ? process->image_name : "", GFP_ATOMIC);
	spin_unlock(&process->lock);
	kfree(fresh);
	if (!name)
		return 0;

	len = strlen(name);
	size = sizeof(*us) + (len + 1) * sizeof(u16);
	us = kzalloc(size, GFP_KERNEL);
	if (!us) {
		kfree(name);
		return 0;
	}
	n = utf8s_to_utf16s(name, len, UTF16_LITTLE_ENDIAN, (wchar_t *)(us + 1), len);
	kfree(name);
	if (n < 0)
		n = 0;
	us->length = n * sizeof(u16);
	us->maximum_length = us->length + sizeof(u16);
	us->buffer = user_base + sizeof(*us);
	*out = us;
	return sizeof(*us) + us->maximum_length;
}

/*
 * The executable's path is what /proc/<pid>/exe shows, to PTRACE_MODE_READ
 * only. A full query handle had that check at open, for the program it was
 * granted on (checked again if the process has run another since); a
 * limited handle gets the path when the caller passes the check now.
 */
static bool ps_may_see_image(struct ps_process *caller, u64 handle,
			     struct ps_process *process,
			     const struct ob_handle_info *hinfo)
{
	struct ps_process *p;
	ntstatus_t status;

	if (!(hinfo->access & PROCESS_QUERY_INFORMATION))
		return ps_may_read(process);
	status = ps_reference_process_mm(caller, handle, PROCESS_QUERY_INFORMATION,
					 &p, NULL);
	if (!status)
		ps_dereference_process(p);
	/* Exited: the path last seen, as the handle was granted. */
	return !status || status == STATUS_PROCESS_IS_TERMINATING;
}

/* A fixed-size answer, into @out's own room. */
static ntstatus_t ps_answer(struct ps_info *out, const void *data, u32 size)
{
	BUILD_BUG_ON(sizeof(out->fixed) < sizeof(struct nt_vm_counters_ex));
	BUILD_BUG_ON(sizeof(out->fixed) < sizeof(struct nt_quota_limits_ex));
	memcpy(out->fixed, data, size);
	out->data = out->fixed;
	out->size = size;
	return STATUS_SUCCESS;
}

/**
 * ps_info_free() - free what an answer holds
 * @info: an answer of ps_query_process() or ps_query_thread()
 */
void ps_info_free(struct ps_info *info)
{
	if (info->data != info->fixed)
		kfree(info->data);
	info->data = NULL;
}

/**
 * ps_query_process() - NtQueryInformationProcess
 * @caller: the calling process
 * @handle: the process
 * @info_class: the PROCESSINFOCLASS
 * @buffer: the address of the caller's buffer (answers point into it)
 * @length: its length
 * @out: the answer, on success (free with ps_info_free())
 * @return_length: out: bytes needed on STATUS_INFO_LENGTH_MISMATCH, for
 *	the classes NT reports it for (left alone otherwise)
 *
 * Return: STATUS_SUCCESS or the NTSTATUS of the failure.
 */
ntstatus_t ps_query_process(struct ps_process *caller, u64 handle, u32 info_class,
			    u64 buffer, u32 length, struct ps_info *out,
			    u32 *return_length)
{
	struct ob_handle_info hinfo;
	struct task_struct *leader;
	struct ps_process *process;
	struct ob_object *obj;
	ntstatus_t status;
	u32 size;
	union {
		struct nt_process_basic_information basic;
		struct nt_kernel_user_times times;
		struct nt_vm_counters_ex vm;
		struct nt_quota_limits_ex quota;
		u32 count;
		u8 priority_class[2];
	} info;
	u32 need = PROCESS_QUERY_LIMITED_INFORMATION;

	switch (info_class) {
	case ProcessBasicInformation:
		size = sizeof(info.basic);
		break;
	case ProcessQuotaLimits:
		size = length == sizeof(info.quota) ? sizeof(info.quota) :
						     NT_QUOTA_LIMITS_SIZE;
		need = PROCESS_QUERY_INFORMATION;
		break;
	case ProcessTimes:
		size = sizeof(info.times);
		break;
	case ProcessHandleCount:
		size = sizeof(info.count);
		break;
	case ProcessPriorityClass:
		size = sizeof(info.priority_class);
		break;
	case ProcessVmCounters:
		size = length == sizeof(info.vm) ? sizeof(info.vm) : NT_VM_COUNTERS_SIZE;
		break;
	case ProcessImageFileName:
		/* Variable size: checked against the name, after the handle. */
		size = 0;
		break;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
	if (size && length != size) {
		/* NT reports the size for some classes, not for ProcessTimes. */
		if (info_class != ProcessTimes)
			*return_length = size;
		return STATUS_INFO_LENGTH_MISMATCH;
	}
	/* PROCESS_PRIORITY_CLASS is two UCHARs: NT probes it byte-aligned. */
	if (!IS_ALIGNED(buffer, info_class == ProcessPriorityClass ? 1 : PS_QUERY_ALIGN))
		return STATUS_DATATYPE_MISALIGNMENT;

	status = ps_reference_object(caller, handle, &ps_process_type, need, &obj,
				     &hinfo);
	if (status)
		return status;
	process = to_process(obj);
	if (info_class == ProcessImageFileName && !ps_may_see_image(caller, handle,
								    process, &hinfo)) {
		ps_dereference_process(process);
		return STATUS_ACCESS_DENIED;
	}
	leader = get_pid_task(process->pid, PIDTYPE_TGID);
	memset(&info, 0, sizeof(info));

	switch (info_class) {
	case ProcessBasicInformation:
		spin_lock(&process->lock);
		info.basic.exit_status = process->exit_status;
		spin_unlock(&process->lock);
		info.basic.affinity_mask = ps_affinity(leader);
		spin_lock(&process->lock);
		info.basic.base_priority = process->base_priority;
		info.basic.peb_base_address = process->peb;
		spin_unlock(&process->lock);
		info.basic.unique_process_id = ps_pid_nr(process->pid);
		info.basic.inherited_from_unique_process_id = ps_pid_nr(process->parent);
		status = ps_answer(out, &info, size);
		break;
	case ProcessTimes:
		ps_process_times(process, leader, &info.times);
		status = ps_answer(out, &info, size);
		break;
	case ProcessHandleCount:
		info.count = ob_handle_count(&process->handles);
		status = ps_answer(out, &info, size);
		break;
	case ProcessVmCounters:
		ps_vm_counters(process, leader, &info.vm);
		status = ps_answer(out, &info, size);
		break;
	case ProcessQuotaLimits:
		/* No pool or paging-file quota: unlimited, as Windows' default. */
		info.quota.paged_pool_limit = U64_MAX;
		info.quota.non_paged_pool_limit = U64_MAX;
		info.quota.pagefile_limit = U64_MAX;
		info.quota.time_limit = -1;
		mm_query_working_set_limits(&process->vm,
					    &info.quota.minimum_working_set_size,
					    &info.quota.maximum_working_set_size,
					    &info.quota.flags);
		status = ps_answer(out, &info, size);
		break;
	case ProcessPriorityClass:
		/* PROCESS_PRIORITY_CLASS: Foreground FALSE, PriorityClass. */
		spin_lock(&process->lock);
		info.priority_class[1] = process->priority_class;
		spin_unlock(&process->lock);
		status = ps_answer(out, &info, size);
		break;
	case ProcessImageFileName: {
		void *name = NULL;

		size = ps_image_file_name(process, buffer, &name);
		if (!size) {
			status = STATUS_NO_MEMORY;
		} else if (length < size) {
			*return_length = size;
			status = STATUS_INFO_LENGTH_MISMATCH;
			kfree(name);
		} else {
			out->data = name;
			out->size = size;
			status = STATUS_SUCCESS;
		}
		break;
	}
	}
	if (leader)
		put_task_struct(leader);
	ps_dereference_process(process);
	return status;
}

/**
 * ps_query_thread() - NtQueryInformationThread
 * @caller: the calling process
 * @handle: the thread
 * @info_class: the THREADINFOCLASS
 * @buffer: the address of the caller's buffer
 * @length: its length
 * @out: the answer, on success
 *
 * Return: STATUS_SUCCESS or the NTSTATUS of the failure.
 */
ntstatus_t ps_query_thread(struct ps_process *caller, u64 handle, u32 info_class,
			   u64 buffer, u32 length, struct ps_info *out)
{
	struct ps_thread *thread;
	struct task_struct *task;
	ntstatus_t status;
	u32 size;
	union {
		struct nt_thread_basic_information basic;
		struct nt_kernel_user_times times;
		u64 address;
		u32 suspend_count;
		u32 terminated;
	} info;

	switch (info_class) {
	case ThreadBasicInformation:
		size = sizeof(info.basic);
		break;
	case ThreadTimes:
		size = sizeof(info.times);
		break;
	case ThreadQuerySetWin32StartAddress:
		size = sizeof(info.address);
		break;
	case ThreadSuspendCount:
		size = sizeof(info.suspend_count);
		break;
	case ThreadIsTerminated:
		size = sizeof(info.terminated);
		break;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
	if (length != size)
		return STATUS_INFO_LENGTH_MISMATCH;
	if (!IS_ALIGNED(buffer, PS_QUERY_ALIGN))
		return STATUS_DATATYPE_MISALIGNMENT;

	status = ps_reference_thread(caller, handle, THREAD_QUERY_LIMITED_INFORMATION,
				     &thread);
	if (status)
		return status;
	/* The object holds its task; once exited, the recorded values count. */
	task = thread->task;
	memset(&info, 0, sizeof(info));

	spin_lock(&thread->lock);
	if (info_class == ThreadQuerySetWin32StartAddress) {
		info.address = thread->win32_start_address;
	} else if (info_class == ThreadSuspendCount) {
		info.suspend_count = thread->suspend.count;
	} else if (info_class == ThreadIsTerminated) {
		info.terminated = thread->exited;
	} else if (info_class == ThreadBasicInformation) {
		info.basic.exit_status = thread->exit_status;
	} else {
		info.times.create_time = thread->create_time;
		info.times.exit_time = thread->exit_time;
		info.times.user_time = thread->user_time;
		info.times.kernel_time = thread->kernel_time;
	}
	spin_unlock(&thread->lock);

	if (info_class == ThreadBasicInformation) {
		info.basic.unique_process = ps_pid_nr(thread->process->pid);
		info.basic.unique_thread = ps_thread_id(thread,
						       task_active_pid_ns(current));
		info.basic.affinity_mask = ps_affinity(task);
		info.basic.priority = ps_task_priority(task);
		spin_lock(&thread->lock);
		info.basic.base_priority = thread->priority_increment;
		info.basic.teb_base_address = thread->teb;
		spin_unlock(&thread->lock);
	} else if (info_class == ThreadTimes && !info.times.exit_time) {
		u64 ut, st;

		task_cputime_adjusted(task, &ut, &st);
		info.times.user_time = div_u64(ut, 100);
		info.times.kernel_time = div_u64(st, 100);
	}
	status = ps_answer(out, &info, size);
	ps_dereference_thread(thread);
	return status;
}
