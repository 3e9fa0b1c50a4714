// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: I/O completion queues (ntob/iocomp.c) and the job's pure parts
 * (ntps/job.c): FIFO order, depth and signaled state, a remove that times
 * out, the queue's end with packets in it, which exit statuses are
 * abnormal, a job's life without members, the commit charge's
 * arithmetic against the process and job memory limits, the slice of each
 * scheduling class, and the limits a chain of nested jobs puts in force.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/mm.h>

#include "../ntob/compat.h"
#include "../ntps/ps.h"

static struct ob_timeout expired(void)
{
	return (struct ob_timeout) {
		.infinite = false,
		.deadline = 0,
		.clock = CLOCK_MONOTONIC,
	};
}

static void iocomp_fifo_depth_signaled(struct kunit *test)
{
	struct ob_io_packet in = {}, out[4];
	struct ob_timeout t = expired();
	struct ob_iocomp *port;
	u32 n, i;

	KUNIT_ASSERT_EQ(test, ob_create_iocomp(0, &port), STATUS_SUCCESS);
	KUNIT_EXPECT_FALSE(test, ob_iocomp_object(port)->signaled);
	for (i = 1; i <= 3; i++) {
		in.key = i;
		in.information = 10 * i;
		in.status = 0xC0000000u + i;
		KUNIT_ASSERT_EQ(test, ob_iocomp_post(port, &in, GFP_KERNEL), STATUS_SUCCESS);
	}
	KUNIT_EXPECT_EQ(test, ob_iocomp_depth(port), 3u);
	KUNIT_EXPECT_TRUE(test, ob_iocomp_object(port)->signaled);
	KUNIT_ASSERT_EQ(test, ob_iocomp_remove(port, out, 2, &n, NULL, &t), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, n, 2u);
	KUNIT_EXPECT_EQ(test, out[0].key, 1ull);
	KUNIT_EXPECT_EQ(test, out[1].key, 2ull);
	KUNIT_EXPECT_EQ(test, out[1].information, 20ull);
	KUNIT_EXPECT_EQ(test, out[1].status, 0xC0000002u);
	KUNIT_EXPECT_TRUE(test, ob_iocomp_object(port)->signaled);
	KUNIT_ASSERT_EQ(test, ob_iocomp_remove(port, out, 4, &n, NULL, &t), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, n, 1u);
	KUNIT_EXPECT_EQ(test, out[0].key, 3ull);
	KUNIT_EXPECT_FALSE(test, ob_iocomp_object(port)->signaled);
	KUNIT_EXPECT_EQ(test, ob_iocomp_remove(port, out, 4, &n, NULL, &t), STATUS_TIMEOUT);
	KUNIT_EXPECT_EQ(test, n, 0u);
	/* The object goes with packets in it: they go too (kmemleak judges). */
	KUNIT_ASSERT_EQ(test, ob_iocomp_post(port, &in, GFP_KERNEL), STATUS_SUCCESS);
	ob_dereference(ob_iocomp_object(port));
}

static void iocomp_waits_for_its_deadline(struct kunit *test)
{
	struct ob_timeout t = {
		.deadline = ktime_add_ms(ktime_get(), 30),
		.clock = CLOCK_MONOTONIC,
	};
	struct ob_io_packet out;
	struct ob_iocomp *port;
	ktime_t t0 = ktime_get();
	u32 n;

	KUNIT_ASSERT_EQ(test, ob_create_iocomp(1, &port), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ob_iocomp_remove(port, &out, 1, &n, NULL, &t), STATUS_TIMEOUT);
	KUNIT_EXPECT_GE(test, ktime_ms_delta(ktime_get(), t0), 29);
	ob_dereference(ob_iocomp_object(port));
}

static void abnormal_statuses(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, ps_job_abnormal(0xC0000005));	/* access violation */
	KUNIT_EXPECT_TRUE(test, ps_job_abnormal(0xC00000FD));	/* stack overflow */
	KUNIT_EXPECT_TRUE(test, ps_job_abnormal(0x80000003));	/* breakpoint */
	KUNIT_EXPECT_TRUE(test, ps_job_abnormal(0xC000013A));	/* Ctrl+C */
	KUNIT_EXPECT_FALSE(test, ps_job_abnormal(0));
	KUNIT_EXPECT_FALSE(test, ps_job_abnormal(1));
	KUNIT_EXPECT_FALSE(test, ps_job_abnormal(0xC0000044));	/* quota: a limit, not a crash */
	KUNIT_EXPECT_FALSE(test, ps_job_abnormal(0xC0DE1234));
}

static void empty_job_lives_and_goes(struct kunit *test)
{
	long before = ps_job_count();
	struct ps_job *job;
	int i;

	KUNIT_ASSERT_EQ(test, ps_create_job(&job), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_job_count(), before + 1);
	KUNIT_EXPECT_FALSE(test, ps_job_object(job)->signaled);
	ob_dereference(ps_job_object(job));
	/* Its end runs on the job work queue. */
	for (i = 0; i < 50 && ps_job_count() != before; i++)
		msleep(20);
	KUNIT_EXPECT_EQ(test, ps_job_count(), before);
}

#define PAGES(n) ((u64)(n) << PAGE_SHIFT)
/* PS_JOB_MAX_DEPTH (ntps/job.c) */
#define PS_TEST_DEPTH 8

static void memory_charge_arithmetic(struct kunit *test)
{
	struct ps_job *job, *over;
	u64 used, peak_process, peak_job;
	u32 msg;

	KUNIT_ASSERT_EQ(test, ps_create_job(&job), STATUS_SUCCESS);
	/* No limit: anything goes, and is counted. */
	KUNIT_EXPECT_EQ(test, ps_job_charge(job, 10, 0, false, NULL, &over, &msg), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, msg, 0u);
	KUNIT_EXPECT_PTR_EQ(test, over, NULL);
	/* Limits below a page are refused; others count whole pages. */
	KUNIT_EXPECT_EQ(test, ps_job_set_memory_limits(job, JOB_OBJECT_LIMIT_PROCESS_MEMORY,
						       PAGE_SIZE - 1, 0), STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, ps_job_set_memory_limits(job, JOB_OBJECT_LIMIT_JOB_MEMORY, 0, 0),
			STATUS_INVALID_PARAMETER);
	KUNIT_ASSERT_EQ(test, ps_job_set_memory_limits(job, JOB_OBJECT_LIMIT_PROCESS_MEMORY |
						       JOB_OBJECT_LIMIT_JOB_MEMORY,
						       PAGES(16) + 100, PAGES(20)),
			STATUS_SUCCESS);
	/* The process limit bounds the process's commit, exactly. */
	KUNIT_EXPECT_EQ(test, ps_job_charge(job, 6, 10, false, NULL, &over, &msg), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_job_charge(job, 1, 16, false, NULL, &over, &msg),
			STATUS_COMMITMENT_LIMIT);
	KUNIT_EXPECT_EQ(test, msg, (u32)JOB_OBJECT_MSG_PROCESS_MEMORY_LIMIT);
	KUNIT_EXPECT_PTR_EQ(test, over, job);
	ps_job_memory(job, &used, &peak_process, &peak_job);
	KUNIT_EXPECT_EQ(test, used, PAGES(16));
	KUNIT_EXPECT_EQ(test, peak_process, PAGES(16));
	/* The job limit bounds the sum; a refusal charges nothing. */
	KUNIT_EXPECT_EQ(test, ps_job_charge(job, 5, 0, false, NULL, &over, &msg),
			STATUS_COMMITMENT_LIMIT);
	KUNIT_EXPECT_EQ(test, msg, (u32)JOB_OBJECT_MSG_JOB_MEMORY_LIMIT);
	KUNIT_EXPECT_EQ(test, ps_job_charge(job, 4, 0, false, NULL, &over, &msg), STATUS_SUCCESS);
	ps_job_memory(job, &used, &peak_process, &peak_job);
	KUNIT_EXPECT_EQ(test, used, PAGES(20));
	KUNIT_EXPECT_EQ(test, peak_job, PAGES(20));
	KUNIT_EXPECT_EQ(test, peak_process, PAGES(16));
	/* A joining process brings its commit whatever the limits say. */
	KUNIT_EXPECT_EQ(test, ps_job_charge(job, 30, 0, true, NULL, &over, &msg), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, msg, (u32)JOB_OBJECT_MSG_JOB_MEMORY_LIMIT);
	ps_job_memory(job, &used, &peak_process, &peak_job);
	KUNIT_EXPECT_EQ(test, used, PAGES(50));
	KUNIT_EXPECT_EQ(test, peak_job, PAGES(50));
	KUNIT_EXPECT_EQ(test, peak_process, PAGES(30));
	/* Uncharges give it back; the peaks stay. */
	ps_job_uncharge(job, 30);
	ps_job_uncharge(job, 20);
	ps_job_memory(job, &used, &peak_process, &peak_job);
	KUNIT_EXPECT_EQ(test, used, 0ull);
	KUNIT_EXPECT_EQ(test, peak_job, PAGES(50));
	/* Cleared limits: no bound. */
	KUNIT_ASSERT_EQ(test, ps_job_set_memory_limits(job, 0, 0, 0), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_job_charge(job, 1000, 5000, false, NULL, &over, &msg),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, msg, 0u);
	ps_job_uncharge(job, 1000);
	ob_dereference(ps_job_object(job));
}

/* A job's working-set limit: both sizes, clamped, room to move. */
static void working_set_limit_pages(struct kunit *test)
{
	unsigned long min = 1, max = 1;

	KUNIT_EXPECT_EQ(test, mm_job_ws_pages(0, 64 * PAGE_SIZE, &min, &max),
			STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, mm_job_ws_pages(32 * PAGE_SIZE, 0, &min, &max),
			STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, mm_job_ws_pages(64 * PAGE_SIZE, 32 * PAGE_SIZE, &min, &max),
			STATUS_BAD_WORKING_SET_LIMIT);
	KUNIT_EXPECT_EQ(test, mm_job_ws_pages(U64_MAX, U64_MAX, &min, &max),
			STATUS_BAD_WORKING_SET_LIMIT);
	KUNIT_EXPECT_EQ(test, mm_job_ws_pages(32 * PAGE_SIZE, 40 * PAGE_SIZE, &min, &max),
			STATUS_BAD_WORKING_SET_LIMIT);
	/* Nothing written on a refusal. */
	KUNIT_EXPECT_EQ(test, min, 1ul);
	KUNIT_EXPECT_EQ(test, max, 1ul);
	KUNIT_EXPECT_EQ(test, mm_job_ws_pages(32 * PAGE_SIZE + 5, 64 * PAGE_SIZE + 5, &min, &max),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, min, 32ul);
	KUNIT_EXPECT_EQ(test, max, 64ul);
	/* A small minimum is Windows' smallest; a maximum past the RAM is the RAM. */
	KUNIT_EXPECT_EQ(test, mm_job_ws_pages(1, U64_MAX - 1, &min, &max), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, min, 20ul);
	KUNIT_EXPECT_EQ(test, max, totalram_pages());
}

static void put_job(struct ps_job *job)
{
	ob_dereference(ps_job_object(job));
}

/* Windows 8's job tree: who nests under whom, chains, charges up a chain. */
static void job_tree(struct kunit *test)
{
	struct ps_job *a, *b, *c, *d, *chain[PS_TEST_DEPTH + 2], *over;
	u64 used, pp, pj;
	u32 msg;
	int i;

	KUNIT_ASSERT_EQ(test, ps_create_job(&a), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ps_create_job(&b), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ps_create_job(&c), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ps_create_job(&d), STATUS_SUCCESS);
	/* An empty job nests under the process's job; itself, never. */
	KUNIT_EXPECT_EQ(test, ps_job_nest(a, a), STATUS_ACCESS_DENIED);
	KUNIT_EXPECT_EQ(test, ps_job_nest(b, a), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_job_nest(b, a), STATUS_SUCCESS);	/* again: already */
	KUNIT_EXPECT_EQ(test, ps_job_nest(c, b), STATUS_SUCCESS);
	/* No cycle, no second parent, no job with jobs below it moved. */
	KUNIT_EXPECT_EQ(test, ps_job_nest(a, c), STATUS_ACCESS_DENIED);
	KUNIT_EXPECT_EQ(test, ps_job_nest(c, d), STATUS_ACCESS_DENIED);
	KUNIT_EXPECT_EQ(test, ps_job_nest(b, d), STATUS_ACCESS_DENIED);
	KUNIT_EXPECT_TRUE(test, ps_job_in_chain(c, a));
	KUNIT_EXPECT_TRUE(test, ps_job_in_chain(c, b));
	KUNIT_EXPECT_TRUE(test, ps_job_in_chain(c, c));
	KUNIT_EXPECT_FALSE(test, ps_job_in_chain(a, c));
	KUNIT_EXPECT_FALSE(test, ps_job_in_chain(c, d));

	/* Every job of the chain applies its limits; a refusal charges none. */
	KUNIT_ASSERT_EQ(test, ps_job_set_memory_limits(a, JOB_OBJECT_LIMIT_JOB_MEMORY, 0,
						       PAGES(10)), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ps_job_set_memory_limits(c, JOB_OBJECT_LIMIT_PROCESS_MEMORY,
						       PAGES(6), 0), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_job_charge(c, 7, 0, false, NULL, &over, &msg),
			STATUS_COMMITMENT_LIMIT);
	KUNIT_EXPECT_PTR_EQ(test, over, c);
	KUNIT_EXPECT_EQ(test, ps_job_charge(c, 6, 0, false, NULL, &over, &msg), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_job_charge(b, 5, 0, false, NULL, &over, &msg),
			STATUS_COMMITMENT_LIMIT);
	KUNIT_EXPECT_PTR_EQ(test, over, a);
	KUNIT_EXPECT_EQ(test, msg, (u32)JOB_OBJECT_MSG_JOB_MEMORY_LIMIT);
	ps_job_memory(a, &used, &pp, &pj);
	KUNIT_EXPECT_EQ(test, used, PAGES(6));
	ps_job_memory(b, &used, &pp, &pj);
	KUNIT_EXPECT_EQ(test, used, PAGES(6));
	ps_job_memory(c, &used, &pp, &pj);
	KUNIT_EXPECT_EQ(test, used, PAGES(6));
	/* A space moving from b down to c: only c is charged. */
	KUNIT_EXPECT_EQ(test, ps_job_charge(b, 2, 0, false, NULL, &over, &msg), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_job_charge(c, 2, 0, true, b, &over, &msg), STATUS_SUCCESS);
	ps_job_memory(a, &used, &pp, &pj);
	KUNIT_EXPECT_EQ(test, used, PAGES(8));
	ps_job_memory(c, &used, &pp, &pj);
	KUNIT_EXPECT_EQ(test, used, PAGES(8));
	/* ... never up. */
	KUNIT_EXPECT_EQ(test, ps_job_charge(b, 2, 0, true, c, &over, &msg), STATUS_UNSUCCESSFUL);
	ps_job_uncharge(c, 8);
	ps_job_memory(a, &used, &pp, &pj);
	KUNIT_EXPECT_EQ(test, used, 0ull);

	/* The depth is bounded. */
	chain[0] = d;
	for (i = 1; i < PS_TEST_DEPTH + 2; i++) {
		KUNIT_ASSERT_EQ(test, ps_create_job(&chain[i]), STATUS_SUCCESS);
		if (i <= PS_TEST_DEPTH)
			KUNIT_EXPECT_EQ(test, ps_job_nest(chain[i], chain[i - 1]), STATUS_SUCCESS);
		else
			KUNIT_EXPECT_EQ(test, ps_job_nest(chain[i], chain[i - 1]),
					STATUS_ACCESS_DENIED);
	}
	/* Children hold their parents: any order of release frees all. */
	for (i = 1; i < PS_TEST_DEPTH + 2; i++)
		put_job(chain[i]);
	put_job(a);
	put_job(b);
	put_job(c);
	put_job(d);
}

/* The scheduling classes' slices: longer with the class, 5 the default. */
static void scheduling_class_slices(struct kunit *test)
{
	u32 c;

	KUNIT_EXPECT_EQ(test, ps_scheduling_class_slice(PS_JOB_SCHEDULING_CLASS_DEFAULT), 0ull);
	/* The kernel's own bounds for a custom slice: 0.1 to 100 ms. */
	KUNIT_EXPECT_EQ(test, ps_scheduling_class_slice(0), 100000ull);
	KUNIT_EXPECT_EQ(test, ps_scheduling_class_slice(9), 100000000ull);
	for (c = 1; c < PS_JOB_SCHEDULING_CLASSES; c++) {
		if (c == PS_JOB_SCHEDULING_CLASS_DEFAULT ||
		    c - 1 == PS_JOB_SCHEDULING_CLASS_DEFAULT)
			continue;
		KUNIT_EXPECT_GT(test, ps_scheduling_class_slice(c),
				ps_scheduling_class_slice(c - 1));
	}
	/*
	 * Below the default, shorter than any default slice (0.7 ms at the
	 * least); above it, longer than any (2.8 ms at the most).
	 */
	KUNIT_EXPECT_LT(test, ps_scheduling_class_slice(4), 700000ull);
	KUNIT_EXPECT_GT(test, ps_scheduling_class_slice(6), 2800000ull);
	/* Out of range counts as the last class (the setter refuses it first). */
	KUNIT_EXPECT_EQ(test, ps_scheduling_class_slice(U32_MAX), ps_scheduling_class_slice(9));
}

/*
 * Nested jobs' effective limits (Windows' PspSetEffectiveJobLimits): a
 * child's own limit is in force only where it is stricter than its
 * parent's; nothing is refused.
 */
static void nested_effective_limits(struct kunit *test)
{
	const u32 pc = JOB_OBJECT_LIMIT_PRIORITY_CLASS, af = JOB_OBJECT_LIMIT_AFFINITY,
		  sc = JOB_OBJECT_LIMIT_SCHEDULING_CLASS;
	const u32 sched = NTX_HAVE_TASK_SLICE ? sc : 0;
	u32 flags, class, sclass;
	struct ps_job *a, *b;
	u64 aff;

	KUNIT_ASSERT_EQ(test, ps_create_job(&a), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ps_create_job(&b), STATUS_SUCCESS);
	KUNIT_ASSERT_EQ(test, ps_job_nest(b, a), STATUS_SUCCESS);

	/* Nothing set: nothing in force. */
	ps_job_effective_limits(b, &flags, &class, &aff, &sclass);
	KUNIT_EXPECT_EQ(test, flags, 0u);

	/* The parent's alone is the child's. */
	KUNIT_ASSERT_EQ(test, ps_job_set_basic_limits(a, pc | af | sched,
						      PROCESS_PRIORITY_CLASS_NORMAL, 1, 3),
			STATUS_SUCCESS);
	ps_job_effective_limits(b, &flags, &class, &aff, &sclass);
	KUNIT_EXPECT_EQ(test, flags, pc | af | sched);
	KUNIT_EXPECT_EQ(test, class, (u32)PROCESS_PRIORITY_CLASS_NORMAL);
	KUNIT_EXPECT_EQ(test, aff, 1ull);
	if (sched)
		KUNIT_EXPECT_EQ(test, sclass, 3u);

	/* Less strict in the child: accepted, not in force. */
	KUNIT_EXPECT_EQ(test, ps_job_set_basic_limits(b, pc | af | sched,
						      PROCESS_PRIORITY_CLASS_HIGH,
						      num_online_cpus() > 1 ? 3 : 1, 4),
			STATUS_SUCCESS);
	ps_job_effective_limits(b, &flags, &class, &aff, &sclass);
	KUNIT_EXPECT_EQ(test, class, (u32)PROCESS_PRIORITY_CLASS_NORMAL);
	KUNIT_EXPECT_EQ(test, aff, 1ull);
	if (sched)
		KUNIT_EXPECT_EQ(test, sclass, 3u);

	/* Stricter in the child: in force for the child, not the parent. */
	KUNIT_EXPECT_EQ(test, ps_job_set_basic_limits(b, pc | sched,
						      PROCESS_PRIORITY_CLASS_IDLE, 0, 1),
			STATUS_SUCCESS);
	ps_job_effective_limits(b, &flags, &class, &aff, &sclass);
	KUNIT_EXPECT_EQ(test, flags, pc | af | sched);
	KUNIT_EXPECT_EQ(test, class, (u32)PROCESS_PRIORITY_CLASS_IDLE);
	KUNIT_EXPECT_EQ(test, aff, 1ull);
	if (sched)
		KUNIT_EXPECT_EQ(test, sclass, 1u);
	ps_job_effective_limits(a, &flags, &class, &aff, &sclass);
	KUNIT_EXPECT_EQ(test, class, (u32)PROCESS_PRIORITY_CLASS_NORMAL);
	if (sched)
		KUNIT_EXPECT_EQ(test, sclass, 3u);

	/* BELOW_NORMAL (5) is below NORMAL (2) though its value is larger. */
	KUNIT_EXPECT_EQ(test, ps_job_set_basic_limits(b, pc, PROCESS_PRIORITY_CLASS_BELOW_NORMAL,
						      0, 0), STATUS_SUCCESS);
	ps_job_effective_limits(b, &flags, &class, &aff, &sclass);
	KUNIT_EXPECT_EQ(test, class, (u32)PROCESS_PRIORITY_CLASS_BELOW_NORMAL);

	/* The parent's cleared: the child's own is in force. */
	KUNIT_EXPECT_EQ(test, ps_job_set_basic_limits(a, 0, 0, 0, 0), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_job_set_basic_limits(b, pc | sched,
						      PROCESS_PRIORITY_CLASS_HIGH, 0, 7),
			STATUS_SUCCESS);
	ps_job_effective_limits(b, &flags, &class, &aff, &sclass);
	KUNIT_EXPECT_EQ(test, flags, pc | sched);
	KUNIT_EXPECT_EQ(test, class, (u32)PROCESS_PRIORITY_CLASS_HIGH);
	if (sched)
		KUNIT_EXPECT_EQ(test, sclass, 7u);
	put_job(b);
	put_job(a);
}

/* cpu.max's quota for a CpuRate, and a backing's request checked before any file. */
static void cgroup_backing_arithmetic(struct kunit *test)
{
	struct nt_job_cgroup_info req = { .cgroup_fd = -1 };
	struct ps_job_cgroup *cg = NULL;

	KUNIT_EXPECT_EQ(test, ps_job_cgroup_cpu_quota(10000, 2), 200000ull);
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_cpu_quota(2500, 2), 50000ull);
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_cpu_quota(10000, 64), 6400000ull);
	/* 0.01 % of one CPU is 10 us: Linux's floor of 1 ms. */
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_cpu_quota(1, 1), 1000ull);
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_cpu_quota(100, 1), 1000ull);
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_cpu_quota(101, 1), 1010ull);

	KUNIT_EXPECT_EQ(test, ps_job_cgroup_open(&req, &cg), (ntstatus_t)STATUS_INVALID_HANDLE);
	req.cgroup_fd = (s64)INT_MAX + 1;
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_open(&req, &cg), (ntstatus_t)STATUS_INVALID_HANDLE);
	req.cgroup_fd = 0;
	req.flags = 0x8;
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_open(&req, &cg), (ntstatus_t)STATUS_INVALID_PARAMETER);
	req.flags = JOB_OBJECT_NTX_CGROUP_PIDS;
	req.pids_max = PID_MAX_LIMIT + 1ull;
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_open(&req, &cg), (ntstatus_t)STATUS_INVALID_PARAMETER);
	req.flags = JOB_OBJECT_NTX_CGROUP_CPU;
	req.pids_max = 0;
	req.cpu_rate = 10001;
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_open(&req, &cg), (ntstatus_t)STATUS_INVALID_PARAMETER);
	req.flags = 0;
	req.cpu_rate = 0;
	req.cgroup_id = 7;
	KUNIT_EXPECT_EQ(test, ps_job_cgroup_open(&req, &cg), (ntstatus_t)STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_NULL(test, cg);
}

static struct kunit_case job_test_cases[] = {
	KUNIT_CASE(memory_charge_arithmetic),
	KUNIT_CASE(working_set_limit_pages),
	KUNIT_CASE(iocomp_fifo_depth_signaled),
	KUNIT_CASE(iocomp_waits_for_its_deadline),
	KUNIT_CASE(abnormal_statuses),
	KUNIT_CASE(empty_job_lives_and_goes),
	KUNIT_CASE(job_tree),
	KUNIT_CASE(scheduling_class_slices),
	KUNIT_CASE(nested_effective_limits),
	KUNIT_CASE(cgroup_backing_arithmetic),
	{}
};

static struct kunit_suite job_test_suite = {
	.name = "ntexec_job",
	.test_cases = job_test_cases,
};

kunit_test_suite(job_test_suite);
