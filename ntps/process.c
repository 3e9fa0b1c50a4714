// SPDX-License-Identifier: GPL-2.0
/*
 * NT process and thread objects for Linux thread groups and threads.
 *
 * Adoption. A thread group becomes an NT process when it opens /dev/ntexec
 * or when another process opens it by CLIENT_ID; a thread becomes an NT
 * thread when it calls in or is opened. Both are found again in two hash
 * tables, which hold a reference until the Linux task is reaped, so a
 * zombie opened by CLIENT_ID is the same object that saw it run. A
 * fork()ed child is not in the tables, so it starts as a plain Linux
 * process and is adopted on its first call.
 *
 * Keys. A thread is keyed by its task_struct, which it references: a
 * thread that execs from outside the group leader swaps pids with the
 * leader (exchange_tids()), so a pid would name the wrong thread
 * afterwards. A process is keyed by its signal_struct, which lives as long
 * as any of its tasks and survives execve; the process holds no reference
 * to it and leaves the table at the free probe of the group's last leader,
 * before the signal_struct can go. Both keys are still valid when the
 * sched_process_free probe runs, unlike the task's pids, which are
 * detached by then.
 *
 * Exit. A probe on the sched_process_exit tracepoint (which runs in every
 * exiting task, after its mm is gone) records exit time and status of
 * exiting threads and signals them; the first exiting thread that sees the
 * whole group gone records the process's exit (exactly once) and queues a
 * work item that closes the handle table and then signals the process, as
 * NT closes a process's handles before the process is signaled. A probe on
 * sched_process_free (an RCU callback after the task was reaped) takes the
 * objects out of the tables. The objects live on while handles name them,
 * so exit status and times stay readable.
 *
 * Adoption races with exit and with reaping on the bucket locks. Adoption
 * reads the exit state (PF_EXITING, signal->live) under the lock and the exit
 * probe looks up under it, so an object inserted unexited is found by the
 * probe, and otherwise adoption records the exit itself. An exit is
 * recorded once, by whichever comes first. Adoption also checks, under the
 * lock and inside an RCU read section, that the task is still attached to
 * its pid before it inserts; the free probe runs a grace period after the
 * task was detached and looks up under the same lock, so every inserted
 * object is found by it.
 *
 * Programs. A process outlives execve (its pid and signal_struct do), but
 * what the old program held must not reach the new one: handles and
 * rights are tied to the address space they were made in or granted on,
 * by ids of ps_process_mm_id(). A new program's first open of the device
 * empties the handle table (ps_attach_current()); a handle's rights on a
 * process are checked again when the process runs a new program
 * (ps_reference_process_mm(), ntps/open.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/binfmts.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <kunit/visibility.h>

#include "../ntob/compat.h"
#include "../ntob/event.h"
#include "ps.h"

#define PS_HASH_BITS	10

struct ps_bucket {
	spinlock_t lock;
	struct hlist_head head;
};

static struct ps_bucket ps_processes[1 << PS_HASH_BITS];
static struct ps_bucket ps_threads[1 << PS_HASH_BITS];
static struct workqueue_struct *ps_wq;
static struct tracepoint *ps_exit_tp;
static struct tracepoint *ps_free_tp;
static struct tracepoint *ps_exec_tp;
static struct tracepoint *ps_fork_tp;
static atomic64_t ps_mm_ids = ATOMIC64_INIT(0);

/* Process and thread objects alive, for tests and leak hunting. */
static atomic_long_t ps_objects = ATOMIC_LONG_INIT(0);

static int ps_param_get_objects(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%ld\n", atomic_long_read(&ps_objects));
}

static const struct kernel_param_ops ps_objects_ops = {
	.get = ps_param_get_objects,
};
module_param_cb(objects, &ps_objects_ops, NULL, 0444);
MODULE_PARM_DESC(objects, "NT process and thread objects alive");

long ps_object_count(void)
{
	return atomic_long_read(&ps_objects);
}
EXPORT_SYMBOL_IF_KUNIT(ps_object_count);

static void ps_process_destroy(struct ob_object *obj);
static void ps_thread_destroy(struct ob_object *obj);
static void ps_process_exec_work(struct work_struct *work);

const struct ob_type ps_process_type = {
	.name = "Process",
	.valid_access = PROCESS_ALL_ACCESS,
	.generic = { 0x00020410, 0x00020bea, 0x00121001, PROCESS_ALL_ACCESS },
	.destroy = ps_process_destroy,
	/* Never named, nothing at the last handle. */
	.uncounted = true,
};
EXPORT_SYMBOL_IF_KUNIT(ps_process_type);

const struct ob_type ps_thread_type = {
	.name = "Thread",
	.valid_access = THREAD_ALL_ACCESS,
	.generic = { 0x00020048, 0x00020037, 0x00121800, THREAD_ALL_ACCESS },
	.destroy = ps_thread_destroy,
	/* Never named, nothing at the last handle. */
	.uncounted = true,
};
EXPORT_SYMBOL_IF_KUNIT(ps_thread_type);

s64 ps_nt_system_time(void)
{
	return div_s64(ktime_get_real_ns(), 100) + PS_NT_EPOCH_OFFSET;
}
EXPORT_SYMBOL_IF_KUNIT(ps_nt_system_time);

s64 ps_nt_time_from_boottime(u64 boottime_ns)
{
	s64 real = ktime_get_real_ns() - ktime_get_boottime_ns() + boottime_ns;

	return div_s64(real, 100) + PS_NT_EPOCH_OFFSET;
}

static struct ps_bucket *ps_bucket(struct ps_bucket *table, const void *key)
{
	return &table[hash_ptr(key, PS_HASH_BITS)];
}

/*
 * The NT exit status of a Linux exit code: exit(n) gives n; a death by
 * signal gives the NT exception status for the crash signals, and
 * 128 + signal number (what a shell reports) for the others.
 */
ntstatus_t ps_status_from_exit_code(int code)
{
	int sig = code & 0x7f;

	if (!sig)
		return (code >> 8) & 0xff;
	switch (sig) {
	case SIGSEGV:
		return STATUS_ACCESS_VIOLATION;
	case SIGBUS:
		return STATUS_IN_PAGE_ERROR;
	case SIGILL:
		return STATUS_ILLEGAL_INSTRUCTION;
	case SIGFPE:
		return STATUS_INTEGER_DIVIDE_BY_ZERO;
	case SIGINT:
		return STATUS_CONTROL_C_EXIT;
	default:
		return 128 + sig;
	}
}
EXPORT_SYMBOL_IF_KUNIT(ps_status_from_exit_code);

static int ps_task_exit_code(struct task_struct *task)
{
	struct signal_struct *sig = task->signal;

	return (sig->flags & SIGNAL_GROUP_EXIT) ? sig->group_exit_code : task->exit_code;
}

static void ps_task_times(struct task_struct *task, u64 *user, u64 *kernel)
{
	u64 ut, st;

	task_cputime_adjusted(task, &ut, &st);
	*user = div_u64(ut, 100);
	*kernel = div_u64(st, 100);
}

/**
 * ps_group_times() - CPU time of a whole thread group, in 100 ns units
 * @task: any thread of the group
 * @user: out: user time
 * @kernel: out: kernel time
 *
 * The live threads' times plus what the group's ended threads left in its
 * signal struct.
 */
void ps_group_times(struct task_struct *task, u64 *user, u64 *kernel)
{
	struct task_struct *t;
	u64 ut = 0, st = 0;

	rcu_read_lock();
	for_each_thread(task, t) {
		u64 u, s;

		task_cputime_adjusted(t, &u, &s);
		ut += u;
		st += s;
	}
	ut += task->signal->utime;
	st += task->signal->stime;
	rcu_read_unlock();
	*user = div_u64(ut, 100);
	*kernel = div_u64(st, 100);
}

/**
 * ps_image_name() - the path of a thread group's executable
 * @tgid: the thread group
 *
 * Read from its address space, so it needs no rights beyond the handle's
 * and follows execve().
 *
 * Return: a kmalloc'ed path, or NULL once the address space is gone.
 */
char *ps_image_name(struct pid *tgid)
{
	struct task_struct *task = get_pid_task(tgid, PIDTYPE_TGID);
	struct mm_struct *mm = task ? get_task_mm(task) : NULL;
	struct file *exe = mm ? ntx_get_mm_exe_file(mm) : NULL;
	char *buf, *name, *ret = NULL;

	if (mm)
		mmput(mm);
	if (task)
		put_task_struct(task);
	if (!exe)
		return NULL;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (buf) {
		name = d_path(&exe->f_path, buf, PATH_MAX);
		if (!IS_ERR(name))
			ret = kstrdup(name, GFP_KERNEL);
		kfree(buf);
	}
	fput(exe);
	return ret;
}

/* No address space can be bound any more; the last one seen is let go. */
static void ps_process_end_mm(struct ps_process *process)
{
	struct mm_struct *mm;

	spin_lock(&process->lock);
	write_seqcount_begin(&process->mm_seq);
	process->rundown = true;
	mm = process->mm;
	process->mm = NULL;
	write_seqcount_end(&process->mm_seq);
	spin_unlock(&process->lock);
	if (mm)
		mmdrop(mm);
}

static void ps_process_rundown(struct work_struct *work)
{
	struct ps_process *process = container_of(work, struct ps_process, rundown_work);

	ps_process_end_mm(process);
	mm_process_rundown(&process->vm);
	ob_close_handle_table(&process->handles);
	/* Its job counts it out (and posts its messages) before waiters wake. */
	ps_job_process_rundown(process);
	ob_signal(&process->ob);
	/* The reference the exit probe took for this work. */
	ps_dereference_process(process);
}

static void ps_process_destroy(struct ob_object *obj)
{
	struct ps_process *process = to_process(obj);

	/*
	 * Every path closed the table before (rundown, an exited adoption, a
	 * lost adoption race, module exit); this may run in the free probe's
	 * softirq, where the table's lock may not be taken.
	 */
	WARN_ON_ONCE(!process->handles.closed || process->handles.count);
	WARN_ON_ONCE(process->vm.space);
	WARN_ON_ONCE(process->mm);
	ps_job_process_destroy(process);
	kfree(process->image_name);
	put_pid(process->parent);
	put_pid(process->pid);
	atomic_long_dec(&ps_objects);
	kfree_rcu(process, ob.rcu);
}

static void ps_thread_destroy(struct ob_object *obj)
{
	struct ps_thread *thread = to_thread(obj);

	ps_drop_apcs(thread);
	/* An exit record disarmed it already; one never recorded (rmmod). */
	ps_job_thread_destroy(thread);
	ps_dereference_process(thread->process);
	put_pid(thread->pid);
	/* May be the last reference, from the free probe's RCU callback. */
	put_task_struct(thread->task);
	atomic_long_dec(&ps_objects);
	kfree_rcu(thread, ob.rcu);
}

/* The process keyed @signal, referenced; the caller holds the RCU read lock. */
static struct ps_process *ps_find_process(const void *signal)
{
	struct ps_bucket *b = ps_bucket(ps_processes, signal);
	struct ps_process *process;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "needs the RCU read lock");
	hlist_for_each_entry_rcu(process, &b->head, node)
		if (process->signal == signal &&
		    ob_reference_unless_zero(&process->ob))
			return process;
	return NULL;
}

static struct ps_thread *ps_find_thread(struct task_struct *task)
{
	struct ps_bucket *b = ps_bucket(ps_threads, task);
	struct ps_thread *thread;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "needs the RCU read lock");
	hlist_for_each_entry_rcu(thread, &b->head, node)
		if (thread->task == task && ob_reference_unless_zero(&thread->ob))
			return thread;
	return NULL;
}

/**
 * ps_peek_process() - the process object of a thread group, if it has one
 * @signal: the group's signal_struct (the table's key)
 *
 * Never adopts, so it serves atomic context (the fork probes).
 *
 * Return: the process (a reference), or NULL.
 */
struct ps_process *ps_peek_process(const void *signal)
{
	struct ps_process *process;

	rcu_read_lock();
	process = ps_find_process(signal);
	rcu_read_unlock();
	return process;
}

/**
 * ps_lookup_task_thread() - the thread object of a task, if it has one
 * @task: a task (referenced by the caller)
 *
 * Return: the thread (a reference), or NULL: never adopted.
 */
struct ps_thread *ps_lookup_task_thread(struct task_struct *task)
{
	struct ps_thread *thread;

	rcu_read_lock();
	thread = ps_find_thread(task);
	rcu_read_unlock();
	return thread;
}

static struct ps_process *ps_lookup_process(struct pid *tgid)
{
	struct ps_process *process = NULL;
	struct task_struct *task;

	rcu_read_lock();
	task = pid_task(tgid, PIDTYPE_TGID);
	if (task)
		process = ps_find_process(task->signal);
	rcu_read_unlock();
	return process;
}

static struct ps_thread *ps_lookup_thread(struct pid *pid)
{
	struct ps_thread *thread = NULL;
	struct task_struct *task;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_PID);
	if (task)
		thread = ps_find_thread(task);
	rcu_read_unlock();
	return thread;
}

/*
 * Events (ntob/event.h): an object's creation is its adoption, the first
 * time any call names the Linux task; its exit is the recorded one, once.
 */
static void ps_event_process(struct ps_process *process, struct task_struct *task,
			     u8 cmd)
{
	struct ntx_event_info info = {
		.cmd = cmd, .group = NTEXEC_GROUP_PROCESS, .subject = task,
		.process = process->pid,
	};

	if (!ntx_event_wanted(NTEXEC_GROUP_PROCESS))
		return;
	if (cmd == NTEXEC_CMD_PROCESS_CREATE) {
		info.parent = process->parent;
		info.creator = current;
		info.time = process->create_time;
		info.name = process->image_name;
	} else {
		info.status = process->exit_status;
		info.time = process->exit_time;
	}
	ntx_event_send(&info);
}

static void ps_event_thread(struct ps_thread *thread, u8 cmd)
{
	struct ntx_event_info info = {
		.cmd = cmd, .group = NTEXEC_GROUP_THREAD, .subject = thread->task,
		.process = thread->process->pid, .thread = thread->pid,
	};

	if (!ntx_event_wanted(NTEXEC_GROUP_THREAD))
		return;
	if (cmd == NTEXEC_CMD_THREAD_CREATE) {
		info.creator = current;
		info.time = thread->create_time;
	} else {
		info.status = thread->exit_status;
		info.time = thread->exit_time;
	}
	ntx_event_send(&info);
}

/*
 * Record an exit seen at adoption (a zombie) or by the probe, in @task, a
 * task of the group. Return: true for the first record, whose caller closes
 * the handle table and signals.
 */
static bool ps_process_exited(struct ps_process *process, struct task_struct *task,
			      ntstatus_t status, s64 now, u64 user, u64 kernel)
{
	bool first;

	spin_lock(&process->lock);
	first = !process->exited;
	if (first) {
		process->exited = true;
		process->exit_status = process->terminating ?
				       process->terminate_status : status;
		process->exit_time = now;
		process->user_time = user;
		process->kernel_time = kernel;
	}
	spin_unlock(&process->lock);
	/* A creator waiting for its host (ntps/host.c) gives up. */
	if (first) {
		wake_up_all(&process->host_wait);
		ps_event_process(process, task, NTEXEC_CMD_PROCESS_EXIT);
	}
	return first;
}

static void ps_thread_exited(struct ps_thread *thread, ntstatus_t status, s64 now,
			     u64 user, u64 kernel)
{
	struct ps_process *process = thread->process;
	bool first;

	/* A thread of a terminated process ends with the process's status. */
	spin_lock(&process->lock);
	if (process->terminating)
		status = process->terminate_status;
	spin_unlock(&process->lock);

	spin_lock(&thread->lock);
	first = !thread->exited;
	if (first) {
		thread->exited = true;
		thread->exit_status = thread->terminating ?
				      thread->terminate_status : status;
		thread->exit_time = now;
		thread->user_time = user;
		thread->kernel_time = kernel;
	}
	spin_unlock(&thread->lock);
	if (first) {
		ps_event_thread(thread, NTEXEC_CMD_THREAD_EXIT);
		ob_signal(&thread->ob);
		ps_thread_exit_suspend(thread);
		ps_job_thread_exited(thread);
		ps_stub_thread_exited(thread);
		ps_drop_apcs(thread);
		if (thread->created)
			ps_host_thread_exited(thread);
	}
}

/* The id of the parent's thread group, if the task is still attached. */
static struct pid *ps_parent_tgid(struct task_struct *task)
{
	struct pid *parent = NULL;

	rcu_read_lock();
	if (pid_alive(task))
		parent = get_pid(task_tgid(rcu_dereference(task->real_parent)));
	rcu_read_unlock();
	return parent;
}

/**
 * ps_get_process() - the NT process of a thread group, adopting it if new
 * @tgid: the thread group's struct pid
 *
 * Return: a referenced process, or NULL when the thread group is gone or
 * memory is short. A thread group that has exited but is not yet reaped
 * gives a process that is already signaled.
 */
struct ps_process *ps_get_process(struct pid *tgid)
{
	struct ps_process *process, *other;
	struct task_struct *task;
	struct ps_bucket *b;
	bool exited;

	process = ps_lookup_process(tgid);
	if (process)
		return process;

	task = get_pid_task(tgid, PIDTYPE_TGID);
	if (!task)
		return NULL;
	process = kzalloc(sizeof(*process), GFP_KERNEL_ACCOUNT);
	if (!process) {
		put_task_struct(task);
		return NULL;
	}
	atomic_long_inc(&ps_objects);
	ob_init_object(&process->ob, &ps_process_type);
	process->pid = get_pid(tgid);
	mm_process_init(&process->vm, process->pid);
	init_waitqueue_head(&process->host_wait);
	INIT_LIST_HEAD(&process->job_node);
	process->signal = task->signal;
	process->parent = ps_parent_tgid(task);
	process->create_time = ps_nt_time_from_boottime(task->start_boottime);
	ob_init_handle_table(&process->handles);
	INIT_WORK(&process->rundown_work, ps_process_rundown);
	INIT_WORK(&process->exec_work, ps_process_exec_work);
	mutex_init(&process->attach_lock);
	spin_lock_init(&process->lock);
	seqcount_spinlock_init(&process->mm_seq, &process->lock);
	process->exit_status = STATUS_PENDING;
	process->base_priority = ps_priority_of_nice(task_nice(task));
	process->priority_class = PROCESS_PRIORITY_CLASS_NORMAL;
	process->image_name = ps_image_name(tgid);

	b = ps_bucket(ps_processes, task->signal);
	rcu_read_lock();
	spin_lock_bh(&b->lock);
	other = ps_find_process(task->signal);
	if (other) {
		spin_unlock_bh(&b->lock);
		rcu_read_unlock();
		put_task_struct(task);
		ps_process_end_mm(process);
		ob_close_handle_table(&process->handles);
		ps_dereference_process(process);
		return other;
	}
	exited = !atomic_read(&task->signal->live);
	/*
	 * A reaped group will see no free probe: keep it out of the table.
	 * The leader may have changed (an execve by another thread): the key
	 * is the group's, not the leader's.
	 */
	if (pid_task(tgid, PIDTYPE_TGID)) {
		ob_reference(&process->ob);
		hlist_add_head_rcu(&process->node, &b->head);
	}
	spin_unlock_bh(&b->lock);
	rcu_read_unlock();
	ps_event_process(process, task, NTEXEC_CMD_PROCESS_CREATE);

	if (exited) {
		u64 user, kernel;

		/* The exit itself was not seen: its time is unknown, use now. */
		ps_group_times(task, &user, &kernel);
		if (ps_process_exited(process, task,
				      ps_status_from_exit_code(ps_task_exit_code(task)),
				      ps_nt_system_time(), user, kernel)) {
			ps_process_end_mm(process);
			ob_close_handle_table(&process->handles);
			ob_signal(&process->ob);
		}
	}
	put_task_struct(task);
	return process;
}
EXPORT_SYMBOL_IF_KUNIT(ps_get_process);

/**
 * ps_get_thread() - the NT thread of a Linux thread, adopting it if new
 * @pid: the thread's struct pid
 *
 * Return: a referenced thread, or NULL when the thread is gone or memory is
 * short.
 */
struct ps_thread *ps_get_thread(struct pid *pid)
{
	struct ps_thread *thread, *other;
	struct ps_process *process;
	struct task_struct *task;
	struct ps_bucket *b;
	bool exited;

	thread = ps_lookup_thread(pid);
	if (thread)
		return thread;

	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task)
		return NULL;
	process = ps_get_process(task_tgid(task));
	if (!process)
		goto out_task;
	thread = kzalloc(sizeof(*thread), GFP_KERNEL_ACCOUNT);
	if (!thread) {
		ps_dereference_process(process);
		goto out_task;
	}
	atomic_long_inc(&ps_objects);
	ob_init_object(&thread->ob, &ps_thread_type);
	/* The object's own reference; the lookup's is dropped below. */
	thread->task = get_task_struct(task);
	thread->pid = get_pid(pid);
	thread->process = process;
	thread->create_time = ps_nt_time_from_boottime(task->start_boottime);
	ob_init_alert(&thread->alert);
	spin_lock_init(&thread->lock);
	ps_thread_init_suspend(thread);
	thread->exit_status = STATUS_PENDING;

	b = ps_bucket(ps_threads, task);
	rcu_read_lock();
	spin_lock_bh(&b->lock);
	other = ps_find_thread(task);
	if (other) {
		spin_unlock_bh(&b->lock);
		rcu_read_unlock();
		put_task_struct(task);
		ps_dereference_thread(thread);
		return other;
	}
	/* PF_EXITING is set before the exit probe runs: see the top of this file. */
	exited = task->flags & PF_EXITING;
	if (pid_alive(task)) {
		ob_reference(&thread->ob);
		hlist_add_head_rcu(&thread->node, &b->head);
	}
	spin_unlock_bh(&b->lock);
	rcu_read_unlock();
	ps_event_thread(thread, NTEXEC_CMD_THREAD_CREATE);

	if (exited) {
		u64 user, kernel;

		ps_task_times(task, &user, &kernel);
		ps_thread_exited(thread, ps_status_from_exit_code(task->exit_code),
				 ps_nt_system_time(), user, kernel);
	}
	put_task_struct(task);
	return thread;

out_task:
	put_task_struct(task);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(ps_get_thread);

struct ps_process *ps_current_process(void)
{
	return ps_get_process(task_tgid(current));
}
EXPORT_SYMBOL_IF_KUNIT(ps_current_process);

struct ps_thread *ps_current_thread(void)
{
	return ps_get_thread(task_pid(current));
}
EXPORT_SYMBOL_IF_KUNIT(ps_current_thread);

/*
 * The memory manager's fault path tells the thread's last exception here
 * (struct mm_ops). It runs under the mmap lock: it looks the thread up and
 * adopts at most the thread itself (a fault on NT memory means the
 * process has NT memory, so its process object exists), never a process.
 */
static void ps_record_exception(u32 code, u32 access, unsigned long address)
{
	struct ps_thread *thread = ps_lookup_thread(task_pid(current));

	if (!thread) {
		struct ps_process *process = ps_lookup_process(task_tgid(current));

		if (!process)
			return;
		ps_dereference_process(process);
		thread = ps_current_thread();
		if (!thread)
			return;
	}
	spin_lock(&thread->lock);
	thread->exception_code = code;
	thread->exception_access = access;
	thread->exception_address = address;
	spin_unlock(&thread->lock);
	ps_dereference_thread(thread);
}

/*
 * A service of the memory manager for a thread's process runs in that
 * thread (ntmm/remote.c): a suspended thread leaves its park for it
 * (ps_served()) and parks again after it.
 */
enum { PS_REMOTE_QUEUED = 1, PS_REMOTE_DONE = 2 };

static void *ps_remote_get(struct task_struct *task)
{
	struct ps_thread *thread = ps_lookup_task_thread(task);

	/* One reference for ps_remote_queued(), one for ps_remote_done(). */
	if (thread)
		ob_reference(&thread->ob);
	return thread;
}

/*
 * @thread->remote counts the services queued and not ended: while it is not
 * zero the thread has such a work in its list, and its park lets it go.
 */
static void ps_remote_queued(void *cookie, u8 *state)
{
	struct ps_thread *thread = cookie;

	spin_lock(&thread->lock);
	if (!(*state & PS_REMOTE_DONE)) {
		*state |= PS_REMOTE_QUEUED;
		thread->remote++;
		wake_up_all(&thread->suspend_wait);
	}
	spin_unlock(&thread->lock);
	ps_dereference_thread(thread);
}

static void ps_remote_done(void *cookie, u8 *state, bool ran)
{
	struct ps_thread *thread = cookie;

	spin_lock(&thread->lock);
	*state |= PS_REMOTE_DONE;
	if ((*state & PS_REMOTE_QUEUED) && !WARN_ON_ONCE(!thread->remote))
		thread->remote--;
	spin_unlock(&thread->lock);
	if (ran)
		ps_repark(thread);
	else
		ps_dereference_thread(thread);	/* never queued */
	ps_dereference_thread(thread);
}

const struct mm_ops ps_mm_ops = {
	.exception = ps_record_exception,
	.stack = ps_thread_stack,
	.stack_grown = ps_thread_stack_grown,
	.remote_get = ps_remote_get,
	.remote_queued = ps_remote_queued,
	.remote_done = ps_remote_done,
	.commit_charge = ps_job_commit_charge,
	.commit_uncharge = ps_job_commit_uncharge,
	.quota_get = ps_job_quota_get,
	.quota_put = ps_job_quota_put,
	.quota_tag = ps_job_quota_tag,
	.quota_tag_put = ps_job_quota_tag_put,
};

/**
 * ps_get_exception() - read and clear the calling thread's last exception
 * @exception: filled in (all zero when there was none)
 *
 * Return: STATUS_SUCCESS, or STATUS_NO_MEMORY.
 */
ntstatus_t ps_get_exception(struct ntexec_exception *exception)
{
	struct ps_thread *thread = ps_current_thread();

	memset(exception, 0, sizeof(*exception));
	if (!thread)
		return STATUS_NO_MEMORY;
	spin_lock(&thread->lock);
	exception->code = thread->exception_code;
	exception->access = thread->exception_access;
	exception->address = thread->exception_address;
	thread->exception_code = 0;
	thread->exception_access = 0;
	thread->exception_address = 0;
	spin_unlock(&thread->lock);
	ps_dereference_thread(thread);
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_get_exception);

/**
 * ps_thread_id() - the id of a thread, as a namespace sees it
 * @thread: the thread
 * @ns: the pid namespace
 *
 * Its task's id while it has one (a thread that exec'd from outside the
 * leader has the leader's now), else the id it was adopted with.
 *
 * Return: the id, or 0 when @ns does not see the thread.
 */
pid_t ps_thread_id(struct ps_thread *thread, struct pid_namespace *ns)
{
	pid_t nr;

	rcu_read_lock();
	nr = pid_alive(thread->task) ? task_pid_nr_ns(thread->task, ns) : 0;
	rcu_read_unlock();
	return nr ?: pid_nr_ns(thread->pid, ns);
}

/**
 * ps_process_mm_id() - an id for a process's address space
 * @process: the process
 * @mm: an address space the process has (had) (referenced by the caller)
 *
 * The process keeps the last address space it was asked about (grabbed,
 * so no other can take its address) and a 64-bit id for it, new each time
 * the address space changes. An id thus names one address space of one
 * process, never another; a handle or a handle table that records the id
 * can tell whether the process runs a new program since.
 *
 * Takes no lock when @mm is the address space last seen (every call of a
 * process about itself, but the first after an execve): the fields are
 * read under @process->mm_seq.
 *
 * Return: the id (non-zero), or 0 after rundown.
 */
u64 ps_process_mm_id(struct ps_process *process, struct mm_struct *mm)
{
	struct mm_struct *old = NULL;
	bool known, rundown;
	unsigned int seq;
	u64 id;

	do {
		seq = read_seqcount_begin(&process->mm_seq);
		rundown = READ_ONCE(process->rundown);
		known = rundown || READ_ONCE(process->mm) == mm;
		id = rundown ? 0 : READ_ONCE(process->mm_id);
	} while (read_seqcount_retry(&process->mm_seq, seq));
	if (known)
		return id;

	id = 0;
	spin_lock(&process->lock);
	if (!process->rundown) {
		if (process->mm != mm) {
			old = process->mm;
			mmgrab(mm);
			write_seqcount_begin(&process->mm_seq);
			process->mm = mm;
			process->mm_id = atomic64_inc_return(&ps_mm_ids);
			write_seqcount_end(&process->mm_seq);
		}
		id = process->mm_id;
	}
	spin_unlock(&process->lock);
	if (old)
		mmdrop(old);
	return id;
}
EXPORT_SYMBOL_IF_KUNIT(ps_process_mm_id);

/*
 * Bind the handle table to the program running in @mm. A table of an older
 * program is emptied; one no program has claimed yet (handles duplicated
 * into a process before it first opened the device, a Windows pattern)
 * is claimed as it is when @claim, else left alone.
 */
void ps_attach_mm(struct ps_process *process, struct mm_struct *mm, bool claim)
{
	u64 id = ps_process_mm_id(process, mm);

	mutex_lock(&process->attach_lock);
	if (id && id != process->handles_mm_id &&
	    (claim || process->handles_mm_id)) {
		if (process->handles_mm_id)
			ob_empty_handle_table(&process->handles);
		process->handles_mm_id = id;
	}
	mutex_unlock(&process->attach_lock);
}

/**
 * ps_attach_current() - bind the calling process's handle table to its program
 * @process: the caller's process
 *
 * Called when the process opens the device. The first open by a new
 * program (after execve) closes the old program's handles, if the exec
 * probe's work has not closed them yet: Linux closes what is O_CLOEXEC,
 * and an NT program never inherits another's handle table. Serialized, so
 * a second thread's open cannot close what the first has created
 * meanwhile.
 */
void ps_attach_current(struct ps_process *process)
{
	if (current->mm)
		ps_attach_mm(process, current->mm, true);
}
EXPORT_SYMBOL_IF_KUNIT(ps_attach_current);

/**
 * ps_mm_thread() - a thread of a process that has its address space
 * @process: the process
 * @mm: out: that address space (mmget())
 *
 * The group leader when it still has the address space, else another
 * thread: the leader may have exited while its threads run.
 *
 * Return: a referenced task, or NULL when no thread has an address space
 * (the process has exited, or is exiting).
 */
struct task_struct *ps_mm_thread(struct ps_process *process, struct mm_struct **mm)
{
	struct task_struct *leader, *t, *found = NULL;

	leader = get_pid_task(process->pid, PIDTYPE_TGID);
	if (!leader)
		return NULL;
	*mm = get_task_mm(leader);
	if (*mm)
		return leader;
	rcu_read_lock();
	for_each_thread(leader, t) {
		if (READ_ONCE(t->mm) && !(t->flags & PF_EXITING)) {
			found = get_task_struct(t);
			break;
		}
	}
	rcu_read_unlock();
	put_task_struct(leader);
	if (found) {
		*mm = get_task_mm(found);
		if (!*mm) {
			put_task_struct(found);
			found = NULL;
		}
	}
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(ps_mm_thread);

/* Take an object out of its table; the table's reference passes to the caller. */
static struct ps_thread *ps_unhash_thread(struct task_struct *task)
{
	struct ps_bucket *b = ps_bucket(ps_threads, task);
	struct ps_thread *thread;

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(thread, &b->head, node) {
		if (thread->task == task) {
			hlist_del_init_rcu(&thread->node);
			spin_unlock_bh(&b->lock);
			return thread;
		}
	}
	spin_unlock_bh(&b->lock);
	return NULL;
}

static struct ps_process *ps_unhash_process(const void *signal)
{
	struct ps_bucket *b = ps_bucket(ps_processes, signal);
	struct ps_process *process;

	spin_lock_bh(&b->lock);
	hlist_for_each_entry(process, &b->head, node) {
		if (process->signal == signal) {
			hlist_del_init_rcu(&process->node);
			spin_unlock_bh(&b->lock);
			return process;
		}
	}
	spin_unlock_bh(&b->lock);
	return NULL;
}

/*
 * The exit probe looks up under the bucket lock, after the task set
 * PF_EXITING and dropped signal->live: an adoption that read either before
 * that inserted before this lookup, one that reads them after sees the exit.
 */
static struct ps_thread *ps_exit_find_thread(struct task_struct *task)
{
	struct ps_bucket *b = ps_bucket(ps_threads, task);
	struct ps_thread *thread;

	rcu_read_lock();
	spin_lock_bh(&b->lock);
	thread = ps_find_thread(task);
	spin_unlock_bh(&b->lock);
	rcu_read_unlock();
	return thread;
}

static struct ps_process *ps_exit_find_process(const void *signal)
{
	struct ps_bucket *b = ps_bucket(ps_processes, signal);
	struct ps_process *process;

	rcu_read_lock();
	spin_lock_bh(&b->lock);
	process = ps_find_process(signal);
	spin_unlock_bh(&b->lock);
	rcu_read_unlock();
	return process;
}

/*
 * sched_process_exit: runs in the exiting task, after exit_mm(); may not
 * sleep. The objects stay in the tables until the task is reaped. Several
 * exiting threads may see the group's live count at zero; the process's
 * exit is recorded and run down once.
 */
static void ps_exit_probe(void *data, struct task_struct *task)
{
	bool group_dead = !atomic_read(&task->signal->live);
	ntstatus_t status = ps_status_from_exit_code(ps_task_exit_code(task));
	struct ps_process *process = NULL;
	struct ps_thread *thread;
	u64 user, kernel;
	s64 now;

	thread = ps_exit_find_thread(task);
	if (group_dead)
		process = ps_exit_find_process(task->signal);
	if (!thread && !process)
		return;

	now = ps_nt_system_time();
	if (thread) {
		ps_task_times(task, &user, &kernel);
		ps_thread_exited(thread, status, now, user, kernel);
		/* NT: a process's exit status is its last thread's. */
		spin_lock(&thread->lock);
		status = thread->exit_status;
		spin_unlock(&thread->lock);
		ps_dereference_thread(thread);
	}
	if (process) {
		ps_group_times(task, &user, &kernel);
		if (READ_ONCE(process->job))
			ps_job_exit_counters(process, task);
		/* The lookup's reference passes to the rundown work. */
		if (!ps_process_exited(process, task, status, now, user, kernel) ||
		    WARN_ON_ONCE(!queue_work(ps_wq, &process->rundown_work)))
			ps_dereference_process(process);
	}
}

/* sched_process_free: an RCU callback after the task was reaped. */
static void ps_free_probe(void *data, struct task_struct *task)
{
	struct ps_process *process = NULL;
	struct ps_thread *thread;

	thread = ps_unhash_thread(task);
	/* The group's last leader: an old leader replaced by execve is not. */
	if (thread_group_leader(task))
		process = ps_unhash_process(task->signal);
	if (thread)
		ps_dereference_thread(thread);
	if (process)
		ps_dereference_process(process);
}

/* A new program's predecessor's handles go now, not at its first open. */
static void ps_process_exec_work(struct work_struct *work)
{
	struct ps_process *process = container_of(work, struct ps_process, exec_work);
	struct task_struct *task;
	struct mm_struct *mm;

	task = ps_mm_thread(process, &mm);
	if (task) {
		ps_attach_mm(process, mm, false);
		mmput(mm);
		put_task_struct(task);
	}
	ps_dereference_process(process);
}

/* sched_process_exec: in the task, after a successful execve; may not sleep. */
static void ps_exec_probe(void *data, struct task_struct *task, pid_t old_pid,
			  struct linux_binprm *bprm)
{
	struct ps_process *process;

	rcu_read_lock();
	process = ps_find_process(task->signal);
	rcu_read_unlock();
	/* The lookup's reference passes to the work, unless it is queued already. */
	if (process && !queue_work(ps_wq, &process->exec_work))
		ps_dereference_process(process);
}

static void ps_find_tracepoints(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		ps_exit_tp = tp;
	else if (!strcmp(tp->name, "sched_process_free"))
		ps_free_tp = tp;
	else if (!strcmp(tp->name, "sched_process_exec"))
		ps_exec_tp = tp;
	else if (!strcmp(tp->name, "sched_process_fork"))
		ps_fork_tp = tp;
}

int ps_init(void)
{
	int i, ret;

	for (i = 0; i < ARRAY_SIZE(ps_processes); i++) {
		spin_lock_init(&ps_processes[i].lock);
		INIT_HLIST_HEAD(&ps_processes[i].head);
	}
	for (i = 0; i < ARRAY_SIZE(ps_threads); i++) {
		spin_lock_init(&ps_threads[i].lock);
		INIT_HLIST_HEAD(&ps_threads[i].head);
	}
	for_each_kernel_tracepoint(ps_find_tracepoints, NULL);
	if (!ps_exit_tp || !ps_free_tp || !ps_exec_tp || !ps_fork_tp) {
		pr_err("no sched_process_exit/free/exec/fork tracepoints\n");
		return -ENOENT;
	}
	ret = ps_access_init();
	if (ret)
		return ret;
	ps_wq = alloc_workqueue("ntexec_ps", WQ_UNBOUND, 0);
	if (!ps_wq) {
		ret = -ENOMEM;
		goto out_access;
	}
	ret = tracepoint_probe_register(ps_exit_tp, ps_exit_probe, NULL);
	if (ret)
		goto out_wq;
	ret = tracepoint_probe_register(ps_free_tp, ps_free_probe, NULL);
	if (ret)
		goto out_exit;
	ret = tracepoint_probe_register(ps_exec_tp, ps_exec_probe, NULL);
	if (ret)
		goto out_free;
	ret = ps_stub_init();
	if (ret)
		goto out_exec;
	ret = ps_stub_register(ps_fork_tp);
	if (ret)
		goto out_stub;
	ret = ps_job_init(ps_fork_tp);
	if (ret)
		goto out_stub;
	return 0;

out_stub:
	ps_stub_exit_module();
out_exec:
	tracepoint_probe_unregister(ps_exec_tp, ps_exec_probe, NULL);
out_free:
	tracepoint_probe_unregister(ps_free_tp, ps_free_probe, NULL);
out_exit:
	tracepoint_probe_unregister(ps_exit_tp, ps_exit_probe, NULL);
	tracepoint_synchronize_unregister();
out_wq:
	destroy_workqueue(ps_wq);
out_access:
	ps_access_exit();
	return ret;
}

void ps_exit(void)
{
	struct hlist_node *tmp;
	struct ps_process *process;
	struct ps_thread *thread;
	int i;

	ps_job_stop();
	tracepoint_probe_unregister(ps_exec_tp, ps_exec_probe, NULL);
	tracepoint_probe_unregister(ps_exit_tp, ps_exit_probe, NULL);
	tracepoint_probe_unregister(ps_free_tp, ps_free_probe, NULL);
	ps_stub_exit_module();
	tracepoint_synchronize_unregister();
	/* Free probes already running are RCU callbacks: let them finish. */
	rcu_barrier();
	flush_workqueue(ps_wq);

	/* Tasks not yet reaped: drop what the tables hold. */
	for (i = 0; i < ARRAY_SIZE(ps_threads); i++) {
		hlist_for_each_entry_safe(thread, tmp, &ps_threads[i].head, node) {
			hlist_del_init_rcu(&thread->node);
			ps_dereference_thread(thread);
		}
	}
	for (i = 0; i < ARRAY_SIZE(ps_processes); i++) {
		hlist_for_each_entry_safe(process, tmp, &ps_processes[i].head, node) {
			hlist_del_init_rcu(&process->node);
			ps_process_end_mm(process);
			mm_process_rundown(&process->vm);
			ob_close_handle_table(&process->handles);
			ps_job_process_rundown(process);
			ps_dereference_process(process);
		}
	}
	destroy_workqueue(ps_wq);
	rcu_barrier();
	ps_job_exit();
	ps_access_exit();
}
