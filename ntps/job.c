// SPDX-License-Identifier: GPL-2.0
/*
 * Job objects: NtCreateJobObject, NtOpenJobObject, NtAssignProcessToJobObject,
 * NtTerminateJobObject, NtIsProcessInJob, NtQueryInformationJobObject and
 * NtSetInformationJobObject.
 *
 * A job is a set of processes with limits the module enforces, accounting,
 * and messages to an I/O completion object (ntob/iocomp.c). What is
 * enforced, and where:
 *  - Membership is inherited: a process a member creates (fork/clone of a
 *    new thread group, which NtCreateProcessEx's host also is) is in the
 *    job from its first instruction. A probe on sched_process_fork, in the
 *    parent, counts the child as pending in the job and queues a TWA_RESUME
 *    task_work on it, which runs before the child's first user instruction
 *    and joins it (adopting it as an NT process). Anyone who looks at the
 *    child or the job meanwhile settles the join first (ps_job_settle_*()),
 *    so nobody ever sees the child outside. JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK
 *    leaves children out.
 *  - JOB_OBJECT_LIMIT_ACTIVE_PROCESS: a child that would pass the limit gets
 *    SIGKILL in the fork probe, before it was ever woken: it runs no code of
 *    its own, its parent sees it die, and the port gets
 *    JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT. An assignment past the limit ends
 *    the process and fails with STATUS_QUOTA_EXCEEDED. Every process a
 *    limit ends (active processes, process and job time) exits with
 *    ERROR_NOT_ENOUGH_QUOTA, as NT's job code ends them.
 *  - NtTerminateJobObject and KILL_ON_JOB_CLOSE end every member with the
 *    status (all 32 bits, through ps_kill_process()), and the job stays
 *    terminated: a process that joins it afterwards (a child forked in the
 *    race, an assignment) is ended with the same status. The job is
 *    signaled.
 *  - JOB_OBJECT_LIMIT_PRIORITY_CLASS and _AFFINITY are applied to every
 *    member when set and to each new member when it joins.
 *  - JOB_OBJECT_LIMIT_PROCESS_TIME and _JOB_TIME: a work item of the job
 *    samples its members' user time every PS_JOB_TICK_MS while such a limit
 *    is set, ends a process past the per-process limit
 *    (END_OF_PROCESS_TIME) and, past the job limit, every process or only
 *    the message (JobObjectEndOfJobTimeInformation).
 *  - JOB_OBJECT_LIMIT_PROCESS_MEMORY and _JOB_MEMORY bound NT commit. The
 *    memory manager calls the commit hooks of struct mm_ops (this file's
 *    ps_job_commit_charge()) for every page a member commits, under its
 *    space's lock: the charge is an atomic add per job, refused with
 *    STATUS_COMMITMENT_LIMIT past a limit, with PROCESS_MEMORY_LIMIT or
 *    JOB_MEMORY_LIMIT posted once per process, as NT does. A process joins
 *    whatever it has committed (NT's MmAssignProcessToJob): it is caught
 *    at its next commit. The job keeps PeakProcessMemoryUsed and
 *    PeakJobMemoryUsed. Sections' own commit is the system's, as in NT.
 *  - Breakaway: a member's NtCreateProcessEx with
 *    PROCESS_CREATE_FLAGS_BREAKAWAY first arms its thread
 *    (ps_job_arm_breakaway(): STATUS_ACCESS_DENIED unless the job has
 *    BREAKAWAY_OK or SILENT_BREAKAWAY_OK); the fork probe then leaves that
 *    thread's next new thread group out of the job (it is killed, fail
 *    closed, if the job stopped allowing it meanwhile). Linux's fork has no
 *    breakaway request: its children stay in unless the job has
 *    SILENT_BREAKAWAY_OK, as NT's children created without the flag.
 *  - A member's own NtSetInformationProcess(ProcessPriorityClass) gets the
 *    job's class when the job limits it, and succeeds, as in NT.
 *  - DIE_ON_UNHANDLED_EXCEPTION is what Linux does anyway: a process with an
 *    unhandled SIGSEGV ends, no dialog waits.
 *  Not yet (STATUS_NOT_SUPPORTED when asked): WORKINGSET, SCHEDULING_CLASS,
 *  SUBSET_AFFINITY;
 *  nested jobs (a process in one job cannot join another:
 *  STATUS_ACCESS_DENIED, as before Windows 8); the cgroup backing.
 *
 * Messages all leave through ps_job_post(), the one place a later events
 * layer hooks. Their ApcContext is the process id as the job's creator's
 * pid namespace sees it.
 *
 * Lifetimes. A member holds a reference on its job for its whole life (so
 * NtIsProcessInJob answers after its exit); the job holds none on its
 * members: a member leaves the job's list at its rundown, before it can be
 * freed. A pending child's record holds a job reference until the child's
 * task_work frees it (a queued task_work always runs, at the latest in the
 * child's exit, and holds the module). The job's time work holds a
 * reference while queued. The job holds its port and its creator's pid
 * namespace; a job may be freed in softirq (by a process freed in the
 * free probe), so its end runs on the job work queue.
 *
 * Locks. ps_job.lock (spinlock: the fork probe takes it) protects the
 * job's fields and list; inside it a process's ps_process.lock (setting
 * @job, reading @exited), and the port's wait-queue lock is never taken
 * under it (messages are posted after it is dropped). ps_job_pending_lock
 * is a leaf. The commit hooks run under mm_space.lock (a mutex, under the
 * mmap lock on the fault path) and take no lock for the charge itself
 * (atomics; the limits are read once, written under ps_job.lock); a
 * message they post takes ps_job.lock and then the port's lock, so
 * mm_space.lock -> ps_job.lock -> (port) is the order, and nothing takes
 * an ntmm lock under ps_job.lock. A member's space holds a reference on
 * the member (ps_job_quota_get()), the member one on its job: the job
 * charged is always alive, and a process's job never changes once set.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/pid_namespace.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <kunit/visibility.h>

#include "ps.h"

#define PS_JOB_TICK_MS		10

/**
 * struct ps_job - a job object
 * @ob: object header; signaled when the job is terminated
 * @ns: the pid namespace of its creator (referenced): the ids of messages
 * @end_work: frees the job in process context
 * @time_work: enforces the time limits while they are set
 * @lock: protects the fields below
 * @members: its active processes (ps_process.job_node)
 * @active: how many
 * @pending: children counted by the fork probe, not yet joined
 * @total: every process that joined
 * @violations: processes ended for a limit (TotalTerminatedProcesses)
 * @exited_user: user time of its exited members, 100 ns
 * @exited_kernel: their kernel time
 * @exited_faults: their page faults
 * @exited_io: their I/O counters
 * @flags: JOB_OBJECT_LIMIT_*
 * @active_limit: ActiveProcessLimit
 * @process_time: PerProcessUserTimeLimit, 100 ns
 * @job_time: PerJobUserTimeLimit, 100 ns
 * @job_time_base: user time charged before the job limit was last set
 * @affinity: Affinity
 * @priority_class: PriorityClass
 * @end_action: EndOfJobTimeAction
 * @port: the associated I/O completion object (referenced), or NULL
 * @key: its CompletionKey
 * @terminated: terminated: new members are ended with @terminate_status
 * @terminate_status: the status
 * @time_queued: @time_work is queued
 * @process_memory: ProcessMemoryLimit, pages (READ_ONCE by the charge)
 * @job_memory: JobMemoryLimit, pages (likewise)
 * @commit: pages its members have committed (the charge's atomic count)
 * @peak_process: PeakProcessMemoryUsed, pages (atomic max)
 * @peak_job: PeakJobMemoryUsed, pages (atomic max)
 */
struct ps_job {
	struct ob_object ob;
	struct pid_namespace *ns;
	struct work_struct end_work;
	struct delayed_work time_work;

	spinlock_t lock;
	struct list_head members;
	u32 active;
	u32 pending;
	u32 total;
	u32 violations;
	u64 exited_user;
	u64 exited_kernel;
	u64 exited_faults;
	u64 exited_io[6];
	u32 flags;
	u32 active_limit;
	u64 process_time;
	u64 job_time;
	u64 job_time_base;
	u64 affinity;
	u32 priority_class;
	u32 end_action;
	struct ob_iocomp *port;
	u64 key;
	bool terminated;
	u32 terminate_status;
	bool time_queued;
	unsigned long process_memory;
	unsigned long job_memory;
	atomic_long_t commit;
	atomic_long_t peak_process;
	atomic_long_t peak_job;
};

/**
 * struct ps_job_pending - a child the fork probe put in a job
 * @node: in ps_job_pending_list until its claimer has joined the child
 *	(ps_job_unlist()): an observer that finds it claimed waits for that
 * @signal: the child's thread group (its key)
 * @tgid: the child's pid (referenced)
 * @job: the job (referenced)
 * @work: the child's join, before its first instruction
 * @claimed: joined (or given up) by the child or by an observer
 */
struct ps_job_pending {
	struct hlist_node node;
	const void *signal;
	struct pid *tgid;
	struct ps_job *job;
	struct callback_head work;
	bool claimed;
};

static DEFINE_SPINLOCK(ps_job_pending_lock);
static HLIST_HEAD(ps_job_pending_list);
/* Woken when a record leaves ps_job_pending_list. */
static DECLARE_WAIT_QUEUE_HEAD(ps_job_pending_wq);
static atomic_t ps_job_pendings = ATOMIC_INIT(0);
/* Threads armed for a breakaway: the fork probe looks only when some are. */
static atomic_t ps_job_armed = ATOMIC_INIT(0);
/* Active members of every job: the fork probe's fast way out. */
static atomic_t ps_job_members = ATOMIC_INIT(0);
static atomic_long_t ps_jobs = ATOMIC_LONG_INIT(0);
static struct workqueue_struct *ps_job_wq;
static struct tracepoint *ps_job_fork_tp;
static bool ps_job_stopping;

static void ps_job_destroy(struct ob_object *obj);
static void ps_job_last_handle(struct ob_object *obj);

const struct ob_type ps_job_type = {
	.name = "Job",
	.valid_access = JOB_OBJECT_ALL_ACCESS,
	.generic = { STANDARD_RIGHTS_READ | JOB_OBJECT_QUERY,
		     STANDARD_RIGHTS_WRITE | JOB_OBJECT_ASSIGN_PROCESS |
		     JOB_OBJECT_SET_ATTRIBUTES | JOB_OBJECT_TERMINATE,
		     STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE,
		     JOB_OBJECT_ALL_ACCESS },
	.destroy = ps_job_destroy,
	.last_handle = ps_job_last_handle,
};
EXPORT_SYMBOL_IF_KUNIT(ps_job_type);

static inline struct ps_job *to_job(struct ob_object *obj)
{
	return container_of(obj, struct ps_job, ob);
}

struct ob_object *ps_job_object(struct ps_job *job)
{
	return &job->ob;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_object);

long ps_job_count(void)
{
	return atomic_long_read(&ps_jobs);
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_count);

static void ps_job_end_work(struct work_struct *work)
{
	struct ps_job *job = container_of(work, struct ps_job, end_work);

	if (job->port)
		ob_dereference(ob_iocomp_object(job->port));
	put_pid_ns(job->ns);
	atomic_long_dec(&ps_jobs);
	kfree_rcu(job, ob.rcu);
}

/* May run in softirq: the rest is done on the work queue. */
static void ps_job_destroy(struct ob_object *obj)
{
	struct ps_job *job = to_job(obj);

	WARN_ON_ONCE(!list_empty(&job->members));
	queue_work(ps_job_wq, &job->end_work);
}

static void ps_job_time_work(struct work_struct *work);

/**
 * ps_create_job() - make an empty job
 * @out: the job (one reference)
 *
 * Return: STATUS_SUCCESS or STATUS_INSUFFICIENT_RESOURCES.
 */
ntstatus_t ps_create_job(struct ps_job **out)
{
	struct ps_job *job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);

	if (!job)
		return STATUS_INSUFFICIENT_RESOURCES;
	ob_init_object(&job->ob, &ps_job_type);
	job->ns = get_pid_ns(task_active_pid_ns(current));
	INIT_WORK(&job->end_work, ps_job_end_work);
	INIT_DELAYED_WORK(&job->time_work, ps_job_time_work);
	spin_lock_init(&job->lock);
	INIT_LIST_HEAD(&job->members);
	job->priority_class = PROCESS_PRIORITY_CLASS_NORMAL;
	atomic_long_inc(&ps_jobs);
	*out = job;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_create_job);

/**
 * ps_job_post() - send a job message to the job's completion port
 * @job: the job
 * @msg: JOB_OBJECT_MSG_*
 * @pid: the process it is about (ApcContext), or NULL
 * @gfp: GFP_KERNEL, or GFP_ATOMIC from the fork probe
 *
 * The one place a job message leaves: an events layer hooks here. A job
 * without a port drops it; so does a full queue or a failed allocation.
 *
 * Context: any; takes the job's lock and then the port's.
 */
static void ps_job_post(struct ps_job *job, u32 msg, struct pid *pid, gfp_t gfp)
{
	struct ob_io_packet packet = { .information = msg };
	struct ob_iocomp *port;

	spin_lock(&job->lock);
	port = job->port;
	if (port)
		ob_reference(ob_iocomp_object(port));
	packet.key = job->key;
	spin_unlock(&job->lock);
	if (!port)
		return;
	if (pid)
		packet.apc_context = pid_nr_ns(pid, job->ns);
	ob_iocomp_post(port, &packet, gfp);
	ob_dereference(ob_iocomp_object(port));
}

/**
 * ps_job_abnormal() - does an exit status make ABNORMAL_EXIT_PROCESS?
 * @status: the exit status
 *
 * Return: true for NT's exception statuses (the SDK's list).
 */
bool ps_job_abnormal(u32 status)
{
	switch (status) {
	case 0xC0000005:	/* STATUS_ACCESS_VIOLATION */
	case 0xC000008C:	/* STATUS_ARRAY_BOUNDS_EXCEEDED */
	case 0x80000003:	/* STATUS_BREAKPOINT */
	case 0xC000013A:	/* STATUS_CONTROL_C_EXIT */
	case 0x80000002:	/* STATUS_DATATYPE_MISALIGNMENT */
	case 0xC000008D:	/* STATUS_FLOAT_DENORMAL_OPERAND */
	case 0xC000008E:	/* STATUS_FLOAT_DIVIDE_BY_ZERO */
	case 0xC000008F:	/* STATUS_FLOAT_INEXACT_RESULT */
	case 0xC0000090:	/* STATUS_FLOAT_INVALID_OPERATION */
	case 0xC0000091:	/* STATUS_FLOAT_OVERFLOW */
	case 0xC0000092:	/* STATUS_FLOAT_STACK_CHECK */
	case 0xC0000093:	/* STATUS_FLOAT_UNDERFLOW */
	case 0x80000001:	/* STATUS_GUARD_PAGE_VIOLATION */
	case 0xC000001D:	/* STATUS_ILLEGAL_INSTRUCTION */
	case 0xC0000006:	/* STATUS_IN_PAGE_ERROR */
	case 0xC0000094:	/* STATUS_INTEGER_DIVIDE_BY_ZERO */
	case 0xC0000095:	/* STATUS_INTEGER_OVERFLOW */
	case 0xC0000026:	/* STATUS_INVALID_DISPOSITION */
	case 0xC0000025:	/* STATUS_NONCONTINUABLE_EXCEPTION */
	case 0xC0000096:	/* STATUS_PRIVILEGED_INSTRUCTION */
	case 0x80000004:	/* STATUS_SINGLE_STEP */
	case 0xC00000FD:	/* STATUS_STACK_OVERFLOW */
		return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_abnormal);

/**
 * ps_task_counters() - page faults and I/O counters of a thread group
 * @task: any thread of the group
 * @faults: out: minor + major faults of its threads, live and ended
 * @io: out: IO_COUNTERS (read, write, other operations; read, write,
 *	other bytes) from the task I/O accounting, zero where the kernel
 *	has none (CONFIG_TASK_XACCT)
 */
void ps_task_counters(struct task_struct *task, u64 *faults, u64 io[6])
{
	struct task_struct *t;

	memset(io, 0, 6 * sizeof(u64));
	rcu_read_lock();
	*faults = task->signal->min_flt + task->signal->maj_flt;
#ifdef CONFIG_TASK_XACCT
	io[0] = task->signal->ioac.syscr;
	io[1] = task->signal->ioac.syscw;
	io[3] = task->signal->ioac.rchar;
	io[4] = task->signal->ioac.wchar;
#endif
	for_each_thread(task, t) {
		*faults += t->min_flt + t->maj_flt;
#ifdef CONFIG_TASK_XACCT
		io[0] += t->ioac.syscr;
		io[1] += t->ioac.syscw;
		io[3] += t->ioac.rchar;
		io[4] += t->ioac.wchar;
#endif
	}
	rcu_read_unlock();
}

/**
 * ps_job_exit_counters() - record a member's counters at its exit
 * @process: the process
 * @task: its exiting task (the exit probe's)
 *
 * Context: the exit probe: atomic.
 */
void ps_job_exit_counters(struct ps_process *process, struct task_struct *task)
{
	u64 faults, io[6];

	ps_task_counters(task, &faults, io);
	spin_lock(&process->lock);
	process->exit_faults = faults;
	memcpy(process->exit_io, io, sizeof(io));
	spin_unlock(&process->lock);
}

/* Queue the time work, holding a job reference, if a time limit needs it. */
static void ps_job_arm_time(struct ps_job *job)
	__must_hold(&job->lock)
{
	if (job->time_queued || READ_ONCE(ps_job_stopping) || !job->active ||
	    !(job->flags & (JOB_OBJECT_LIMIT_PROCESS_TIME | JOB_OBJECT_LIMIT_JOB_TIME)))
		return;
	job->time_queued = true;
	ob_reference(&job->ob);
	queue_delayed_work(ps_job_wq, &job->time_work, msecs_to_jiffies(PS_JOB_TICK_MS));
}

/*
 * The references of the job's active members, in a kmalloc'ed array.
 * Return: the count, or -ENOMEM.
 */
static int ps_job_members_of(struct ps_job *job, struct ps_process ***out)
{
	struct ps_process **procs, *p;
	u32 n, i;

	for (;;) {
		spin_lock(&job->lock);
		n = job->active;
		spin_unlock(&job->lock);
		procs = kmalloc_array(max(n, 1u), sizeof(*procs), GFP_KERNEL);
		if (!procs)
			return -ENOMEM;
		spin_lock(&job->lock);
		if (job->active <= n)
			break;
		spin_unlock(&job->lock);
		kfree(procs);
	}
	i = 0;
	list_for_each_entry(p, &job->members, job_node)
		procs[i++] = to_process(ob_reference(&p->ob));
	spin_unlock(&job->lock);
	*out = procs;
	return i;
}

static void ps_job_put_members(struct ps_process **procs, int n)
{
	while (n-- > 0)
		ps_dereference_process(procs[n]);
	kfree(procs);
}

/* End every member with @status; the job stays terminated and is signaled. */
static void ps_job_terminate(struct ps_job *job, u32 status)
{
	struct ps_process **procs;
	int n, i;

	spin_lock(&job->lock);
	if (!job->terminated) {
		job->terminated = true;
		job->terminate_status = status;
	}
	status = job->terminate_status;
	spin_unlock(&job->lock);
	n = ps_job_members_of(job, &procs);
	for (i = 0; i < n; i++)
		ps_kill_process(procs[i], status);
	if (n >= 0)
		ps_job_put_members(procs, n);
	ob_signal(&job->ob);
}

/* User time of a live process, 100 ns. */
static u64 ps_job_user_time(struct ps_process *process)
{
	struct task_struct *task = get_pid_task(process->pid, PIDTYPE_TGID);
	u64 user = 0, kernel;

	if (task) {
		ps_group_times(task, &user, &kernel);
		put_task_struct(task);
	}
	return user;
}

static void ps_job_time_work(struct work_struct *work)
{
	struct ps_job *job = container_of(to_delayed_work(work), struct ps_job, time_work);
	u64 process_limit, job_limit, base, sum, t;
	struct ps_process **procs;
	bool over_job = false;
	u32 flags, action;
	int n, i;

	n = ps_job_members_of(job, &procs);
	spin_lock(&job->lock);
	flags = job->flags;
	process_limit = job->process_time;
	job_limit = job->job_time;
	base = job->job_time_base;
	action = job->end_action;
	sum = job->exited_user;
	spin_unlock(&job->lock);

	for (i = 0; i < n; i++) {
		t = ps_job_user_time(procs[i]);
		sum += t;
		if ((flags & JOB_OBJECT_LIMIT_PROCESS_TIME) && t > process_limit &&
		    !READ_ONCE(procs[i]->terminating) &&
		    !ps_kill_process(procs[i], PS_EXIT_NOT_ENOUGH_QUOTA)) {
			spin_lock(&job->lock);
			job->violations++;
			spin_unlock(&job->lock);
			ps_job_post(job, JOB_OBJECT_MSG_END_OF_PROCESS_TIME, procs[i]->pid,
				    GFP_KERNEL);
		}
	}
	if ((flags & JOB_OBJECT_LIMIT_JOB_TIME) && sum > job_limit + base) {
		spin_lock(&job->lock);
		/* The limit is spent: it fires once until set again. */
		over_job = job->flags & JOB_OBJECT_LIMIT_JOB_TIME;
		job->flags &= ~JOB_OBJECT_LIMIT_JOB_TIME;
		spin_unlock(&job->lock);
	}
	if (over_job) {
		ps_job_post(job, JOB_OBJECT_MSG_END_OF_JOB_TIME, NULL, GFP_KERNEL);
		if (action == JOB_OBJECT_TERMINATE_AT_END_OF_JOB)
			ps_job_terminate(job, PS_EXIT_NOT_ENOUGH_QUOTA);
	}
	if (n >= 0)
		ps_job_put_members(procs, n);

	spin_lock(&job->lock);
	job->time_queued = false;
	ps_job_arm_time(job);
	spin_unlock(&job->lock);
	ob_dereference(&job->ob);
}

/* Raise an atomic peak to @v. */
static void ps_job_peak(atomic_long_t *peak, long v)
{
	long old = atomic_long_read(peak);

	while (old < v && !atomic_long_try_cmpxchg(peak, &old, v))
		;
}

/**
 * ps_job_charge() - charge commit to a job
 * @job: the job of the committing process
 * @pages: pages it commits
 * @committed: its commit before (its space's, pages)
 * @join: the process brings @pages committed before it joined: charged
 *	whatever the limits say (NT's rule), a limit passed only reported
 * @over: out: the job whose limit refused (or was passed at a join)
 * @msg: out: JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT or _JOB_MEMORY_LIMIT to
 *	post to @over, 0 for none
 *
 * The process limit bounds @committed + @pages, the job limit the job's
 * count after the add; on a refusal nothing stays charged. Lock-free: an
 * atomic add, a read of the limits and, at a new high, a peak update.
 *
 * Return: STATUS_SUCCESS or STATUS_COMMITMENT_LIMIT.
 */
ntstatus_t ps_job_charge(struct ps_job *job, unsigned long pages, unsigned long committed,
			 bool join, struct ps_job **over, u32 *msg)
{
	u32 flags = READ_ONCE(job->flags);
	long used;

	*over = NULL;
	*msg = 0;
	if (!join && (flags & JOB_OBJECT_LIMIT_PROCESS_MEMORY) &&
	    committed + pages > READ_ONCE(job->process_memory)) {
		*over = job;
		*msg = JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT;
		return STATUS_COMMITMENT_LIMIT;
	}
	used = atomic_long_add_return(pages, &job->commit);
	if ((flags & JOB_OBJECT_LIMIT_JOB_MEMORY) && used > READ_ONCE(job->job_memory)) {
		*over = job;
		*msg = JOB_OBJECT_MSG_JOB_MEMORY_LIMIT;
		if (!join) {
			atomic_long_sub(pages, &job->commit);
			return STATUS_COMMITMENT_LIMIT;
		}
	}
	ps_job_peak(&job->peak_job, used);
	ps_job_peak(&job->peak_process, committed + pages);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_charge);

/**
 * ps_job_uncharge() - commit leaves a job
 * @job: the job
 * @pages: pages its member no longer commits
 */
void ps_job_uncharge(struct ps_job *job, unsigned long pages)
{
	atomic_long_sub(pages, &job->commit);
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_uncharge);

/**
 * ps_job_memory() - a job's commit and its peaks, bytes
 * @job: the job
 * @used: out: what its members commit now
 * @peak_process: out: PeakProcessMemoryUsed
 * @peak_job: out: PeakJobMemoryUsed
 */
void ps_job_memory(struct ps_job *job, u64 *used, u64 *peak_process, u64 *peak_job)
{
	*used = (u64)atomic_long_read(&job->commit) << PAGE_SHIFT;
	*peak_process = (u64)atomic_long_read(&job->peak_process) << PAGE_SHIFT;
	*peak_job = (u64)atomic_long_read(&job->peak_job) << PAGE_SHIFT;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_memory);

static inline struct ps_process *ps_mm_process(struct mm_process *mp)
{
	return container_of(mp, struct ps_process, vm);
}

/**
 * ps_job_commit_charge() - struct mm_ops .commit_charge: a member commits
 * @mp: the member (its job is set: the memory manager charges through it
 *	only after ps_job_join())
 * @pages: pages it commits
 * @committed: its commit before
 * @join: see ps_job_charge()
 *
 * Context: mm_space.lock held (see the lock order at the top).
 * Return: STATUS_SUCCESS or STATUS_COMMITMENT_LIMIT.
 */
ntstatus_t ps_job_commit_charge(struct mm_process *mp, unsigned long pages,
				unsigned long committed, bool join)
{
	struct ps_process *process = ps_mm_process(mp);
	struct ps_job *job = READ_ONCE(process->job), *over;
	ntstatus_t status;
	u32 msg;

	if (WARN_ON_ONCE(!job))
		return STATUS_SUCCESS;
	status = ps_job_charge(job, pages, committed, join, &over, &msg);
	/* NT reports a process's memory limit violation once. */
	if (msg && !test_and_set_bit(0, &process->job_memory_reported))
		ps_job_post(over, msg, process->pid, GFP_KERNEL);
	return status;
}

/**
 * ps_job_commit_uncharge() - struct mm_ops .commit_uncharge
 * @mp: the member
 * @pages: pages that left its commit
 */
void ps_job_commit_uncharge(struct mm_process *mp, unsigned long pages)
{
	struct ps_job *job = READ_ONCE(ps_mm_process(mp)->job);

	if (!WARN_ON_ONCE(!job))
		ps_job_uncharge(job, pages);
}

/* struct mm_ops .quota_get/.quota_put: a space charges its process's job. */
void ps_job_quota_get(struct mm_process *mp)
{
	ob_reference(&ps_mm_process(mp)->ob);
}

void ps_job_quota_put(struct mm_process *mp)
{
	ps_dereference_process(ps_mm_process(mp));
}

/* Apply the job's priority class and affinity to a new member. */
static void ps_job_apply_limits(struct ps_job *job, struct ps_process *process)
{
	u32 flags, class;
	u64 affinity;

	spin_lock(&job->lock);
	flags = job->flags;
	class = job->priority_class;
	affinity = job->affinity;
	spin_unlock(&job->lock);
	if (flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS)
		ps_apply_priority_class(process, class);
	if (flags & JOB_OBJECT_LIMIT_AFFINITY)
		ps_apply_process_affinity(process, affinity);
}

/*
 * A process joins @job: counted active unless it has exited already (a
 * pending child killed before its first instruction). @pending: it was
 * counted pending by the fork probe. Return: STATUS_SUCCESS, or
 * STATUS_ACCESS_DENIED when it is in a job already (nothing changes).
 */
static ntstatus_t ps_job_join(struct ps_job *job, struct ps_process *process, bool pending)
{
	bool exited = false, terminated;
	ntstatus_t status = STATUS_SUCCESS;
	u32 tstatus;

	spin_lock(&job->lock);
	if (pending)
		job->pending--;
	spin_lock(&process->lock);
	if (process->job) {
		status = process->job == job ? STATUS_SUCCESS : STATUS_ACCESS_DENIED;
		spin_unlock(&process->lock);
		spin_unlock(&job->lock);
		return status;
	}
	process->job = to_job(ob_reference(&job->ob));
	exited = process->exited;
	if (!exited) {
		list_add_tail(&process->job_node, &job->members);
		process->job_active = true;
		job->active++;
		atomic_inc(&ps_job_members);
	}
	spin_unlock(&process->lock);
	job->total++;
	terminated = job->terminated;
	tstatus = job->terminate_status;
	ps_job_arm_time(job);
	spin_unlock(&job->lock);

	ps_job_post(job, JOB_OBJECT_MSG_NEW_PROCESS, process->pid, GFP_KERNEL);
	if (exited) {
		ps_job_post(job, JOB_OBJECT_MSG_EXIT_PROCESS, process->pid, GFP_KERNEL);
		return STATUS_SUCCESS;
	}
	/* Its commit is the job's from now on, what it has so far included. */
	mm_process_charge_quota(&process->vm);
	if (terminated)
		ps_kill_process(process, tstatus);
	else
		ps_job_apply_limits(job, process);
	return STATUS_SUCCESS;
}

/**
 * ps_job_process_rundown() - a member's exit, for its job
 * @process: a process that has exited (or the module is going)
 *
 * It leaves the job's active list; its times and counters go to the job's
 * totals; the port gets EXIT_PROCESS (ABNORMAL_EXIT_PROCESS for an
 * exception status) and ACTIVE_PROCESS_ZERO when it was the last.
 *
 * Context: process context, before the process is signaled.
 */
void ps_job_process_rundown(struct ps_process *process)
{
	struct ps_job *job;
	bool was_active = false, zero = false;
	u32 status = 0;
	int i;

	spin_lock(&process->lock);
	job = process->job;
	spin_unlock(&process->lock);
	if (!job)
		return;
	spin_lock(&job->lock);
	spin_lock(&process->lock);
	if (process->job_active) {
		was_active = true;
		process->job_active = false;
		list_del_init(&process->job_node);
		job->active--;
		atomic_dec(&ps_job_members);
		zero = !job->active;
		job->exited_user += process->user_time;
		job->exited_kernel += process->kernel_time;
		job->exited_faults += process->exit_faults;
		for (i = 0; i < 6; i++)
			job->exited_io[i] += process->exit_io[i];
		status = process->exit_status;
	}
	spin_unlock(&process->lock);
	spin_unlock(&job->lock);
	if (!was_active)
		return;
	ps_job_post(job, ps_job_abnormal(status) ? JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS :
		    JOB_OBJECT_MSG_EXIT_PROCESS, process->pid, GFP_KERNEL);
	if (zero)
		ps_job_post(job, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, NULL, GFP_KERNEL);
}

/**
 * ps_job_process_destroy() - a process object goes: drop its job
 * @process: the process
 *
 * Context: any (the job's own end is deferred).
 */
void ps_job_process_destroy(struct ps_process *process)
{
	WARN_ON_ONCE(process->job_active);
	if (process->job)
		ob_dereference(&process->job->ob);
}

/*
 * Claim a pending record under the pending lock: the caller joins its
 * child, then unlists the record. Return: true when the caller has it.
 */
static bool ps_job_claim(struct ps_job_pending *rec)
	__must_hold(&ps_job_pending_lock)
{
	if (rec->claimed)
		return false;
	rec->claimed = true;
	return true;
}

/* The claimer has joined the child: the record goes, waiters look again. */
static void ps_job_unlist(struct ps_job_pending *rec)
{
	spin_lock(&ps_job_pending_lock);
	hlist_del_init(&rec->node);
	atomic_dec(&ps_job_pendings);
	spin_unlock(&ps_job_pending_lock);
	wake_up_all(&ps_job_pending_wq);
}

static bool ps_job_unlisted(struct ps_job_pending *rec)
{
	bool unlisted;

	spin_lock(&ps_job_pending_lock);
	unlisted = hlist_unhashed(&rec->node);
	spin_unlock(&ps_job_pending_lock);
	return unlisted;
}

/* Whether a join of the child @signal, or into @job, is under way. */
static bool ps_job_joining(const void *signal, struct ps_job *job)
{
	struct ps_job_pending *rec;
	bool busy = false;

	spin_lock(&ps_job_pending_lock);
	hlist_for_each_entry(rec, &ps_job_pending_list, node) {
		if (rec->claimed && ((signal && rec->signal == signal) ||
				     (job && rec->job == job))) {
			busy = true;
			break;
		}
	}
	spin_unlock(&ps_job_pending_lock);
	return busy;
}

/* Join a claimed child; @process may be NULL (adopted here when it can be). */
static void ps_job_join_pending(struct ps_job *job, struct pid *tgid,
				struct ps_process *process)
{
	struct ps_process *p = process ?: ps_get_process(tgid);

	if (p) {
		ps_job_join(job, p, true);
		if (!process)
			ps_dereference_process(p);
		return;
	}
	/* Gone (reaped) before anyone saw it: it never joined. */
	spin_lock(&job->lock);
	job->pending--;
	spin_unlock(&job->lock);
}

/*
 * A process someone looks at: if it is a pending child, it joins now; if
 * its join is under way (by the child itself, or another observer), this
 * waits for it, so that nobody sees the child outside its job.
 */
static void ps_job_settle_process(struct ps_process *process)
{
	struct ps_job_pending *rec, *mine = NULL;
	struct ps_job *job = NULL;
	bool busy = false;

	if (!atomic_read(&ps_job_pendings))
		return;
	spin_lock(&ps_job_pending_lock);
	hlist_for_each_entry(rec, &ps_job_pending_list, node) {
		if (rec->signal != process->signal)
			continue;
		if (ps_job_claim(rec)) {
			mine = rec;
			job = to_job(ob_reference(&rec->job->ob));
		} else {
			busy = true;
		}
		break;
	}
	spin_unlock(&ps_job_pending_lock);
	if (mine) {
		ps_job_join_pending(job, NULL, process);
		ob_dereference(&job->ob);
		ps_job_unlist(mine);
	} else if (busy) {
		wait_event(ps_job_pending_wq, !ps_job_joining(process->signal, NULL));
	}
}

/* Every pending child of @job joins now (or has, once this returns). */
static void ps_job_settle_job(struct ps_job *job)
{
	struct ps_job_pending *rec, *mine;
	struct pid *tgid;
	bool busy;

	while (atomic_read(&ps_job_pendings)) {
		mine = NULL;
		tgid = NULL;
		busy = false;
		spin_lock(&ps_job_pending_lock);
		hlist_for_each_entry(rec, &ps_job_pending_list, node) {
			if (rec->job != job)
				continue;
			if (ps_job_claim(rec)) {
				mine = rec;
				tgid = get_pid(rec->tgid);
				break;
			}
			busy = true;
		}
		spin_unlock(&ps_job_pending_lock);
		if (mine) {
			ps_job_join_pending(job, tgid, NULL);
			put_pid(tgid);
			ps_job_unlist(mine);
			continue;
		}
		if (busy)
			wait_event(ps_job_pending_wq, !ps_job_joining(NULL, job));
		return;
	}
}

/*
 * The child's first act: join its job, unless an observer claimed the join,
 * in which case it waits for that join to be done (the record is freed
 * here, and only here).
 */
static void ps_job_child_start(struct callback_head *work)
{
	struct ps_job_pending *rec = container_of(work, struct ps_job_pending, work);
	struct ps_process *process = NULL;
	bool mine;

	spin_lock(&ps_job_pending_lock);
	mine = ps_job_claim(rec);
	spin_unlock(&ps_job_pending_lock);
	if (mine) {
		if (!(current->flags & PF_EXITING))
			process = ps_current_process();
		if (process) {
			ps_job_join(rec->job, process, true);
			ps_dereference_process(process);
		} else {
			/* No object, no job: it must not run outside. */
			if (!(current->flags & PF_EXITING))
				send_sig(SIGKILL, current, 1);
			spin_lock(&rec->job->lock);
			rec->job->pending--;
			spin_unlock(&rec->job->lock);
		}
		ps_job_unlist(rec);
	} else {
		wait_event(ps_job_pending_wq, ps_job_unlisted(rec));
	}
	put_pid(rec->tgid);
	ob_dereference(&rec->job->ob);
	kfree(rec);
	module_put(THIS_MODULE);
}

/* The forking thread's breakaway, taken (atomic: the fork probe). */
static bool ps_job_take_breakaway(void)
{
	struct ps_thread *thread = ps_lookup_task_thread(current);
	bool armed;

	if (!thread)
		return false;
	spin_lock(&thread->lock);
	armed = thread->breakaway;
	thread->breakaway = false;
	spin_unlock(&thread->lock);
	if (armed)
		atomic_dec(&ps_job_armed);
	ps_dereference_thread(thread);
	return armed;
}

/**
 * ps_job_arm_breakaway() - the calling thread's next process leaves its job
 * @caller: the calling process
 * @arm: true before NtCreateProcessEx with PROCESS_CREATE_FLAGS_BREAKAWAY
 *	starts its host; false withdraws it (after the start, or its failure)
 *
 * Return: STATUS_SUCCESS (also for a process in no job: the flag does
 * nothing then), STATUS_ACCESS_DENIED when the job allows no breakaway,
 * STATUS_NO_MEMORY.
 */
ntstatus_t ps_job_arm_breakaway(struct ps_process *caller, bool arm)
{
	struct ps_thread *thread;
	struct ps_job *job;
	bool was;

	if (arm) {
		ps_job_settle_process(caller);
		job = READ_ONCE(caller->job);
		if (job && READ_ONCE(caller->job_active) &&
		    !(READ_ONCE(job->flags) & (JOB_OBJECT_LIMIT_BREAKAWAY_OK |
					       JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK)))
			return STATUS_ACCESS_DENIED;
		thread = ps_current_thread();
		if (!thread)
			return STATUS_NO_MEMORY;
	} else {
		thread = ps_lookup_task_thread(current);
		if (!thread)
			return STATUS_SUCCESS;
	}
	spin_lock(&thread->lock);
	was = thread->breakaway;
	thread->breakaway = arm;
	spin_unlock(&thread->lock);
	if (arm && !was)
		atomic_inc(&ps_job_armed);
	else if (!arm && was)
		atomic_dec(&ps_job_armed);
	ps_dereference_thread(thread);
	return STATUS_SUCCESS;
}

/**
 * ps_job_priority_class() - the class a member's job imposes
 * @process: the process
 * @class: out: the job's class, when it limits it
 *
 * Return: true when the process's job limits its priority class.
 */
bool ps_job_priority_class(struct ps_process *process, u8 *class)
{
	struct ps_job *job = READ_ONCE(process->job);
	bool limited = false;

	if (!job)
		return false;
	spin_lock(&job->lock);
	if (job->flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS) {
		*class = job->priority_class;
		limited = true;
	}
	spin_unlock(&job->lock);
	return limited;
}

/*
 * sched_process_fork, in the parent (atomic): a member's new thread group
 * is in its job before it runs, or is ended at once.
 */
static void ps_job_fork_probe(void *data, struct task_struct *parent,
			      struct task_struct *child)
{
	struct ps_job_pending *rec = NULL;
	struct ps_process *process;
	bool kill = false, limit = false;
	struct ps_job *job;

	if (!atomic_read(&ps_job_members) || child->signal == current->signal)
		return;
	process = ps_peek_process(current->signal);
	if (!process)
		return;
	job = READ_ONCE(process->job);
	if (!job || !READ_ONCE(process->job_active))
		goto out;
	/* NtCreateProcessEx's breakaway: allowed when armed, fail closed. */
	if (atomic_read(&ps_job_armed) && ps_job_take_breakaway()) {
		if (READ_ONCE(job->flags) & (JOB_OBJECT_LIMIT_BREAKAWAY_OK |
					     JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK))
			goto out;
		send_sig_info(SIGKILL, SEND_SIG_PRIV, child);
		goto out;
	}
	spin_lock(&job->lock);
	if (job->flags & JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK) {
		spin_unlock(&job->lock);
		goto out;
	}
	if (job->terminated) {
		kill = true;
	} else if ((job->flags & JOB_OBJECT_LIMIT_ACTIVE_PROCESS) &&
		   job->active + job->pending >= job->active_limit) {
		kill = true;
		limit = true;
		job->violations++;
	} else {
		job->pending++;
	}
	spin_unlock(&job->lock);

	if (!kill) {
		rec = kzalloc(sizeof(*rec), GFP_ATOMIC | __GFP_NOWARN);
		if (rec) {
			rec->signal = child->signal;
			rec->tgid = get_pid(task_tgid(child));
			rec->job = to_job(ob_reference(&job->ob));
			__module_get(THIS_MODULE);
			init_task_work(&rec->work, ps_job_child_start);
			/*
			 * The child is not woken before this probe returns:
			 * its work cannot run before the record is listed.
			 */
			if (!task_work_add(child, &rec->work, TWA_RESUME)) {
				spin_lock(&ps_job_pending_lock);
				hlist_add_head(&rec->node, &ps_job_pending_list);
				atomic_inc(&ps_job_pendings);
				spin_unlock(&ps_job_pending_lock);
			} else {
				/* Cannot be: the child has not run. Fail closed. */
				module_put(THIS_MODULE);
				put_pid(rec->tgid);
				ob_dereference(&job->ob);
				kfree(rec);
				rec = NULL;
			}
		}
		if (!rec) {
			spin_lock(&job->lock);
			job->pending--;
			spin_unlock(&job->lock);
			kill = true;
		}
	}
	if (kill)
		send_sig_info(SIGKILL, SEND_SIG_PRIV, child);
	if (limit)
		ps_job_post(job, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, task_tgid(child),
			    GFP_ATOMIC);
out:
	ps_dereference_process(process);
}

/* KILL_ON_JOB_CLOSE: the last handle ends the members. */
static void ps_job_last_handle(struct ob_object *obj)
{
	struct ps_job *job = to_job(obj);
	bool kill;

	spin_lock(&job->lock);
	kill = job->flags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
	spin_unlock(&job->lock);
	if (kill) {
		ps_job_settle_job(job);
		ps_job_terminate(job, STATUS_SUCCESS);
	}
}

static ntstatus_t ps_reference_job(struct ps_process *caller, u64 handle, u32 access,
				   struct ps_job **job)
{
	struct ob_object *obj;
	ntstatus_t status;

	status = ps_reference_object(caller, handle, &ps_job_type, access, &obj, NULL);
	if (!status)
		*job = to_job(obj);
	return status;
}

/**
 * ps_assign_job() - NtAssignProcessToJobObject
 * @caller: the calling process
 * @job: the job (JOB_OBJECT_ASSIGN_PROCESS)
 * @process: the process (PROCESS_SET_QUOTA | PROCESS_TERMINATE)
 *
 * Return: STATUS_SUCCESS; STATUS_PROCESS_IS_TERMINATING for a process that
 * has exited; STATUS_ACCESS_DENIED for a process in another job (no nested
 * jobs yet); STATUS_QUOTA_EXCEEDED when the job's active process limit
 * is reached (the process is ended, the port told); a handle's failure.
 */
ntstatus_t ps_assign_job(struct ps_process *caller, u64 job_handle, u64 process_handle)
{
	struct ps_process *process;
	bool exited, limit = false;
	struct ps_job *job;
	ntstatus_t status;

	status = ps_reference_job(caller, job_handle, JOB_OBJECT_ASSIGN_PROCESS, &job);
	if (status)
		return status;
	status = ps_reference_process(caller, process_handle,
				      PROCESS_SET_QUOTA | PROCESS_TERMINATE, &process);
	if (status)
		goto out_job;
	ps_job_settle_process(process);
	spin_lock(&process->lock);
	exited = process->exited;
	spin_unlock(&process->lock);
	if (exited) {
		status = STATUS_PROCESS_IS_TERMINATING;
		goto out;
	}
	if (READ_ONCE(process->job)) {
		status = process->job == job ? STATUS_SUCCESS : STATUS_ACCESS_DENIED;
		goto out;
	}
	ps_job_settle_job(job);
	spin_lock(&job->lock);
	if ((job->flags & JOB_OBJECT_LIMIT_ACTIVE_PROCESS) &&
	    job->active + job->pending >= job->active_limit) {
		limit = true;
		job->violations++;
	}
	spin_unlock(&job->lock);
	if (limit) {
		ps_kill_process(process, PS_EXIT_NOT_ENOUGH_QUOTA);
		ps_job_post(job, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, process->pid, GFP_KERNEL);
		status = STATUS_QUOTA_EXCEEDED;
		goto out;
	}
	status = ps_job_join(job, process, false);
out:
	ps_dereference_process(process);
out_job:
	ob_dereference(&job->ob);
	return status;
}

/**
 * ps_terminate_job() - NtTerminateJobObject
 * @caller: the calling process
 * @job_handle: the job (JOB_OBJECT_TERMINATE)
 * @status: every member's exit status
 *
 * Return: STATUS_SUCCESS or the handle's failure.
 */
ntstatus_t ps_terminate_job(struct ps_process *caller, u64 job_handle, u32 status)
{
	struct ps_job *job;
	ntstatus_t ret;

	ret = ps_reference_job(caller, job_handle, JOB_OBJECT_TERMINATE, &job);
	if (ret)
		return ret;
	ps_job_settle_job(job);
	ps_job_terminate(job, status);
	ob_dereference(&job->ob);
	return STATUS_SUCCESS;
}

/**
 * ps_is_process_in_job() - NtIsProcessInJob
 * @caller: the calling process
 * @process_handle: the process (PROCESS_QUERY_LIMITED_INFORMATION)
 * @job_handle: a job (JOB_OBJECT_QUERY), or 0 for any job
 *
 * Return: STATUS_PROCESS_IN_JOB, STATUS_PROCESS_NOT_IN_JOB, or a handle's
 * failure.
 */
ntstatus_t ps_is_process_in_job(struct ps_process *caller, u64 process_handle,
				u64 job_handle)
{
	struct ps_process *process;
	struct ps_job *job = NULL;
	ntstatus_t status;

	if (job_handle) {
		status = ps_reference_job(caller, job_handle, JOB_OBJECT_QUERY, &job);
		if (status)
			return status;
	}
	status = ps_reference_process(caller, process_handle,
				      PROCESS_QUERY_LIMITED_INFORMATION, &process);
	if (!status) {
		ps_job_settle_process(process);
		spin_lock(&process->lock);
		status = process->job && (!job || process->job == job) ?
			 STATUS_PROCESS_IN_JOB : STATUS_PROCESS_NOT_IN_JOB;
		spin_unlock(&process->lock);
		ps_dereference_process(process);
	}
	if (job)
		ob_dereference(&job->ob);
	return status;
}

/* Windows' x64 layouts of the classes served. */
struct nt_job_accounting {
	u64 total_user;
	u64 total_kernel;
	u64 period_user;
	u64 period_kernel;
	u32 page_faults;
	u32 total_processes;
	u32 active_processes;
	u32 terminated_processes;
};
static_assert(sizeof(struct nt_job_accounting) == 48);

struct nt_job_basic_limit {
	s64 process_time;
	s64 job_time;
	u32 flags;
	u32 pad;
	u64 min_ws;
	u64 max_ws;
	u32 active_limit;
	u32 pad2;
	u64 affinity;
	u32 priority_class;
	u32 scheduling_class;
};
static_assert(sizeof(struct nt_job_basic_limit) == 64);

struct nt_job_extended_limit {
	struct nt_job_basic_limit basic;
	u64 io[6];
	u64 process_memory;
	u64 job_memory;
	u64 peak_process_memory;
	u64 peak_job_memory;
};
static_assert(sizeof(struct nt_job_extended_limit) == 144);

struct nt_job_accounting_io {
	struct nt_job_accounting basic;
	u64 io[6];
};
static_assert(sizeof(struct nt_job_accounting_io) == 96);

struct nt_job_port {
	u64 key;
	u64 port;
};

/* Accounting: exited members' totals plus the live ones' now. */
static void ps_job_accounting(struct ps_job *job, struct nt_job_accounting_io *out)
{
	struct ps_process *p;
	u64 user, kernel, faults, io[6];
	struct task_struct *task;
	int i;

	memset(out, 0, sizeof(*out));
	spin_lock(&job->lock);
	out->basic.total_user = job->exited_user;
	out->basic.total_kernel = job->exited_kernel;
	faults = job->exited_faults;
	memcpy(out->io, job->exited_io, sizeof(out->io));
	list_for_each_entry(p, &job->members, job_node) {
		rcu_read_lock();
		task = pid_task(p->pid, PIDTYPE_TGID);
		if (task && pid_alive(task)) {
			u64 f;

			ps_group_times(task, &user, &kernel);
			out->basic.total_user += user;
			out->basic.total_kernel += kernel;
			ps_task_counters(task, &f, io);
			faults += f;
			for (i = 0; i < 6; i++)
				out->io[i] += io[i];
		}
		rcu_read_unlock();
	}
	out->basic.period_user = out->basic.total_user;
	out->basic.period_kernel = out->basic.total_kernel;
	out->basic.page_faults = min_t(u64, faults, U32_MAX);
	out->basic.total_processes = job->total;
	out->basic.active_processes = job->active;
	out->basic.terminated_processes = job->violations;
	spin_unlock(&job->lock);
}

static void ps_job_basic_limit(struct ps_job *job, struct nt_job_basic_limit *out)
{
	memset(out, 0, sizeof(*out));
	spin_lock(&job->lock);
	out->process_time = job->process_time;
	out->job_time = job->job_time;
	out->flags = job->flags;
	out->active_limit = job->active_limit;
	out->affinity = job->affinity;
	out->priority_class = job->flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS ?
			      job->priority_class : 0;
	spin_unlock(&job->lock);
}

/* The answer's buffer: fixed room, or allocated. */
static void *ps_job_info(struct ps_info *out, u32 size)
{
	out->data = size <= sizeof(out->fixed) ? out->fixed : kzalloc(size, GFP_KERNEL);
	out->size = size;
	return out->data;
}

/* The fixed size of a class, 0 for a class not served. */
static u32 ps_job_class_size(u32 info_class, bool set)
{
	switch (info_class) {
	case JobObjectBasicAccountingInformation:
		return set ? 0 : sizeof(struct nt_job_accounting);
	case JobObjectBasicAndIoAccountingInformation:
		return set ? 0 : sizeof(struct nt_job_accounting_io);
	case JobObjectBasicLimitInformation:
		return sizeof(struct nt_job_basic_limit);
	case JobObjectExtendedLimitInformation:
		return sizeof(struct nt_job_extended_limit);
	case JobObjectEndOfJobTimeInformation:
		return 4;
	case JobObjectAssociateCompletionPortInformation:
		return set ? sizeof(struct nt_job_port) : 0;
	case JobObjectBasicProcessIdList:
		return set ? 0 : 16;
	}
	return 0;
}

/**
 * ps_query_job() - NtQueryInformationJobObject
 * @caller: the calling process
 * @job_handle: the job (JOB_OBJECT_QUERY), or 0 for the caller's own job
 * @info_class: JobObjectBasicAccountingInformation, _BasicLimitInformation,
 *	_BasicProcessIdList, _EndOfJobTimeInformation,
 *	_BasicAndIoAccountingInformation, _ExtendedLimitInformation
 * @length: the caller's buffer's length
 * @out: the answer, for the dispatch to copy out (ps_info_free())
 * @return_length: out: the answer's size, or the size needed
 *
 * Return: STATUS_SUCCESS; STATUS_BUFFER_OVERFLOW for a process id list
 * that does not fit (the answer holds what fits and the count);
 * STATUS_INVALID_INFO_CLASS, STATUS_INFO_LENGTH_MISMATCH,
 * STATUS_ACCESS_DENIED (no handle, and the caller is in no job), a handle's
 * failure, STATUS_NO_MEMORY.
 */
ntstatus_t ps_query_job(struct ps_process *caller, u64 job_handle, u32 info_class, u32 length,
			struct ps_info *out, u32 *return_length)
{
	u32 size = ps_job_class_size(info_class, false);
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct ps_job *job;
	ntstatus_t status = STATUS_SUCCESS;

	*return_length = 0;
	if (!size)
		return STATUS_INVALID_INFO_CLASS;
	if (info_class == JobObjectBasicProcessIdList ? length < size : length != size) {
		*return_length = size;
		return STATUS_INFO_LENGTH_MISMATCH;
	}
	if (job_handle) {
		status = ps_reference_job(caller, job_handle, JOB_OBJECT_QUERY, &job);
		if (status)
			return status;
	} else {
		ps_job_settle_process(caller);
		spin_lock(&caller->lock);
		job = caller->job;
		if (job)
			ob_reference(&job->ob);
		spin_unlock(&caller->lock);
		if (!job)
			return STATUS_ACCESS_DENIED;
	}
	ps_job_settle_job(job);

	switch (info_class) {
	case JobObjectBasicAccountingInformation:
	case JobObjectBasicAndIoAccountingInformation: {
		struct nt_job_accounting_io acc;

		ps_job_accounting(job, &acc);
		memcpy(ps_job_info(out, size), &acc, size);
		break;
	}
	case JobObjectBasicLimitInformation:
		ps_job_basic_limit(job, ps_job_info(out, size));
		break;
	case JobObjectExtendedLimitInformation: {
		struct nt_job_extended_limit *ext = ps_job_info(out, size);

		if (!ext) {
			status = STATUS_NO_MEMORY;
			break;
		}
		memset(ext, 0, size);
		ps_job_basic_limit(job, &ext->basic);
		spin_lock(&job->lock);
		if (job->flags & JOB_OBJECT_LIMIT_PROCESS_MEMORY)
			ext->process_memory = (u64)job->process_memory << PAGE_SHIFT;
		if (job->flags & JOB_OBJECT_LIMIT_JOB_MEMORY)
			ext->job_memory = (u64)job->job_memory << PAGE_SHIFT;
		spin_unlock(&job->lock);
		ext->peak_process_memory = (u64)atomic_long_read(&job->peak_process) << PAGE_SHIFT;
		ext->peak_job_memory = (u64)atomic_long_read(&job->peak_job) << PAGE_SHIFT;
		break;
	}
	case JobObjectEndOfJobTimeInformation:
		spin_lock(&job->lock);
		*(u32 *)ps_job_info(out, size) = job->end_action;
		spin_unlock(&job->lock);
		break;
	case JobObjectBasicProcessIdList: {
		u32 room = (length - 8) / 8, n = 0, total;
		struct ps_process *p;
		u32 *head;
		u64 *ids;

		/* At most what the caller can take and the job has now. */
		spin_lock(&job->lock);
		room = min(room, job->active);
		spin_unlock(&job->lock);
		head = ps_job_info(out, 8 + 8 * max(room, 1u));
		if (!head) {
			status = STATUS_NO_MEMORY;
			break;
		}
		ids = (u64 *)(head + 2);
		spin_lock(&job->lock);
		total = job->active;
		list_for_each_entry(p, &job->members, job_node) {
			if (n == room)
				break;
			ids[n++] = pid_nr_ns(p->pid, ns);
		}
		spin_unlock(&job->lock);
		head[0] = total;
		head[1] = n;
		out->size = max(8 + 8 * n, 16u);
		if (n < total)
			status = STATUS_BUFFER_OVERFLOW;
		break;
	}
	}
	if (NT_SUCCESS(status) || status == STATUS_BUFFER_OVERFLOW)
		*return_length = out->size;
	ob_dereference(&job->ob);
	return status;
}

/*
 * Check and store a basic or extended limit (@ext: the extended class,
 * whose memory limits count; the basic class keeps the extended flags, as
 * NT's does). Return: a status; nothing changes on failure.
 */
static ntstatus_t ps_job_set_limit(struct ps_job *job, const struct nt_job_extended_limit *x,
				   bool ext)
{
	const u32 unsupported = JOB_OBJECT_LIMIT_WORKINGSET |
				JOB_OBJECT_LIMIT_SCHEDULING_CLASS |
				JOB_OBJECT_LIMIT_SUBSET_AFFINITY;
	const u32 valid = ext ? JOB_OBJECT_EXTENDED_LIMIT_VALID_FLAGS :
				JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS;
	const struct nt_job_basic_limit *l = &x->basic;
	struct ps_process **procs;
	u32 flags = l->flags, keep;
	u64 base = 0;
	int n, i;

	if (flags & ~valid)
		return STATUS_INVALID_PARAMETER;
	if (flags & unsupported)
		return STATUS_NOT_SUPPORTED;
	/* NT: a memory limit below a page is no limit it accepts. */
	if ((flags & JOB_OBJECT_LIMIT_PROCESS_MEMORY) && x->process_memory < PAGE_SIZE)
		return STATUS_INVALID_PARAMETER;
	if ((flags & JOB_OBJECT_LIMIT_JOB_MEMORY) && x->job_memory < PAGE_SIZE)
		return STATUS_INVALID_PARAMETER;
	if ((flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS) &&
	    !ps_valid_priority_class(l->priority_class))
		return STATUS_INVALID_PARAMETER;
	if ((flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS) &&
	    l->priority_class == PROCESS_PRIORITY_CLASS_REALTIME && !capable(CAP_SYS_NICE))
		return STATUS_PRIVILEGE_NOT_HELD;
	if ((flags & JOB_OBJECT_LIMIT_AFFINITY) && !ps_valid_affinity(l->affinity))
		return STATUS_INVALID_PARAMETER;
	if ((flags & JOB_OBJECT_LIMIT_PROCESS_TIME) && l->process_time < 0)
		return STATUS_INVALID_PARAMETER;
	if ((flags & JOB_OBJECT_LIMIT_JOB_TIME) && l->job_time < 0)
		return STATUS_INVALID_PARAMETER;
	if ((flags & JOB_OBJECT_LIMIT_JOB_TIME) && (flags & JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME))
		return STATUS_INVALID_PARAMETER;

	/*
	 * Windows' rule: a new job time limit is added to the user time the
	 * job has used so far; PRESERVE_JOB_TIME keeps the limit set before
	 * while other limits change.
	 */
	if (flags & JOB_OBJECT_LIMIT_JOB_TIME) {
		struct nt_job_accounting_io acc;

		ps_job_accounting(job, &acc);
		base = acc.basic.total_user;
	}
	spin_lock(&job->lock);
	keep = flags & JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME ?
	       job->flags & JOB_OBJECT_LIMIT_JOB_TIME : 0;
	if (!ext)
		keep |= job->flags & ~JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS;
	/*
	 * The charge reads the flags and then a limit without the lock: a
	 * limit is stored before its flag is set, and a cleared limit's
	 * value stays until the flag is gone.
	 */
	if (ext) {
		if (flags & JOB_OBJECT_LIMIT_PROCESS_MEMORY)
			WRITE_ONCE(job->process_memory, x->process_memory >> PAGE_SHIFT);
		if (flags & JOB_OBJECT_LIMIT_JOB_MEMORY)
			WRITE_ONCE(job->job_memory, x->job_memory >> PAGE_SHIFT);
		smp_wmb();
	}
	WRITE_ONCE(job->flags, (flags & ~JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME) | keep);
	job->active_limit = l->active_limit;
	job->process_time = l->process_time;
	if (flags & JOB_OBJECT_LIMIT_JOB_TIME) {
		job->job_time = l->job_time;
		job->job_time_base = base;
	}
	job->affinity = l->affinity;
	if (flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS)
		job->priority_class = l->priority_class;
	ps_job_arm_time(job);
	spin_unlock(&job->lock);

	if (flags & (JOB_OBJECT_LIMIT_PRIORITY_CLASS | JOB_OBJECT_LIMIT_AFFINITY)) {
		n = ps_job_members_of(job, &procs);
		for (i = 0; i < n; i++)
			ps_job_apply_limits(job, procs[i]);
		if (n >= 0)
			ps_job_put_members(procs, n);
	}
	return STATUS_SUCCESS;
}

static ntstatus_t ps_job_set_port(struct ps_process *caller, struct ps_job *job,
				  const struct nt_job_port *req)
{
	struct ps_process **procs;
	struct ob_object *obj;
	ntstatus_t status;
	bool busy;
	int n, i;

	status = ps_reference_object(caller, req->port, &ob_iocomp_type,
				     IO_COMPLETION_MODIFY_STATE, &obj, NULL);
	if (status)
		return status;
	ps_job_settle_job(job);
	spin_lock(&job->lock);
	busy = job->port;
	if (!busy) {
		job->port = ob_iocomp_of(obj);
		job->key = req->key;
	}
	spin_unlock(&job->lock);
	if (busy) {
		ob_dereference(obj);
		/* Windows: a job's port is set once. */
		return STATUS_INVALID_PARAMETER;
	}
	/* The processes already in the job are announced to the new port. */
	n = ps_job_members_of(job, &procs);
	for (i = 0; i < n; i++)
		ps_job_post(job, JOB_OBJECT_MSG_NEW_PROCESS, procs[i]->pid, GFP_KERNEL);
	if (n >= 0)
		ps_job_put_members(procs, n);
	return STATUS_SUCCESS;
}

/**
 * ps_set_job() - NtSetInformationJobObject
 * @caller: the calling process
 * @job_handle: the job (JOB_OBJECT_SET_ATTRIBUTES)
 * @info_class: JobObjectBasicLimitInformation, _ExtendedLimitInformation,
 *	_EndOfJobTimeInformation, _AssociateCompletionPortInformation
 * @data: the caller's buffer, copied in (NULL when @length is too long)
 * @length: its length
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_INFO_CLASS,
 * STATUS_INFO_LENGTH_MISMATCH, STATUS_INVALID_PARAMETER (unknown limit
 * flags or values, a second port), STATUS_NOT_SUPPORTED (limits not
 * enforced yet), STATUS_PRIVILEGE_NOT_HELD, a handle's failure.
 */
ntstatus_t ps_set_job(struct ps_process *caller, u64 job_handle, u32 info_class,
		      const void *data, u32 length)
{
	u32 size = ps_job_class_size(info_class, true);
	const struct nt_job_extended_limit *ext;
	struct ps_job *job;
	ntstatus_t status;
	u32 action;

	if (!size)
		return STATUS_INVALID_INFO_CLASS;
	if (length != size || !data)
		return STATUS_INFO_LENGTH_MISMATCH;
	status = ps_reference_job(caller, job_handle, JOB_OBJECT_SET_ATTRIBUTES, &job);
	if (status)
		return status;
	switch (info_class) {
	case JobObjectBasicLimitInformation: {
		struct nt_job_extended_limit x = { .basic = *(const struct nt_job_basic_limit *)data };

		status = ps_job_set_limit(job, &x, false);
		break;
	}
	case JobObjectExtendedLimitInformation:
		ext = data;
		status = ps_job_set_limit(job, ext, true);
		break;
	case JobObjectEndOfJobTimeInformation:
		action = *(const u32 *)data;
		if (action > JOB_OBJECT_POST_AT_END_OF_JOB) {
			status = STATUS_INVALID_PARAMETER;
			break;
		}
		spin_lock(&job->lock);
		job->end_action = action;
		spin_unlock(&job->lock);
		break;
	default:	/* JobObjectAssociateCompletionPortInformation */
		status = ps_job_set_port(caller, job, data);
		break;
	}
	ob_dereference(&job->ob);
	return status;
}

/**
 * ps_job_set_memory_limits() - set a job's memory limits as the extended
 *	class would (the other limits cleared), for the KUnit suite
 * @job: the job
 * @flags: JOB_OBJECT_LIMIT_PROCESS_MEMORY and/or _JOB_MEMORY (or 0)
 * @process_bytes: ProcessMemoryLimit
 * @job_bytes: JobMemoryLimit
 *
 * Return: what NtSetInformationJobObject would.
 */
ntstatus_t ps_job_set_memory_limits(struct ps_job *job, u32 flags, u64 process_bytes,
				    u64 job_bytes)
{
	struct nt_job_extended_limit x = {
		.basic.flags = flags,
		.process_memory = process_bytes,
		.job_memory = job_bytes,
	};

	return ps_job_set_limit(job, &x, true);
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_set_memory_limits);

/**
 * ps_job_init() - attach the job's fork probe
 * @fork_tp: the sched_process_fork tracepoint
 *
 * Return: 0 or -errno.
 */
int ps_job_init(struct tracepoint *fork_tp)
{
	int ret;

	ps_job_wq = alloc_workqueue("ntexec_job", WQ_UNBOUND, 0);
	if (!ps_job_wq)
		return -ENOMEM;
	ret = tracepoint_probe_register(fork_tp, ps_job_fork_probe, NULL);
	if (ret) {
		destroy_workqueue(ps_job_wq);
		return ret;
	}
	ps_job_fork_tp = fork_tp;
	return 0;
}

/**
 * ps_job_stop() - module exit, first step: no new time work, no probe
 *
 * The caller waits for running probes (tracepoint_synchronize_unregister()).
 */
void ps_job_stop(void)
{
	WRITE_ONCE(ps_job_stopping, true);
	if (ps_job_fork_tp)
		tracepoint_probe_unregister(ps_job_fork_tp, ps_job_fork_probe, NULL);
	ps_job_fork_tp = NULL;
}

/**
 * ps_job_exit() - module exit, last step: every job's end has run
 *
 * After every process was dropped (and with them their jobs' references).
 */
void ps_job_exit(void)
{
	/* Time works end without requeueing (ps_job_stopping), then the ends. */
	flush_workqueue(ps_job_wq);
	flush_workqueue(ps_job_wq);
	destroy_workqueue(ps_job_wq);
	WARN_ON_ONCE(atomic_long_read(&ps_jobs));
}
