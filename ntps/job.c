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
 *    member when set and to each new member when it joins. A member's own
 *    ProcessAffinityMask gets the job's affinity and succeeds, as in NT;
 *    with _SUBSET_AFFINITY (Windows 7) it may set a subset of the job's,
 *    anything else being STATUS_INVALID_PARAMETER (ps_job_affinity()).
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
 *    closed, if the job stopped allowing it meanwhile); a thread that ends
 *    armed is disarmed at its exit (ps_job_thread_exited()). Linux's fork
 *    has no breakaway request: its children stay in unless the job has
 *    SILENT_BREAKAWAY_OK, as NT's children created without the flag.
 *  - JOB_OBJECT_LIMIT_WORKINGSET: the job's minimum and maximum are every
 *    member's, the maximum a hard one (NT's PspApplyJobLimitsToProcess
 *    sets MM_WORKING_SET_MAX_HARD_ENABLE): the memory manager keeps them
 *    beside the process's own limits (mm_process_set_job_ws(), for its
 *    space now and any space it gets later), trims the working set to the
 *    maximum at once and replaces its oldest pages at each fault beyond
 *    it. Both sizes are needed (Windows: one without the other is
 *    STATUS_INVALID_PARAMETER). A member's own ProcessQuotaLimits request
 *    succeeds and changes nothing, as in NT, where the job's values
 *    replace the request; emptying the working set ((SIZE_T)-1) still
 *    works. The limit cleared, the processes have their own limits back.
 *    In a nested chain the job with the smallest maximum sets both.
 *  - A member's own NtSetInformationProcess(ProcessPriorityClass) gets the
 *    job's class when the job limits it, and succeeds, as in NT.
 *  - JOB_OBJECT_LIMIT_SCHEDULING_CLASS (0-9; above 5 needs CAP_SYS_NICE,
 *    NT's SeIncreaseBasePriorityPrivilege): NT sets the quantum of every
 *    member's threads from it; here each member's threads get the slice of
 *    ps_scheduling_class_slice() (Linux 6.12's per-task slice; on older
 *    kernels the flag is STATUS_NOT_SUPPORTED), now and when a process
 *    joins; threads and children inherit it (fork copies it), a child that
 *    breaks away from every job gets the default back before its first
 *    instruction, and a member whose chain no longer sets a class gets the
 *    default (class 5, as NT applies class 5 to members of a job without
 *    the limit).
 *  - DIE_ON_UNHANDLED_EXCEPTION is what Linux does anyway: a process with an
 *    unhandled SIGSEGV ends, no dialog waits.
 *  - Nested jobs (Windows 8): a member of job A assigned to job B makes B
 *    its immediate job when B is nested under A already, or when B is
 *    empty and nested nowhere (B becomes A's child, ps_job_nest()); a job
 *    of its chain changes nothing; any other job is STATUS_ACCESS_DENIED.
 *    A process is in every job of its chain (NtIsProcessInJob), each job's
 *    limits apply to it (active processes, memory, time, breakaway; the
 *    priority class, affinity, scheduling class and working set in force
 *    in the chain), its counts, times and
 *    commit roll up into every job above, messages about it go to each
 *    job of the chain that has a port (a limit's to the job whose limit it
 *    is), and NtTerminateJobObject or KILL_ON_JOB_CLOSE ends the processes
 *    of the job and of every job nested in it. Depth: PS_JOB_MAX_DEPTH.
 *    A child job's limits are checked against its parent's as NT does
 *    (ps_job_chain_limits()): never refused, never changed (a query reads
 *    back what was set), but only a stricter one is in force.
 *  - Optionally, a cgroup v2 directory backs the job (ntexec's own
 *    JobObjectNtxCgroupInformation, jobcg.c): an assignment puts the
 *    process in the cgroup (the innermost one of its chain) before it
 *    joins, and memory.max, pids.max and cpu.max bound the Linux side of
 *    the members. Set only while the job has no processes.
 *
 * Messages all leave through ps_job_post(): to the job's port, and as
 * NTEXEC_CMD_JOB events (ntob/event.h) to the "job" group and the
 * subscribers that may see the job's creator, port or not. The one
 * exception: the NEW_PROCESS messages that announce the members to a port
 * associated late go to the port only (each member's arrival was an event
 * when it joined). A message's ApcContext is the process id as the job's
 * creator's pid namespace sees it; an event's ids are translated for each
 * listener.
 *
 * Lifetimes. A member holds a reference on its job for its whole life (so
 * NtIsProcessInJob answers after its exit); the job holds none on its
 * members: a member leaves the job's list at its rundown, before it can be
 * freed. A pending child's record holds a job reference until the child's
 * task_work frees it (a queued task_work always runs, at the latest in the
 * child's exit, and holds the module). The job's time work holds a
 * reference while queued. The job holds its port, its creator's pid
 * namespace and credentials; a job may be freed in softirq (by a process
 * freed in the free probe), so its end runs on the job work queue.
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
 * the member (ps_job_quota_get()) and on the job it charges (its quota
 * tag, ps_job_quota_tag()): the job charged is alive as long as the
 * charge. A process's job changes only downward, into a job nested under
 * it (ps_job_move_down(), under both jobs' locks, the parent's first), and
 * its space's commit moves with it under mm_space.lock. ps_job_tree_lock
 * (the parents' lists of children) is taken outside every ps_job.lock; a
 * walk of a subtree takes each job's lock in turn under it. A nested job
 * holds a reference on its parent. ps_job_apply_lock (a mutex) serializes
 * applying a chain's limits to a member (ps_job_apply_limits()): outside
 * every job lock, it takes each job's lock in turn to read the chain, then
 * (job locks dropped) mm_process.lock and mm_space.lock to set the
 * working-set limits. ps_job_cg_lock (a mutex) serializes the cgroup
 * backings with assignments and memory limits (a backing is set only
 * while the job is empty, and a process is moved to its cgroup before it
 * joins): it is taken outside every job lock and ps_job_apply_lock, and
 * Linux's cgroup locks (a write to a cgroup file) nest inside it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/pid_namespace.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <kunit/visibility.h>

#include "../ntob/compat.h"
#include "../ntob/event.h"
#include "ps.h"

#define PS_JOB_TICK_MS		10

/**
 * struct ps_job - a job object
 * @ob: object header; signaled when the job is terminated
 * @ns: the pid namespace of its creator (referenced): the ids of messages
 * @cred: its creator's credentials (referenced): who may see its events
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
 * @scheduling_class: SchedulingClass (PS_JOB_SCHEDULING_CLASS_DEFAULT
 *	without JOB_OBJECT_LIMIT_SCHEDULING_CLASS, as NT keeps it)
 * @ws_min_bytes: MinimumWorkingSetSize, as set (JOB_OBJECT_LIMIT_WORKINGSET)
 * @ws_max_bytes: MaximumWorkingSetSize, as set
 * @ws_min: the minimum in force, pages (mm_job_ws_pages())
 * @ws_max: the hard maximum in force, pages
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
 * @parent: the job it is nested in (referenced), NULL for a root; set once
 *	under ps_job_tree_lock, read without a lock (READ_ONCE)
 * @children: the jobs nested in it (ps_job_tree_lock)
 * @child_node: in its parent's @children (ps_job_tree_lock)
 * @depth: jobs above it
 * @cgroup: the cgroup v2 backing, or NULL (ps_job_cg_lock)
 *
 * Counts of a nested job's processes roll up: @active, @pending, @total,
 * @violations, the exited members' times and counters and @commit of a
 * job include those of the jobs below it; @members holds only the
 * processes whose immediate job it is.
 */
struct ps_job {
	struct ob_object ob;
	struct pid_namespace *ns;
	const struct cred *cred;
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
	u32 scheduling_class;
	u64 ws_min_bytes;
	u64 ws_max_bytes;
	unsigned long ws_min;
	unsigned long ws_max;
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
	struct ps_job *parent;
	struct list_head children;
	struct list_head child_node;
	u32 depth;
	struct ps_job_cgroup *cgroup;
};

/* Deepest nesting (ntexec's bound: every charge and fork walks the chain). */
#define PS_JOB_MAX_DEPTH	8

/**
 * struct ps_job_pending - a child the fork probe put in a job
 * @node: in ps_job_pending_list until its claimer has joined the child
 *	(ps_job_unlist()): an observer that finds it claimed waits for that
 * @signal: the child's thread group (its key)
 * @tgid: the child's pid (referenced)
 * @job: the job (referenced)
 * @work: the child's join, before its first instruction
 * @claimed: joined (or given up) by the child or by an observer
 * @slice: the slice the child's thread inherited (its creator's job slice)
 */
struct ps_job_pending {
	struct hlist_node node;
	const void *signal;
	struct pid *tgid;
	struct ps_job *job;
	struct callback_head work;
	bool claimed;
	u64 slice;
};

/* The job tree: parents' @children lists; outside every ps_job.lock. */
static DEFINE_SPINLOCK(ps_job_tree_lock);
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
/*
 * Applying a chain's limits to a member (ps_job_apply_limits()): one at a
 * time, so that the last limits set are the ones a member keeps. Taken
 * outside every job lock; mm_process.lock and mm_space.lock under it.
 */
static DEFINE_MUTEX(ps_job_apply_lock);
/* The jobs' @cgroup; outside every other lock of this file. */
static DEFINE_MUTEX(ps_job_cg_lock);
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
	if (job->parent) {
		spin_lock(&ps_job_tree_lock);
		list_del(&job->child_node);
		spin_unlock(&ps_job_tree_lock);
		ob_dereference(&job->parent->ob);
	}
	ps_job_cgroup_free(job->cgroup);
	put_pid_ns(job->ns);
	put_cred(job->cred);
	atomic_long_dec(&ps_jobs);
	kfree_rcu(job, ob.rcu);
}

/* May run in softirq: the rest is done on the work queue. */
static void ps_job_destroy(struct ob_object *obj)
{
	struct ps_job *job = to_job(obj);

	WARN_ON_ONCE(!list_empty(&job->members) || !list_empty(&job->children));
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
	job->cred = get_current_cred();
	INIT_WORK(&job->end_work, ps_job_end_work);
	INIT_DELAYED_WORK(&job->time_work, ps_job_time_work);
	spin_lock_init(&job->lock);
	INIT_LIST_HEAD(&job->members);
	INIT_LIST_HEAD(&job->children);
	INIT_LIST_HEAD(&job->child_node);
	job->priority_class = PROCESS_PRIORITY_CLASS_NORMAL;
	job->scheduling_class = PS_JOB_SCHEDULING_CLASS_DEFAULT;
	atomic_long_inc(&ps_jobs);
	*out = job;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_create_job);

static inline struct ps_job *ps_job_parent(struct ps_job *job)
{
	return READ_ONCE(job->parent);
}

/**
 * ps_job_in_chain() - is @ancestor @job or a job above it?
 * @job: a job
 * @ancestor: another
 *
 * Return: true when a process of @job is in @ancestor too.
 */
bool ps_job_in_chain(struct ps_job *job, struct ps_job *ancestor)
{
	for (; job; job = ps_job_parent(job))
		if (job == ancestor)
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_in_chain);

/**
 * ps_job_nest() - nest @child under @parent, Windows 8's rule
 * @child: a job a process of @parent is being assigned to
 * @parent: that process's immediate job
 *
 * A child already nested under @parent takes the process; an empty job
 * that is nested nowhere (no processes, none pending, no jobs below it)
 * becomes a child of @parent; any other job cannot hold a process of
 * @parent without breaking the hierarchy.
 *
 * Return: STATUS_SUCCESS or STATUS_ACCESS_DENIED (also past
 * PS_JOB_MAX_DEPTH).
 */
ntstatus_t ps_job_nest(struct ps_job *child, struct ps_job *parent)
{
	ntstatus_t status = STATUS_ACCESS_DENIED;
	bool empty;

	spin_lock(&ps_job_tree_lock);
	if (child->parent) {
		if (child->parent == parent)
			status = STATUS_SUCCESS;
	} else if (child != parent && !ps_job_in_chain(parent, child) &&
		   list_empty(&child->children) && parent->depth + 1 <= PS_JOB_MAX_DEPTH) {
		spin_lock(&child->lock);
		empty = !child->active && !child->pending;
		if (empty) {
			WRITE_ONCE(child->parent, to_job(ob_reference(&parent->ob)));
			child->depth = parent->depth + 1;
			list_add_tail(&child->child_node, &parent->children);
			status = STATUS_SUCCESS;
		}
		spin_unlock(&child->lock);
	}
	spin_unlock(&ps_job_tree_lock);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_nest);

/* @fn on every job of @job's subtree, itself first; ps_job_tree_lock held. */
static void ps_job_walk(struct ps_job *job, void (*fn)(struct ps_job *j, void *arg), void *arg)
	__must_hold(&ps_job_tree_lock)
{
	struct ps_job *c;

	fn(job, arg);
	list_for_each_entry(c, &job->children, child_node)
		ps_job_walk(c, fn, arg);
}

struct ps_job_refs {
	struct ps_job **jobs;
	int n, room;
};

static void ps_job_ref_one(struct ps_job *job, void *arg)
{
	struct ps_job_refs *r = arg;

	/* A child job whose last reference went stays listed until its end. */
	if (r->n < r->room && !ob_reference_unless_zero(&job->ob))
		return;
	if (r->n < r->room)
		r->jobs[r->n] = job;
	r->n++;
}

/*
 * References of every job of @job's subtree, in a kmalloc'ed array.
 * Return: the count, or -ENOMEM.
 */
static int ps_job_subtree(struct ps_job *job, struct ps_job ***out)
{
	struct ps_job_refs r = { .room = 4 };

	for (;;) {
		r.jobs = kmalloc_array(r.room, sizeof(*r.jobs), GFP_KERNEL);
		if (!r.jobs)
			return -ENOMEM;
		r.n = 0;
		spin_lock(&ps_job_tree_lock);
		ps_job_walk(job, ps_job_ref_one, &r);
		spin_unlock(&ps_job_tree_lock);
		if (r.n <= r.room)
			break;
		while (r.room--)
			ob_dereference(&r.jobs[r.room]->ob);
		kfree(r.jobs);
		r.room = r.n;
	}
	*out = r.jobs;
	return r.n;
}

static void ps_job_put_subtree(struct ps_job **jobs, int n)
{
	while (n-- > 0)
		ob_dereference(&jobs[n]->ob);
	kfree(jobs);
}

/* TotalTerminatedProcesses of @job and every job above it. */
static void ps_job_count_violation(struct ps_job *job)
{
	for (; job; job = ps_job_parent(job)) {
		spin_lock(&job->lock);
		job->violations++;
		spin_unlock(&job->lock);
	}
}

/* Whether @job or a job above it is terminated; its status in @status. */
static bool ps_job_chain_terminated(struct ps_job *job, u32 *status)
{
	bool t = false;

	for (; job && !t; job = ps_job_parent(job)) {
		spin_lock(&job->lock);
		t = job->terminated;
		*status = job->terminate_status;
		spin_unlock(&job->lock);
	}
	return t;
}

/*
 * A child counted pending in every job of @job's chain, or the job whose
 * active process limit refuses it (its violation counted; nothing stays
 * counted). Context: any (the fork probe).
 */
static struct ps_job *ps_job_add_pending(struct ps_job *job)
{
	struct ps_job *j, *k;

	for (j = job; j; j = ps_job_parent(j)) {
		spin_lock(&j->lock);
		if ((j->flags & JOB_OBJECT_LIMIT_ACTIVE_PROCESS) &&
		    j->active + j->pending >= j->active_limit) {
			spin_unlock(&j->lock);
			for (k = job; k != j; k = ps_job_parent(k)) {
				spin_lock(&k->lock);
				k->pending--;
				spin_unlock(&k->lock);
			}
			ps_job_count_violation(j);
			return j;
		}
		j->pending++;
		spin_unlock(&j->lock);
	}
	return NULL;
}

static void ps_job_drop_pending(struct ps_job *job)
{
	for (; job; job = ps_job_parent(job)) {
		spin_lock(&job->lock);
		job->pending--;
		spin_unlock(&job->lock);
	}
}

/**
 * ps_job_send() - send a job message to the job's completion port
 * @job: the job
 * @msg: JOB_OBJECT_MSG_*
 * @pid: the process it is about (ApcContext), or NULL
 * @gfp: GFP_KERNEL, or GFP_ATOMIC from the fork probe
 * @event: also report it to the events layer (NTEXEC_GROUP_JOB), whether
 *	or not the job has a port
 *
 * A job without a port drops it for the port, as does a full queue or a
 * failed allocation.
 *
 * Context: any; takes the job's lock and then the port's.
 */
static void ps_job_send(struct ps_job *job, u32 msg, struct pid *pid, gfp_t gfp,
			bool event)
{
	struct ob_io_packet packet = { .information = msg };
	struct ob_iocomp *port;

	spin_lock(&job->lock);
	port = job->port;
	if (port)
		ob_reference(ob_iocomp_object(port));
	packet.key = job->key;
	spin_unlock(&job->lock);
	if (event)
		ntx_event_job(msg, packet.key, pid, job->cred);
	if (!port)
		return;
	if (pid)
		packet.apc_context = pid_nr_ns(pid, job->ns);
	ob_iocomp_post(port, &packet, gfp);
	ob_dereference(ob_iocomp_object(port));
}

/**
 * ps_job_post() - the one way a job message leaves: to the job's port and
 *	as an event
 * @job: the job
 * @msg: JOB_OBJECT_MSG_*
 * @pid: the process it is about (ApcContext), or NULL
 * @gfp: GFP_KERNEL, or GFP_ATOMIC from the fork probe
 *
 * Context: any; takes the job's lock and then the port's.
 */
static void ps_job_post(struct ps_job *job, u32 msg, struct pid *pid, gfp_t gfp)
{
	ps_job_send(job, msg, pid, gfp, true);
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

struct ps_job_procs {
	struct ps_process **procs;
	u32 n, room;
};

static void ps_job_procs_one(struct ps_job *job, void *arg)
{
	struct ps_job_procs *r = arg;
	struct ps_process *p;

	spin_lock(&job->lock);
	list_for_each_entry(p, &job->members, job_node) {
		if (r->n < r->room)
			r->procs[r->n] = to_process(ob_reference(&p->ob));
		r->n++;
	}
	spin_unlock(&job->lock);
}

/*
 * The references of the active members of the job and of the jobs nested
 * in it, in a kmalloc'ed array. Return: the count, or -ENOMEM.
 */
static int ps_job_members_of(struct ps_job *job, struct ps_process ***out)
{
	struct ps_job_procs r = { .room = 0 };

	spin_lock(&job->lock);
	r.room = job->active;
	spin_unlock(&job->lock);
	for (;;) {
		r.procs = kmalloc_array(max(r.room, 1u), sizeof(*r.procs), GFP_KERNEL);
		if (!r.procs)
			return -ENOMEM;
		r.n = 0;
		spin_lock(&ps_job_tree_lock);
		ps_job_walk(job, ps_job_procs_one, &r);
		spin_unlock(&ps_job_tree_lock);
		if (r.n <= r.room)
			break;
		while (r.room--)
			ps_dereference_process(r.procs[r.room]);
		kfree(r.procs);
		r.room = r.n;
	}
	*out = r.procs;
	return r.n;
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
		if (!(flags & JOB_OBJECT_LIMIT_PROCESS_TIME) || t <= process_limit ||
		    READ_ONCE(procs[i]->terminating) || READ_ONCE(procs[i]->exited) ||
		    ps_unkillable(procs[i]))
			continue;
		/*
		 * The message first, as NT posts it before it ends the
		 * process: its exit's EXIT_PROCESS must come after.
		 */
		ps_job_post(job, JOB_OBJECT_MSG_END_OF_PROCESS_TIME, procs[i]->pid, GFP_KERNEL);
		if (!ps_kill_process(procs[i], PS_EXIT_NOT_ENOUGH_QUOTA))
			ps_job_count_violation(job);
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
 * ps_job_charge() - charge commit to a job and the jobs above it
 * @job: the immediate job of the committing process
 * @pages: pages it commits
 * @committed: its commit before (its space's, pages)
 * @join: the process brings @pages committed before it joined @job:
 *	charged whatever the limits say (NT's rule), a limit passed only
 *	reported
 * @old: with @join, the job the pages were charged to so far (the chain
 *	from it up is not charged again), or NULL
 * @over: out: the job whose limit refused (or was passed at a join)
 * @msg: out: JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT or _JOB_MEMORY_LIMIT to
 *	post to @over, 0 for none
 *
 * Every job of the chain applies its limits: its process limit bounds
 * @committed + @pages, its job limit its count after the add. On a
 * refusal nothing stays charged. Lock-free: an atomic add per job, a read
 * of its limits and, at a new high, a peak update.
 *
 * Return: STATUS_SUCCESS, STATUS_COMMITMENT_LIMIT, or (@join)
 * STATUS_UNSUCCESSFUL when @old is not in @job's chain (nothing charged).
 */
ntstatus_t ps_job_charge(struct ps_job *job, unsigned long pages, unsigned long committed,
			 bool join, struct ps_job *old, struct ps_job **over, u32 *msg)
{
	struct ps_job *j, *k;
	u32 flags;
	long used;

	*over = NULL;
	*msg = 0;
	if (old && !ps_job_in_chain(job, old))
		return STATUS_UNSUCCESSFUL;
	for (j = job; j && j != old; j = ps_job_parent(j)) {
		flags = READ_ONCE(j->flags);
		/* Pairs with ps_job_set_limit()'s smp_wmb(): flag, then limit. */
		smp_rmb();
		if (!join && (flags & JOB_OBJECT_LIMIT_PROCESS_MEMORY) &&
		    committed + pages > READ_ONCE(j->process_memory)) {
			*msg = JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT;
			goto refuse;
		}
		used = atomic_long_add_return(pages, &j->commit);
		if ((flags & JOB_OBJECT_LIMIT_JOB_MEMORY) && used > READ_ONCE(j->job_memory)) {
			if (!join) {
				atomic_long_sub(pages, &j->commit);
				*msg = JOB_OBJECT_MSG_JOB_MEMORY_LIMIT;
				goto refuse;
			}
			if (!*over) {
				*over = j;
				*msg = JOB_OBJECT_MSG_JOB_MEMORY_LIMIT;
			}
		}
		ps_job_peak(&j->peak_job, used);
		ps_job_peak(&j->peak_process, committed + pages);
	}
	return STATUS_SUCCESS;
refuse:
	*over = j;
	for (k = job; k != j; k = ps_job_parent(k))
		atomic_long_sub(pages, &k->commit);
	return STATUS_COMMITMENT_LIMIT;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_charge);

/**
 * ps_job_uncharge() - commit leaves a job and the jobs above it
 * @job: the job it was charged to
 * @pages: pages its member no longer commits
 */
void ps_job_uncharge(struct ps_job *job, unsigned long pages)
{
	for (; job; job = ps_job_parent(job))
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
 * @mp: the member
 * @tag: the job its space charges (ps_job_quota_tag())
 * @pages: pages it commits
 * @committed: its commit before
 * @join: see ps_job_charge()
 * @old: likewise
 *
 * Context: mm_space.lock held (see the lock order at the top).
 * Return: what ps_job_charge() returns.
 */
ntstatus_t ps_job_commit_charge(struct mm_process *mp, void *tag, unsigned long pages,
				unsigned long committed, bool join, void *old)
{
	struct ps_process *process = ps_mm_process(mp);
	struct ps_job *over;
	ntstatus_t status;
	u32 msg;

	status = ps_job_charge(tag, pages, committed, join, old, &over, &msg);
	/* NT reports a process's memory limit violation once. */
	if (msg && !test_and_set_bit(0, &process->job_memory_reported))
		ps_job_post(over, msg, process->pid, GFP_KERNEL);
	return status;
}

/* struct mm_ops .commit_uncharge */
void ps_job_commit_uncharge(struct mm_process *mp, void *tag, unsigned long pages)
{
	ps_job_uncharge(tag, pages);
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

/* struct mm_ops .quota_tag: the process's immediate job, referenced. */
void *ps_job_quota_tag(struct mm_process *mp)
{
	struct ps_job *job = READ_ONCE(ps_mm_process(mp)->job);

	return job ? to_job(ob_reference(&job->ob)) : NULL;
}

void ps_job_quota_tag_put(void *tag)
{
	ob_dereference(&((struct ps_job *)tag)->ob);
}

/* What a member's chain of jobs imposes (ps_job_chain_limits()). */
struct ps_job_imposed {
	u32 flags;
	u32 class;
	u64 affinity;
	u32 sched_class;
	unsigned long ws_min;
	unsigned long ws_max;
};

/*
 * The priority class, affinity, scheduling class and working-set limits a
 * member's chain of jobs imposes: Windows' effective limits for nested jobs
 * (PspSetEffectiveJobLimits, Windows 8 and later), computed from the root
 * down. The "Nested Jobs" page: a child job's effective limit "can be more
 * restrictive than the limit of its parent, but it cannot be less
 * restrictive". So a job's own limit is never refused nor changed (a query
 * reads back what was set), but it takes over from the one in force above
 * it only when it is stricter: the lower priority class; an affinity that
 * is a subset of the one above (any other mask is ignored, and the one
 * above stays: JOBOBJECT_BASIC_LIMIT_INFORMATION's "if the specified
 * affinity is a superset of the affinity of the parent job, it is ignored");
 * the lower scheduling class; the working-set limits with the smaller
 * maximum. The flags are those of the whole chain (SUBSET_AFFINITY of any
 * job lets members choose a subset of the affinity in force).
 */
static void ps_job_chain_limits(struct ps_job *job, struct ps_job_imposed *out)
{
	struct ps_job *chain[PS_JOB_MAX_DEPTH + 1];
	int n = 0;
	u32 f;

	memset(out, 0, sizeof(*out));
	for (; job && n < ARRAY_SIZE(chain); job = ps_job_parent(job))
		chain[n++] = job;
	while (n-- > 0) {
		job = chain[n];
		spin_lock(&job->lock);
		f = job->flags;
		if ((f & JOB_OBJECT_LIMIT_PRIORITY_CLASS) &&
		    (!(out->flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS) ||
		     ps_priority_class_lower(job->priority_class, out->class)))
			out->class = job->priority_class;
		if ((f & JOB_OBJECT_LIMIT_AFFINITY) &&
		    (!(out->flags & JOB_OBJECT_LIMIT_AFFINITY) || !(job->affinity & ~out->affinity)))
			out->affinity = job->affinity;
		if ((f & JOB_OBJECT_LIMIT_SCHEDULING_CLASS) &&
		    (!(out->flags & JOB_OBJECT_LIMIT_SCHEDULING_CLASS) ||
		     job->scheduling_class < out->sched_class))
			out->sched_class = job->scheduling_class;
		if ((f & JOB_OBJECT_LIMIT_WORKINGSET) &&
		    (!(out->flags & JOB_OBJECT_LIMIT_WORKINGSET) || job->ws_max < out->ws_max)) {
			out->ws_min = job->ws_min;
			out->ws_max = job->ws_max;
		}
		out->flags |= f & (JOB_OBJECT_LIMIT_PRIORITY_CLASS | JOB_OBJECT_LIMIT_AFFINITY |
				   JOB_OBJECT_LIMIT_SUBSET_AFFINITY |
				   JOB_OBJECT_LIMIT_SCHEDULING_CLASS | JOB_OBJECT_LIMIT_WORKINGSET);
		spin_unlock(&job->lock);
	}
}

/**
 * ps_job_effective_limits() - the limits a job's chain puts in force
 * @job: a job
 * @flags: out: which of the values below are limited (JOB_OBJECT_LIMIT_*)
 * @class: out: the priority class
 * @affinity: out: the affinity
 * @sched_class: out: the scheduling class
 *
 * What a member of @job gets (ps_job_chain_limits()); for the KUnit suite.
 */
void ps_job_effective_limits(struct ps_job *job, u32 *flags, u32 *class, u64 *affinity,
			     u32 *sched_class)
{
	struct ps_job_imposed l;

	ps_job_chain_limits(job, &l);
	*flags = l.flags;
	*class = l.class;
	*affinity = l.affinity;
	*sched_class = l.sched_class;
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_effective_limits);

/*
 * Apply the priority class, affinity, scheduling class and working-set
 * limits of its jobs to a member; without a working-set limit in its
 * chain, it has its own limits back; without a scheduling class, the
 * default slice (class 5's). Context: process context, no lock held.
 */
static void ps_job_apply_limits(struct ps_process *process)
{
	struct ps_job_imposed l;
	u64 slice, now;

	mutex_lock(&ps_job_apply_lock);
	ps_job_chain_limits(READ_ONCE(process->job), &l);
	slice = ps_scheduling_class_slice(l.flags & JOB_OBJECT_LIMIT_SCHEDULING_CLASS ?
					  l.sched_class : PS_JOB_SCHEDULING_CLASS_DEFAULT);
	spin_lock(&process->lock);
	now = process->job_slice;
	spin_unlock(&process->lock);
	if (slice != now)
		ps_apply_process_slice(process, slice);
	if (l.flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS)
		ps_apply_priority_class(process, l.class);
	if (l.flags & JOB_OBJECT_LIMIT_AFFINITY)
		ps_apply_process_affinity(process, l.affinity);
	mm_process_set_job_ws(&process->vm, l.ws_min, l.ws_max);
	mutex_unlock(&ps_job_apply_lock);
}

/* @msg about @pid to @job and every job above it (ports and events). */
static void ps_job_post_chain(struct ps_job *job, u32 msg, struct pid *pid, gfp_t gfp)
{
	for (; job; job = ps_job_parent(job))
		ps_job_post(job, msg, pid, gfp);
}

/*
 * A process that is in no job joins @job: counted active in it and every
 * job above it unless it has exited already (a pending child killed before
 * its first instruction). @pending: it was counted pending by the fork
 * probe. @slice: for a child, the slice its thread inherited from its
 * creator (NULL: an assignment, the process keeps its own). Return:
 * STATUS_SUCCESS, or STATUS_ACCESS_DENIED when it is in a job already
 * (nothing changes but the pending count).
 */
static ntstatus_t ps_job_join(struct ps_job *job, struct ps_process *process, bool pending,
			      const u64 *slice)
{
	bool exited = false, terminated;
	ntstatus_t status = STATUS_SUCCESS;
	struct ps_job *j;
	u32 tstatus;

	spin_lock(&job->lock);
	spin_lock(&process->lock);
	if (process->job) {
		status = process->job == job ? STATUS_SUCCESS : STATUS_ACCESS_DENIED;
		spin_unlock(&process->lock);
		spin_unlock(&job->lock);
		if (pending)
			ps_job_drop_pending(job);
		return status;
	}
	process->job = to_job(ob_reference(&job->ob));
	if (slice)
		WRITE_ONCE(process->job_slice, *slice);
	exited = process->exited;
	if (!exited) {
		list_add_tail(&process->job_node, &job->members);
		process->job_active = true;
		atomic_inc(&ps_job_members);
	}
	spin_unlock(&process->lock);
	spin_unlock(&job->lock);
	for (j = job; j; j = ps_job_parent(j)) {
		spin_lock(&j->lock);
		if (pending)
			j->pending--;
		if (!exited)
			j->active++;
		j->total++;
		ps_job_arm_time(j);
		spin_unlock(&j->lock);
	}
	terminated = ps_job_chain_terminated(job, &tstatus);

	ps_job_post_chain(job, JOB_OBJECT_MSG_NEW_PROCESS, process->pid, GFP_KERNEL);
	if (exited) {
		ps_job_post_chain(job, JOB_OBJECT_MSG_EXIT_PROCESS, process->pid, GFP_KERNEL);
		return STATUS_SUCCESS;
	}
	/* Its commit is the job's from now on, what it has so far included. */
	mm_process_charge_quota(&process->vm);
	if (terminated)
		ps_kill_process(process, tstatus);
	else
		ps_job_apply_limits(process);
	return STATUS_SUCCESS;
}

/*
 * A member of @parent is assigned to @child, a job nested under @parent
 * (ps_job_nest()): @child becomes its immediate job. Only @child counts it
 * anew (the jobs above counted it already), and only @child's active
 * process limit can refuse it. Return: STATUS_SUCCESS,
 * STATUS_PROCESS_IS_TERMINATING (it exited meanwhile), STATUS_QUOTA_EXCEEDED
 * (@child's limit: nothing changed), STATUS_ACCESS_DENIED (it moved).
 */
static ntstatus_t ps_job_move_down(struct ps_job *child, struct ps_job *parent,
				   struct ps_process *process)
{
	ntstatus_t status = STATUS_SUCCESS;
	bool terminated;
	u32 tstatus;

	spin_lock(&parent->lock);
	spin_lock_nested(&child->lock, SINGLE_DEPTH_NESTING);
	spin_lock(&process->lock);
	if (process->job != parent)
		status = STATUS_ACCESS_DENIED;
	else if (!process->job_active)
		status = STATUS_PROCESS_IS_TERMINATING;
	else if ((child->flags & JOB_OBJECT_LIMIT_ACTIVE_PROCESS) &&
		 child->active + child->pending >= child->active_limit)
		status = STATUS_QUOTA_EXCEEDED;
	if (!status) {
		list_move_tail(&process->job_node, &child->members);
		/* @child holds @parent: the process's reference moves down. */
		WRITE_ONCE(process->job, to_job(ob_reference(&child->ob)));
		child->active++;
		child->total++;
		ps_job_arm_time(child);
	}
	spin_unlock(&process->lock);
	spin_unlock(&child->lock);
	spin_unlock(&parent->lock);
	if (status)
		return status;
	ob_dereference(&parent->ob);
	ps_job_post(child, JOB_OBJECT_MSG_NEW_PROCESS, process->pid, GFP_KERNEL);
	/* Its commit is charged to @child too from now on. */
	mm_process_charge_quota(&process->vm);
	terminated = ps_job_chain_terminated(child, &tstatus);
	if (terminated)
		ps_kill_process(process, tstatus);
	else
		ps_job_apply_limits(process);
	return STATUS_SUCCESS;
}

/**
 * ps_job_process_rundown() - a member's exit, for its jobs
 * @process: a process that has exited (or the module is going)
 *
 * It leaves its job's active list; its times and counters go to the totals
 * of its job and every job above it; each of them with a port gets
 * EXIT_PROCESS (ABNORMAL_EXIT_PROCESS for an exception status), and
 * ACTIVE_PROCESS_ZERO when it was its last.
 *
 * Context: process context, before the process is signaled.
 */
void ps_job_process_rundown(struct ps_process *process)
{
	struct ps_job *job, *j;
	bool was_active = false, zero;
	u64 user, kernel, faults, io[6];
	u32 status = 0;
	int i;

	for (;;) {
		job = READ_ONCE(process->job);
		if (!job)
			return;
		spin_lock(&job->lock);
		spin_lock(&process->lock);
		if (process->job == job)
			break;
		/* It moved down into a nested job meanwhile: look again. */
		spin_unlock(&process->lock);
		spin_unlock(&job->lock);
	}
	if (process->job_active) {
		was_active = true;
		process->job_active = false;
		list_del_init(&process->job_node);
		atomic_dec(&ps_job_members);
		user = process->user_time;
		kernel = process->kernel_time;
		faults = process->exit_faults;
		memcpy(io, process->exit_io, sizeof(io));
		status = process->exit_status;
	}
	spin_unlock(&process->lock);
	spin_unlock(&job->lock);
	if (!was_active)
		return;
	for (j = job; j; j = ps_job_parent(j)) {
		spin_lock(&j->lock);
		j->active--;
		zero = !j->active;
		j->exited_user += user;
		j->exited_kernel += kernel;
		j->exited_faults += faults;
		for (i = 0; i < 6; i++)
			j->exited_io[i] += io[i];
		spin_unlock(&j->lock);
		ps_job_post(j, ps_job_abnormal(status) ? JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS :
			    JOB_OBJECT_MSG_EXIT_PROCESS, process->pid, GFP_KERNEL);
		if (zero)
			ps_job_post(j, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, NULL, GFP_KERNEL);
	}
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

/*
 * Join a claimed child; @process may be NULL (adopted here when it can be);
 * @slice: what its thread inherited.
 */
static void ps_job_join_pending(struct ps_job *job, struct pid *tgid,
				struct ps_process *process, u64 slice)
{
	struct ps_process *p = process ?: ps_get_process(tgid);

	if (p) {
		ps_job_join(job, p, true, &slice);
		if (!process)
			ps_dereference_process(p);
		return;
	}
	/* Gone (reaped) before anyone saw it: it never joined. */
	ps_job_drop_pending(job);
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
		ps_job_join_pending(job, NULL, process, mine->slice);
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
			ps_job_join_pending(job, tgid, NULL, mine->slice);
			put_pid(tgid);
			ps_job_unlist(mine);
			continue;
		}
		if (busy)
			wait_event(ps_job_pending_wq, !ps_job_joining(NULL, job));
		return;
	}
}

/* Every pending child of @job and of the jobs nested in it joins now. */
static void ps_job_settle_tree(struct ps_job *job)
{
	struct ps_job **jobs;
	int n, i;

	if (!atomic_read(&ps_job_pendings))
		return;
	n = ps_job_subtree(job, &jobs);
	if (n < 0) {
		ps_job_settle_job(job);
		return;
	}
	for (i = 0; i < n; i++)
		ps_job_settle_job(jobs[i]);
	ps_job_put_subtree(jobs, n);
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
			ps_job_join(rec->job, process, true, &rec->slice);
			ps_dereference_process(process);
		} else {
			/* No object, no job: it must not run outside. */
			if (!(current->flags & PF_EXITING))
				send_sig(SIGKILL, current, 1);
			ps_job_drop_pending(rec->job);
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
 * ps_job_thread_exited() - an ending thread's breakaway is withdrawn
 * @thread: the thread (its exit record, or its object's end)
 *
 * A thread that armed a breakaway and ended before it started a process
 * leaves nothing armed. Context: process context (the exit probe, an
 * adoption); not softirq (see ps_job_thread_destroy()).
 */
void ps_job_thread_exited(struct ps_thread *thread)
{
	bool armed;

	spin_lock(&thread->lock);
	armed = thread->breakaway;
	thread->breakaway = false;
	spin_unlock(&thread->lock);
	if (armed)
		atomic_dec(&ps_job_armed);
}

/**
 * ps_job_thread_destroy() - a thread object goes: its breakaway with it
 * @thread: the thread, its last reference gone (no lock: nobody else sees
 *	it, and this may run in softirq, from the free probe's RCU callback,
 *	where @thread->lock must not be taken)
 */
void ps_job_thread_destroy(struct ps_thread *thread)
{
	if (thread->breakaway)
		atomic_dec(&ps_job_armed);
}

/**
 * ps_job_armed_threads() - threads armed for a breakaway now
 *
 * Return: their count (the fork probe looks for the forking thread's
 * breakaway only while it is not zero).
 */
int ps_job_armed_threads(void)
{
	return atomic_read(&ps_job_armed);
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_armed_threads);

static int ps_job_param_get_armed(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%d\n", atomic_read(&ps_job_armed));
}

static const struct kernel_param_ops ps_job_armed_ops = {
	.get = ps_job_param_get_armed,
};
module_param_cb(breakaway_armed, &ps_job_armed_ops, NULL, 0444);
MODULE_PARM_DESC(breakaway_armed, "Threads armed for a job breakaway (NtCreateProcessEx)");

/**
 * ps_job_priority_class() - the class a member's job imposes
 * @process: the process
 * @class: out: the job's class, when it limits it
 *
 * Return: true when the process's job limits its priority class.
 */
bool ps_job_priority_class(struct ps_process *process, u8 *class)
{
	struct ps_job_imposed l;

	ps_job_chain_limits(READ_ONCE(process->job), &l);
	if (l.flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS)
		*class = l.class;
	return l.flags & JOB_OBJECT_LIMIT_PRIORITY_CLASS;
}

/**
 * ps_job_affinity() - the affinity a member's job imposes
 * @process: the process
 * @mask: in: the affinity the process asks for (valid); out: the one it
 *	gets
 *
 * NT: a member of a job with JOB_OBJECT_LIMIT_AFFINITY gets the job's
 * affinity whatever it asked for (and the call succeeds); with
 * JOB_OBJECT_LIMIT_SUBSET_AFFINITY too (Windows 7), it may choose a subset
 * of the job's. In nested jobs, the affinity in force in the chain
 * (ps_job_chain_limits()).
 *
 * Return: STATUS_SUCCESS, or STATUS_INVALID_PARAMETER for a mask outside
 * the job's subset.
 */
ntstatus_t ps_job_affinity(struct ps_process *process, u64 *mask)
{
	struct ps_job_imposed l;

	ps_job_settle_process(process);
	ps_job_chain_limits(READ_ONCE(process->job), &l);
	if (!(l.flags & JOB_OBJECT_LIMIT_AFFINITY))
		return STATUS_SUCCESS;
	if (!(l.flags & JOB_OBJECT_LIMIT_SUBSET_AFFINITY)) {
		*mask = l.affinity;
		return STATUS_SUCCESS;
	}
	return *mask & ~l.affinity ? STATUS_INVALID_PARAMETER : STATUS_SUCCESS;
}

/* A child that left every job: the default slice, before its first instruction. */
static void ps_job_child_reset(struct callback_head *work)
{
	kfree(work);
	if (!(current->flags & PF_EXITING))
		ps_apply_task_slice(current, 0);
	module_put(THIS_MODULE);
}

/*
 * A child that broke away from every job of @process's chain: fork gave its
 * thread its creator's job slice, which no job of its own imposes. It gets
 * the default back before it runs its own code, or is ended (fail closed:
 * a longer slice needs the privilege its creator's job was set with).
 * Context: the fork probe (atomic).
 */
static void ps_job_reset_child_slice(struct ps_process *process, struct task_struct *child)
{
	struct callback_head *work;

	if (!READ_ONCE(process->job_slice))
		return;
	work = kmalloc(sizeof(*work), GFP_ATOMIC | __GFP_NOWARN);
	if (work) {
		__module_get(THIS_MODULE);
		init_task_work(work, ps_job_child_reset);
		/* The child has not run: it cannot be past its exit's works. */
		if (!task_work_add(child, work, TWA_RESUME))
			return;
		module_put(THIS_MODULE);
		kfree(work);
	}
	send_sig_info(SIGKILL, SEND_SIG_PRIV, child);
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
	bool kill = false, armed;
	struct ps_job *job, *over = NULL;
	u32 mask, tstatus;

	if (!atomic_read(&ps_job_members) || child->signal == current->signal)
		return;
	process = ps_peek_process(current->signal);
	if (!process)
		return;
	job = READ_ONCE(process->job);
	if (!job || !READ_ONCE(process->job_active))
		goto out;
	/*
	 * Breakaway (NtCreateProcessEx's, armed on the thread; or silent):
	 * allowed by the immediate job, the child leaves it and every job
	 * above that allows it too, and joins the first that does not
	 * (Windows' rule for nested jobs). An armed breakaway the job no
	 * longer allows fails closed.
	 */
	armed = atomic_read(&ps_job_armed) && ps_job_take_breakaway();
	mask = JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK |
	       (armed ? JOB_OBJECT_LIMIT_BREAKAWAY_OK : 0);
	if (armed && !(READ_ONCE(job->flags) & mask)) {
		send_sig_info(SIGKILL, SEND_SIG_PRIV, child);
		goto out;
	}
	while (job && (READ_ONCE(job->flags) & mask))
		job = ps_job_parent(job);
	if (!job) {
		ps_job_reset_child_slice(process, child);
		goto out;
	}
	if (ps_job_chain_terminated(job, &tstatus)) {
		kill = true;
	} else {
		over = ps_job_add_pending(job);
		kill = over;
	}

	if (!kill) {
		rec = kzalloc(sizeof(*rec), GFP_ATOMIC | __GFP_NOWARN);
		if (rec) {
			rec->signal = child->signal;
			rec->tgid = get_pid(task_tgid(child));
			rec->job = to_job(ob_reference(&job->ob));
			rec->slice = READ_ONCE(process->job_slice);
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
			ps_job_drop_pending(job);
			kill = true;
		}
	}
	if (kill)
		send_sig_info(SIGKILL, SEND_SIG_PRIV, child);
	if (over)
		ps_job_post(over, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, task_tgid(child),
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
		ps_job_settle_tree(job);
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

/* The cgroup backing in force for a member of @job: its chain's innermost. */
static struct ps_job_cgroup *ps_job_chain_cgroup(struct ps_job *job)
{
	lockdep_assert_held(&ps_job_cg_lock);
	for (; job; job = ps_job_parent(job))
		if (job->cgroup)
			return job->cgroup;
	return NULL;
}

/*
 * Before @process joins @job (ps_job_cg_lock held): into the cgroup of
 * @job's chain, unless its present chain has the same one. Return: a
 * status; on failure it joins nothing.
 */
static ntstatus_t ps_job_cgroup_enter(struct ps_job *job, struct ps_process *process)
{
	struct ps_job_cgroup *cg = ps_job_chain_cgroup(job);
	struct ps_job *cur = READ_ONCE(process->job);

	if (!cg || (cur && ps_job_chain_cgroup(cur) == cg))
		return STATUS_SUCCESS;
	return ps_job_cgroup_attach(cg, process->pid);
}

/**
 * ps_assign_job() - NtAssignProcessToJobObject
 * @caller: the calling process
 * @job_handle: the job (JOB_OBJECT_ASSIGN_PROCESS)
 * @process_handle: the process (PROCESS_SET_QUOTA | PROCESS_TERMINATE)
 *
 * A process in a job already joins @job as Windows 8 nests jobs: @job in
 * its chain changes nothing; a job nested under its immediate job, or an
 * empty job nested nowhere (which becomes a child of its immediate job,
 * ps_job_nest()), becomes its immediate job; any other job is refused.
 *
 * With a cgroup backing in @job's chain, the process is moved to that
 * cgroup first (ps_job_cgroup_attach()); Linux's refusal fails the call.
 *
 * Return: STATUS_SUCCESS; STATUS_PROCESS_IS_TERMINATING for a process that
 * has exited; STATUS_ACCESS_DENIED for a job the hierarchy forbids or a
 * cgroup move Linux refuses;
 * STATUS_QUOTA_EXCEEDED when an active process limit is reached (the
 * process is ended, the port told); a handle's failure.
 */
ntstatus_t ps_assign_job(struct ps_process *caller, u64 job_handle, u64 process_handle)
{
	struct ps_job *job, *cur, *over = NULL;
	struct ps_process *process;
	ntstatus_t status;
	bool exited;

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
		goto out_process;
	}
	ps_job_settle_tree(job);
	mutex_lock(&ps_job_cg_lock);
	cur = READ_ONCE(process->job);
	if (cur) {
		if (ps_job_in_chain(cur, job))
			goto out;	/* in it already */
		status = ps_job_nest(job, cur);
		if (!status)
			status = ps_job_cgroup_enter(job, process);
		if (!status)
			status = ps_job_move_down(job, cur, process);
		if (status == STATUS_QUOTA_EXCEEDED)
			over = job;
		else
			goto out;
	} else {
		status = ps_job_cgroup_enter(job, process);
		if (status)
			goto out;
		/* Every job of the chain counts it: each limit applies. */
		over = ps_job_add_pending(job);
		if (!over) {
			status = ps_job_join(job, process, true, NULL);
			goto out;
		}
	}
	mutex_unlock(&ps_job_cg_lock);
	ps_kill_process(process, PS_EXIT_NOT_ENOUGH_QUOTA);
	if (cur)
		ps_job_count_violation(job);
	ps_job_post(over, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, process->pid, GFP_KERNEL);
	status = STATUS_QUOTA_EXCEEDED;
	goto out_process;
out:
	mutex_unlock(&ps_job_cg_lock);
out_process:
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
	ps_job_settle_tree(job);
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
		/* A process is in its immediate job and in every job above it. */
		spin_lock(&process->lock);
		status = process->job && (!job || ps_job_in_chain(process->job, job)) ?
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

struct ps_job_acc {
	struct nt_job_accounting_io *out;
	u64 faults;
};

/* The live members of one job of the subtree, added. */
static void ps_job_acc_one(struct ps_job *job, void *arg)
{
	struct ps_job_acc *a = arg;
	u64 user, kernel, f, io[6];
	struct task_struct *task;
	struct ps_process *p;
	int i;

	spin_lock(&job->lock);
	list_for_each_entry(p, &job->members, job_node) {
		rcu_read_lock();
		task = pid_task(p->pid, PIDTYPE_TGID);
		if (task && pid_alive(task)) {
			ps_group_times(task, &user, &kernel);
			a->out->basic.total_user += user;
			a->out->basic.total_kernel += kernel;
			ps_task_counters(task, &f, io);
			a->faults += f;
			for (i = 0; i < 6; i++)
				a->out->io[i] += io[i];
		}
		rcu_read_unlock();
	}
	spin_unlock(&job->lock);
}

/*
 * Accounting: exited members' totals (rolled up from nested jobs) plus the
 * live members' of the job and of the jobs nested in it, now.
 */
static void ps_job_accounting(struct ps_job *job, struct nt_job_accounting_io *out)
{
	struct ps_job_acc a = { .out = out };

	memset(out, 0, sizeof(*out));
	spin_lock(&ps_job_tree_lock);
	ps_job_walk(job, ps_job_acc_one, &a);
	spin_unlock(&ps_job_tree_lock);
	spin_lock(&job->lock);
	out->basic.total_user += job->exited_user;
	out->basic.total_kernel += job->exited_kernel;
	a.faults += job->exited_faults;
	for (int i = 0; i < 6; i++)
		out->io[i] += job->exited_io[i];
	out->basic.period_user = out->basic.total_user;
	out->basic.period_kernel = out->basic.total_kernel;
	out->basic.page_faults = min_t(u64, a.faults, U32_MAX);
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
	out->scheduling_class = job->scheduling_class;
	if (job->flags & JOB_OBJECT_LIMIT_WORKINGSET) {
		out->min_ws = job->ws_min_bytes;
		out->max_ws = job->ws_max_bytes;
	}
	spin_unlock(&job->lock);
}

struct ps_job_ids {
	u64 *ids;
	u32 n, room, total;
	struct pid_namespace *ns;
};

/* The process ids of one job of the subtree, as far as they fit. */
static void ps_job_ids_one(struct ps_job *job, void *arg)
{
	struct ps_job_ids *r = arg;
	struct ps_process *p;

	spin_lock(&job->lock);
	list_for_each_entry(p, &job->members, job_node) {
		if (r->n < r->room)
			r->ids[r->n++] = pid_nr_ns(p->pid, r->ns);
		r->total++;
	}
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
	case JobObjectNtxCgroupInformation:
		return sizeof(struct nt_job_cgroup_info);
	}
	return 0;
}

/**
 * ps_query_job() - NtQueryInformationJobObject
 * @caller: the calling process
 * @job_handle: the job (JOB_OBJECT_QUERY), or 0 for the caller's own job
 * @info_class: JobObjectBasicAccountingInformation, _BasicLimitInformation,
 *	_BasicProcessIdList, _EndOfJobTimeInformation,
 *	_BasicAndIoAccountingInformation, _ExtendedLimitInformation,
 *	JobObjectNtxCgroupInformation
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
	ps_job_settle_tree(job);

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
		{
			struct ps_job_ids r = { .ids = ids, .room = room, .ns = ns };

			spin_lock(&ps_job_tree_lock);
			ps_job_walk(job, ps_job_ids_one, &r);
			spin_unlock(&ps_job_tree_lock);
			n = r.n;
			total = r.total;
		}
		head[0] = total;
		head[1] = n;
		out->size = max(8 + 8 * n, 16u);
		if (n < total)
			status = STATUS_BUFFER_OVERFLOW;
		break;
	}
	case JobObjectNtxCgroupInformation: {
		struct nt_job_cgroup_info *info = ps_job_info(out, sizeof(*info));

		mutex_lock(&ps_job_cg_lock);
		ps_job_cgroup_query(job->cgroup, info);
		mutex_unlock(&ps_job_cg_lock);
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
	const u32 unsupported = NTX_HAVE_TASK_SLICE ? 0 : JOB_OBJECT_LIMIT_SCHEDULING_CLASS;
	const u32 valid = ext ? JOB_OBJECT_EXTENDED_LIMIT_VALID_FLAGS :
				JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS;
	const struct nt_job_basic_limit *l = &x->basic;
	unsigned long ws_min = 0, ws_max = 0;
	struct ps_process **procs;
	u32 flags = l->flags, keep, old;
	ntstatus_t status;
	u64 base = 0;
	int n, i;

	if (flags & ~valid)
		return STATUS_INVALID_PARAMETER;
	if (flags & unsupported)
		return STATUS_NOT_SUPPORTED;
	/* Windows: both sizes, or neither; here a limit needs both. */
	if (flags & JOB_OBJECT_LIMIT_WORKINGSET) {
		status = mm_job_ws_pages(l->min_ws, l->max_ws, &ws_min, &ws_max);
		if (status)
			return status;
	}
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
	/* NT: classes 0-9; above the default 5, SeIncreaseBasePriorityPrivilege. */
	if ((flags & JOB_OBJECT_LIMIT_SCHEDULING_CLASS) &&
	    l->scheduling_class >= PS_JOB_SCHEDULING_CLASSES)
		return STATUS_INVALID_PARAMETER;
	if ((flags & JOB_OBJECT_LIMIT_SCHEDULING_CLASS) &&
	    l->scheduling_class > PS_JOB_SCHEDULING_CLASS_DEFAULT && !capable(CAP_SYS_NICE))
		return STATUS_PRIVILEGE_NOT_HELD;
	if ((flags & JOB_OBJECT_LIMIT_AFFINITY) && !ps_valid_affinity(l->affinity))
		return STATUS_INVALID_PARAMETER;
	/* Windows 7: a subset of what? The affinity limit must come with it. */
	if ((flags & JOB_OBJECT_LIMIT_SUBSET_AFFINITY) && !(flags & JOB_OBJECT_LIMIT_AFFINITY))
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
	/* memory.max first: a refusal leaves the job's limits as they were. */
	if (ext) {
		mutex_lock(&ps_job_cg_lock);
		if (job->cgroup) {
			status = ps_job_cgroup_memory(job->cgroup,
						      flags & JOB_OBJECT_LIMIT_JOB_MEMORY ?
						      x->job_memory & PAGE_MASK : 0);
			if (status) {
				mutex_unlock(&ps_job_cg_lock);
				return status;
			}
		}
	}
	spin_lock(&job->lock);
	old = job->flags;
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
		/* Pairs with ps_job_charge()'s smp_rmb(): limit, then flag. */
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
	/* NT keeps the default class when the flag is not given. */
	job->scheduling_class = flags & JOB_OBJECT_LIMIT_SCHEDULING_CLASS ?
				l->scheduling_class : PS_JOB_SCHEDULING_CLASS_DEFAULT;
	if (flags & JOB_OBJECT_LIMIT_WORKINGSET) {
		job->ws_min_bytes = l->min_ws;
		job->ws_max_bytes = l->max_ws;
		job->ws_min = ws_min;
		job->ws_max = ws_max;
	}
	ps_job_arm_time(job);
	spin_unlock(&job->lock);
	if (ext)
		mutex_unlock(&ps_job_cg_lock);

	/*
	 * The members of the job and of the jobs nested in it take the limits
	 * now; a working-set limit cleared gives them theirs back, a
	 * scheduling class cleared the default slice, and in nested jobs a
	 * limit cleared above puts the one below in force.
	 */
	if ((flags | old) & (JOB_OBJECT_LIMIT_PRIORITY_CLASS | JOB_OBJECT_LIMIT_AFFINITY |
			     JOB_OBJECT_LIMIT_SCHEDULING_CLASS | JOB_OBJECT_LIMIT_WORKINGSET)) {
		n = ps_job_members_of(job, &procs);
		for (i = 0; i < n; i++)
			ps_job_apply_limits(procs[i]);
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
	ps_job_settle_tree(job);
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
	/*
	 * The processes already in the job are announced to the new port
	 * only: the events reported their arrival when they joined.
	 */
	n = ps_job_members_of(job, &procs);
	for (i = 0; i < n; i++)
		ps_job_send(job, JOB_OBJECT_MSG_NEW_PROCESS, procs[i]->pid, GFP_KERNEL, false);
	if (n >= 0)
		ps_job_put_members(procs, n);
	return STATUS_SUCCESS;
}

/*
 * JobObjectNtxCgroupInformation: back the job by a cgroup (or end the
 * backing, CgroupFd -1) while it has no processes; the cgroup gets the
 * limits at once. Return: a status; the job is unchanged on failure.
 */
static ntstatus_t ps_job_set_cgroup(struct ps_job *job, const struct nt_job_cgroup_info *req)
{
	struct ps_job_cgroup *cg = NULL, *old;
	ntstatus_t status = STATUS_SUCCESS;
	u64 memory = 0;
	bool busy;

	if (req->cgroup_fd == -1) {
		if (req->cgroup_id || req->flags || req->cpu_rate || req->pids_max)
			return STATUS_INVALID_PARAMETER;
	} else {
		status = ps_job_cgroup_open(req, &cg);
		if (status)
			return status;
	}
	mutex_lock(&ps_job_cg_lock);
	spin_lock(&job->lock);
	busy = job->active || job->pending;
	if (job->flags & JOB_OBJECT_LIMIT_JOB_MEMORY)
		memory = (u64)job->job_memory << PAGE_SHIFT;
	spin_unlock(&job->lock);
	if (busy)
		status = STATUS_INVALID_DEVICE_STATE;
	else if (cg)
		status = ps_job_cgroup_limits(cg, memory);
	if (!status) {
		old = job->cgroup;
		job->cgroup = cg;
		cg = old;
	}
	mutex_unlock(&ps_job_cg_lock);
	ps_job_cgroup_free(cg);
	return status;
}

/**
 * ps_set_job() - NtSetInformationJobObject
 * @caller: the calling process
 * @job_handle: the job (JOB_OBJECT_SET_ATTRIBUTES)
 * @info_class: JobObjectBasicLimitInformation, _ExtendedLimitInformation,
 *	_EndOfJobTimeInformation, _AssociateCompletionPortInformation,
 *	JobObjectNtxCgroupInformation
 * @data: the caller's buffer, copied in (NULL when @length is too long)
 * @length: its length
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_INFO_CLASS,
 * STATUS_INFO_LENGTH_MISMATCH, STATUS_INVALID_PARAMETER (unknown limit
 * flags or values, a second port), STATUS_NOT_SUPPORTED (limits not
 * enforced yet), STATUS_PRIVILEGE_NOT_HELD, STATUS_INVALID_DEVICE_STATE
 * (a cgroup backing for a job with processes), a refusal of Linux's
 * cgroup code (ps_job_cgroup_open()), a handle's failure.
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
	case JobObjectNtxCgroupInformation:
		status = ps_job_set_cgroup(job, data);
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
 * ps_job_set_basic_limits() - set a job's basic limits as the basic class
 *	would (the other values zero), for the KUnit suite
 * @job: the job
 * @flags: JOB_OBJECT_LIMIT_* of the basic class
 * @priority_class: PriorityClass
 * @affinity: Affinity
 * @scheduling_class: SchedulingClass
 *
 * Return: what NtSetInformationJobObject would.
 */
ntstatus_t ps_job_set_basic_limits(struct ps_job *job, u32 flags, u32 priority_class,
				   u64 affinity, u32 scheduling_class)
{
	struct nt_job_extended_limit x = {
		.basic.flags = flags,
		.basic.priority_class = priority_class,
		.basic.affinity = affinity,
		.basic.scheduling_class = scheduling_class,
	};

	return ps_job_set_limit(job, &x, false);
}
EXPORT_SYMBOL_IF_KUNIT(ps_job_set_basic_limits);

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
