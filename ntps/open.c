// SPDX-License-Identifier: GPL-2.0
/*
 * Handles to processes and threads: references by handle (with the
 * pseudo-handles), NtOpenProcess, NtOpenThread, NtDuplicateObject,
 * NtGetNextProcess and NtGetNextThread, and the access check behind them.
 */
#include <linux/capability.h>
#include <linux/mount.h>
#include <linux/sched/mm.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <kunit/visibility.h>

#include "ps.h"

/**
 * ps_reference_object() - reference the object behind a handle
 * @caller: the calling process (whose handle table is used)
 * @handle: a handle or NtCurrentProcess()/NtCurrentThread()
 * @type: the required type, or NULL for any
 * @desired: the access needed
 * @obj: out: the referenced object
 * @info: out (optional): what the handle grants; a pseudo-handle grants
 *	every right and is bound to nothing (0)
 *
 * Return: STATUS_SUCCESS or the NTSTATUS of the failure.
 */
ntstatus_t ps_reference_object(struct ps_process *caller, u64 handle,
			       const struct ob_type *type, u32 desired,
			       struct ob_object **obj, struct ob_handle_info *info)
{
	const struct ob_type *pseudo = NULL;
	struct ps_thread *thread;

	if (handle == NTEXEC_CURRENT_PROCESS)
		pseudo = &ps_process_type;
	else if (handle == NTEXEC_CURRENT_THREAD)
		pseudo = &ps_thread_type;
	if (!pseudo)
		return ob_reference_handle(&caller->handles, handle, type, desired,
					   obj, info);

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
	if (info) {
		info->access = pseudo->valid_access;
		info->attributes = 0;
		info->bind = 0;
	}
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
 * The access check.
 *
 * Opening another process or thread, or asking a handle for more, is
 * Linux's ptrace access check. ptrace_may_access() is not exported, so the
 * module runs it through procfs, in a procfs instance of its own, mounted
 * with kern_mount() at load for the pid namespace the module was loaded
 * from: opening <pid>/mem there runs mm_access() with
 * PTRACE_MODE_ATTACH_FSCREDS, <pid>/auxv with PTRACE_MODE_READ_FSCREDS,
 * with the caller's credentials, every LSM hook (Yama included) and the
 * dumpability rule, and the inode's DAC check on top (so it is never more
 * generous than the caller's own open of /proc/<pid>/mem). Why it is sound:
 *  - The caller's root, chroot, mount namespace and procfs mounts play no
 *    part: the name is resolved from the module's own mount.
 *  - The task is named by its id in that mount's pid namespace, taken from
 *    the referenced task; an id is not reused while its task is attached.
 *  - The check is about one address space: the caller first takes the
 *    task's mm, and after the open the task must still have that mm (held,
 *    so no other mm can have its address). An execve in between (which
 *    also swaps ids, exchange_tids()) or an exit fails the check; so does
 *    6.1's mm_access(), which lets any caller open the file of a task
 *    without an mm.
 *  - What is granted is bound to the id of that mm (ps_process_mm_id()):
 *    when the process runs a new program, a handle's rights are checked
 *    again before they reach it (ps_reference_process_mm()).
 * A process without a thread that has its address space has exited: it
 * gets the ptrace credential rule alone (no LSM can be asked about it), and
 * nothing reaches memory through its handles.
 */
static struct vfsmount *ps_proc_mnt;
static struct pid_namespace *ps_proc_ns;

enum ps_level { PS_FREE, PS_READ, PS_ATTACH };

static bool ps_is_process_type(const struct ob_type *type)
{
	return type == &ps_process_type;
}

/* The rights a level of ptrace access grants. */
static u32 ps_level_rights(const struct ob_type *type, enum ps_level level)
{
	bool process = ps_is_process_type(type);

	switch (level) {
	case PS_FREE:
		return process ? PROCESS_FREE_RIGHTS : THREAD_FREE_RIGHTS;
	case PS_READ:
		return process ? PROCESS_READ_RIGHTS : THREAD_READ_RIGHTS;
	default:
		return type->valid_access;
	}
}

/* The level of ptrace access @access needs. */
static enum ps_level ps_level_needed(const struct ob_type *type, u32 access)
{
	if (access & ~ps_level_rights(type, PS_READ))
		return PS_ATTACH;
	if (access & ~ps_level_rights(type, PS_FREE))
		return PS_READ;
	return PS_FREE;
}

/*
 * An access mask as a handle holds it: generic rights mapped, unknown bits
 * dropped, and the full query and set rights with their limited forms, as
 * on NT, for opens and duplicates alike.
 */
static u32 ps_handle_access(const struct ob_type *type, u32 access)
{
	access = ob_map_generic(type, access & ~MAXIMUM_ALLOWED) & type->valid_access;
	if (ps_is_process_type(type)) {
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
	return access;
}

/*
 * ptrace's credential rule, for a task whose address space is gone: the
 * caller's filesystem ids match the task's real, effective and saved ids,
 * or the caller has CAP_SYS_PTRACE over the task's user namespace.
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
 * The ptrace access check of @task, which had @mm when the caller took it
 * (see the top of this section). Return: true when allowed.
 */
static bool ps_ptrace_check(struct task_struct *task, struct mm_struct *mm,
			    enum ps_level level)
{
	char name[32];
	struct file *f;
	bool ok;
	pid_t nr;

	if (level == PS_FREE || same_thread_group(task, current))
		return true;
	rcu_read_lock();
	nr = pid_alive(task) ? task_pid_nr_ns(task, ps_proc_ns) : 0;
	rcu_read_unlock();
	if (!nr)
		return false;
	snprintf(name, sizeof(name), "%d/%s", nr, level == PS_ATTACH ? "mem" : "auxv");
	f = file_open_root_mnt(ps_proc_mnt, name, O_RDONLY, 0);
	if (IS_ERR(f))
		return false;
	fput(f);
	task_lock(task);
	ok = task->mm == mm;
	task_unlock(task);
	return ok;
}

/**
 * ps_access_check() - the access a caller gets to a process or a thread
 * @process: the process, or the thread's process
 * @thread: the thread, or NULL for the process
 * @desired: the access asked for (generic rights allowed); MAXIMUM_ALLOWED
 *	adds every right the caller may have
 * @granted: out: the access to grant
 * @bind: out: the id of the address space the access was checked against
 *	(ps_process_mm_id()), 0 when no address space was involved
 *
 * Every right in @desired must be allowed, MAXIMUM_ALLOWED or not.
 *
 * Return: STATUS_SUCCESS or STATUS_ACCESS_DENIED.
 */
static ntstatus_t ps_access_check(struct ps_process *process, struct ps_thread *thread,
				  u32 desired, u32 *granted, u64 *bind)
{
	const struct ob_type *type = thread ? &ps_thread_type : &ps_process_type;
	u32 access = ps_handle_access(type, desired);
	bool maximum = desired & MAXIMUM_ALLOWED;
	enum ps_level want, have = PS_FREE;
	struct mm_struct *mm = NULL;
	struct task_struct *task;
	u32 allowed;

	*bind = 0;
	want = maximum ? PS_ATTACH : ps_level_needed(type, access);
	if (want == PS_FREE) {
		*granted = access;
		return STATUS_SUCCESS;
	}
	/* The caller's own process and threads: everything, as ptrace allows. */
	if (process->pid == task_tgid(current)) {
		if (current->mm)
			*bind = ps_process_mm_id(process, current->mm);
		*granted = maximum ? access | type->valid_access : access;
		return STATUS_SUCCESS;
	}
	if (thread) {
		task = get_task_struct(thread->task);
		mm = get_task_mm(task);
	} else {
		task = ps_mm_thread(process, &mm);
		if (!task)
			task = get_pid_task(process->pid, PIDTYPE_TGID);
	}

	if (!mm) {
		/* Exited: no memory to reach, no LSM to ask. */
		if (task && !(task->flags & PF_KTHREAD) && ps_exited_task_allowed(task))
			have = PS_ATTACH;
	} else if (want == PS_ATTACH && ps_ptrace_check(task, mm, PS_ATTACH)) {
		have = PS_ATTACH;
	} else if ((maximum || want == PS_READ) &&
		   ps_ptrace_check(task, mm, PS_READ)) {
		have = PS_READ;
	}
	if (mm && have != PS_FREE)
		*bind = ps_process_mm_id(process, mm);
	if (mm)
		mmput(mm);
	if (task)
		put_task_struct(task);

	allowed = ps_level_rights(type, have);
	if (access & ~allowed)
		return STATUS_ACCESS_DENIED;
	*granted = maximum ? access | allowed : access;
	return STATUS_SUCCESS;
}

/**
 * ps_may_read() - whether the caller passes PTRACE_MODE_READ on a process now
 * @process: the process
 *
 * For what Linux shows only to such callers (/proc/<pid>/exe) but NT gives
 * with PROCESS_QUERY_LIMITED_INFORMATION.
 *
 * Return: true if allowed.
 */
bool ps_may_read(struct ps_process *process)
{
	u32 granted;
	u64 bind;

	return !ps_access_check(process, NULL, PROCESS_QUERY_INFORMATION,
				&granted, &bind);
}

/**
 * ps_reference_process_mm() - reference a process handle for rights on the
 *	program it runs
 * @caller: the calling process
 * @handle: a process handle or NtCurrentProcess()
 * @desired: the access needed
 * @process: out: the referenced process
 * @mm: out (optional): the address space the rights hold for (mmget());
 *	the caller must act on this one only
 *
 * A handle's rights were checked against one address space. When the
 * process runs a new program since (an execve, maybe of a setuid or
 * otherwise undumpable binary), they are checked again with the caller's
 * credentials before they reach it, as process_vm_readv() checks each
 * call; the handle is rebound to the new program when all of its rights
 * pass.
 *
 * Return: STATUS_SUCCESS, STATUS_PROCESS_IS_TERMINATING when the process has
 * no address space any more, STATUS_ACCESS_DENIED, or the handle's failure.
 */
ntstatus_t ps_reference_process_mm(struct ps_process *caller, u64 handle,
				   u32 desired, struct ps_process **process,
				   struct mm_struct **mm)
{
	struct ob_handle_info info = {};
	enum ps_level all, now;
	struct task_struct *task;
	struct ps_process *p;
	struct ob_object *obj;
	struct mm_struct *m;
	ntstatus_t status;
	u64 id;

	if (handle == NTEXEC_CURRENT_PROCESS) {
		/* The caller's own: no check, and its own address space. */
		m = current->mm;
		if (!m || (current->flags & PF_EXITING))
			return STATUS_PROCESS_IS_TERMINATING;
		mmget(m);
		if (mm)
			*mm = m;
		else
			mmput(m);
		*process = to_process(ob_reference(&caller->ob));
		return STATUS_SUCCESS;
	}
	status = ps_reference_object(caller, handle, &ps_process_type, desired,
				     &obj, &info);
	if (status)
		return status;
	p = to_process(obj);
	task = ps_mm_thread(p, &m);
	if (!task) {
		status = STATUS_PROCESS_IS_TERMINATING;
		goto fail;
	}
	id = ps_process_mm_id(p, m);
	if (!id) {
		status = STATUS_PROCESS_IS_TERMINATING;
	} else if (id != info.bind) {
		all = ps_level_needed(&ps_process_type, info.access);
		now = ps_level_needed(&ps_process_type, desired);
		if (ps_ptrace_check(task, m, all))
			ob_rebind_handle(&caller->handles, handle, obj, info.bind, id);
		else if (now >= all || !ps_ptrace_check(task, m, now))
			status = STATUS_ACCESS_DENIED;
	}
	put_task_struct(task);
	if (status || !mm)
		mmput(m);
	else
		*mm = m;
	if (status)
		goto fail;
	*process = p;
	return STATUS_SUCCESS;

fail:
	ob_dereference(obj);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ps_reference_process_mm);

/**
 * ps_reference_thread_mm() - reference a thread handle for rights on the
 *	program its process runs
 * @caller: the calling process
 * @handle: a thread handle or NtCurrentThread()
 * @desired: the access needed (THREAD_SUSPEND_RESUME, THREAD_GET_CONTEXT,
 *	THREAD_SET_CONTEXT: rights that stop or steer the program)
 * @thread: out: the referenced thread
 *
 * The thread handle's counterpart of ps_reference_process_mm(): rights
 * granted on one program are checked again, with the caller's
 * credentials, before they reach a new one (a setuid program exec'd
 * since refuses them), and the handle is rebound when all of its rights
 * pass. A thread of the caller's own process needs no check.
 *
 * Return: STATUS_SUCCESS, STATUS_THREAD_IS_TERMINATING when the thread has
 * no address space any more, STATUS_ACCESS_DENIED, or the handle's failure.
 */
ntstatus_t ps_reference_thread_mm(struct ps_process *caller, u64 handle,
				  u32 desired, struct ps_thread **thread)
{
	struct ob_handle_info info = {};
	enum ps_level all, now;
	struct ob_object *obj;
	struct mm_struct *m;
	struct ps_thread *t;
	ntstatus_t status;
	u64 id;

	status = ps_reference_object(caller, handle, &ps_thread_type, desired,
				     &obj, &info);
	if (status)
		return status;
	t = to_thread(obj);
	if (handle == NTEXEC_CURRENT_THREAD || t->process == caller) {
		*thread = t;
		return STATUS_SUCCESS;
	}
	m = get_task_mm(t->task);
	if (!m) {
		status = STATUS_THREAD_IS_TERMINATING;
		goto fail;
	}
	id = ps_process_mm_id(t->process, m);
	if (!id) {
		status = STATUS_THREAD_IS_TERMINATING;
	} else if (id != info.bind) {
		all = ps_level_needed(&ps_thread_type, info.access);
		now = ps_level_needed(&ps_thread_type, desired);
		if (ps_ptrace_check(t->task, m, all))
			ob_rebind_handle(&caller->handles, handle, obj, info.bind, id);
		else if (now >= all || !ps_ptrace_check(t->task, m, now))
			status = STATUS_ACCESS_DENIED;
	}
	mmput(m);
	if (status)
		goto fail;
	*thread = t;
	return STATUS_SUCCESS;

fail:
	ob_dereference(obj);
	return status;
}
EXPORT_SYMBOL_IF_KUNIT(ps_reference_thread_mm);

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

static ntstatus_t ps_open_pid(struct ps_process *caller, struct pid *pid, bool thread,
			      u32 access, u32 attributes, u64 *handle)
{
	struct ob_handle_info info = { .attributes = attributes };
	struct ps_process *process;
	struct ps_thread *t = NULL;
	struct ob_object *obj;
	ntstatus_t status;

	if (thread) {
		t = ps_get_thread(pid);
		if (!t)
			return STATUS_INVALID_CID;
		process = t->process;
		obj = &t->ob;
	} else {
		process = ps_get_process(pid);
		if (!process)
			return STATUS_INVALID_CID;
		obj = &process->ob;
	}
	status = ps_access_check(process, t, access, &info.access, &info.bind);
	if (!status)
		status = ob_insert_handle(&caller->handles, obj, &info, handle);
	ob_dereference(obj);
	return status;
}

/**
 * ps_insert_thread_handle() - a handle to a thread the caller created
 * @caller: the calling process
 * @thread: the thread
 * @access: DesiredAccess
 * @attributes: the handle's attributes
 * @bind: the address space the caller's PROCESS_CREATE_THREAD was checked
 *	against (ps_process_mm_id())
 * @handle: out: the handle
 *
 * The creator gets what it asks for: PROCESS_CREATE_THREAD needed the
 * ptrace access every thread right needs, and the new thread may already
 * be gone, which a new check would refuse.
 *
 * Return: STATUS_SUCCESS or the table's failure.
 */
ntstatus_t ps_insert_thread_handle(struct ps_process *caller, struct ps_thread *thread,
				   u32 access, u32 attributes, u64 bind, u64 *handle)
{
	struct ob_handle_info info = { .attributes = attributes, .bind = bind };

	info.access = ps_handle_access(&ps_thread_type, access);
	if (access & MAXIMUM_ALLOWED)
		info.access |= THREAD_ALL_ACCESS;
	return ob_insert_handle(&caller->handles, &thread->ob, &info, handle);
}

/**
 * ps_insert_process_handle() - a handle to a process, after the access check
 * @caller: the calling process
 * @process: the process
 * @access: DesiredAccess
 * @attributes: the handle's attributes
 * @handle: out: the handle
 *
 * Return: STATUS_SUCCESS, STATUS_ACCESS_DENIED, or the table's failure.
 */
ntstatus_t ps_insert_process_handle(struct ps_process *caller, struct ps_process *process,
				    u32 access, u32 attributes, u64 *handle)
{
	struct ob_handle_info info = { .attributes = attributes };
	ntstatus_t status;

	status = ps_access_check(process, NULL, access, &info.access, &info.bind);
	if (!status)
		status = ob_insert_handle(&caller->handles, &process->ob, &info, handle);
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

/*
 * A process handle for NtDuplicateObject: the caller's own costs no
 * reference (the caller's device file holds it, and current->mm is the
 * caller's for the whole call), any other is referenced with its address
 * space (ps_reference_process_mm()). Undone by ps_dup_process_put().
 */
static ntstatus_t ps_dup_process(struct ps_process *caller, u64 handle,
				 struct ps_process **process, struct mm_struct **mm)
{
	if (handle != NTEXEC_CURRENT_PROCESS)
		return ps_reference_process_mm(caller, handle, PROCESS_DUP_HANDLE,
					       process, mm);
	if (!current->mm || (current->flags & PF_EXITING))
		return STATUS_PROCESS_IS_TERMINATING;
	*process = caller;
	if (mm)
		*mm = current->mm;
	return STATUS_SUCCESS;
}

static void ps_dup_process_put(u64 handle, struct ps_process *process,
			       struct mm_struct *mm)
{
	if (!process || handle == NTEXEC_CURRENT_PROCESS)
		return;
	if (mm)
		mmput(mm);
	ps_dereference_process(process);
}

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
	struct ob_handle_info src = {}, info;
	struct mm_struct *source_mm;
	struct ob_object *obj;
	bool obj_ref = true;
	ntstatus_t status;

	if (options & ~(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS |
			DUPLICATE_SAME_ATTRIBUTES))
		return STATUS_INVALID_PARAMETER;
	if (attributes & ~OBJ_VALID_ATTRIBUTES)
		return STATUS_INVALID_PARAMETER;

	/* PROCESS_DUP_HANDLE reaches into the process's table: bound, as VM rights. */
	status = ps_dup_process(caller, source_process, &source, &source_mm);
	if (status)
		return status;

	/* Pseudo-handles name the source process's own process and thread. */
	if (source_handle == NTEXEC_CURRENT_PROCESS) {
		/* Held by the source (the caller: its file's) or the caller. */
		obj = &source->ob;
		obj_ref = false;
		src.access = PROCESS_ALL_ACCESS;
		src.bind = ps_process_mm_id(source, source_mm);
	} else if (source_handle == NTEXEC_CURRENT_THREAD) {
		if (source != caller) {
			status = STATUS_INVALID_HANDLE;
			goto out_source;
		}
		status = ps_reference_object(caller, source_handle, NULL, 0, &obj, &src);
		if (status)
			goto out_source;
		src.bind = ps_process_mm_id(source, source_mm);
	} else {
		status = ob_reference_handle(&source->handles, source_handle, NULL, 0,
					     &obj, &src);
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
	status = ps_dup_process(caller, target_process, &target, NULL);
	if (status)
		goto out_obj;

	info = src;
	if (!(options & DUPLICATE_SAME_ACCESS)) {
		bool ps = obj->type == &ps_process_type || obj->type == &ps_thread_type;
		u32 want = ps ? ps_handle_access(obj->type, access) :
			   ob_map_generic(obj->type, access & ~MAXIMUM_ALLOWED) &
			   obj->type->valid_access;

		if (access & MAXIMUM_ALLOWED)
			want |= src.access;
		info.access = want;
		/*
		 * More access than the source handle has is granted when an
		 * open would grant it, as NT checks the object's security;
		 * the new handle is then bound to what that check saw.
		 */
		if (want & ~src.access) {
			struct ps_thread *t = NULL;
			struct ps_process *p;
			u32 checked;

			if (!ps) {
				status = STATUS_ACCESS_DENIED;
				goto out_target;
			}
			if (obj->type == &ps_thread_type) {
				t = to_thread(obj);
				p = t->process;
			} else {
				p = to_process(obj);
			}
			status = ps_access_check(p, t, want, &checked, &info.bind);
			if (status)
				goto out_target;
		}
	}
	info.attributes = (options & DUPLICATE_SAME_ATTRIBUTES) ? src.attributes :
								  attributes;
	if (obj_ref) {
		/* The lookup's reference passes to the new handle. */
		status = ob_insert_handle_ref(&target->handles, obj, &info, target_handle);
		obj_ref = status != STATUS_SUCCESS;
	} else {
		status = ob_insert_handle(&target->handles, obj, &info, target_handle);
	}

out_target:
	ps_dup_process_put(target_process, target, NULL);
out_obj:
	if (obj_ref)
		ob_dereference(obj);
out_source:
	ps_dup_process_put(source_process, source, source_mm);
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
			/* Threads whose id another namespace hides have 0: skipped. */
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
			after = ps_thread_id(from, ns);
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
		/* Each step scans the threads: a long walk must yield and die. */
		cond_resched();
		if (fatal_signal_pending(current)) {
			status = STATUS_NO_MORE_ENTRIES;
			break;
		}
	}
out:
	ps_dereference_process(proc);
	return status;
}

/**
 * ps_access_init() - mount the module's own procfs for the access check
 *
 * Return: 0 or an errno.
 */
int ps_access_init(void)
{
	struct file_system_type *proc = get_fs_type("proc");

	if (!proc)
		return -ENOENT;
	/* procfs is built in: get_fs_type() took no module reference. */
	ps_proc_mnt = kern_mount(proc);
	if (IS_ERR(ps_proc_mnt))
		return PTR_ERR(ps_proc_mnt);
	ps_proc_ns = get_pid_ns(task_active_pid_ns(current));
	return 0;
}

void ps_access_exit(void)
{
	kern_unmount(ps_proc_mnt);
	put_pid_ns(ps_proc_ns);
}
