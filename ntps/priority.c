// SPDX-License-Identifier: GPL-2.0
/*
 * Priorities and affinity: NtSetInformationProcess (ProcessBasePriority,
 * ProcessPriorityClass, ProcessAffinityMask), NtSetInformationThread
 * (ThreadPriority, ThreadBasePriority, ThreadAffinityMask,
 * ThreadQuerySetWin32StartAddress), and what the queries report of them.
 *
 * NT schedules threads by priority 1-31. In the variable range, 1-15, a
 * process's priority class gives a base (IDLE 4, BELOW_NORMAL 6, NORMAL 8,
 * ABOVE_NORMAL 10, HIGH 13) and a thread's base priority is the process's
 * plus an increment of -2..+2, or saturated: THREAD_BASE_PRIORITY_IDLE
 * (-15) gives 1, THREAD_BASE_PRIORITY_LOWRT (15) gives 15. The real-time
 * range, 16-31, is the REALTIME class (base 24; the saturations give 16 and
 * 31). ThreadPriority sets a thread's priority outright.
 *
 * On Linux a thread of the variable range gets the nice value of
 * ps_nice_of[] (NORMAL's 8 is nice 0, 15 is -20, 1 is 19), a real-time
 * thread SCHED_RR at priority - 15. As on Windows, the variable range needs
 * no privilege and the real-time range needs CAP_SYS_NICE (Windows'
 * SeIncreaseBasePriorityPrivilege), else STATUS_PRIVILEGE_NOT_HELD; a nice
 * value the target's RLIMIT_NICE does not allow without the capability is
 * raised to the lowest it allows, and queries report the priority Linux
 * applies. Affinity masks go to set_cpus_allowed_ptr(), which keeps them
 * within the task's cpuset (STATUS_INVALID_PARAMETER outside it or outside
 * the online CPUs).
 *
 * A job's JOB_OBJECT_LIMIT_SCHEDULING_CLASS sets how long its members'
 * threads run before the scheduler may switch to another of the same
 * priority: NT's quantum, Linux 6.12's per-task slice (ps_class_slice[]).
 * The slice a process's threads were given is ps_process.job_slice; a
 * thread made fair again (out of SCHED_RR) gets it back.
 *
 * Locking: ps_process.lock and ps_thread.lock guard the NT values; Linux
 * is told after they are dropped (the scheduler calls may sleep).
 */
#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <uapi/linux/sched/types.h>
#include <kunit/visibility.h>

#include "../ntob/compat.h"
#include "ps.h"

/* NT priority 1..15 -> nice; index 0 unused. */
static const s8 ps_nice_of[16] = {
	0, 19, 17, 15, 12, 9, 6, 3, 0, -3, -6, -9, -12, -15, -17, -20
};

/* The base priority of each PROCESS_PRIORITY_CLASS_* value; 0: invalid. */
static const u8 ps_class_base[] = {
	[PROCESS_PRIORITY_CLASS_IDLE] = 4,
	[PROCESS_PRIORITY_CLASS_NORMAL] = 8,
	[PROCESS_PRIORITY_CLASS_HIGH] = 13,
	[PROCESS_PRIORITY_CLASS_REALTIME] = 24,
	[PROCESS_PRIORITY_CLASS_BELOW_NORMAL] = 6,
	[PROCESS_PRIORITY_CLASS_ABOVE_NORMAL] = 10,
};

/*
 * The slice of each job scheduling class, ns; 0: the kernel's default.
 * NT's quantum grows with the class (PspJobSchedulingClasses: 6 * (class +
 * 1) quantum units, class 5 the default; class 9 also disables quantum
 * end). Linux's default slice is 0.7 ms times 1 + log2 of the CPUs (at most
 * 8): 0.7 to 2.8 ms. So class 5 is the default, classes 0-4 are shorter
 * than any default, 6-8 longer than any, and 9 is the longest slice the
 * kernel takes (100 ms), the nearest to no quantum end.
 */
static const u32 ps_class_slice[PS_JOB_SCHEDULING_CLASSES] = {
	100000, 200000, 300000, 400000, 500000,
	0, 3000000, 4000000, 5000000, 100000000,
};
static_assert(PS_JOB_SCHEDULING_CLASS_DEFAULT == 5);

/**
 * ps_scheduling_class_slice() - the slice of a job scheduling class
 * @class: 0..9 (larger values count as 9)
 *
 * Return: the slice in ns for sched_attr.sched_runtime, 0 for the kernel's
 * default (class 5).
 */
u64 ps_scheduling_class_slice(u32 class)
{
	return ps_class_slice[min_t(u32, class, PS_JOB_SCHEDULING_CLASSES - 1)];
}
EXPORT_SYMBOL_IF_KUNIT(ps_scheduling_class_slice);

/**
 * ps_priority_of_nice() - the NT priority a nice value stands for
 * @nice: a nice value, -20..19
 *
 * Return: the variable-range priority whose nice value is nearest (the
 * higher priority on a tie).
 */
s32 ps_priority_of_nice(int nice)
{
	s32 p, best = 8;

	for (p = 1; p <= 15; p++)
		if (abs(ps_nice_of[p] - nice) <= abs(ps_nice_of[best] - nice))
			best = p;
	return best;
}
EXPORT_SYMBOL_IF_KUNIT(ps_priority_of_nice);

/**
 * ps_nice_of_priority() - the nice value of a variable-range priority
 * @priority: 1..15
 *
 * Return: the nice value.
 */
int ps_nice_of_priority(s32 priority)
{
	return ps_nice_of[clamp(priority, 1, 15)];
}
EXPORT_SYMBOL_IF_KUNIT(ps_nice_of_priority);

/**
 * ps_thread_base_priority() - a thread's base priority
 * @process_base: its process's base priority
 * @increment: the thread's increment (-2..2, or -15 or 15)
 *
 * Return: the priority, within the range of @process_base.
 */
s32 ps_thread_base_priority(s32 process_base, s32 increment)
{
	bool rt = process_base >= 16;

	if (increment == THREAD_BASE_PRIORITY_IDLE)
		return rt ? 16 : 1;
	if (increment == THREAD_BASE_PRIORITY_LOWRT)
		return rt ? 31 : 15;
	return rt ? clamp(process_base + increment, 16, 31) :
		    clamp(process_base + increment, 1, 15);
}
EXPORT_SYMBOL_IF_KUNIT(ps_thread_base_priority);

/* The priority Linux applies to @task now. */
s32 ps_task_priority(struct task_struct *task)
{
	if (!task)
		return 8;
	if (task->policy == SCHED_RR || task->policy == SCHED_FIFO)
		return clamp(15 + (s32)task->rt_priority, 16, 31);
	return ps_priority_of_nice(task_nice(task));
}

/*
 * The lowest nice value at or above @nice that @task may be given, as
 * setpriority(2) decides: raising is free, lowering needs the target's
 * RLIMIT_NICE or CAP_SYS_NICE; at worst the value stays.
 */
static int ps_allowed_nice(struct task_struct *task, int nice)
{
	int now = task_nice(task);

	while (nice < now && !can_nice(task, nice))
		nice++;
	return nice;
}

/*
 * Tell Linux: a nice value, or SCHED_RR for the real-time range. @slice:
 * the process's job slice, which a thread leaving SCHED_RR takes again.
 */
static int ps_apply(struct task_struct *task, s32 priority, u64 slice)
{
	struct sched_attr attr = { .size = sizeof(attr) };

	if (priority >= 16) {
		attr.sched_policy = SCHED_RR;
		attr.sched_priority = priority - 15;
		return sched_setattr_nocheck(task, &attr);
	}
	attr.sched_nice = ps_allowed_nice(task, ps_nice_of_priority(priority));
	if (task->policy == SCHED_RR || task->policy == SCHED_FIFO) {
		attr.sched_policy = SCHED_NORMAL;
		attr.sched_runtime = slice;
		return sched_setattr_nocheck(task, &attr);
	}
	set_user_nice(task, attr.sched_nice);
	return 0;
}

/* The slice a process's job gave its threads (0: the default). */
static u64 ps_process_slice(struct ps_process *process)
{
	u64 slice;

	spin_lock(&process->lock);
	slice = process->job_slice;
	spin_unlock(&process->lock);
	return slice;
}

/* The priority a thread should have now, from the NT values. */
static s32 ps_thread_target(struct ps_process *process, struct ps_thread *thread)
{
	s32 base, increment = 0, absolute = 0;

	spin_lock(&process->lock);
	base = process->base_priority;
	spin_unlock(&process->lock);
	if (thread) {
		spin_lock(&thread->lock);
		increment = thread->priority_increment;
		absolute = thread->priority;
		spin_unlock(&thread->lock);
	}
	return absolute ?: ps_thread_base_priority(base, increment);
}

/* The priority a thread would have with a new priority or increment. */
static s32 ps_thread_target_with(struct ps_thread *thread, bool absolute, s32 v)
{
	s32 base;

	if (absolute)
		return v;
	spin_lock(&thread->process->lock);
	base = thread->process->base_priority;
	spin_unlock(&thread->process->lock);
	return ps_thread_base_priority(base, v);
}

/* Call @fn on every live thread of a process, from ps_process_threads(). */
static ntstatus_t ps_apply_to_threads(struct ps_process *process,
				   ntstatus_t (*fn)(struct ps_process *process,
						    struct task_struct *task,
						    const void *arg),
				   const void *arg)
{
	ntstatus_t status = STATUS_SUCCESS;
	struct task_struct *task;
	struct pid **pids;
	int i, n;

	n = ps_process_threads(process, &pids);
	if (n < 0)
		return n == -ENOMEM ? STATUS_NO_MEMORY : STATUS_PROCESS_IS_TERMINATING;
	for (i = 0; i < n; i++) {
		task = get_pid_task(pids[i], PIDTYPE_PID);
		put_pid(pids[i]);
		if (!task)
			continue;
		if (!status)
			status = fn(process, task, arg);
		put_task_struct(task);
		cond_resched();
	}
	kfree(pids);
	return status;
}

/* A new process base: the thread's priority is its base again. */
static ntstatus_t ps_apply_base(struct ps_process *process, struct task_struct *task,
				const void *unused)
{
	struct ps_thread *thread = ps_lookup_task_thread(task);
	int err;

	if (thread) {
		spin_lock(&thread->lock);
		thread->priority = 0;
		spin_unlock(&thread->lock);
	}
	err = ps_apply(task, ps_thread_target(process, thread), ps_process_slice(process));
	if (thread)
		ps_dereference_thread(thread);
	return err ? STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
}

/* The CPUs a mask names, if it is a valid affinity: nonzero, online CPUs. */
static bool ps_affinity_mask(u64 mask, struct cpumask *cpus)
{
	unsigned int cpu;

	cpumask_clear(cpus);
	for (cpu = 0; cpu < 64; cpu++) {
		if (!(mask & BIT_ULL(cpu)))
			continue;
		if (cpu >= nr_cpu_ids || !cpu_online(cpu))
			return false;
		cpumask_set_cpu(cpu, cpus);
	}
	return mask;
}

static ntstatus_t ps_set_affinity(struct task_struct *task, const struct cpumask *cpus)
{
	return set_cpus_allowed_ptr(task, cpus) ? STATUS_INVALID_PARAMETER :
						  STATUS_SUCCESS;
}

static ntstatus_t ps_apply_affinity(struct ps_process *process, struct task_struct *task,
				    const void *cpus)
{
	return ps_set_affinity(task, cpus);
}

/* QUOTA_LIMITS_EX.Flags NT takes. */
#define PS_QUOTA_FLAGS	(QUOTA_LIMITS_HARDWS_MIN_ENABLE | QUOTA_LIMITS_HARDWS_MIN_DISABLE | \
			 QUOTA_LIMITS_HARDWS_MAX_ENABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE | \
			 QUOTA_LIMITS_USE_DEFAULT_LIMITS)

/*
 * ProcessQuotaLimits (PspSetQuotaLimits): QUOTA_LIMITS or QUOTA_LIMITS_EX.
 * With both working-set sizes given, the memory manager adjusts them
 * ((SIZE_T)-1 for both empties the working set, which needs no privilege;
 * raising the minimum needs CAP_IPC_LOCK, Linux's counterpart of
 * SeIncreaseWorkingSetPrivilege). Otherwise the call is about pool and
 * paging-file quotas, which the module does not enforce: it needs
 * CAP_SYS_RESOURCE (SeIncreaseQuotaPrivilege) and changes nothing.
 */
static ntstatus_t ps_set_quota_limits(struct ps_process *caller, u64 handle,
				      const void *data, u32 length)
{
	struct nt_quota_limits_ex q = {};
	struct ps_process *process;
	struct mm_struct *mm;
	ntstatus_t status;

	if (length != NT_QUOTA_LIMITS_SIZE && length != sizeof(q))
		return STATUS_INFO_LENGTH_MISMATCH;
	memcpy(&q, data, length);
	if ((q.flags & ~PS_QUOTA_FLAGS) ||
	    ((q.flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE) &&
	     (q.flags & QUOTA_LIMITS_HARDWS_MIN_DISABLE)) ||
	    ((q.flags & QUOTA_LIMITS_HARDWS_MAX_ENABLE) &&
	     (q.flags & QUOTA_LIMITS_HARDWS_MAX_DISABLE)) ||
	    q.working_set_limit || q.reserved2 || q.reserved3 || q.reserved4 ||
	    q.cpu_rate_limit)
		return STATUS_INVALID_PARAMETER;
	status = ps_reference_process_mm(caller, handle, PROCESS_SET_QUOTA, &process, &mm);
	if (status)
		return status;
	if (q.minimum_working_set_size && q.maximum_working_set_size)
		status = mm_set_working_set(&process->vm, mm, q.minimum_working_set_size,
					    q.maximum_working_set_size, q.flags,
					    capable(CAP_IPC_LOCK));
	else if (!capable(CAP_SYS_RESOURCE))
		status = STATUS_PRIVILEGE_NOT_HELD;
	mmput(mm);
	ps_dereference_process(process);
	return status;
}

/**
 * ps_valid_priority_class() - a PROCESS_PRIORITY_CLASS_* value?
 * @class: the value
 *
 * Return: true for one of the six classes.
 */
bool ps_valid_priority_class(u32 class)
{
	return class < ARRAY_SIZE(ps_class_base) && ps_class_base[class];
}

/**
 * ps_valid_affinity() - an affinity mask of online CPUs, not empty?
 * @mask: the mask
 *
 * Return: true when it is.
 */
bool ps_valid_affinity(u64 mask)
{
	cpumask_var_t cpus;
	bool ok;

	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return false;
	ok = ps_affinity_mask(mask, cpus);
	free_cpumask_var(cpus);
	return ok;
}

/**
 * ps_apply_priority_class() - give a process a priority class
 * @process: the process
 * @class: a valid PROCESS_PRIORITY_CLASS_* value (the caller checked it,
 *	and the privilege REALTIME needs)
 *
 * What a job's JOB_OBJECT_LIMIT_PRIORITY_CLASS does to each member.
 *
 * Return: STATUS_SUCCESS, or STATUS_UNSUCCESSFUL when Linux refused a thread.
 */
ntstatus_t ps_apply_priority_class(struct ps_process *process, u8 class)
{
	spin_lock(&process->lock);
	process->base_priority = ps_class_base[class];
	process->priority_class = class;
	spin_unlock(&process->lock);
	return ps_apply_to_threads(process, ps_apply_base, NULL);
}

/**
 * ps_apply_process_affinity() - bind every thread of a process to CPUs
 * @process: the process
 * @mask: the CPUs (valid: ps_valid_affinity())
 *
 * Return: STATUS_SUCCESS, STATUS_NO_MEMORY, STATUS_INVALID_PARAMETER.
 */
ntstatus_t ps_apply_process_affinity(struct ps_process *process, u64 mask)
{
	cpumask_var_t cpus;
	ntstatus_t status;

	if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
		return STATUS_NO_MEMORY;
	status = ps_affinity_mask(mask, cpus) ?
		 ps_apply_to_threads(process, ps_apply_affinity, cpus) :
		 STATUS_INVALID_PARAMETER;
	free_cpumask_var(cpus);
	return status;
}

/**
 * ps_priority_class_lower() - is one priority class not above another?
 * @a: a valid PROCESS_PRIORITY_CLASS_* value
 * @b: another
 *
 * Return: true when @a's base priority is @b's or lower (nested jobs: the
 * lowest class of the chain is the one in force).
 */
bool ps_priority_class_lower(u8 a, u8 b)
{
	return ps_class_base[a] <= ps_class_base[b];
}

static ntstatus_t ps_apply_slice(struct ps_process *process, struct task_struct *task,
				 const void *slice)
{
	return ntx_set_task_slice(task, *(const u64 *)slice) ? STATUS_UNSUCCESSFUL :
							       STATUS_SUCCESS;
}

/**
 * ps_apply_process_slice() - give every thread of a process a slice
 * @process: the process
 * @slice: ns (ps_scheduling_class_slice()), 0 for the kernel's default
 *
 * What a job's JOB_OBJECT_LIMIT_SCHEDULING_CLASS does to each member; the
 * threads it creates later inherit the slice (fork and clone copy it).
 *
 * Return: STATUS_SUCCESS, STATUS_NO_MEMORY, STATUS_PROCESS_IS_TERMINATING,
 * or STATUS_UNSUCCESSFUL when Linux refused a thread.
 */
ntstatus_t ps_apply_process_slice(struct ps_process *process, u64 slice)
{
	spin_lock(&process->lock);
	/* The fork probe reads it without the lock. */
	WRITE_ONCE(process->job_slice, slice);
	spin_unlock(&process->lock);
	return ps_apply_to_threads(process, ps_apply_slice, &slice);
}

/**
 * ps_apply_task_slice() - give one task a slice
 * @task: a task (the caller's own, or one it holds)
 * @slice: ns, 0 for the kernel's default
 *
 * Return: 0 or -errno.
 */
int ps_apply_task_slice(struct task_struct *task, u64 slice)
{
	return ntx_set_task_slice(task, slice);
}

/**
 * ps_set_process() - NtSetInformationProcess
 * @caller: the calling process
 * @handle: the process (PROCESS_SET_INFORMATION; PROCESS_SET_QUOTA for
 *	ProcessQuotaLimits)
 * @info_class: ProcessQuotaLimits, ProcessBasePriority,
 *	ProcessPriorityClass or ProcessAffinityMask
 * @data: the caller's buffer, copied in
 * @length: its length
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_INFO_CLASS,
 * STATUS_INFO_LENGTH_MISMATCH, STATUS_INVALID_PARAMETER,
 * STATUS_PRIVILEGE_NOT_HELD, or the handle's status.
 */
ntstatus_t ps_set_process(struct ps_process *caller, u64 handle, u32 info_class,
			  const void *data, u32 length)
{
	struct ps_process *process;
	cpumask_var_t cpus;
	ntstatus_t status;
	u64 mask;
	s32 base;
	u8 class = 0;

	switch (info_class) {
	case ProcessQuotaLimits:
		return ps_set_quota_limits(caller, handle, data, length);
	case ProcessBasePriority:
	case ProcessAffinityMask:
		if (length != (info_class == ProcessBasePriority ? 4 : 8))
			return STATUS_INFO_LENGTH_MISMATCH;
		break;
	case ProcessPriorityClass:
		if (length != 2)
			return STATUS_INFO_LENGTH_MISMATCH;
		break;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
	status = ps_reference_process(caller, handle, PROCESS_SET_INFORMATION, &process);
	if (status)
		return status;
	switch (info_class) {
	case ProcessBasePriority:
		base = *(const s32 *)data;
		status = STATUS_INVALID_PARAMETER;
		if (base < 1 || base > 31)
			goto out;
		break;
	case ProcessPriorityClass:
		/* PROCESS_PRIORITY_CLASS: BOOLEAN Foreground, UCHAR PriorityClass. */
		class = ((const u8 *)data)[1];
		status = STATUS_INVALID_PARAMETER;
		if (class >= ARRAY_SIZE(ps_class_base) || !ps_class_base[class])
			goto out;
		base = ps_class_base[class];
		break;
	default:	/* ProcessAffinityMask */
		status = STATUS_NO_MEMORY;
		if (!zalloc_cpumask_var(&cpus, GFP_KERNEL))
			goto out;
		mask = *(const u64 *)data;
		/* A member of a job limiting it: the job's, or a subset of it. */
		status = ps_affinity_mask(mask, cpus) ? ps_job_affinity(process, &mask) :
							STATUS_INVALID_PARAMETER;
		if (!status)
			status = ps_affinity_mask(mask, cpus) ?
				 ps_apply_to_threads(process, ps_apply_affinity, cpus) :
				 STATUS_INVALID_PARAMETER;
		free_cpumask_var(cpus);
		goto out;
	}
	status = STATUS_PRIVILEGE_NOT_HELD;
	if (base >= 16 && !capable(CAP_SYS_NICE))
		goto out;
	/*
	 * NT: a member of a job with JOB_OBJECT_LIMIT_PRIORITY_CLASS gets the
	 * job's class whatever it asked for, and the call succeeds.
	 */
	if (class && ps_job_priority_class(process, &class))
		base = ps_class_base[class];
	spin_lock(&process->lock);
	process->base_priority = base;
	if (class)
		process->priority_class = class;
	else if (base >= 16)
		process->priority_class = PROCESS_PRIORITY_CLASS_REALTIME;
	spin_unlock(&process->lock);
	status = ps_apply_to_threads(process, ps_apply_base, NULL);
out:
	ps_dereference_process(process);
	return status;
}

/**
 * ps_set_thread() - NtSetInformationThread
 * @caller: the calling process
 * @handle: the thread (THREAD_SET_INFORMATION, or THREAD_SET_LIMITED_INFORMATION
 *	for the priorities)
 * @info_class: ThreadPriority, ThreadBasePriority, ThreadAffinityMask or
 *	ThreadQuerySetWin32StartAddress
 * @data: the caller's buffer, copied in
 * @length: its length
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_INFO_CLASS,
 * STATUS_INFO_LENGTH_MISMATCH, STATUS_INVALID_PARAMETER,
 * STATUS_PRIVILEGE_NOT_HELD, STATUS_THREAD_IS_TERMINATING, or the
 * handle's status.
 */
ntstatus_t ps_set_thread(struct ps_process *caller, u64 handle, u32 info_class,
			 const void *data, u32 length)
{
	struct task_struct *task = NULL;
	struct ps_thread *thread;
	cpumask_var_t cpus;
	ntstatus_t status;
	u32 need;
	s32 v = 0;

	switch (info_class) {
	case ThreadPriority:
	case ThreadBasePriority:
		if (length != 4)
			return STATUS_INFO_LENGTH_MISMATCH;
		v = *(const s32 *)data;
		need = THREAD_SET_LIMITED_INFORMATION;
		break;
	case ThreadAffinityMask:
	case ThreadQuerySetWin32StartAddress:
		if (length != 8)
			return STATUS_INFO_LENGTH_MISMATCH;
		need = THREAD_SET_INFORMATION;
		break;
	default:
		return STATUS_INVALID_INFO_CLASS;
	}
	if (info_class == ThreadPriority && (v < 1 || v > 31))
		return STATUS_INVALID_PARAMETER;
	if (info_class == ThreadBasePriority && (v < -2 || v > 2) &&
	    v != THREAD_BASE_PRIORITY_IDLE && v != THREAD_BASE_PRIORITY_LOWRT)
		return STATUS_INVALID_PARAMETER;
	status = ps_reference_thread(caller, handle, need, &thread);
	if (status)
		return status;
	if (info_class == ThreadQuerySetWin32StartAddress) {
		spin_lock(&thread->lock);
		thread->win32_start_address = *(const u64 *)data;
		spin_unlock(&thread->lock);
		goto out;
	}
	spin_lock(&thread->lock);
	if (!thread->exited && thread->task)
		task = get_task_struct(thread->task);
	spin_unlock(&thread->lock);
	status = STATUS_THREAD_IS_TERMINATING;
	if (!task)
		goto out;
	if (info_class == ThreadAffinityMask) {
		status = STATUS_NO_MEMORY;
		if (zalloc_cpumask_var(&cpus, GFP_KERNEL)) {
			status = ps_affinity_mask(*(const u64 *)data, cpus) ?
				 ps_set_affinity(task, cpus) : STATUS_INVALID_PARAMETER;
			free_cpumask_var(cpus);
		}
		goto put;
	}
	status = STATUS_PRIVILEGE_NOT_HELD;
	if (ps_thread_target_with(thread, info_class == ThreadPriority, v) >= 16 &&
	    !capable(CAP_SYS_NICE))
		goto put;
	spin_lock(&thread->lock);
	if (info_class == ThreadPriority) {
		thread->priority = v;
	} else {
		thread->priority_increment = v;
		thread->priority = 0;
	}
	spin_unlock(&thread->lock);
	status = ps_apply(task, ps_thread_target(thread->process, thread),
			  ps_process_slice(thread->process)) ?
		 STATUS_UNSUCCESSFUL : STATUS_SUCCESS;
put:
	put_task_struct(task);
out:
	ps_dereference_thread(thread);
	return status;
}
