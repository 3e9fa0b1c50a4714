// SPDX-License-Identifier: GPL-2.0
/*
 * Extended thread contexts: CONTEXT_XSTATE (the AVX state through a
 * CONTEXT_EX) on a suspended thread, the caller's own FPU state
 * (CONTEXT_FLOATING_POINT and CONTEXT_XSTATE on NtCurrentThread(), loaded
 * by libntexec), and the Rtl layout functions, as Windows behaves.
 */
#include <cpuid.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "nt_util.h"

static int have_avx(void)
{
	unsigned int a, b, c, d, lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/* An extended context laid out by the Rtl functions, asking for AVX. */
struct xctx {
	void *buf;
	CONTEXT *ctx;
	CONTEXT_EX *ex;
	uint64_t *high;		/* YMM0-15's upper halves: 16 x 2 quadwords */
};

static void xctx_new(struct xctx *x, ULONG flags)
{
	ULONG len = 0, flen = 0;

	ASSERT_STATUS(RtlGetExtendedContextLength(flags, &len), STATUS_SUCCESS);
	x->buf = calloc(1, len);
	ASSERT_TRUE(x->buf);
	ASSERT_STATUS(RtlInitializeExtendedContext(x->buf, flags, &x->ex), STATUS_SUCCESS);
	x->ctx = RtlLocateLegacyContext(x->ex, NULL);
	ASSERT_EQ((uintptr_t)x->ctx % 16, 0u);
	ASSERT_EQ((uintptr_t)(x->ctx + 1), (uintptr_t)x->ex);
	x->high = RtlLocateExtendedFeature(x->ex, XSTATE_AVX, &flen);
	ASSERT_TRUE(x->high);
	ASSERT_EQ(flen, 256u);
	RtlSetExtendedFeaturesMask(x->ex, XSTATE_MASK_AVX);
}

/* ---- a thread holding a known YMM state -------------------------------- */

struct ymm_worker {
	uint64_t pattern[16][4];
	uint64_t output[16][4];
	_Atomic int ready;
	_Atomic int go;
	_Atomic pid_t tid;
};

/*
 * Loads YMM0-15 from pattern, says ready, spins without touching a vector
 * register until go, stores YMM0-15 to output. No compiled code in between.
 */
void ymm_hold(struct ymm_worker *w);
__asm__(".text\n"
	".globl ymm_hold\n"
	".type ymm_hold, @function\n"
	"ymm_hold:\n"
	".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu (32 * \\r)(%rdi), %ymm\\r\n"
	".endr\n"
	"	movl $1, 1024(%rdi)\n"
	"1:	pause\n"
	"	cmpl $0, 1028(%rdi)\n"
	"	je 1b\n"
	".irp r,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu %ymm\\r, (512 + 32 * \\r)(%rdi)\n"
	".endr\n"
	"	vzeroupper\n"
	"	ret\n"
	".size ymm_hold, .-ymm_hold\n");

static void *ymm_main(void *arg)
{
	struct ymm_worker *w = arg;

	atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
	ymm_hold(w);
	return NULL;
}

_Static_assert(offsetof(struct ymm_worker, output) == 512, "ymm_hold's layout");
_Static_assert(offsetof(struct ymm_worker, ready) == 1024, "ymm_hold's layout");
_Static_assert(offsetof(struct ymm_worker, go) == 1028, "ymm_hold's layout");

static HANDLE ymm_start(struct ymm_worker *w, pthread_t *t)
{
	int i, j;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < 16; i++)
		for (j = 0; j < 4; j++)
			w->pattern[i][j] = 0x1234000000000000ull | (uint64_t)i << 32 | j;
	ASSERT_EQ(pthread_create(t, NULL, ymm_main, w), 0);
	while (!atomic_load(&w->ready))
		sched_yield();
	return xopen_thread(THREAD_ALL_ACCESS, getpid(), atomic_load(&w->tid));
}

TEST(xstate_of_suspended_thread)
{
	uint64_t changed[16][2];
	struct ymm_worker *w;
	struct xctx x;
	CONTEXT *fp;
	pthread_t t;
	HANDLE h, ro, wo;
	ULONG prev;
	int i;

	if (!have_avx())
		SKIP("no AVX on this CPU");
	nt_setup();
	w = aligned_alloc(64, sizeof(*w));
	ASSERT_TRUE(w);
	h = ymm_start(w, &t);
	ASSERT_STATUS(NtSuspendThread(h, NULL), STATUS_SUCCESS);
	xctx_new(&x, CONTEXT_CONTROL | CONTEXT_XSTATE);

	/* The upper halves are the thread's; the mask says AVX. */
	x.ctx->Rax = 0xfeedface;
	ASSERT_STATUS(NtGetContextThread(h, x.ctx), STATUS_SUCCESS);
	EXPECT_EQ(RtlGetExtendedFeaturesMask(x.ex), XSTATE_MASK_AVX);
	EXPECT_EQ(x.ctx->Rax, 0xfeedfaceu);	/* CONTEXT_INTEGER not asked */
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(x.high[2 * i], w->pattern[i][2]);
		EXPECT_EQ(x.high[2 * i + 1], w->pattern[i][3]);
	}

	/* A set changes them; a get reads the change back. */
	for (i = 0; i < 16; i++) {
		changed[i][0] = 0xabcd000000000000ull | (uint64_t)i << 32;
		changed[i][1] = 0xabcd000000000000ull | (uint64_t)i << 32 | 1;
	}
	memcpy(x.high, changed, sizeof(changed));
	ASSERT_STATUS(NtSetContextThread(h, x.ctx), STATUS_SUCCESS);
	memset(x.high, 0, sizeof(changed));
	ASSERT_STATUS(NtGetContextThread(h, x.ctx), STATUS_SUCCESS);
	EXPECT_EQ(memcmp(x.high, changed, sizeof(changed)), 0);

	/* Each right for its own direction. */
	ro = xopen_thread(THREAD_GET_CONTEXT, getpid(), atomic_load(&w->tid));
	wo = xopen_thread(THREAD_SET_CONTEXT, getpid(), atomic_load(&w->tid));
	EXPECT_STATUS(NtGetContextThread(ro, x.ctx), STATUS_SUCCESS);
	EXPECT_STATUS(NtSetContextThread(ro, x.ctx), STATUS_ACCESS_DENIED);
	EXPECT_STATUS(NtSetContextThread(wo, x.ctx), STATUS_SUCCESS);
	EXPECT_STATUS(NtGetContextThread(wo, x.ctx), STATUS_ACCESS_DENIED);
	xclose(ro);
	xclose(wo);

	/* A legacy FP get + set leaves the upper halves alone. */
	fp = aligned_alloc(16, sizeof(*fp));
	ASSERT_TRUE(fp);
	fp->ContextFlags = CONTEXT_FLOATING_POINT;
	ASSERT_STATUS(NtGetContextThread(h, fp), STATUS_SUCCESS);
	EXPECT_EQ(fp->Xmm3.Low, w->pattern[3][0]);
	EXPECT_EQ((uint64_t)fp->Xmm3.High, w->pattern[3][1]);
	ASSERT_STATUS(NtSetContextThread(h, fp), STATUS_SUCCESS);
	ASSERT_STATUS(NtGetContextThread(h, x.ctx), STATUS_SUCCESS);
	EXPECT_EQ(memcmp(x.high, changed, sizeof(changed)), 0);

	/* A header-only chunk with AVX in its mask is refused both ways. */
	x.ex->XState.Length = 64;
	EXPECT_STATUS(NtGetContextThread(h, x.ctx), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtSetContextThread(h, x.ctx), STATUS_INVALID_PARAMETER);
	x.ex->XState.Length = 64 + 256;

	/* A get without AVX in the mask does not write the feature. */
	RtlSetExtendedFeaturesMask(x.ex, 0);
	memset(x.high, 0xa5, sizeof(changed));
	ASSERT_STATUS(NtGetContextThread(h, x.ctx), STATUS_SUCCESS);
	EXPECT_EQ(x.high[0], 0xa5a5a5a5a5a5a5a5ull);
	EXPECT_EQ(RtlGetExtendedFeaturesMask(x.ex), 0u);
	/* A set without it puts AVX in its initial state: zeros. */
	ASSERT_STATUS(NtSetContextThread(h, x.ctx), STATUS_SUCCESS);
	RtlSetExtendedFeaturesMask(x.ex, XSTATE_MASK_AVX);
	ASSERT_STATUS(NtGetContextThread(h, x.ctx), STATUS_SUCCESS);
	EXPECT_EQ(RtlGetExtendedFeaturesMask(x.ex), XSTATE_MASK_AVX);
	for (i = 0; i < 32; i++)
		EXPECT_EQ(x.high[i], 0u);

	/* CONTEXT_FLOATING_POINT | CONTEXT_XSTATE sets whole YMM registers. */
	memcpy(x.high, changed, sizeof(changed));
	x.ctx->ContextFlags = CONTEXT_FLOATING_POINT | CONTEXT_XSTATE;
	ASSERT_STATUS(NtGetContextThread(h, x.ctx), STATUS_SUCCESS);
	memcpy(x.high, changed, sizeof(changed));
	x.ctx->Xmm9.Low = 0x9999000000000009ull;
	ASSERT_STATUS(NtSetContextThread(h, x.ctx), STATUS_SUCCESS);

	/* The thread runs on with them. */
	ASSERT_STATUS(NtResumeThread(h, &prev), STATUS_SUCCESS);
	EXPECT_EQ(prev, 1u);
	atomic_store(&w->go, 1);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(w->output[i][0], i == 9 ? 0x9999000000000009ull : w->pattern[i][0]);
		EXPECT_EQ(w->output[i][1], w->pattern[i][1]);
		EXPECT_EQ(w->output[i][2], changed[i][0]);
		EXPECT_EQ(w->output[i][3], changed[i][1]);
	}
	xclose(h);
	free(fp);
	free(x.buf);
	free(w);
}

TEST(xstate_bad_arguments)
{
	struct ymm_worker *w;
	struct xctx x;
	pthread_t t;
	HANDLE h;

	if (!have_avx())
		SKIP("no AVX on this CPU");
	nt_setup();
	w = aligned_alloc(64, sizeof(*w));
	ASSERT_TRUE(w);
	h = ymm_start(w, &t);
	ASSERT_STATUS(NtSuspendThread(h, NULL), STATUS_SUCCESS);
	xctx_new(&x, CONTEXT_XSTATE);
	/* A chunk shorter than its header. */
	x.ex->XState.Length = 63;
	EXPECT_STATUS(NtGetContextThread(h, x.ctx), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(NtSetContextThread(h, x.ctx), STATUS_INVALID_PARAMETER);
	/* A chunk that is not the caller's memory. */
	x.ex->XState.Length = 64 + 256;
	x.ex->XState.Offset = 0x7ff00000;
	EXPECT_STATUS(NtGetContextThread(h, x.ctx), STATUS_ACCESS_VIOLATION);
	EXPECT_STATUS(NtSetContextThread(h, x.ctx), STATUS_ACCESS_VIOLATION);
	x.ex->XState.Offset = -0x7ff00000;
	EXPECT_STATUS(NtGetContextThread(h, x.ctx), STATUS_ACCESS_VIOLATION);
	/* Unknown ContextFlags bits next to it. */
	x.ctx->ContextFlags = CONTEXT_XSTATE | 0x80;
	EXPECT_STATUS(NtGetContextThread(h, x.ctx), STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(RtlGetExtendedContextLength(CONTEXT_XSTATE | 0x80, &(ULONG){ 0 }),
		      STATUS_INVALID_PARAMETER);
	EXPECT_STATUS(RtlGetExtendedContextLength(0x40, &(ULONG){ 0 }),
		      STATUS_INVALID_PARAMETER);
	ASSERT_STATUS(NtResumeThread(h, NULL), STATUS_SUCCESS);
	atomic_store(&w->go, 1);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	xclose(h);
	free(x.buf);
	free(w);
}

TEST(extended_context_layout)
{
	ULONG plain = 0, ext = 0, len = 0;
	CONTEXT_EX *ex;
	char *buf;

	ASSERT_STATUS(RtlGetExtendedContextLength(CONTEXT_FULL, &plain), STATUS_SUCCESS);
	ASSERT_STATUS(RtlGetExtendedContextLength(CONTEXT_FULL | CONTEXT_XSTATE, &ext),
		      STATUS_SUCCESS);
	EXPECT_GE(plain, sizeof(CONTEXT) + sizeof(CONTEXT_EX));
	EXPECT_GE(ext, plain + sizeof(XSAVE_AREA_HEADER));
	buf = calloc(1, ext + 1);
	ASSERT_TRUE(buf);
	/* An unaligned buffer: the CONTEXT is placed at the next 16 bytes. */
	ASSERT_STATUS(RtlInitializeExtendedContext(buf + 1, CONTEXT_FULL | CONTEXT_XSTATE, &ex),
		      STATUS_SUCCESS);
	EXPECT_EQ((uintptr_t)RtlLocateLegacyContext(ex, &len) % 16, 0u);
	EXPECT_EQ(len, sizeof(CONTEXT));
	EXPECT_EQ(RtlLocateLegacyContext(ex, NULL)->ContextFlags, CONTEXT_FULL | CONTEXT_XSTATE);
	EXPECT_EQ(ex->Legacy.Offset, -(LONG)sizeof(CONTEXT));
	EXPECT_EQ(((uintptr_t)ex + ex->XState.Offset) % 64, 0u);
	EXPECT_GE(ex->XState.Length, sizeof(XSAVE_AREA_HEADER));
	EXPECT_LE((char *)ex + ex->XState.Offset + ex->XState.Length, buf + 1 + ext);
	EXPECT_EQ(ex->All.Offset, -(LONG)sizeof(CONTEXT));
	EXPECT_EQ(RtlGetExtendedFeaturesMask(ex), 0u);
	/* Only the enabled features, and never the legacy ones, are set. */
	RtlSetExtendedFeaturesMask(ex, ~0ull);
	EXPECT_EQ(RtlGetExtendedFeaturesMask(ex), have_avx() ? XSTATE_MASK_AVX : 0u);
	EXPECT_EQ(RtlGetEnabledExtendedFeatures(~0ull),
		  XSTATE_MASK_LEGACY | (have_avx() ? XSTATE_MASK_AVX : 0u));
	EXPECT_EQ(RtlLocateExtendedFeature(ex, XSTATE_LEGACY_SSE, NULL), NULL);
	EXPECT_EQ(RtlLocateExtendedFeature(ex, 7, NULL), NULL);
	free(buf);
}

/* ---- the caller's own FPU state ----------------------------------------- */

static uint32_t get_mxcsr(void)
{
	uint32_t v;

	__asm__ volatile("stmxcsr %0" : "=m"(v));
	return v;
}

static void set_mxcsr(uint32_t v)
{
	__asm__ volatile("ldmxcsr %0" : : "m"(v));
}

TEST(set_own_floating_point)
{
	CONTEXT *ctx = aligned_alloc(16, sizeof(*ctx));
	uint32_t before;

	ASSERT_TRUE(ctx);
	nt_setup();
	before = get_mxcsr();
	ctx->ContextFlags = CONTEXT_FLOATING_POINT;
	ASSERT_STATUS(NtGetContextThread(NtCurrentThread(), ctx), STATUS_SUCCESS);
	EXPECT_EQ(ctx->MxCsr, before);

	/* The FPU part alone: the call returns, the state is loaded. */
	ctx->MxCsr = (before & ~0x6000u) | 0x6000;	/* round toward zero */
	ASSERT_STATUS(NtSetContextThread(NtCurrentThread(), ctx), STATUS_SUCCESS);
	EXPECT_EQ(get_mxcsr(), (before & ~0x6000u) | 0x6000);
	set_mxcsr(before);

	/* Through a real handle to this thread too. */
	{
		HANDLE self = xopen_thread(THREAD_SET_CONTEXT | THREAD_GET_CONTEXT, getpid(),
					   (pid_t)syscall(SYS_gettid));

		ctx->MxCsr = (before & ~0x6000u) | 0x2000;	/* round down */
		ASSERT_STATUS(NtSetContextThread(self, ctx), STATUS_SUCCESS);
		EXPECT_EQ(get_mxcsr(), (before & ~0x6000u) | 0x2000);
		set_mxcsr(before);
		xclose(self);
	}

	/* A handle without THREAD_SET_CONTEXT changes nothing. */
	{
		HANDLE ro = xopen_thread(THREAD_GET_CONTEXT, getpid(), (pid_t)syscall(SYS_gettid));

		ctx->MxCsr = (before & ~0x6000u) | 0x4000;
		EXPECT_STATUS(NtSetContextThread(ro, ctx), STATUS_ACCESS_DENIED);
		EXPECT_EQ(get_mxcsr(), before);
		xclose(ro);
	}

	/* A failing rest (a kernel Rip) undoes the FPU load: nothing changes. */
	ctx->ContextFlags = CONTEXT_FULL;
	ASSERT_STATUS(NtGetContextThread(NtCurrentThread(), ctx), STATUS_SUCCESS);
	ctx->MxCsr = (before & ~0x6000u) | 0x6000;
	ctx->Rip = 0xffffffff81000000ull;
	EXPECT_STATUS(NtSetContextThread(NtCurrentThread(), ctx), STATUS_INVALID_PARAMETER);
	EXPECT_EQ(get_mxcsr(), before);
	free(ctx);
}

static void __attribute__((noreturn, used)) land_with_fpu(uint64_t a)
{
	uint64_t hi[2];

	/* YMM15's upper half as the set left it, then MXCSR. */
	__asm__ volatile("vextractf128 $1, %%ymm15, %0" : "=m"(hi));
	if (a != 0x77)
		_exit(1);
	if (hi[0] != 0x5151515151515151ull || hi[1] != 0x1515151515151515ull)
		_exit(5);
	_exit((get_mxcsr() & 0x6000) == 0x6000 ? 0 : 6);
}

TEST(set_own_context_with_fpu)
{
	pid_t pid;
	int st;

	nt_setup();
	if (!have_avx())
		SKIP("no AVX on this CPU");
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		static char stack[65536] __attribute__((aligned(16)));
		struct xctx x;
		int i;

		nt_setup();
		xctx_new(&x, CONTEXT_FULL | CONTEXT_XSTATE);
		if (NtGetContextThread(NtCurrentThread(), x.ctx))
			_exit(2);
		for (i = 0; i < 32; i += 2) {
			x.high[i] = 0x5151515151515151ull;
			x.high[i + 1] = 0x1515151515151515ull;
		}
		x.ctx->MxCsr |= 0x6000;
		x.ctx->Rip = (uintptr_t)land_with_fpu;
		x.ctx->Rsp = (uintptr_t)(stack + sizeof(stack) - 8);
		x.ctx->Rdi = 0x77;
		/* Does not return: on at land_with_fpu with the FPU state. */
		NtSetContextThread(NtCurrentThread(), x.ctx);
		_exit(3);
	}
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
}

TEST(set_own_xstate)
{
	uint64_t hi[2];
	struct xctx x;
	int i;

	if (!have_avx())
		SKIP("no AVX on this CPU");
	nt_setup();
	xctx_new(&x, CONTEXT_XSTATE);
	for (i = 0; i < 32; i++)
		x.high[i] = 0x3c3c000000000000ull | i;
	ASSERT_STATUS(NtSetContextThread(NtCurrentThread(), x.ctx), STATUS_SUCCESS);
	__asm__ volatile("vextractf128 $1, %%ymm14, %0" : "=m"(hi));
	EXPECT_EQ(hi[0], 0x3c3c000000000000ull | 28);
	EXPECT_EQ(hi[1], 0x3c3c000000000000ull | 29);
	/* And a get of the caller's own reads it back (no memset here: glibc's
	 * clears the upper halves with VZEROUPPER). */
	for (i = 0; i < 32; i++)
		((volatile uint64_t *)x.high)[i] = 0;
	ASSERT_STATUS(NtGetContextThread(NtCurrentThread(), x.ctx), STATUS_SUCCESS);
	EXPECT_EQ(RtlGetExtendedFeaturesMask(x.ex), XSTATE_MASK_AVX);
	EXPECT_EQ(x.high[28], 0x3c3c000000000000ull | 28);
	__asm__ volatile("vzeroupper");
	free(x.buf);
}
