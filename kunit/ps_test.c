// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: process and thread objects (ntps/): exit-status mapping,
 * adoption, CID opens, references through handles, and the exit probe.
 */
#include <kunit/test.h>
#include <linux/mman.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>

#include "../ntob/compat.h"
#include "../ntps/ps.h"

struct exit_case {
	int code;
	u32 status;
};

static const struct exit_case exit_cases[] = {
	{ 0, 0 },
	{ 7 << 8, 7 },
	{ 255 << 8, 255 },
	{ SIGSEGV, STATUS_ACCESS_VIOLATION },
	{ SIGSEGV | 0x80, STATUS_ACCESS_VIOLATION },	/* core dumped */
	{ SIGILL, STATUS_ILLEGAL_INSTRUCTION },
	{ SIGBUS, STATUS_IN_PAGE_ERROR },
	{ SIGFPE, STATUS_INTEGER_DIVIDE_BY_ZERO },
	{ SIGINT, STATUS_CONTROL_C_EXIT },
	{ SIGKILL, 128 + SIGKILL },
	{ SIGTERM, 128 + SIGTERM },
};

static void exit_case_desc(const struct exit_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "code 0x%x", c->code);
}

KUNIT_ARRAY_PARAM(exit_code, exit_cases, exit_case_desc);

static void status_from_exit_code(struct kunit *test)
{
	const struct exit_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, ps_status_from_exit_code(c->code), c->status);
}

static void adopt_current(struct kunit *test)
{
	struct ps_process *p1, *p2;
	struct ps_thread *t1, *t2;

	p1 = ps_current_process();
	KUNIT_ASSERT_NOT_NULL(test, p1);
	p2 = ps_current_process();
	KUNIT_EXPECT_PTR_EQ(test, p1, p2);
	KUNIT_EXPECT_PTR_EQ(test, p1->pid, task_tgid(current));
	KUNIT_EXPECT_EQ(test, p1->exit_status, (u32)STATUS_PENDING);
	KUNIT_EXPECT_GT(test, p1->create_time, PS_NT_EPOCH_OFFSET);
	KUNIT_EXPECT_LE(test, p1->create_time, ps_nt_system_time());

	t1 = ps_current_thread();
	KUNIT_ASSERT_NOT_NULL(test, t1);
	t2 = ps_current_thread();
	KUNIT_EXPECT_PTR_EQ(test, t1, t2);
	KUNIT_EXPECT_PTR_EQ(test, t1->process, p1);
	ps_dereference_thread(t1);
	ps_dereference_thread(t2);
	ps_dereference_process(p1);
	ps_dereference_process(p2);
}

static void release_process(void *p)
{
	struct ps_process *process = p;

	ob_close_handle_table(&process->handles);
	ps_dereference_process(process);
}

static void handles_to_self(struct kunit *test)
{
	struct ps_process *self, *p;
	struct ps_thread *t;
	u64 h, ht;

#ifdef NTX_HAVE_KUNIT_VM_MMAP
	/* PROCESS_DUP_HANDLE is about a program: give the test thread one. */
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(kunit_vm_mmap(test, NULL, 0, PAGE_SIZE,
							    PROT_READ, MAP_ANONYMOUS |
							    MAP_PRIVATE, 0)));
#else
	kunit_skip(test, "needs kunit_vm_mmap()");
#endif
	self = ps_current_process();
	KUNIT_ASSERT_NOT_NULL(test, self);
	/* One id per address space, the same every time it is asked. */
	KUNIT_EXPECT_NE(test, ps_process_mm_id(self, current->mm), 0ull);
	KUNIT_EXPECT_EQ(test, ps_process_mm_id(self, current->mm),
			ps_process_mm_id(self, current->mm));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, release_process, self), 0);

	/* A kernel thread is no NT process: its CID cannot be opened. */
	KUNIT_EXPECT_EQ(test, ps_open_process(self, task_tgid_vnr(current), 0, SYNCHRONIZE,
					      0, &h), STATUS_ACCESS_DENIED);
	KUNIT_EXPECT_EQ(test, ps_open_process(self, 0, 0, SYNCHRONIZE, 0, &h),
			STATUS_INVALID_CID);
	KUNIT_EXPECT_EQ(test, ps_open_process(self, 0x7ffffff0, 0, SYNCHRONIZE, 0, &h),
			STATUS_INVALID_CID);
	KUNIT_EXPECT_EQ(test, ps_open_thread(self, 0, 0, SYNCHRONIZE, 0, &h),
			STATUS_INVALID_CID);

	/* A real handle from the pseudo-handle, with reduced access. */
	KUNIT_ASSERT_EQ(test, ps_duplicate_object(self, NTEXEC_CURRENT_PROCESS,
						  NTEXEC_CURRENT_PROCESS,
						  NTEXEC_CURRENT_PROCESS,
						  PROCESS_QUERY_INFORMATION, 0, 0, &h),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&self->handles), 1u);
	KUNIT_ASSERT_EQ(test, ps_reference_process(self, h, PROCESS_QUERY_INFORMATION, &p),
			STATUS_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, p, self);
	ps_dereference_process(p);
	KUNIT_EXPECT_EQ(test, ps_reference_process(self, h, PROCESS_TERMINATE, &p),
			STATUS_ACCESS_DENIED);
	KUNIT_EXPECT_EQ(test, ps_reference_thread(self, h, 0, &t), STATUS_OBJECT_TYPE_MISMATCH);
	/* More access than the source has is granted when an open would be. */
	KUNIT_EXPECT_EQ(test, ps_duplicate_object(self, NTEXEC_CURRENT_PROCESS, h,
						  NTEXEC_CURRENT_PROCESS, PROCESS_TERMINATE, 0, 0,
						  &ht), STATUS_SUCCESS);
	p = NULL;
	KUNIT_EXPECT_EQ(test, ps_reference_process(self, ht, PROCESS_TERMINATE, &p),
			STATUS_SUCCESS);
	if (p)
		ps_dereference_process(p);
	KUNIT_EXPECT_EQ(test, ob_close_handle(&self->handles, ht), STATUS_SUCCESS);
	/* DUPLICATE_CLOSE_SOURCE without a target only closes. */
	KUNIT_EXPECT_EQ(test, ps_duplicate_object(self, NTEXEC_CURRENT_PROCESS, h, 0, 0, 0,
						  DUPLICATE_CLOSE_SOURCE, &ht), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ob_handle_count(&self->handles), 0u);

	KUNIT_ASSERT_EQ(test, ps_duplicate_object(self, NTEXEC_CURRENT_PROCESS,
						  NTEXEC_CURRENT_THREAD,
						  NTEXEC_CURRENT_PROCESS, THREAD_ALERT, 0, 0, &ht),
			STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ps_reference_thread(self, ht, THREAD_ALERT, &t), STATUS_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, t->task, current);
	ps_dereference_thread(t);
	KUNIT_EXPECT_EQ(test, ps_alert_thread(self, ht), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_test_alert(), STATUS_ALERTED);
	KUNIT_EXPECT_EQ(test, ps_test_alert(), STATUS_SUCCESS);

	/* Pseudo-handles. */
	KUNIT_ASSERT_EQ(test, ps_reference_process(self, NTEXEC_CURRENT_PROCESS,
						   PROCESS_ALL_ACCESS, &p), STATUS_SUCCESS);
	KUNIT_EXPECT_PTR_EQ(test, p, self);
	ps_dereference_process(p);
	KUNIT_EXPECT_EQ(test, ps_reference_process(self, NTEXEC_CURRENT_THREAD, 0, &p),
			STATUS_OBJECT_TYPE_MISMATCH);
}

struct exiter {
	struct ps_process *process;
	struct ps_thread *thread;
	struct completion adopted;
};

static int adopt_and_exit(void *data)
{
	struct exiter *e = data;

	e->process = ps_current_process();
	e->thread = ps_current_thread();
	complete(&e->adopted);
	return 0;
}

static void exit_signals_objects(struct kunit *test)
{
	struct ob_timeout timeout = { .clock = CLOCK_MONOTONIC };
	struct ob_object *objs[2];
	struct task_struct *task;
	struct exiter e;

	init_completion(&e.adopted);
	task = kthread_run(adopt_and_exit, &e, "ntexec_kunit_exit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wait_for_completion(&e.adopted);
	KUNIT_ASSERT_NOT_NULL(test, e.process);
	KUNIT_ASSERT_NOT_NULL(test, e.thread);

	objs[0] = &e.process->ob;
	objs[1] = &e.thread->ob;
	timeout.deadline = ktime_add_ms(ktime_get(), 10000);
	KUNIT_EXPECT_EQ(test, ob_wait_objects(objs, 2, true, NULL, &timeout),
			(long)STATUS_WAIT_0);
	KUNIT_EXPECT_EQ(test, e.process->exit_status, 0u);
	KUNIT_EXPECT_EQ(test, e.thread->exit_status, 0u);
	KUNIT_EXPECT_GE(test, e.process->exit_time, e.process->create_time);
	/* Run down before it was signaled: no address space can be bound now. */
	KUNIT_EXPECT_EQ(test, ps_process_mm_id(e.process, current->mm), 0ull);
	ps_dereference_thread(e.thread);
	/* The rundown work holds the last table reference for a moment. */
	ps_dereference_process(e.process);
}

/*
 * The priority table: monotone, NORMAL's 8 at nice 0, the ends at the
 * ends, every priority its own nice value and back; thread base
 * priorities saturate within their range.
 */
static void priority_table(struct kunit *test)
{
	s32 p;
	int n;

	KUNIT_EXPECT_EQ(test, ps_nice_of_priority(8), 0);
	KUNIT_EXPECT_EQ(test, ps_nice_of_priority(1), 19);
	KUNIT_EXPECT_EQ(test, ps_nice_of_priority(15), -20);
	for (p = 1; p <= 15; p++) {
		KUNIT_EXPECT_EQ(test, ps_priority_of_nice(ps_nice_of_priority(p)), p);
		if (p > 1)
			KUNIT_EXPECT_LT(test, ps_nice_of_priority(p), ps_nice_of_priority(p - 1));
	}
	for (n = -20; n <= 19; n++) {
		p = ps_priority_of_nice(n);
		KUNIT_EXPECT_TRUE(test, p >= 1 && p <= 15);
		if (n > -20)
			KUNIT_EXPECT_LE(test, p, ps_priority_of_nice(n - 1));
	}
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(8, -2), 6);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(8, 2), 10);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(4, -2), 2);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(13, 2), 15);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(8, THREAD_BASE_PRIORITY_IDLE), 1);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(8, THREAD_BASE_PRIORITY_LOWRT), 15);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(24, 2), 26);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(24, THREAD_BASE_PRIORITY_IDLE), 16);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(24, THREAD_BASE_PRIORITY_LOWRT), 31);
	KUNIT_EXPECT_EQ(test, ps_thread_base_priority(16, -2), 16);
}

static struct kunit_case ps_test_cases[] = {
	KUNIT_CASE_PARAM(status_from_exit_code, exit_code_gen_params),
	KUNIT_CASE(adopt_current),
	KUNIT_CASE(handles_to_self),
	KUNIT_CASE(exit_signals_objects),
	KUNIT_CASE(priority_table),
	{}
};

static struct kunit_suite ps_test_suite = {
	.name = "ntexec_ps",
	.test_cases = ps_test_cases,
};
kunit_test_suite(ps_test_suite);
