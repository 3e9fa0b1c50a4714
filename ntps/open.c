// SPDX-License-Identifier: GPL-2.0
/*
 * Handles to processes and threads: references by handle (with the
 * pseudo-handles), NtOpenProcess, NtOpenThread, NtDuplicateObject,
 * NtGetNextProcess and NtGetNextThread, and the access check behind them.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <kunit/visibility.h>

#include "ps.h"

/* Rights that need no ptrace access: what /proc/<pid>/stat and pidfds give anyone. */
#define PROCESS_FREE_RIGHTS	(SYNCHRONIZE | READ_CONTROL | \
				 PROCESS_QUERY_LIMITED_INFORMATION)
#define PROCESS_READ_RIGHTS	(PROCESS_FREE_RIGHTS | PROCESS_QUERY_INFORMATION | \
				 PROCESS_VM_READ)
#define THREAD_FREE_RIGHTS	(SYNCHRONIZE | READ_CONTROL | \
				 THREAD_QUERY_LIMITED_INFORMATION)
#define THREAD_READ_RIGHTS	(THREAD_FREE_RIGHTS | THREAD_QUERY_INFORMATION)

/**
 * ps_reference_object() - reference the object behind a handle
 * @caller: the calling process (whose handle table is used)
 * @handle: a handle or NtCurrentProcess()/NtCurrentThread()
 * @type: the required type, or NULL for any
 * @desired: the access needed
 * @obj: out: the referenced object
 * @granted: out (optional): the access the handle grants
 *
 * Return: STATUS_SUCCESS or the NTSTATUS of the failure.
 */
ntstatus_t ps_reference_object(struct ps_process *caller, u64 handle,
			       const struct ob_type *type, u32 desired,
			       struct ob_object **obj, u32 *granted)
{
	const struct ob_type *pseudo = NULL;
	struct ps_thread *thread;

	if (handle == NTEXEC_CURRENT_PROCESS)
		pseudo = &ps_process_type;
	else if (handle == NTEXEC_CURRENT_THREAD)
		pseudo = &ps_thread_type;
	if (!pseudo)
		return ob_reference_handle(&caller->handles, handle, type, desired,
					   obj, granted, NULL);

	if (type && type != pseudo)
		return STATUS_OBJECT_TYPE_MISMATCH;
	if (pseudo == &ps_process_type) {
		*obj = ob_reference(&caller->ob);
	} else {
		thread = ps_current_thread();
		if (!thread)
			return STATUS_NO_MEMORY;
		*obj = &thread->ob;
	}
	if (granted)
		*granted = pseudo->valid_access;
	return STATUS_SUCCESS;
}
EXPORT_SYMBOL_IF_KUNIT(ps_reference_object);

ntstatus_t ps_reference_process(struct ps_process *caller, u64 handle, u32 desired,
				struct ps_process **process)
{
	struct ob_object *obj;
	ntstatus_t status;

	status = ps_reference_object(caller, handle, &ps_process_type, desired, &obj, NULL);
	if (status == STATUS_SUCCESS)
		*process = to_process(obj);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ps_reference_process);

ntstatus_t ps_reference_thread(struct ps_process *caller, u64 handle, u32 desired,
			       struct ps_thread **thread)
{
	struct ob_object *obj;
	ntstatus_t status;

	status = ps_reference_object(caller, handle, &ps_thread_type, desired, &obj, NULL);
	if (status == STATUS_SUCCESS)
		*thread = to_thread(obj);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ps_reference_thread);

/*
 * A task whose address space is gone (it exited and is not yet reaped)
 * has no /proc/<pid>/mem to open. For it, the ptrace rule that does not
 * depend on the address space: the caller's filesystem ids match the
 * task's real, effective and saved ids, or the caller has CAP_SYS_PTRACE
 * over the task's user namespace.
 */
static bool ps_exited_task_allowed(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred = get_task_cred(task);
	bool ok;

	ok = uid_eq(cred->fsuid, tcred->euid) && uid_eq(cred->fsuid, tcred->suid) &&
	     uid_eq(cred->fsuid, tcred->uid) && gid_eq(cred->fsgid, tcred->egid) &&
	     gid_eq(cred->fsgid, tcred->sgid) && gid_eq(cred->fsgid, tcred->gid);
	if (!ok)
		ok = ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	put_cred(tcred);
	return ok;
}

/*
 * Linux's ptrace access check, run through procfs (see ntps/process.c):
 * opening /proc/<pid>/mem checks PTRACE_MODE_ATTACH, /proc/<pid>/auxv
 * PTRACE_MODE_READ, with the caller's filesystem credentials and every LSM
 * hook.
 */
static bool ps_ptrace_allowed(struct pid *pid, bool attach)
{
	struct task_struct *task;
	struct file *f;
	char path[32];
	bool ok;
	pid_t nr;

	if (pid == task_tgid(current) || pid == task_pid(current))
		return true;
	nr = pid_nr_ns(pid, task_active_pid_ns(current));
	if (!nr)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/%s", nr, attach ? "mem" : "auxv");
	f = filp_open(path, O_RDONLY, 0);
	if (!IS_ERR(f)) {
		fput(f);
		return true;
	}
	task = get_pid_task(pid, PIDTYPE_PID);
	if (!task)
		return false;
	ok = !READ_ONCE(task->mm) && !(task->flags & PF_KTHREAD) &&
	     ps_exited_task_allowed(task);
	put_task_struct(task);
	return ok;
}

/*
 * The access a caller gets to a process or thread: @desired (mapped, with
 * MAXIMUM_ALLOWED meaning "all that is allowed"), or false when a right in
 * it is refused.
 */
static bool ps_access_check(struct pid *pid, const struct ob_type *type,
			    u32 desired, u32 *granted)
{
	bool process = type == &ps_process_type;
	u32 free_rights = process ? PROCESS_FREE_RIGHTS : THREAD_FREE_RIGHTS;
	u32 read_rights = process ? PROCESS_READ_RIGHTS : THREAD_READ_RIGHTS;
	bool maximum = desired & MAXIMUM_ALLOWED;
	u32 access;

	access = ob_map_generic(type, desired & ~MAXIMUM_ALLOWED) & type->valid_access;
	/* Full query and set rights include their limited forms, as on NT. */
	if (process) {
		if (access & PROCESS_QUERY_INFORMATION)
			access |= PROCESS_QUERY_LIMITED_INFORMATION;
		if (access & PROCESS_SET_INFORMATION)
			access |= PROCESS_SET_LIMITED_INFORMATION;
	} else {
		if (access & THREAD_QUERY_INFORMATION)
			access |= THREAD_QUERY_LIMITED_INFORMATION;
		if (access & THREAD_SET_INFORMATION)
			access |= THREAD_SET_LIMITED_INFORMATION;
	}

	if (maximum) {
		if (ps_ptrace_allowed(pid, true))
			access |= type->valid_access;
		else if (ps_ptrace_allowed(pid, false))
			access |= read_rights;
		else
			access |= free_rights;
	} else if (access & ~read_rights) {
		if (!ps_ptrace_allowed(pid, true))
			return false;
	} else if (access & ~free_rights) {
		if (!ps_ptrace_allowed(pid, false))
			return false;
	}
	*granted = access;
	return true;
}

/* Resolve a CLIENT_ID to the struct pid of its thread group (and thread). */
static ntstatus_t ps_lookup_cid(u64 pid_nr, u64 tid_nr, struct pid **tgid,
				struct pid **tid)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct task_struct *task;
	ntstatus_t status = STATUS_INVALID_CID;
	struct pid *p;

	if ((!pid_nr && !tid_nr) || pid_nr > INT_MAX || tid_nr > INT_MAX)
		return STATUS_INVALID_CID;

	rcu_read_lock();
	p = find_pid_ns(tid_nr ? tid_nr : pid_nr, ns);
	task = p ? pid_task(p, PIDTYPE_PID) : NULL;
	if (task && (task->flags & PF_KTHREAD)) {
		status = STATUS_ACCESS_DENIED;
	} else if (task && tid_nr) {
		if (!pid_nr || task_tgid_nr_ns(task, ns) == pid_nr) {
			*tgid = get_pid(task_tgid(task));
			*tid = get_pid(p);
			status = STATUS_SUCCESS;
		}
	} else if (task && thread_group_leader(task)) {
		*tgid = get_pid(p);
		*tid = NULL;
		status = STATUS_SUCCESS;
	}
	rcu_read_unlock();
	return status;
}

static ntstatus_t ps_insert(struct ps_process *caller, struct ob_object *obj,
			    u32 access, u32 attributes, u64 *handle)
{
	return ob_insert_handle(&caller->handles, obj, access, attributes, handle);
}

static ntstatus_t ps_open_pid(struct ps_process *caller, struct pid *pid, bool thread,
			      u32 access, u32 attributes, u64 *handle)
{
	const struct ob_type *type = thread ? &ps_thread_type : &ps_process_type;
	struct ob_object *obj;
	ntstatus_t status;
	u32 granted;

	if (!ps_access_check(pid, type, access, &granted))
		return STATUS_ACCESS_DENIED;
	if (thread) {
		struct ps_thread *t = ps_get_thread(pid);

		obj = t ? &t->ob : NULL;
	} else {
		struct ps_process *p = ps_get_process(pid);

		obj = p ? &p->ob : NULL;
	}
	if (!obj)
		return STATUS_INVALID_CID;
	status = ps_insert(caller, obj, granted, attributes, handle);
	ob_dereference(obj);
	return status;
}

/**
 * ps_open_process() - NtOpenProcess by CLIENT_ID
 * @caller: the calling process
 * @pid_nr: UniqueProcess, in the caller's pid namespace
 * @tid_nr: UniqueThread, or 0
 * @access: the desired access
 * @attributes: OBJ_INHERIT or 0
 * @handle: out: the new handle
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_CID, STATUS_ACCESS_DENIED, ...
 */
ntstatus_t ps_open_process(struct ps_process *caller, u64 pid_nr, u64 tid_nr,
			   u32 access, u32 attributes, u64 *handle)
{
	struct pid *tgid, *tid;
	ntstatus_t status;

	status = ps_lookup_cid(pid_nr, tid_nr, &tgid, &tid);
	if (status)
		return status;
	status = ps_open_pid(caller, tgid, false, access, attributes, handle);
	put_pid(tid);
	put_pid(tgid);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ps_open_process);

/**
 * ps_open_thread() - NtOpenThread by CLIENT_ID
 * @caller: the calling process
 * @pid_nr: UniqueProcess or 0
 * @tid_nr: UniqueThread
 * @access: the desired access
 * @attributes: OBJ_INHERIT or 0
 * @handle: out: the new handle
 *
 * Return: STATUS_SUCCESS, STATUS_INVALID_CID, STATUS_ACCESS_DENIED, ...
 */
ntstatus_t ps_open_thread(struct ps_process *caller, u64 pid_nr, u64 tid_nr,
			  u32 access, u32 attributes, u64 *handle)
{
	struct pid *tgid, *tid;
	ntstatus_t status;

	if (!tid_nr)
		return STATUS_INVALID_CID;
	status = ps_lookup_cid(pid_nr, tid_nr, &tgid, &tid);
	if (status)
		return status;
	status = ps_open_pid(caller, tid, true, access, attributes, handle);
	put_pid(tid);
	put_pid(tgid);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ps_open_thread);

/**
 * ps_duplicate_object() - NtDuplicateObject
 * @caller: the calling process
 * @source_process: handle to the source process (PROCESS_DUP_HANDLE)
 * @source_handle: the handle to duplicate, in the source process
 * @target_process: handle to the target process (PROCESS_DUP_HANDLE), or 0
 * @access: the new handle's access, unless DUPLICATE_SAME_ACCESS
 * @attributes: the new handle's attributes, unless DUPLICATE_SAME_ATTRIBUTES
 * @options: DUPLICATE_* flags
 * @target_handle: out: the new handle
 *
 * The new handle may have less access than the source, never more.
 * DUPLICATE_CLOSE_SOURCE closes the source handle whatever the outcome.
 *
 * Return: STATUS_SUCCESS or the NTSTATUS of the failure.
 */
ntstatus_t ps_duplicate_object(struct ps_process *caller, u64 source_process,
			       u64 source_handle, u64 target_process, u32 access,
			       u32 attributes, u32 options, u64 *target_handle)
{
	struct ps_process *source, *target = NULL;
	u32 granted, src_attributes = 0;
	struct ob_object *obj;
	ntstatus_t status;

	if (options & ~(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS |
			DUPLICATE_SAME_ATTRIBUTES))
		return STATUS_INVALID_PARAMETER;
	if (attributes & ~OBJ_VALID_ATTRIBUTES)
		return STATUS_INVALID_PARAMETER;

	status = ps_reference_process(caller, source_process, PROCESS_DUP_HANDLE, &source);
	if (status)
		return status;

	/* Pseudo-handles name the source process's own process and thread. */
	if (source_handle == NTEXEC_CURRENT_PROCESS) {
		obj = ob_reference(&source->ob);
		granted = PROCESS_ALL_ACCESS;
	} else if (source_handle == NTEXEC_CURRENT_THREAD) {
		if (source != caller) {
			status = STATUS_INVALID_HANDLE;
			goto out_source;
		}
		status = ps_reference_object(caller, source_handle, NULL, 0, &obj, &granted);
		if (status)
			goto out_source;
	} else {
		status = ob_reference_handle(&source->handles, source_handle, NULL, 0,
					     &obj, &granted, &src_attributes);
		if (status)
			goto out_source;
	}

	if (options & DUPLICATE_CLOSE_SOURCE)
		ob_close_handle(&source->handles, source_handle);

	if (!target_process) {
		/* Closing the source was all that was asked. */
		status = (options & DUPLICATE_CLOSE_SOURCE) ? STATUS_SUCCESS :
							    STATUS_INVALID_HANDLE;
		goto out_obj;
	}
	status = ps_reference_process(caller, target_process, PROCESS_DUP_HANDLE, &target);
	if (status)
		goto out_obj;

	if (!(options & DUPLICATE_SAME_ACCESS)) {
		u32 want = ob_map_generic(obj->type, access & ~MAXIMUM_ALLOWED) &
			   obj->type->valid_access;

		if (access & MAXIMUM_ALLOWED)
			want |= granted;
		/*
		 * More access than the source handle has is granted when an
		 * open would grant it, as NT checks the object's security.
		 */
		if (want & ~granted) {
			struct pid *pid = NULL;
			u32 checked;

			if (obj->type == &ps_process_type)
				pid = to_process(obj)->pid;
			else if (obj->type == &ps_thread_type)
				pid = to_thread(obj)->pid;
			if (!pid || !ps_access_check(pid, obj->type, want, &checked)) {
				status = STATUS_ACCESS_DENIED;
				goto out_target;
			}
		}
		granted = want;
	}
	if (options & DUPLICATE_SAME_ATTRIBUTES)
		attributes = src_attributes;
	status = ob_insert_handle(&target->handles, obj, granted, attributes, target_handle);

out_target:
	ps_dereference_process(target);
out_obj:
	ob_dereference(obj);
out_source:
	ps_dereference_process(source);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ps_duplicate_object);

/* The next thread group leader after @nr that the caller may open. */
ntstatus_t ps_get_next_process(struct ps_process *caller, u64 process, u32 access,
			       u32 attributes, u64 *handle)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct ps_process *from;
	ntstatus_t status;
	int nr = 1;

	if (process) {
		status = ps_reference_process(caller, process, 0, &from);
		if (status)
			return status;
		nr = pid_nr_ns(from->pid, ns) + 1;
		ps_dereference_process(from);
		if (nr == 1)
			return STATUS_NO_MORE_ENTRIES;
	}

	for (;;) {
		struct task_struct *task;
		struct pid *pid;
		bool leader;

		rcu_read_lock();
		pid = find_ge_pid(nr, ns);
		if (!pid) {
			rcu_read_unlock();
			return STATUS_NO_MORE_ENTRIES;
		}
		nr = pid_nr_ns(pid, ns) + 1;
		task = pid_task(pid, PIDTYPE_TGID);
		leader = task && pid == task_tgid(task) && !(task->flags & PF_KTHREAD);
		pid = leader ? get_pid(pid) : NULL;
		rcu_read_unlock();
		if (!pid)
			continue;
		status = ps_open_pid(caller, pid, false, access, attributes, handle);
		put_pid(pid);
		if (status != STATUS_ACCESS_DENIED && status != STATUS_INVALID_CID)
			return status;
		cond_resched();
		if (fatal_signal_pending(current))
			return STATUS_NO_MORE_ENTRIES;
	}
}

/* The thread of @process with the lowest id above @after. */
static struct pid *ps_next_thread_pid(struct ps_process *process, pid_t after)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct task_struct *leader, *t;
	struct pid *best = NULL;
	pid_t best_nr = 0;

	rcu_read_lock();
	leader = pid_task(process->pid, PIDTYPE_TGID);
	if (leader) {
		for_each_thread(leader, t) {
			pid_t nr = task_pid_nr_ns(t, ns);

			if (nr > after && (!best || nr < best_nr)) {
				best = task_pid(t);
				best_nr = nr;
			}
		}
	}
	best = get_pid(best);
	rcu_read_unlock();
	return best;
}

ntstatus_t ps_get_next_thread(struct ps_process *caller, u64 process, u64 thread,
			      u32 access, u32 attributes, u64 *handle)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct ps_process *proc;
	ntstatus_t status;
	pid_t after = 0;

	status = ps_reference_process(caller, process, PROCESS_QUERY_INFORMATION, &proc);
	if (status)
		return status;
	if (thread) {
		struct ps_thread *from;

		status = ps_reference_thread(caller, thread, 0, &from);
		if (status)
			goto out;
		if (from->process != proc)
			status = STATUS_INVALID_PARAMETER;
		else
			after = pid_nr_ns(from->pid, ns);
		ps_dereference_thread(from);
		if (status)
			goto out;
	}
	for (;;) {
		struct pid *pid = ps_next_thread_pid(proc, after);

		if (!pid) {
			status = STATUS_NO_MORE_ENTRIES;
			break;
		}
		after = pid_nr_ns(pid, ns);
		status = ps_open_pid(caller, pid, true, access, attributes, handle);
		put_pid(pid);
		if (status != STATUS_ACCESS_DENIED && status != STATUS_INVALID_CID)
			break;
	}
out:
	ps_dereference_process(proc);
	return status;
}
