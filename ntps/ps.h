/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process manager: NT process and thread objects for Linux thread
 * groups and threads.
 */
#ifndef _NTEXEC_PS_H
#define _NTEXEC_PS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "../ntob/ob.h"
#include "../ntmm/mm.h"
#include "../uapi/ntexec.h"

struct mm_struct;
struct pid_namespace;
struct task_struct;

/* Process and thread access rights, Windows' values. */
#define PROCESS_TERMINATE			0x0001u
#define PROCESS_CREATE_THREAD			0x0002u
#define PROCESS_SET_SESSIONID			0x0004u
#define PROCESS_VM_OPERATION			0x0008u
#define PROCESS_VM_READ				0x0010u
#define PROCESS_VM_WRITE			0x0020u
#define PROCESS_DUP_HANDLE			0x0040u
#define PROCESS_CREATE_PROCESS			0x0080u
#define PROCESS_SET_QUOTA			0x0100u
#define PROCESS_SET_INFORMATION			0x0200u
#define PROCESS_QUERY_INFORMATION		0x0400u
#define PROCESS_SUSPEND_RESUME			0x0800u
#define PROCESS_QUERY_LIMITED_INFORMATION	0x1000u
#define PROCESS_SET_LIMITED_INFORMATION		0x2000u
#define PROCESS_ALL_ACCESS	(STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFFu)

#define THREAD_TERMINATE			0x0001u
#define THREAD_SUSPEND_RESUME			0x0002u
#define THREAD_ALERT				0x0004u
#define THREAD_GET_CONTEXT			0x0008u
#define THREAD_SET_CONTEXT			0x0010u
#define THREAD_SET_INFORMATION			0x0020u
#define THREAD_QUERY_INFORMATION		0x0040u
#define THREAD_SET_THREAD_TOKEN			0x0080u
#define THREAD_IMPERSONATE			0x0100u
#define THREAD_DIRECT_IMPERSONATION		0x0200u
#define THREAD_SET_LIMITED_INFORMATION		0x0400u
#define THREAD_QUERY_LIMITED_INFORMATION	0x0800u
#define THREAD_RESUME				0x1000u
#define THREAD_ALL_ACCESS	(STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFFu)

/*
 * The rights that need no ptrace access: what /proc/<pid>/stat and pidfds
 * give anyone (and kill(2)'s own rules for NtTerminateProcess, which the
 * signal code checks again).
 */
#define PROCESS_FREE_RIGHTS	(SYNCHRONIZE | READ_CONTROL | \
				 PROCESS_QUERY_LIMITED_INFORMATION)
#define THREAD_FREE_RIGHTS	(SYNCHRONIZE | READ_CONTROL | \
				 THREAD_QUERY_LIMITED_INFORMATION)
/* The rights PTRACE_MODE_READ grants, as /proc/<pid>/stat's full fields. */
#define PROCESS_READ_RIGHTS	(PROCESS_FREE_RIGHTS | PROCESS_QUERY_INFORMATION)
#define THREAD_READ_RIGHTS	(THREAD_FREE_RIGHTS | THREAD_QUERY_INFORMATION)
/* Everything else needs PTRACE_MODE_ATTACH, as /proc/<pid>/mem does. */

/* The PROCESSINFOCLASS and THREADINFOCLASS values served, Windows' own. */
#define ProcessBasicInformation		0
#define ProcessQuotaLimits		1
#define ProcessVmCounters		3
#define ProcessTimes			4
#define ProcessHandleCount		20
#define ProcessImageFileName		27
#define ProcessBasePriority		5
#define ProcessPriorityClass		18
#define ProcessAffinityMask		21
#define ThreadBasicInformation		0
#define ThreadTimes			1
#define ThreadPriority			2
#define ThreadBasePriority		3
#define ThreadAffinityMask		4
#define ThreadQuerySetWin32StartAddress	9
#define ThreadIsTerminated		20
#define ThreadSuspendCount		35

/* QUOTA_LIMITS_EX; QUOTA_LIMITS is its first 48 bytes. */
struct nt_quota_limits_ex {
	u64 paged_pool_limit;
	u64 non_paged_pool_limit;
	u64 minimum_working_set_size;
	u64 maximum_working_set_size;
	u64 pagefile_limit;
	s64 time_limit;
	u64 working_set_limit;
	u64 reserved2;
	u64 reserved3;
	u64 reserved4;
	u32 flags;
	u32 cpu_rate_limit;
};
static_assert(sizeof(struct nt_quota_limits_ex) == 88);
#define NT_QUOTA_LIMITS_SIZE	48

#define PROCESS_PRIORITY_CLASS_IDLE		1
#define PROCESS_PRIORITY_CLASS_NORMAL		2
#define PROCESS_PRIORITY_CLASS_HIGH		3
#define PROCESS_PRIORITY_CLASS_REALTIME		4
#define PROCESS_PRIORITY_CLASS_BELOW_NORMAL	5
#define PROCESS_PRIORITY_CLASS_ABOVE_NORMAL	6
#define THREAD_BASE_PRIORITY_LOWRT		15
#define THREAD_BASE_PRIORITY_IDLE		(-15)

/* Job access rights, limits, messages and classes, Windows' values. */
#define JOB_OBJECT_ASSIGN_PROCESS		0x0001u
#define JOB_OBJECT_SET_ATTRIBUTES		0x0002u
#define JOB_OBJECT_QUERY			0x0004u
#define JOB_OBJECT_TERMINATE			0x0008u
#define JOB_OBJECT_SET_SECURITY_ATTRIBUTES	0x0010u
#define JOB_OBJECT_IMPERSONATE			0x0020u
#define JOB_OBJECT_ALL_ACCESS	(STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3Fu)

#define JOB_OBJECT_LIMIT_WORKINGSET			0x00000001u
#define JOB_OBJECT_LIMIT_PROCESS_TIME			0x00000002u
#define JOB_OBJECT_LIMIT_JOB_TIME			0x00000004u
#define JOB_OBJECT_LIMIT_ACTIVE_PROCESS			0x00000008u
#define JOB_OBJECT_LIMIT_AFFINITY			0x00000010u
#define JOB_OBJECT_LIMIT_PRIORITY_CLASS			0x00000020u
#define JOB_OBJECT_LIMIT_PRESERVE_JOB_TIME		0x00000040u
#define JOB_OBJECT_LIMIT_SCHEDULING_CLASS		0x00000080u
/* JOBOBJECT_BASIC_LIMIT_INFORMATION.SchedulingClass: 0..9, 5 by default. */
#define PS_JOB_SCHEDULING_CLASSES			10
#define PS_JOB_SCHEDULING_CLASS_DEFAULT			5
#define JOB_OBJECT_LIMIT_PROCESS_MEMORY			0x00000100u
#define JOB_OBJECT_LIMIT_JOB_MEMORY			0x00000200u
#define JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION	0x00000400u
#define JOB_OBJECT_LIMIT_BREAKAWAY_OK			0x00000800u
#define JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK		0x00001000u
#define JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE		0x00002000u
#define JOB_OBJECT_LIMIT_SUBSET_AFFINITY		0x00004000u
#define JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS		0x000000FFu
#define JOB_OBJECT_EXTENDED_LIMIT_VALID_FLAGS		0x00007FFFu

#define JOB_OBJECT_TERMINATE_AT_END_OF_JOB		0
#define JOB_OBJECT_POST_AT_END_OF_JOB			1

#define JOB_OBJECT_MSG_END_OF_JOB_TIME			1
#define JOB_OBJECT_MSG_END_OF_PROCESS_TIME		2
#define JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT		3
#define JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO		4
#define JOB_OBJECT_MSG_NEW_PROCESS			6
#define JOB_OBJECT_MSG_EXIT_PROCESS			7
#define JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS		8
#define JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT		9
#define JOB_OBJECT_MSG_JOB_MEMORY_LIMIT			10

#define JobObjectBasicAccountingInformation		1
#define JobObjectBasicLimitInformation			2
#define JobObjectBasicProcessIdList			3
#define JobObjectEndOfJobTimeInformation		6
#define JobObjectAssociateCompletionPortInformation	7
#define JobObjectBasicAndIoAccountingInformation	8
#define JobObjectExtendedLimitInformation		9
/* ntexec's own class: the job's cgroup v2 backing (jobcg.c). */
#define JobObjectNtxCgroupInformation			0x4e580001u

/* JOBOBJECT_NTX_CGROUP_INFORMATION.Flags: the files the job drives. */
#define JOB_OBJECT_NTX_CGROUP_MEMORY			0x00000001u
#define JOB_OBJECT_NTX_CGROUP_PIDS			0x00000002u
#define JOB_OBJECT_NTX_CGROUP_CPU			0x00000004u
#define JOB_OBJECT_NTX_CGROUP_VALID			0x00000007u

/**
 * struct nt_job_cgroup_info - JOBOBJECT_NTX_CGROUP_INFORMATION
 * @cgroup_fd: set: a cgroup v2 directory's descriptor, or -1 to end the
 *	backing; query: -1
 * @cgroup_id: query: the cgroup's id, 0 for none; set: 0
 * @flags: JOB_OBJECT_NTX_CGROUP_*
 * @cpu_rate: with _CPU, 1 to 10000: 1/100 % of all CPUs (as CpuRate of
 *	JOBOBJECT_CPU_RATE_CONTROL_INFORMATION); else 0
 * @pids_max: with _PIDS, the tasks the cgroup may hold; else 0
 */
struct nt_job_cgroup_info {
	s64 cgroup_fd;
	u64 cgroup_id;
	u32 flags;
	u32 cpu_rate;
	u64 pids_max;
};

struct ps_job_cgroup;
ntstatus_t ps_job_cgroup_open(const struct nt_job_cgroup_info *req, struct ps_job_cgroup **out);
void ps_job_cgroup_free(struct ps_job_cgroup *cg);
ntstatus_t ps_job_cgroup_memory(struct ps_job_cgroup *cg, u64 bytes);
ntstatus_t ps_job_cgroup_limits(struct ps_job_cgroup *cg, u64 job_memory);
ntstatus_t ps_job_cgroup_attach(struct ps_job_cgroup *cg, struct pid *tgid);
void ps_job_cgroup_query(const struct ps_job_cgroup *cg, struct nt_job_cgroup_info *out);
u64 ps_job_cgroup_cpu_quota(u32 rate, unsigned int cpus);

struct ps_job;

extern const struct ob_type ps_process_type;
extern const struct ob_type ps_thread_type;

/**
 * struct ps_process - an NT process: one Linux thread group
 * @ob: object header; signaled when the thread group has exited
 * @pid: the thread group's struct pid (referenced)
 * @signal: the thread group's signal_struct: the key of the process table
 *	(never dereferenced). It outlives the group's last task's free probe,
 *	where the process leaves the table, and it survives execve.
 * @parent: the Linux parent's thread group when the process was adopted
 *	(referenced; may be NULL)
 * @node: in the process table until the thread group is reaped
 * @create_time: NT system time of the thread group's start
 * @handles: the handle table; emptied when the process runs a new program
 *	(ps_attach_mm()), closed at rundown
 * @rundown_work: closes the handle table after exit, then signals
 *	the process, in process context
 * @exec_work: empties the handle table after an execve
 * @attach_lock: serializes ps_attach_current()
 * @handles_mm_id: the address space (an id of ps_process_mm_id()) whose
 *	program owns @handles; under @attach_lock
 * @lock: protects the fields below
 * @exited: the exit is recorded; the fields of the exit are final
 * @exit_time: NT system time of the exit, 0 while alive
 * @exit_status: STATUS_PENDING while alive
 * @terminate_status: the status NtTerminateProcess asked for
 * @terminating: @terminate_status is valid
 * @rundown: run down (or adopted exited): no address space can be bound or
 *	get an NT space any more
 * @image_name: the executable's path when last seen, UTF-8 (kmalloc'ed;
 *	may be NULL); refreshed by queries while the process lives
 * @user_time: final user time in 100 ns units, once exited
 * @kernel_time: final kernel time in 100 ns units, once exited
 * @mm: the address space last seen (grabbed, not pinned), so that @mm_id
 *	names it alone; dropped at rundown
 * @mm_id: the id of @mm (ps_process_mm_id())
 * @mm_seq: changed (under @lock) around every change of @mm, @mm_id and
 *	@rundown, so that ps_process_mm_id() reads them without the lock when
 *	@mm is the address space it is asked about
 * @vm: the memory manager's part of the process (NT's MMSUPPORT)
 * @base_priority: the NT base priority of its threads (priority.c)
 * @priority_class: its PROCESS_PRIORITY_CLASS_* value
 * @stub: where the host stub was last mapped (ntps/stub.c), 0 for nowhere;
 *	checked against the VMA before each use
 * @peb: the PEB's address, 0 for none
 * @host: the process runs libntexec's host program (ntps/host.c)
 * @host_done: its last created thread ended: the host ends the process
 * @claimed: its creator has its handle
 * @created_live: threads NtCreateThreadEx made in it that have not exited
 * @host_wait: the host waits here for @host_done, its creator for @host
 * @job: its immediate job (referenced; set under the job's lock and @lock,
 *	changed only into a job nested under it, and kept after exit:
 *	membership stays visible), NULL for none (job.c)
 * @job_node: in the job's list of active processes while @job_active
 * @job_active: counted among the job's active processes
 * @exit_faults: page faults of the whole group, recorded at its exit
 * @exit_io: its I/O counters (IO_COUNTERS order), recorded at its exit
 * @job_memory_reported: a memory limit message was posted about it: NT
 *	posts one per process (PS_JOB_STATUS_LAST_REPORT_MEMORY); atomic bit 0
 * @job_slice: the slice its jobs' scheduling class gave its threads, ns
 *	(0: the kernel's default; under @lock; priority.c, job.c)
 *
 * References: the process table holds one until the thread group is reaped,
 * the rundown and exec works one each while queued,
 * every handle holds one, every ps_thread holds one, every /dev/ntexec
 * descriptor of the process holds one.
 */
struct ps_process {
	struct ob_object ob;
	struct pid *pid;
	const void *signal;
	struct pid *parent;
	struct hlist_node node;
	s64 create_time;
	struct ob_handle_table handles;
	struct work_struct rundown_work;
	struct work_struct exec_work;
	struct mutex attach_lock;
	u64 handles_mm_id;

	spinlock_t lock;
	bool exited;
	s64 exit_time;
	ntstatus_t exit_status;
	ntstatus_t terminate_status;
	bool terminating;
	bool rundown;
	char *image_name;
	u64 user_time;
	u64 kernel_time;
	struct mm_struct *mm;
	u64 mm_id;
	seqcount_spinlock_t mm_seq;
	struct mm_process vm;
	s32 base_priority;
	u8 priority_class;
	unsigned long stub;
	u64 peb;
	bool host;
	bool host_done;
	bool claimed;
	u32 created_live;
	wait_queue_head_t host_wait;
	struct ps_job *job;
	struct list_head job_node;
	bool job_active;
	u64 exit_faults;
	u64 exit_io[6];
	unsigned long job_memory_reported;
	u64 job_slice;
};

/**
 * struct ps_suspend - a thread's suspend state (the state machine of
 *	ntps/state.c; pure, so KUnit drives it)
 * @count: the NT suspend count (0..MAXIMUM_SUSPEND_COUNT)
 * @by_process: how much of @count NtSuspendProcess added, so that
 *	NtResumeProcess takes back exactly that
 * @holds: context operations of other threads in progress: they keep the
 *	thread parked without changing its NT count
 * @queued: the park work is queued or running
 * @parked: the thread is in the park: its user registers are in pt_regs
 *	and its FPU state in memory, and it runs no user code
 */
struct ps_suspend {
	u8 count;
	u8 by_process;
	u32 holds;
	bool queued;
	bool parked;
};

#define MAXIMUM_SUSPEND_COUNT		0x7F

/* NtCreateProcessEx's Flags, Windows' values. */
#define PROCESS_CREATE_FLAGS_BREAKAWAY			0x00000001u
#define PROCESS_CREATE_FLAGS_NO_DEBUG_INHERIT		0x00000002u
#define PROCESS_CREATE_FLAGS_INHERIT_HANDLES		0x00000004u

/* NtCreateThreadEx's CreateFlags, Windows' values. */
#define THREAD_CREATE_FLAGS_CREATE_SUSPENDED		0x00000001u
#define THREAD_CREATE_FLAGS_SKIP_THREAD_ATTACH		0x00000002u
#define THREAD_CREATE_FLAGS_HIDE_FROM_DEBUGGER		0x00000004u
#define THREAD_CREATE_FLAGS_LOADER_WORKER		0x00000010u
#define THREAD_CREATE_FLAGS_SKIP_LOADER_INIT		0x00000020u
#define THREAD_CREATE_FLAGS_BYPASS_PROCESS_FREEZE	0x00000040u

ntstatus_t ps_suspend_inc(struct ps_suspend *s, bool by_process, u32 *previous,
			  bool *queue);
u32 ps_suspend_dec(struct ps_suspend *s, bool by_process);
bool ps_suspend_wanted(const struct ps_suspend *s);
bool ps_suspend_hold(struct ps_suspend *s);
void ps_suspend_unhold(struct ps_suspend *s);
bool ps_park_enter(struct ps_suspend *s, bool exiting);
bool ps_park_leave(struct ps_suspend *s, bool fatal);

/**
 * struct ps_thread - an NT thread: one Linux thread
 * @ob: object header; signaled when the thread has exited
 * @task: the Linux thread (referenced for the object's life): the key of
 *	the thread table, and what thread services act on. A thread that
 *	execs from outside the group leader takes the leader's pid but stays
 *	this task, so the object follows it.
 * @pid: the thread's struct pid when it was adopted (referenced): its id
 *	once the task is gone (ps_thread_id())
 * @process: its process (referenced)
 * @node: in the thread table until the thread is reaped
 * @create_time: NT system time of the thread's start
 * @alert: alert flag and user APCs (ntps/apc.c), for alertable waits
 * @lock: protects the fields below
 * @exited: the exit is recorded; the fields of the exit are final
 * @exit_time: NT system time of the exit, 0 while alive
 * @exit_status: STATUS_PENDING while alive
 * @terminate_status: the status NtTerminateThread asked for
 * @terminating: @terminate_status is valid
 * @user_time: final user time in 100 ns units, once exited
 * @kernel_time: final kernel time in 100 ns units, once exited
 * @exception_code: the NT exception behind the thread's last SIGSEGV from
 *	the module's memory (0: none since it was last read)
 * @exception_access: its access: 0 read, 1 write, 8 execute
 * @exception_address: its address
 * @priority: a priority NtSetInformationThread(ThreadPriority) set, until
 *	the process's base changes; 0 for none (priority.c)
 * @priority_increment: its base priority's increment over the process's
 * @win32_start_address: ThreadQuerySetWin32StartAddress
 * @breakaway: the next process this thread starts leaves its job
 *	(NtCreateProcessEx's PROCESS_CREATE_FLAGS_BREAKAWAY, job.c)
 * @suspend: suspend count and park state (ntps/state.c); under @lock
 * @suspend_wait: the parked thread waits here for its counts to drop to
 *	zero, context callers for it to park; its lock is a leaf
 * @park_work: the park task_work (ntps/state.c); queued at most once at a
 *	time (@suspend.queued), holding a reference to the thread and one to
 *	the module while queued or running
 * @context_lock: held across a context read or write of the parked thread,
 *	and by the thread itself to leave the park: while a holder sees
 *	@suspend.parked, the thread stays in the park
 * @clone: an NtCreateThreadEx request this thread hosts (ntps/stub.c)
 * @remote: services of the memory manager queued to run in the thread and
 *	not ended (ntmm/remote.c): the park lets it go for them (they are in
 *	its task_work list), and they park it again
 * @serve: a service of the stub is queued: the park lets the thread go
 * @created: NtCreateThreadEx made the thread (it runs on module memory)
 * @exit_queued: the exit work is queued: the thread goes to exit(2)
 * @teb: its TEB (ThreadBasicInformation.TebBaseAddress), 0 for none
 * @teb_owned: its TEB while the thread owns it (freed at its exit)
 * @stack_owned: the reservation of its stack, likewise
 * @stack_top: its stack's top (TEB StackBase)
 * @stack_limit: its committed stack's bottom, for the TEB's StackLimit
 * @limit_work: writes @stack_limit to the TEB on the way back to user mode;
 *	queued at most once (@limit_queued)
 * @limit_queued: @limit_work is queued
 * @exit_work: sends the thread to the stub's exit(2) (ntps/stub.c)
 */
struct ps_thread {
	struct ob_object ob;
	struct task_struct *task;
	struct pid *pid;
	struct ps_process *process;
	struct hlist_node node;
	s64 create_time;
	struct ob_alert alert;

	spinlock_t lock;
	bool exited;
	s64 exit_time;
	ntstatus_t exit_status;
	ntstatus_t terminate_status;
	bool terminating;
	u64 user_time;
	u64 kernel_time;
	u32 exception_code;
	u32 exception_access;
	unsigned long exception_address;
	s32 priority;
	s32 priority_increment;
	u64 win32_start_address;
	bool breakaway;

	struct ps_suspend suspend;
	wait_queue_head_t suspend_wait;
	struct callback_head park_work;
	struct mutex context_lock;

	struct ps_clone *clone;
	bool serve;
	u32 remote;
	bool created;
	bool exit_queued;
	u64 teb;
	u64 teb_owned;
	u64 stack_owned;
	u64 stack_top;
	u64 stack_limit;
	struct callback_head limit_work;
	bool limit_queued;
	struct callback_head exit_work;
};

static inline struct ps_process *to_process(struct ob_object *obj)
{
	return container_of(obj, struct ps_process, ob);
}

static inline struct ps_thread *to_thread(struct ob_object *obj)
{
	return container_of(obj, struct ps_thread, ob);
}

/*
 * The exit status of a process a job limit ends: NT's job code terminates
 * with the Win32 error ERROR_NOT_ENOUGH_QUOTA, not an NTSTATUS.
 */
#define PS_EXIT_NOT_ENOUGH_QUOTA	1816

/**
 * ps_mark_terminating() - record the status a process ends with
 * @process: the process; its lock held
 * @status: the status, recorded unless one already is
 *
 * Return: true when this call recorded it (the process was not already
 * terminating).
 */
static inline bool ps_mark_terminating(struct ps_process *process, ntstatus_t status)
{
	lockdep_assert_held(&process->lock);
	if (process->terminating)
		return false;
	process->terminating = true;
	process->terminate_status = status;
	return true;
}

static inline void ps_dereference_process(struct ps_process *p)
{
	ob_dereference(&p->ob);
}

static inline void ps_dereference_thread(struct ps_thread *t)
{
	ob_dereference(&t->ob);
}

extern const struct mm_ops ps_mm_ops;

int ps_init(void);
void ps_exit(void);
int ps_access_init(void);
void ps_access_exit(void);

struct ps_process *ps_get_process(struct pid *tgid);
struct ps_thread *ps_get_thread(struct pid *pid);
struct ps_process *ps_current_process(void);
struct ps_thread *ps_current_thread(void);
void ps_attach_current(struct ps_process *process);
void ps_attach_mm(struct ps_process *process, struct mm_struct *mm, bool claim);
u64 ps_process_mm_id(struct ps_process *process, struct mm_struct *mm);
struct task_struct *ps_mm_thread(struct ps_process *process,
				 struct mm_struct **mm);
pid_t ps_thread_id(struct ps_thread *thread, struct pid_namespace *ns);
long ps_object_count(void);

ntstatus_t ps_reference_object(struct ps_process *caller, u64 handle,
			       const struct ob_type *type, u32 desired,
			       struct ob_object **obj, struct ob_handle_info *info);
ntstatus_t ps_reference_process(struct ps_process *caller, u64 handle, u32 desired,
				struct ps_process **process);
ntstatus_t ps_reference_process_mm(struct ps_process *caller, u64 handle,
				   u32 desired, struct ps_process **process,
				   struct mm_struct **mm);
ntstatus_t ps_reference_thread(struct ps_process *caller, u64 handle, u32 desired,
			       struct ps_thread **thread);
bool ps_may_read(struct ps_process *process);

ntstatus_t ps_open_process(struct ps_process *caller, u64 pid_nr, u64 tid_nr,
			   u32 access, u32 attributes, u64 *handle);
ntstatus_t ps_open_thread(struct ps_process *caller, u64 pid_nr, u64 tid_nr,
			  u32 access, u32 attributes, u64 *handle);
ntstatus_t ps_duplicate_object(struct ps_process *caller, u64 source_process,
			       u64 source_handle, u64 target_process, u32 access,
			       u32 attributes, u32 options, u64 *target_handle);
ntstatus_t ps_terminate_process(struct ps_process *caller, u64 handle, u32 status);
ntstatus_t ps_terminate_thread(struct ps_process *caller, u64 handle, u32 status);
ntstatus_t ps_alert_thread(struct ps_process *caller, u64 handle);
struct ps_thread *ps_lookup_task_thread(struct task_struct *task);
int ps_process_threads(struct ps_process *process, struct pid ***out);

/* priority.c */
s32 ps_priority_of_nice(int nice);
int ps_nice_of_priority(s32 priority);
s32 ps_thread_base_priority(s32 process_base, s32 increment);
s32 ps_task_priority(struct task_struct *task);
ntstatus_t ps_set_process(struct ps_process *caller, u64 handle, u32 info_class,
			  const void *data, u32 length);
ntstatus_t ps_set_thread(struct ps_process *caller, u64 handle, u32 info_class,
			 const void *data, u32 length);
ntstatus_t ps_test_alert(void);
void ps_alert(struct ps_thread *thread);
ntstatus_t ps_queue_apc(struct ps_process *caller, u64 handle,
			const struct ntexec_apc *apc);
ntstatus_t ps_take_apcs(struct ntexec_apc *out, u32 capacity, u32 *count);
void ps_drop_apcs(struct ps_thread *thread);
ntstatus_t ps_get_next_process(struct ps_process *caller, u64 process, u32 access,
			       u32 attributes, u64 *handle);
ntstatus_t ps_get_next_thread(struct ps_process *caller, u64 process, u64 thread,
			      u32 access, u32 attributes, u64 *handle);

/* ntps/state.c: suspend and resume */
ntstatus_t ps_suspend_thread(struct ps_process *caller, u64 handle, u32 *previous);
ntstatus_t ps_resume_thread(struct ps_process *caller, u64 handle, bool alert,
			    u32 *previous);
ntstatus_t ps_suspend_process(struct ps_process *caller, u64 handle);
ntstatus_t ps_resume_process(struct ps_process *caller, u64 handle);
u32 ps_thread_suspend_count(struct ps_thread *thread);
void ps_thread_init_suspend(struct ps_thread *thread);
void ps_thread_exit_suspend(struct ps_thread *thread);
ntstatus_t ps_hold_parked(struct ps_thread *thread);
void ps_release_parked(struct ps_thread *thread);

bool ps_suspend_new(struct ps_thread *thread);
void ps_park_new(struct ps_thread *thread);
void ps_repark(struct ps_thread *thread);

/* ntps/stub.c: thread creation and termination through the host stub */
struct tracepoint;
int ps_stub_init(void);
int ps_stub_register(struct tracepoint *tp);
void ps_stub_exit_module(void);
void ps_stub_thread_exited(struct ps_thread *thread);
bool ps_thread_stack(unsigned long *bottom, unsigned long *top);
void ps_stack_sizes(u64 stack_size, u64 maximum, u64 *commit, u64 *reserve);
void ps_thread_stack_grown(unsigned long limit);
ntstatus_t ps_terminate_other(struct ps_thread *thread, u32 status);
bool ps_terminate_self(struct ps_thread *thread, u32 status);
ntstatus_t ps_create_thread(struct ps_process *caller, struct ntexec_create_thread *args,
			    u64 uargs, bool *answered);
ntstatus_t ps_insert_thread_handle(struct ps_process *caller, struct ps_thread *thread,
				   u32 access, u32 attributes, u64 bind, u64 *handle);

/* ntps/job.c: job objects */
struct ps_info;
extern const struct ob_type ps_job_type;
int ps_job_init(struct tracepoint *fork_tp);
void ps_job_stop(void);
void ps_job_exit(void);
struct ps_process *ps_peek_process(const void *signal);
void ps_job_exit_counters(struct ps_process *process, struct task_struct *task);
void ps_job_process_rundown(struct ps_process *process);
void ps_job_process_destroy(struct ps_process *process);
void ps_task_counters(struct task_struct *task, u64 *faults, u64 io[6]);
ntstatus_t ps_create_job(struct ps_job **out);
ntstatus_t ps_assign_job(struct ps_process *caller, u64 job, u64 process);
ntstatus_t ps_terminate_job(struct ps_process *caller, u64 job, u32 status);
ntstatus_t ps_is_process_in_job(struct ps_process *caller, u64 process, u64 job);
ntstatus_t ps_query_job(struct ps_process *caller, u64 job, u32 info_class, u32 length,
			struct ps_info *out, u32 *return_length);
ntstatus_t ps_set_job(struct ps_process *caller, u64 job, u32 info_class,
		      const void *data, u32 length);
long ps_job_count(void);
bool ps_job_abnormal(u32 status);
struct ob_object *ps_job_object(struct ps_job *job);
ntstatus_t ps_job_charge(struct ps_job *job, unsigned long pages, unsigned long committed,
			 bool join, struct ps_job *old, struct ps_job **over, u32 *msg);
void ps_job_uncharge(struct ps_job *job, unsigned long pages);
ntstatus_t ps_job_set_memory_limits(struct ps_job *job, u32 flags, u64 process_bytes,
				    u64 job_bytes);
ntstatus_t ps_job_set_basic_limits(struct ps_job *job, u32 flags, u32 priority_class,
				   u64 affinity, u32 scheduling_class);
void ps_job_effective_limits(struct ps_job *job, u32 *flags, u32 *class, u64 *affinity,
			     u32 *sched_class);
void ps_job_memory(struct ps_job *job, u64 *used, u64 *peak_process, u64 *peak_job);
bool ps_job_in_chain(struct ps_job *job, struct ps_job *ancestor);
ntstatus_t ps_job_nest(struct ps_job *child, struct ps_job *parent);
ntstatus_t ps_job_commit_charge(struct mm_process *mp, void *tag, unsigned long pages,
				unsigned long committed, bool join, void *old);
void ps_job_commit_uncharge(struct mm_process *mp, void *tag, unsigned long pages);
void *ps_job_quota_tag(struct mm_process *mp);
void ps_job_quota_tag_put(void *tag);
bool ps_job_priority_class(struct ps_process *process, u8 *class);
ntstatus_t ps_job_affinity(struct ps_process *process, u64 *mask);
ntstatus_t ps_job_arm_breakaway(struct ps_process *caller, bool arm);
void ps_job_thread_exited(struct ps_thread *thread);
void ps_job_thread_destroy(struct ps_thread *thread);
int ps_job_armed_threads(void);
void ps_job_quota_get(struct mm_process *mp);
void ps_job_quota_put(struct mm_process *mp);

/* ntps/kill.c */
ntstatus_t ps_kill_process(struct ps_process *process, u32 status);
bool ps_unkillable(struct ps_process *process);

/* ntps/priority.c, for a job's limits */
bool ps_valid_priority_class(u32 class);
ntstatus_t ps_apply_priority_class(struct ps_process *process, u8 class);
ntstatus_t ps_apply_process_affinity(struct ps_process *process, u64 mask);
bool ps_valid_affinity(u64 mask);
bool ps_priority_class_lower(u8 a, u8 b);
u64 ps_scheduling_class_slice(u32 class);
ntstatus_t ps_apply_process_slice(struct ps_process *process, u64 slice);
int ps_apply_task_slice(struct task_struct *task, u64 slice);

/* ntps/host.c: NtCreateProcessEx's empty process */
ntstatus_t ps_host(struct ps_process *caller, u32 *exit_code);
void ps_host_thread_exited(struct ps_thread *thread);
ntstatus_t ps_claim_host(struct ps_process *caller, u64 pid_nr, u32 access, u32 attributes,
			 u32 flags, u64 *handle);
ntstatus_t ps_insert_process_handle(struct ps_process *caller, struct ps_process *process,
				    u32 access, u32 attributes, u64 *handle);

/* ntps/context.c: NtGetContextThread, NtSetContextThread */
struct nt_context;
struct ps_xstate;
ntstatus_t ps_get_context(struct ps_process *caller, u64 handle,
			  struct nt_context *ctx, struct ps_xstate *xs);
ntstatus_t ps_set_context(struct ps_process *caller, u64 handle,
			  const struct nt_context *ctx, const struct ps_xstate *xs);

ntstatus_t ps_reference_thread_mm(struct ps_process *caller, u64 handle,
				  u32 desired, struct ps_thread **thread);

ntstatus_t ps_get_exception(struct ntexec_exception *exception);
ntstatus_t ps_status_from_exit_code(int code);
char *ps_image_name(struct pid *tgid);
void ps_group_times(struct task_struct *task, u64 *user, u64 *kernel);

/**
 * struct ps_info - an answer of NtQueryInformationProcess/Thread, in the
 *	Windows x64 layout, for the dispatch to copy out
 * @data: the answer: @fixed, or a kmalloc'ed one (ps_info_free())
 * @size: its bytes
 * @fixed: room for the fixed-size classes
 */
struct ps_info {
	void *data;
	u32 size;
	u64 fixed[12];
};

/* ntps/query.c */
ntstatus_t ps_query_process(struct ps_process *caller, u64 handle, u32 info_class,
			    u64 buffer, u32 length, struct ps_info *out,
			    u32 *return_length);
ntstatus_t ps_query_thread(struct ps_process *caller, u64 handle, u32 info_class,
			   u64 buffer, u32 length, struct ps_info *out);
void ps_info_free(struct ps_info *info);

/* Time in NT's units: 100 ns since 1601-01-01 (system time) or plain. */
#define PS_NT_EPOCH_OFFSET	116444736000000000LL
s64 ps_nt_time_from_boottime(u64 boottime_ns);
s64 ps_nt_system_time(void);

#endif /* _NTEXEC_PS_H */
