/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process manager: NT process and thread objects for Linux thread
 * groups and threads.
 */
#ifndef _NTEXEC_PS_H
#define _NTEXEC_PS_H

#include <linux/list.h>
#include <linux/pid.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "../ntexec/ob.h"
#include "../uapi/ntexec.h"

struct mm_space;

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

extern const struct ob_type ps_process_type;
extern const struct ob_type ps_thread_type;

/**
 * struct ps_process - an NT process: one Linux thread group
 * @ob: object header; signaled when the thread group has exited
 * @pid: the thread group's struct pid (referenced)
 * @parent: the Linux parent's thread group when the process was adopted
 *	(referenced; may be NULL)
 * @node: in the process table until the thread group is reaped
 * @create_time: NT system time of the thread group's start
 * @handles: the handle table; closed at rundown
 * @rundown_work: closes the handle table after exit, then signals
 *	the process, in process context
 * @lock: protects the fields below
 * @exit_time: NT system time of the exit, 0 while alive
 * @exit_status: STATUS_PENDING while alive
 * @terminate_status: the status NtTerminateProcess asked for
 * @terminating: @terminate_status is valid
 * @image_name: the executable's path when last seen, UTF-8 (kmalloc'ed;
 *	may be NULL); refreshed by queries while the process lives
 * @user_time: final user time in 100 ns units, once exited
 * @kernel_time: final kernel time in 100 ns units, once exited
 * @vm: its NT address space (ntmm/), referenced; NULL until a memory
 *	service needs it, and again after rundown
 *
 * References: the process table holds one until the thread group is reaped,
 * the rundown work one while it is queued,
 * every handle holds one, every ps_thread holds one, every /dev/ntexec
 * descriptor of the process holds one.
 */
struct ps_process {
	struct ob_object ob;
	struct pid *pid;
	struct pid *parent;
	struct hlist_node node;
	s64 create_time;
	struct ob_handle_table handles;
	struct work_struct rundown_work;

	spinlock_t lock;
	s64 exit_time;
	ntstatus_t exit_status;
	ntstatus_t terminate_status;
	bool terminating;
	char *image_name;
	u64 user_time;
	u64 kernel_time;
	struct mm_space *vm;
};

/**
 * struct ps_thread - an NT thread: one Linux thread
 * @ob: object header; signaled when the thread has exited
 * @pid: the thread's struct pid (referenced)
 * @process: its process (referenced)
 * @node: in the thread table until the thread is reaped
 * @create_time: NT system time of the thread's start
 * @alert_wait: wakes an alertable wait; its lock protects @alerted
 * @alerted: NtAlertThread was called and no alertable wait consumed it
 * @lock: protects the fields below
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
 */
struct ps_thread {
	struct ob_object ob;
	struct pid *pid;
	struct ps_process *process;
	struct hlist_node node;
	s64 create_time;
	wait_queue_head_t alert_wait;
	bool alerted;

	spinlock_t lock;
	s64 exit_time;
	ntstatus_t exit_status;
	ntstatus_t terminate_status;
	bool terminating;
	u64 user_time;
	u64 kernel_time;
	u32 exception_code;
	u32 exception_access;
	unsigned long exception_address;
};

static inline struct ps_process *to_process(struct ob_object *obj)
{
	return container_of(obj, struct ps_process, ob);
}

static inline struct ps_thread *to_thread(struct ob_object *obj)
{
	return container_of(obj, struct ps_thread, ob);
}

static inline void ps_dereference_process(struct ps_process *p)
{
	ob_dereference(&p->ob);
}

static inline void ps_dereference_thread(struct ps_thread *t)
{
	ob_dereference(&t->ob);
}

int ps_init(void);
void ps_exit(void);

struct ps_process *ps_get_process(struct pid *tgid);
struct ps_thread *ps_get_thread(struct pid *pid);
struct ps_process *ps_current_process(void);
struct ps_thread *ps_current_thread(void);

ntstatus_t ps_reference_object(struct ps_process *caller, u64 handle,
			       const struct ob_type *type, u32 desired,
			       struct ob_object **obj, u32 *granted);
ntstatus_t ps_reference_process(struct ps_process *caller, u64 handle, u32 desired,
				struct ps_process **process);
ntstatus_t ps_reference_thread(struct ps_process *caller, u64 handle, u32 desired,
			       struct ps_thread **thread);

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
ntstatus_t ps_test_alert(void);
ntstatus_t ps_get_next_process(struct ps_process *caller, u64 process, u32 access,
			       u32 attributes, u64 *handle);
ntstatus_t ps_get_next_thread(struct ps_process *caller, u64 process, u64 thread,
			      u32 access, u32 attributes, u64 *handle);

ntstatus_t ps_status_from_exit_code(int code);
char *ps_image_name(struct pid *tgid);
void ps_group_times(struct task_struct *task, u64 *user, u64 *kernel);

/* ntps/query.c */
ntstatus_t ps_query_process(struct ps_process *caller, u64 handle, u32 info_class,
			    void __user *buffer, u32 length, u32 *return_length);
ntstatus_t ps_query_thread(struct ps_process *caller, u64 handle, u32 info_class,
			   void __user *buffer, u32 length, u32 *return_length);

/* Time in NT's units: 100 ns since 1601-01-01 (system time) or plain. */
#define PS_NT_EPOCH_OFFSET	116444736000000000LL
s64 ps_nt_time_from_boottime(u64 boottime_ns);
s64 ps_nt_system_time(void);

#endif /* _NTEXEC_PS_H */
