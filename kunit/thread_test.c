// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: thread control (ntps/state.c, ntps/context.c, ntps/stub.c): the
 * suspend state machine, CONTEXT to and from Linux's register images, and
 * the sizes of a new thread's stack.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/sizes.h>
#include <asm/processor.h>
#include <asm/unistd.h>

#include "../ntps/ps.h"
#include "../ntps/context.h"

static void suspend_counts(struct kunit *test)
{
	struct ps_suspend s = {};
	bool queue;
	u32 prev;
	int i;

	KUNIT_EXPECT_EQ(test, ps_suspend_inc(&s, false, &prev, &queue), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, prev, 0u);
	KUNIT_EXPECT_TRUE(test, queue);
	KUNIT_EXPECT_TRUE(test, s.queued);
	/* One park work at a time. */
	KUNIT_EXPECT_EQ(test, ps_suspend_inc(&s, false, &prev, &queue), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, prev, 1u);
	KUNIT_EXPECT_FALSE(test, queue);
	for (i = 2; i < MAXIMUM_SUSPEND_COUNT; i++)
		KUNIT_ASSERT_EQ(test, ps_suspend_inc(&s, false, &prev, &queue), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, s.count, 127);
	KUNIT_EXPECT_EQ(test, ps_suspend_inc(&s, false, &prev, &queue),
			STATUS_SUSPEND_COUNT_EXCEEDED);
	KUNIT_EXPECT_EQ(test, prev, 127u);
	KUNIT_EXPECT_EQ(test, s.count, 127);
	for (i = 127; i > 0; i--)
		KUNIT_ASSERT_EQ(test, ps_suspend_dec(&s, false), (u32)i);
	KUNIT_EXPECT_FALSE(test, ps_suspend_wanted(&s));
	/* A resume at zero is not an error and changes nothing. */
	KUNIT_EXPECT_EQ(test, ps_suspend_dec(&s, false), 0u);
	KUNIT_EXPECT_EQ(test, s.count, 0);
}

static void suspend_process_undoes_exactly(struct kunit *test)
{
	struct ps_suspend s = {};
	bool queue;
	u32 prev;

	/* Resume process without a suspend process: nothing. */
	ps_suspend_inc(&s, false, &prev, &queue);
	ps_suspend_dec(&s, true);
	KUNIT_EXPECT_EQ(test, s.count, 1);
	/* Suspend process, then resume process: back to the thread's own. */
	ps_suspend_inc(&s, true, &prev, &queue);
	KUNIT_EXPECT_EQ(test, s.count, 2);
	KUNIT_EXPECT_EQ(test, s.by_process, 1);
	ps_suspend_dec(&s, true);
	KUNIT_EXPECT_EQ(test, s.count, 1);
	KUNIT_EXPECT_EQ(test, s.by_process, 0);
	ps_suspend_dec(&s, true);
	KUNIT_EXPECT_EQ(test, s.count, 1);
	/* Thread resumes eat into the process's part: it owes only the rest. */
	ps_suspend_inc(&s, true, &prev, &queue);
	ps_suspend_dec(&s, false);
	ps_suspend_dec(&s, false);
	KUNIT_EXPECT_EQ(test, s.count, 0);
	KUNIT_EXPECT_EQ(test, s.by_process, 0);
	ps_suspend_inc(&s, false, &prev, &queue);
	ps_suspend_dec(&s, true);
	KUNIT_EXPECT_EQ(test, s.count, 1);
}

static void park_holds_and_leaves(struct kunit *test)
{
	struct ps_suspend s = {};
	bool queue;
	u32 prev;

	/* A hold queues the park without a count. */
	KUNIT_EXPECT_TRUE(test, ps_suspend_hold(&s));
	KUNIT_EXPECT_EQ(test, s.count, 0);
	KUNIT_EXPECT_TRUE(test, ps_park_enter(&s, false));
	KUNIT_EXPECT_TRUE(test, s.parked);
	KUNIT_EXPECT_FALSE(test, ps_park_leave(&s, false));
	ps_suspend_inc(&s, false, &prev, &queue);
	KUNIT_EXPECT_FALSE(test, queue);
	ps_suspend_unhold(&s);
	/* Still suspended: stays; a fatal signal leaves anyway. */
	KUNIT_EXPECT_FALSE(test, ps_park_leave(&s, false));
	KUNIT_EXPECT_TRUE(test, ps_park_leave(&s, true));
	KUNIT_EXPECT_FALSE(test, s.parked);
	KUNIT_EXPECT_FALSE(test, s.queued);
	/* The next suspend queues again. */
	ps_suspend_dec(&s, false);
	ps_suspend_inc(&s, false, &prev, &queue);
	KUNIT_EXPECT_TRUE(test, queue);
	/* Resumed before the work ran: it does not park. */
	ps_suspend_dec(&s, false);
	KUNIT_EXPECT_FALSE(test, ps_park_enter(&s, false));
	KUNIT_EXPECT_FALSE(test, s.queued);
	/* An exiting thread never parks. */
	ps_suspend_inc(&s, false, &prev, &queue);
	KUNIT_EXPECT_FALSE(test, ps_park_enter(&s, true));
	KUNIT_EXPECT_FALSE(test, s.parked);
}

static void context_flags(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(CONTEXT_FULL, false), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(CONTEXT_ALL, true), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(CONTEXT_AMD64, false), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(CONTEXT_ALL |
						     CONTEXT_EXCEPTION_REQUEST, false),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(0x1f, false), STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(0, false), STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(CONTEXT_AMD64 | 0x100, false),
			STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(0x00010001, false),
			STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(CONTEXT_XSTATE, false), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, ps_context_check_flags(CONTEXT_ALL | CONTEXT_XSTATE, true),
			STATUS_SUCCESS);
}

/* An XSAVE image and the XSTATE chunk's AVX feature, both ways. */
static void xstate_image(struct kunit *test)
{
	const u32 off = 576;	/* AVX in the standard layout */
	struct user_i387_struct *fx;
	struct ps_xstate *xs;
	u8 *image;
	u64 *bv;
	int i;

	if (!ps_xstate_features())
		kunit_skip(test, "the CPU has no AVX");
	image = kunit_kzalloc(test, 1024, GFP_KERNEL);
	xs = kunit_kzalloc(test, sizeof(*xs), GFP_KERNEL);
	fx = kunit_kzalloc(test, sizeof(*fx), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, image && xs && fx);
	bv = (u64 *)(image + PS_XSAVE_HEADER_OFFSET);

	/* In its initial state AVX reads as zeros; unserved features drop. */
	memset(image + off, 0xee, 256);
	memset(xs->ymm_high, 0xaa, sizeof(xs->ymm_high));
	xs->mask = PS_XSTATE_MASK_AVX | BIT_ULL(5);
	ps_xstate_from_image(xs, image, off);
	KUNIT_EXPECT_EQ(test, xs->mask, PS_XSTATE_MASK_AVX);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(xs->ymm_high, 0, sizeof(xs->ymm_high)));

	/* In use, it reads as it is. */
	for (i = 0; i < 256; i++)
		image[off + i] = i;
	*bv = PS_XSTATE_MASK_LEGACY | PS_XSTATE_MASK_AVX;
	ps_xstate_from_image(xs, image, off);
	KUNIT_EXPECT_EQ(test, xs->ymm_high[1].low, 0x1716151413121110ull);
	KUNIT_EXPECT_EQ(test, xs->ymm_high[1].high, 0x1f1e1d1c1b1a1918ll);
	/* Not asked for: not read. */
	memset(xs->ymm_high, 0xaa, sizeof(xs->ymm_high));
	xs->mask = 0;
	ps_xstate_from_image(xs, image, off);
	KUNIT_EXPECT_EQ(test, xs->ymm_high[0].low, 0xaaaaaaaaaaaaaaaaull);

	/* A set without AVX in the mask puts it in its initial state. */
	ps_xstate_to_image(image, xs, NULL, off);
	KUNIT_EXPECT_EQ(test, *bv, PS_XSTATE_MASK_LEGACY);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(image + off, 0, 256));
	/* With AVX, the feature is written and marked in use. */
	xs->mask = PS_XSTATE_MASK_AVX;
	xs->ymm_high[15].high = -2;
	ps_xstate_to_image(image, xs, NULL, off);
	KUNIT_EXPECT_EQ(test, *bv, PS_XSTATE_MASK_LEGACY | PS_XSTATE_MASK_AVX);
	KUNIT_EXPECT_EQ(test, *(s64 *)(image + off + 248), -2);
	/* No @xs: AVX is left alone. */
	*bv = 0;
	memset(image + 464, 0x5c, 48);	/* the kernel's software bytes */
	fx->mxcsr = 0x1f80;
	fx->xmm_space[0] = 0x12345678;
	memset(fx->padding, 0x11, sizeof(fx->padding));
	ps_xstate_to_image(image, NULL, fx, off);
	KUNIT_EXPECT_EQ(test, *bv, PS_XSTATE_MASK_LEGACY);
	KUNIT_EXPECT_EQ(test, *(u32 *)(image + 24), 0x1f80u);
	KUNIT_EXPECT_EQ(test, *(u32 *)(image + 160), 0x12345678u);
	KUNIT_EXPECT_EQ(test, image[464], 0x5c);
	KUNIT_EXPECT_EQ(test, *(s64 *)(image + off + 248), -2);
}

static void fill_regs(struct user_regs_struct *r)
{
	u64 *w = (u64 *)r;
	int i;

	for (i = 0; i < sizeof(*r) / sizeof(u64); i++)
		w[i] = 0x1000 + i;
	r->cs = 0x33;
	r->ss = 0x2b;
	r->ds = r->es = r->fs = r->gs = 0;
	r->flags = 0x246;
	r->ip = 0x401000;
	r->sp = 0x7ffc0000;
}

static void context_from_regs(struct kunit *test)
{
	struct user_regs_struct r;
	struct user_i387_struct fx;
	struct nt_context *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	fill_regs(&r);
	memset(&fx, 0x5a, sizeof(fx));
	fx.mxcsr = 0x1f80;

	memset(ctx, 0xcc, sizeof(*ctx));
	ps_context_from_regs(ctx, CONTEXT_CONTROL, &r, &fx);
	KUNIT_EXPECT_EQ(test, ctx->rip, 0x401000ull);
	KUNIT_EXPECT_EQ(test, ctx->rsp, 0x7ffc0000ull);
	KUNIT_EXPECT_EQ(test, ctx->seg_cs, 0x33);
	KUNIT_EXPECT_EQ(test, ctx->seg_ss, 0x2b);
	KUNIT_EXPECT_EQ(test, ctx->eflags, 0x246u);
	/* Parts not asked for are left alone. */
	KUNIT_EXPECT_EQ(test, ctx->rax, 0xccccccccccccccccull);
	KUNIT_EXPECT_EQ(test, ctx->mx_csr, 0xccccccccu);

	ps_context_from_regs(ctx, CONTEXT_ALL, &r, &fx);
	KUNIT_EXPECT_EQ(test, ctx->rax, r.ax);
	KUNIT_EXPECT_EQ(test, ctx->rcx, r.cx);
	KUNIT_EXPECT_EQ(test, ctx->rbp, r.bp);
	KUNIT_EXPECT_EQ(test, ctx->r8, r.r8);
	KUNIT_EXPECT_EQ(test, ctx->r15, r.r15);
	KUNIT_EXPECT_EQ(test, ctx->seg_ds, 0);
	KUNIT_EXPECT_EQ(test, ctx->mx_csr, 0x1f80u);
	KUNIT_EXPECT_EQ(test, memcmp(&ctx->flt_save, &fx, sizeof(fx)), 0);
	KUNIT_EXPECT_EQ(test, ctx->dr7, 0ull);
}

static void context_to_regs(struct kunit *test)
{
	struct user_regs_struct r, orig;
	struct user_i387_struct fx;
	struct nt_context *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	fill_regs(&r);
	orig = r;
	memset(&fx, 0, sizeof(fx));
	fx.mxcsr_mask = 0xffff;

	ctx->rip = 0x402000;
	ctx->rsp = 0x7ffd0000;
	ctx->eflags = 0xffffffff;	/* IF, IOPL, VM, ... are not the user's */
	ctx->seg_cs = 0x10;		/* kernel code: ignored */
	ctx->rax = 42;
	ctx->r15 = 15;
	ctx->mx_csr = 0xffffffff;
	ctx->flt_save.cwd = 0x37f;
	ctx->flt_save.xmm_space[0] = 0xdeadbeef;
	KUNIT_EXPECT_EQ(test, ps_context_to_regs(ctx, CONTEXT_CONTROL, &r, &fx),
			STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.ip, 0x402000ull);
	KUNIT_EXPECT_EQ(test, r.sp, 0x7ffd0000ull);
	KUNIT_EXPECT_EQ(test, r.cs, orig.cs);
	KUNIT_EXPECT_EQ(test, r.flags, (u64)(0x246 | 0x50dd5));
	KUNIT_EXPECT_EQ(test, r.ax, orig.ax);
	KUNIT_EXPECT_EQ(test, (long)r.orig_ax, -1L);
	KUNIT_EXPECT_EQ(test, fx.cwd, 0);

	KUNIT_EXPECT_EQ(test, ps_context_to_regs(ctx, CONTEXT_FULL, &r, &fx), STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, r.ax, 42ull);
	KUNIT_EXPECT_EQ(test, r.r15, 15ull);
	KUNIT_EXPECT_EQ(test, r.fs_base, orig.fs_base);
	KUNIT_EXPECT_EQ(test, fx.cwd, 0x37f);
	KUNIT_EXPECT_EQ(test, fx.mxcsr, 0xffffu);
	KUNIT_EXPECT_EQ(test, fx.mxcsr_mask, 0xffffu);
	KUNIT_EXPECT_EQ(test, fx.xmm_space[0], 0xdeadbeefu);

	/* A kernel Rip: refused, nothing written. */
	r = orig;
	ctx->rip = TASK_SIZE_MAX;
	KUNIT_EXPECT_EQ(test, ps_context_to_regs(ctx, CONTEXT_FULL, &r, &fx),
			STATUS_INVALID_PARAMETER);
	KUNIT_EXPECT_EQ(test, memcmp(&r, &orig, sizeof(r)), 0);
	ctx->rip = 0xffffffff81000000ull;
	KUNIT_EXPECT_EQ(test, ps_context_to_regs(ctx, CONTEXT_CONTROL, &r, &fx),
			STATUS_INVALID_PARAMETER);
	/* Without CONTROL, Rip is not looked at. */
	KUNIT_EXPECT_EQ(test, ps_context_to_regs(ctx, CONTEXT_INTEGER, &r, &fx),
			STATUS_SUCCESS);
	/* An enabled breakpoint cannot be set; a clear Dr7 is fine. */
	ctx->rip = 0x402000;
	ctx->dr7 = 1;
	KUNIT_EXPECT_EQ(test, ps_context_to_regs(ctx, CONTEXT_ALL, &r, &fx),
			STATUS_NOT_SUPPORTED);
	ctx->dr7 = 0;
	KUNIT_EXPECT_EQ(test, ps_context_to_regs(ctx, CONTEXT_ALL, &r, &fx), STATUS_SUCCESS);
}

static void context_restart(struct kunit *test)
{
	struct user_regs_struct r = {};

	r.orig_ax = 0;			/* read */
	r.ax = -ERESTARTSYS;
	r.ip = 0x401002;
	ps_context_pending_restart(&r);
	KUNIT_EXPECT_EQ(test, r.ax, 0ull);
	KUNIT_EXPECT_EQ(test, r.ip, 0x401000ull);

	r.orig_ax = 35;			/* nanosleep */
	r.ax = -ERESTART_RESTARTBLOCK;
	r.ip = 0x401002;
	ps_context_pending_restart(&r);
	KUNIT_EXPECT_EQ(test, r.ax, (u64)__NR_restart_syscall);
	KUNIT_EXPECT_EQ(test, r.ip, 0x401000ull);

	/* A finished call, or no call at all: unchanged. */
	r.orig_ax = 0;
	r.ax = -EINTR;
	r.ip = 0x401002;
	ps_context_pending_restart(&r);
	KUNIT_EXPECT_EQ(test, r.ip, 0x401002ull);
	r.orig_ax = -1;
	r.ax = -ERESTARTSYS;
	ps_context_pending_restart(&r);
	KUNIT_EXPECT_EQ(test, r.ip, 0x401002ull);
}

static void stack_sizes(struct kunit *test)
{
	static const struct {
		u64 size, max, commit, reserve;
	} cases[] = {
		{ 0, 0, SZ_64K, SZ_1M },			/* the defaults */
		{ 4097, 0, 2 * PAGE_SIZE, SZ_1M },		/* commit: pages */
		{ 0, 100000, SZ_64K, 2 * SZ_64K },		/* reserve: 64 KiB */
		{ SZ_1M, 0, SZ_1M, SZ_1M },			/* as large: 1 MiB */
		{ 3 * SZ_512K, 0, 3 * SZ_512K, SZ_2M },	/* larger: rounded */
		{ SZ_2M, SZ_1M, SZ_2M, SZ_2M },
		{ SZ_64K, SZ_4M, SZ_64K, SZ_4M },
	};
	u64 commit, reserve;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ps_stack_sizes(cases[i].size, cases[i].max, &commit, &reserve);
		KUNIT_EXPECT_EQ_MSG(test, commit, cases[i].commit, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, reserve, cases[i].reserve, "case %d", i);
	}
}

static struct kunit_case thread_test_cases[] = {
	KUNIT_CASE(suspend_counts),
	KUNIT_CASE(suspend_process_undoes_exactly),
	KUNIT_CASE(park_holds_and_leaves),
	KUNIT_CASE(context_flags),
	KUNIT_CASE(xstate_image),
	KUNIT_CASE(context_from_regs),
	KUNIT_CASE(context_to_regs),
	KUNIT_CASE(context_restart),
	KUNIT_CASE(stack_sizes),
	{}
};

static struct kunit_suite thread_test_suite = {
	.name = "ntexec_thread",
	.test_cases = thread_test_cases,
};
kunit_test_suite(thread_test_suite);
